//! Why rows fail, on the embedded engine over the sample data: the planted segment (the 125 NULL
//! currencies of main.sales.orders all on two days) is found, and random defects (the unknown
//! statuses, one row in a hundred) give no strong segment.

use crate::common;

use dqx_manager::engine::triage::triage_local;
use dqx_manager::model::rules::validate::validate_rule_set;
use serde_json::json;

#[tokio::test]
async fn the_null_currencies_cluster_on_two_days_and_random_defects_give_no_segment() {
    let ctx = common::alice_session().await;
    let rules = json!([
        {"name": "currency_is_null", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "currency"}}},
        {"name": "status_other_value", "criticality": "error", "check": {"function": "is_in_list", "arguments": {"column": "status", "allowed": ["'new'", "'paid'", "'shipped'", "'delivered'", "'cancelled'"]}}},
    ]);
    let checked = validate_rule_set(&rules, None);
    assert!(checked.is_valid(), "{:?}", checked.problems);
    let (triaged, rows) = triage_local(&ctx, "main.sales.orders", &checked.rules, 100_000)
        .await
        .unwrap();
    assert_eq!(rows, 10_000);

    let currency = &triaged[0];
    assert_eq!((currency.failing, currency.passing), (125, 9_875));
    let cluster = currency
        .in_time
        .as_ref()
        .expect("the NULL currencies cluster in time");
    assert_eq!(cluster.column, "order_ts");
    assert_eq!(cluster.buckets, ["2024-03-14", "2024-03-15"]);
    assert!(cluster.failing_share >= 0.9, "{cluster:?}");
    let days: Vec<String> = currency.segments.iter().map(|s| s.label()).collect();
    assert!(
        days.contains(&"order_ts on 2024-03-14".to_string()),
        "{days:?}"
    );
    assert!(
        currency.segments.iter().all(|s| s.column == "order_ts"),
        "only the days explain the NULL currencies: {days:?}"
    );

    let status = &triaged[1];
    assert_eq!(status.failing, 100);
    assert!(status.segments.is_empty(), "{:?}", status.segments);
    assert!(status.in_time.is_none(), "{:?}", status.in_time);
}

/// `triage_run` over HTTP: alice's finished validation is triaged as alice; bob cannot triage
/// her run; a rule with no failing rows is refused by name.
#[tokio::test]
async fn a_validation_run_is_triaged_as_its_caller_and_only_by_them() {
    use axum::http::StatusCode;
    use common::http::{ALICE, BOB, app, call, validated_as};
    let (app, _dir) = app().await;
    let rules = json!([
        {"name": "currency_is_null", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "currency"}}},
        {"name": "order_id_is_null", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "order_id"}}},
    ]);
    let run_id = validated_as(
        &app,
        &ALICE,
        json!({"table": "main.sales.orders", "rules": rules}),
    )
    .await;

    let triage = call(&app, "/api/triage_run", &ALICE, json!({"run_id": run_id})).await;
    assert_eq!(triage.status, StatusCode::OK, "{}", triage.text);
    let triaged = triage.body["rules"].as_array().unwrap();
    assert_eq!(
        triaged.len(),
        1,
        "only failing rules are triaged: {}",
        triage.text
    );
    assert_eq!(triaged[0]["rule_name"], "currency_is_null");
    assert_eq!(
        triaged[0]["in_time"]["buckets"],
        json!(["2024-03-14", "2024-03-15"]),
        "{}",
        triage.text
    );

    let bob = call(&app, "/api/triage_run", &BOB, json!({"run_id": run_id})).await;
    assert_eq!(bob.status, StatusCode::NOT_FOUND, "{}", bob.text);
    let passing = call(
        &app,
        "/api/triage_run",
        &ALICE,
        json!({"run_id": run_id, "rule_name": "order_id_is_null"}),
    )
    .await;
    assert_eq!(passing.status, StatusCode::BAD_REQUEST);
    assert!(
        passing.text.contains("order_id_is_null"),
        "{}",
        passing.text
    );
}

/// In a workspace the triage runs on the warehouse as the caller: the cardinality statement and
/// one grouped statement, then ai_query for the summary over the figures, all with alice's token
/// and nothing as the service principal; bob cannot triage her run.
#[tokio::test]
async fn a_workspace_triage_is_two_statements_and_a_summary_as_the_caller() {
    use axum::http::StatusCode;
    use common::fake_workspace::{WS_ALICE as alice, WS_BOB as bob, app_on_fake};
    use common::http::{call, validated_as};
    let (app, fake, _dir) = app_on_fake(&[]).await;
    let rules = json!([
        {"name": "email_is_null", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}},
    ]);
    let run_id = validated_as(
        &app,
        &alice,
        json!({"table": "main.sales.customers", "rules": rules}),
    )
    .await;
    let validated = fake.statements.lock().unwrap().len();
    let calls_before = fake.calls().len();

    let triage = call(&app, "/api/triage_run", &alice, json!({"run_id": run_id})).await;
    assert_eq!(triage.status, StatusCode::OK, "{}", triage.text);
    let rule = &triage.body["rules"][0];
    assert_eq!(rule["rule_name"], "email_is_null", "{}", triage.text);
    assert_eq!(
        (rule["failing"].as_u64(), rule["passing"].as_u64()),
        (Some(1), Some(11))
    );
    assert!(
        rule.get("note").is_none(),
        "it was triaged: {}",
        triage.text
    );
    assert_eq!(
        rule["segments"],
        json!([]),
        "one failing row is no segment: {}",
        triage.text
    );

    let sent = fake.statements.lock().unwrap()[validated..].to_vec();
    let statements: Vec<String> = sent.iter().map(|(sql, _)| sql.clone()).collect();
    assert_eq!(statements.len(), 3, "{statements:?}");
    assert!(
        statements[0].contains("approx_count_distinct("),
        "{}",
        statements[0]
    );
    assert!(
        statements[1].contains("GROUP BY __k0, __f"),
        "{}",
        statements[1]
    );
    for sql in &statements[..2] {
        assert!(sql.contains("`main`.`sales`.`customers`"), "{sql}");
    }
    // The summary: ai_query as alice, over the figures (no table read, no row in the prompt).
    assert!(statements[2].contains("ai_query("), "{}", statements[2]);
    let prompt = sent[2].1.to_string();
    assert!(
        prompt.contains("email_is_null") && prompt.contains("failing_rows"),
        "{prompt}"
    );
    assert!(!prompt.contains("`main`.`sales`"), "{prompt}");
    assert!(triage.body["summary"].is_string(), "{}", triage.text);
    let calls = fake.calls();
    let since: Vec<_> = calls[calls_before..].iter().collect();
    assert!(
        since
            .iter()
            .any(|(what, _)| what.contains("/sql/statements")),
        "{since:?}"
    );
    for (what, token) in since {
        assert_eq!(token, "alice-token", "{what} was not sent as alice");
    }

    let denied = call(&app, "/api/triage_run", &bob, json!({"run_id": run_id})).await;
    assert_eq!(denied.status, StatusCode::NOT_FOUND, "{}", denied.text);
}
