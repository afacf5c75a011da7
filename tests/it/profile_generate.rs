//! Profiling the sample tables finds the planted defects' traces, and the generated rules are
//! valid DQX rules that run.

use crate::common;

use dqx_manager::engine::evaluate::{EvalOptions, evaluate};
use dqx_manager::engine::generate::{GeneratorOptions, rules_from_profile};
use dqx_manager::engine::profile::profile_table;
use dqx_manager::model::profile::ValueFormat;
use dqx_manager::model::rules::validate::validate_rule_set;
use serde_json::Value;

#[tokio::test]
async fn customers_profile_shows_the_planted_defects() {
    let ctx = common::alice_session().await;
    let p = profile_table(&ctx, "main.sales.customers", "main.sales.customers", None)
        .await
        .unwrap();
    assert_eq!(p.row_count, 1000);
    let col = |name: &str| p.columns.iter().find(|c| c.name == name).unwrap();
    let email = col("email");
    assert_eq!(email.null_count, 20);
    let emails = email
        .formats
        .iter()
        .find(|f| f.format == ValueFormat::Email)
        .unwrap();
    assert_eq!(
        emails.matching, 960,
        "980 non-NULL emails, 20 of them malformed"
    );
    assert_eq!(
        col("lifetime_value")
            .min
            .as_deref()
            .map(|m| m.starts_with('-')),
        Some(true)
    );
    assert_eq!(col("country").top_values.len(), 10);
    assert_eq!(
        col("country")
            .top_values
            .iter()
            .map(|(_, n)| n)
            .sum::<u64>(),
        1000
    );
    let ip = col("ip_address")
        .formats
        .iter()
        .find(|f| f.format == ValueFormat::Ipv4)
        .unwrap();
    assert_eq!(ip.matching, 984);
}

#[tokio::test]
async fn sample_limit_bounds_the_rows_profiled() {
    let ctx = common::alice_session().await;
    let p = profile_table(&ctx, "main.sales.orders", "main.sales.orders", Some(500))
        .await
        .unwrap();
    assert_eq!(p.row_count, 500);
    assert_eq!(p.total_row_count, 10_000);
    assert!(p.columns.iter().all(|c| c.count == 500));
}

#[tokio::test]
async fn orders_status_values_are_counted() {
    let ctx = common::alice_session().await;
    let p = profile_table(&ctx, "main.sales.orders", "main.sales.orders", None)
        .await
        .unwrap();
    let status = p.columns.iter().find(|c| c.name == "status").unwrap();
    let total: u64 = status.top_values.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 10_000);
    let bad: u64 = status
        .top_values
        .iter()
        .filter(|(v, _)| {
            !["new", "paid", "shipped", "delivered", "cancelled"].contains(&v.as_str())
        })
        .map(|(_, n)| n)
        .sum();
    assert_eq!(bad, 100, "the planted unknown statuses");
}

#[tokio::test]
async fn generated_rules_validate_and_run() {
    let ctx = common::alice_session().await;
    let p = profile_table(&ctx, "main.sales.customers", "main.sales.customers", None)
        .await
        .unwrap();
    let rules = Value::Array(rules_from_profile(&p, &GeneratorOptions::default()));
    let columns: Vec<String> = p.columns.iter().map(|c| c.name.clone()).collect();
    let v = validate_rule_set(&rules, Some(&columns));
    assert!(v.is_valid(), "{:?}", v.problems);
    assert!(
        v.problems.is_empty(),
        "no warnings either: {:?}",
        v.problems
    );
    let names: Vec<&str> = v.rules.iter().map(|r| r.name.as_str()).collect();
    assert!(
        names.contains(&"email_does_not_match_pattern_email_address"),
        "{names:?}"
    );
    // Ten countries is not fewer than DQX's max_in_count (10): no in-list rule.
    assert!(!names.contains(&"country_other_value"), "{names:?}");
    let e = evaluate(
        &ctx,
        "main.sales.customers",
        "main.sales.customers",
        &v.rules,
        &EvalOptions::default(),
    )
    .await
    .unwrap();
    let email = e
        .result
        .rule_results
        .iter()
        .find(|r| r.rule_name == "email_does_not_match_pattern_email_address")
        .unwrap();
    assert_eq!(email.violation_count, 20);
    assert!(
        e.result
            .rule_results
            .iter()
            .all(|r| r.status != dqx_manager::model::results::RuleStatus::Error)
    );
}

#[tokio::test]
async fn low_cardinality_columns_get_quoted_in_lists() {
    let ctx = common::alice_session().await;
    let p = profile_table(&ctx, "main.sales.orders", "main.sales.orders", None)
        .await
        .unwrap();
    let rules = rules_from_profile(&p, &GeneratorOptions::default());
    let currency = rules
        .iter()
        .find(|r| r["name"] == "currency_other_value")
        .unwrap();
    assert_eq!(
        currency["check"]["arguments"]["allowed"],
        serde_json::json!(["'EUR'", "'GBP'", "'USD'"])
    );
}
