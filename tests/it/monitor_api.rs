//! Monitoring over HTTP on the sample workspace: a table's runs are DQX summary metrics, visible
//! to everyone who may read the table (not only to who started them), counts only.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, BOB, app, approved_by_carol, call, validated_by_alice};
use dqx_manager::model::rules::fingerprint::rule_set_fingerprint;
use dqx_manager::model::rules::validate::validate_rule_set;
use serde_json::{Value, json};

const TABLE: &str = "main.sales.customers";

fn rules() -> Value {
    json!([
        {"name": "email_present", "criticality": "error",
         "check": {"function": "is_not_null", "arguments": {"column": "email"}}},
        {"name": "value_not_negative", "criticality": "warn",
         "check": {"function": "is_not_less_than", "arguments": {"column": "lifetime_value", "limit": 0}}},
    ])
}

#[tokio::test]
async fn a_tables_runs_are_dqx_metrics_that_every_reader_sees() {
    let (app, _dir) = app().await;
    let version = approved_by_carol(&app, TABLE, rules()).await;
    let run_id = validated_by_alice(&app, TABLE, rules(), version).await;

    // bob did not start it, but may read main.sales: he sees it, as counts.
    let history = call(&app, "/api/run_history", &BOB, json!({"table": TABLE})).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    let runs = history.body["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{}", history.text);
    let run = &runs[0];
    assert_eq!(run["run_id"], run_id.as_str());
    assert_eq!(run["started_by"], "alice@example.com");
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["version"], version);
    // docs/sample-data.md: 1,000 customers, 20 NULL e-mails, 25 negative lifetime values.
    let m = &run["metrics"];
    assert_eq!(m["input_row_count"], 1000);
    assert_eq!(m["error_row_count"], 20);
    let warned = m["warning_row_count"].as_u64().unwrap();
    assert_eq!(warned, 25, "rows with a warning, with or without an error");
    let valid = m["valid_row_count"].as_u64().unwrap();
    assert!((1000 - 25 - 20..=1000 - 25).contains(&valid), "{valid}");
    let expanded = validate_rule_set(&rules(), None).rules;
    assert_eq!(
        run["rule_set_fingerprint"],
        rule_set_fingerprint(&expanded).as_str()
    );
    let checks = m["check_metrics"].as_array().unwrap();
    assert_eq!(checks[0]["check_name"], "email_present");
    assert_eq!(
        (
            checks[0]["error_count"].as_u64(),
            checks[0]["warning_count"].as_u64()
        ),
        (Some(20), Some(0))
    );
    assert_eq!(checks[1]["warning_count"], 25);
    assert_eq!(checks[1]["checked_count"], 1000);
    assert!(
        !history.text.contains("sample_violations"),
        "counts, never rows"
    );

    // bob may not read main.hr: its runs are refused like the table.
    let refused = call(
        &app,
        "/api/run_history",
        &BOB,
        json!({"table": "main.hr.employees"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let too_many = call(
        &app,
        "/api/run_history",
        &ALICE,
        json!({"table": TABLE, "limit": 100000}),
    )
    .await;
    assert_eq!(
        too_many.status,
        StatusCode::BAD_REQUEST,
        "{}",
        too_many.text
    );
    assert!(too_many.text.contains("limit"), "{}", too_many.text);
}
