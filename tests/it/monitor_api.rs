//! Monitoring over HTTP on the sample workspace: a table's runs are DQX summary metrics, visible
//! to everyone who may read the table (not only to who started them), counts only.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, BOB, CAROL, app, call, wait_for_run};
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

/// Saves, submits and approves the rules (alice writes, carol approves); the version.
async fn approved(app: &axum::Router) -> i64 {
    let saved = call(
        app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": TABLE, "rules": rules()}),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let version = saved.body["version"].as_i64().unwrap();
    let submitted = call(
        app,
        "/api/submit_rule_set",
        &ALICE,
        json!({"table": TABLE, "version": version}),
    )
    .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
    let done = call(
        app,
        "/api/approve_rule_set",
        &CAROL,
        json!({"table": TABLE, "version": version, "expected_status": "pending"}),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    version
}

#[tokio::test]
async fn a_tables_runs_are_dqx_metrics_that_every_reader_sees() {
    let (app, _dir) = app().await;
    let version = approved(&app).await;
    let started = call(
        &app,
        "/api/start_validation",
        &ALICE,
        json!({"table": TABLE, "rules": rules(), "rule_set_version": version}),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    assert_eq!(
        wait_for_run(&app, &ALICE, &run_id).await["state"],
        "completed"
    );

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
