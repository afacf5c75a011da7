//! The prompt read offline, on the sample tables: each intent becomes the rule it should, the
//! rule says it came from the prompt, and run over the data it finds exactly the planted defects
//! listed in docs/sample-data.md.

use crate::common;

use dqx_manager::engine::evaluate::{EvalOptions, evaluate};
use dqx_manager::engine::generate::GeneratorOptions;
use dqx_manager::engine::generation::generation_result;
use dqx_manager::engine::profile::profile_table;
use dqx_manager::model::results::ValidationResult;
use dqx_manager::model::rules::aspects::{Aspect, aspects, shared};
use dqx_manager::model::rules::validate::validate_rule_set;
use dqx_manager::model::rules::{rule_columns, rule_function};
use dqx_manager::model::runs::GenerationResult;
use serde_json::Value;

async fn generate(table: &str, prompt: &str) -> (GenerationResult, ValidationResult) {
    let ctx = common::alice_session().await;
    let profile = profile_table(&ctx, table, table, None).await.unwrap();
    let generated = generation_result(&profile, prompt, &GeneratorOptions::default());
    let columns: Vec<String> = profile.columns.iter().map(|c| c.name.clone()).collect();
    let validation = validate_rule_set(&Value::Array(generated.rules.clone()), Some(&columns));
    assert!(validation.is_valid(), "{:?}", validation.problems);
    let options = EvalOptions {
        now: Some("2026-11-29T12:00:00".into()),
        ..Default::default()
    };
    let evaluation = evaluate(&ctx, table, table, &validation.rules, &options)
        .await
        .unwrap();
    (generated, evaluation.result)
}

/// The prompt rule of `function` on `column`, and its violations.
fn prompt_rule<'a>(
    g: &'a GenerationResult,
    r: &ValidationResult,
    function: &str,
    column: &str,
) -> (&'a Value, u64) {
    let rule = g
        .rules
        .iter()
        .find(|rule| {
            rule["check"]["function"] == function
                && (rule["check"]["arguments"]["column"] == column
                    || rule["check"]["arguments"]["columns"] == serde_json::json!([column]))
        })
        .unwrap_or_else(|| panic!("no {function} rule on {column} in {:#?}", g.rules));
    assert_eq!(rule["user_metadata"]["source"], "prompt", "{rule}");
    let name = rule["name"].as_str().unwrap();
    let count = r
        .rule_results
        .iter()
        .find(|x| x.rule_name == name)
        .unwrap()
        .violation_count;
    (rule, count)
}

#[tokio::test]
async fn emails_valid_and_customer_ids_unique() {
    let (g, r) = generate(
        "main.sales.customers",
        "emails must be valid and customer ids unique",
    )
    .await;
    // 20 malformed e-mails (NULLs pass a regex check, as in DQX).
    assert_eq!(prompt_rule(&g, &r, "is_valid_email", "email").1, 20);
    // 20 rows share a customer_id with another row.
    assert_eq!(prompt_rule(&g, &r, "is_unique", "customer_id").1, 20);
    assert!(g.metadata.generator.contains("offline"));
    assert!(g.prompt_notes.is_empty(), "{:?}", g.prompt_notes);
}

/// Issue 29 (2): the profile's rules never pass planted defects or fail tomorrow's rows, and the
/// prompt's rule replaces the profile's that asks the same of the same column.
#[tokio::test]
async fn one_rule_per_column_and_intent_no_range_past_now_and_none_on_ids() {
    let (g, r) = generate(
        "main.sales.customers",
        "emails must be valid, signup dates not in the future (just a warning)",
    )
    .await;
    for (i, a) in g.rules.iter().enumerate() {
        for b in &g.rules[i + 1..] {
            assert!(shared(a, b).is_empty(), "{a} and {b} ask the same");
        }
    }
    let on = |column: &str| -> Vec<&Value> {
        g.rules
            .iter()
            .filter(|x| rule_columns(x) == [column])
            .collect()
    };
    // The id keeps its not-null rule and gets no range (which would fail the next new id).
    let ids: Vec<&str> = on("customer_id").iter().map(|x| rule_function(x)).collect();
    assert!(!ids.contains(&"is_in_range"), "{ids:?}");
    // The date: the earliest value as its lower limit, and the prompt's warning for the future.
    let (future, count) = prompt_rule(&g, &r, "is_not_in_future", "signup_date");
    assert_eq!(future["criticality"], "warn");
    assert_eq!(count, 8, "the planted future signups");
    assert!(
        on("signup_date")
            .iter()
            .all(|x| !matches!(rule_function(x), "is_in_range" | "is_not_greater_than")),
        "{:#?}",
        on("signup_date")
    );
    // One e-mail format rule, the prompt's.
    let formats = on("email")
        .into_iter()
        .filter(|x| aspects(x).contains(&Aspect::Format))
        .count();
    assert_eq!(formats, 1);
    assert!(g.summary.contains("replaced"), "{}", g.summary);
}

#[tokio::test]
async fn no_negative_amounts() {
    let (g, r) = generate("main.sales.orders", "No negative amounts").await;
    let (rule, count) = prompt_rule(&g, &r, "is_not_less_than", "amount");
    assert_eq!(rule["check"]["arguments"]["limit"], 0);
    assert_eq!(count, 80);
}

#[tokio::test]
async fn order_ids_are_unique() {
    let (g, r) = generate("main.sales.orders", "order ids are unique").await;
    assert_eq!(prompt_rule(&g, &r, "is_unique", "order_id").1, 0);
}

#[tokio::test]
async fn status_is_one_of_a_list_with_quoted_literals() {
    let (g, r) = generate(
        "main.sales.orders",
        "status is one of new, paid, shipped, delivered, cancelled",
    )
    .await;
    let (rule, count) = prompt_rule(&g, &r, "is_in_list", "status");
    assert_eq!(
        rule["check"]["arguments"]["allowed"],
        serde_json::json!(["'new'", "'paid'", "'shipped'", "'delivered'", "'cancelled'"])
    );
    assert_eq!(count, 100);
    // The profile's own list for status was replaced, not kept beside it.
    let lists = g
        .rules
        .iter()
        .filter(|x| {
            x["check"]["function"] == "is_in_list" && x["check"]["arguments"]["column"] == "status"
        })
        .count();
    assert_eq!(lists, 1);
}

#[tokio::test]
async fn dates_not_in_the_future() {
    let (g, r) = generate("main.sales.customers", "dates not in the future").await;
    assert_eq!(prompt_rule(&g, &r, "is_not_in_future", "signup_date").1, 8);
    let (g, r) = generate("main.hr.employees", "hire dates must not be in the future").await;
    assert_eq!(prompt_rule(&g, &r, "is_not_in_future", "hire_date").1, 5);
}

#[tokio::test]
async fn warn_only_makes_every_rule_a_warning() {
    let (g, r) = generate(
        "main.hr.employees",
        "salary between 30000 and 250000, warn only",
    )
    .await;
    assert!(g.rules.iter().all(|x| x["criticality"] == "warn"));
    let (_, count) = prompt_rule(&g, &r, "is_in_range", "salary");
    assert_eq!(count, 10);
    // Warnings never make a row invalid.
    assert_eq!(r.invalid_rows, 0);
    assert!(r.rows_with_warnings >= 10);
}
