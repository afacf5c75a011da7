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

/// A copy of the sample workspace with DQX's metrics table `main.dq.metrics` holding what a
/// team's DQX pipelines wrote (`OBSERVATION_TABLE_SCHEMA`, one row per metric): two runs on
/// main.sales.orders (the second of `fingerprint`'s rules, with a custom metric beside DQX's) and
/// one on main.hr.employees.
async fn workspace_with_pipeline_metrics(fingerprint: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(common::sample_workspace(), dir.path());
    std::fs::create_dir_all(dir.path().join("main/dq")).unwrap();
    let row = |run: &str, table: &str, print: &str, name: &str, value: &str, at: &str| {
        format!(
            "('{run}', 'orders_etl', '{table}', CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), \
             CAST(NULL AS VARCHAR), '{print}', '{name}', '{}', CAST('{at}' AS TIMESTAMP), '_errors', '_warnings')",
            value.replace('\'', "''")
        )
    };
    let orders = "main.sales.orders";
    let checks = r#"[{"check_name":"amount_positive","error_count":50,"warning_count":0,"checked_count":500}]"#;
    let mut rows = Vec::new();
    for (name, value) in [
        ("input_row_count", "500"),
        ("error_row_count", "50"),
        ("warning_row_count", "0"),
        ("valid_row_count", "450"),
        ("check_metrics", checks),
    ] {
        rows.push(row(
            "pipe-1",
            orders,
            "older",
            name,
            value,
            "2026-12-01 10:00:00",
        ));
    }
    for (name, value) in [
        ("input_row_count", "500"),
        ("error_row_count", "0"),
        ("warning_row_count", "0"),
        ("valid_row_count", "500"),
        ("check_metrics", "[]"),
        ("orders_with_discount", "12"),
    ] {
        rows.push(row(
            "pipe-2",
            orders,
            fingerprint,
            name,
            value,
            "2026-12-02 10:00:00",
        ));
    }
    for (name, value) in [
        ("input_row_count", "10"),
        ("error_row_count", "1"),
        ("valid_row_count", "9"),
    ] {
        rows.push(row(
            "pipe-hr",
            "main.hr.employees",
            "x",
            name,
            value,
            "2026-12-02 11:00:00",
        ));
    }
    let path = dir.path().join("main/dq/metrics.parquet");
    let sql = format!(
        "COPY (SELECT * FROM (VALUES {}) AS t(run_id, run_name, input_location, output_location, \
         quarantine_location, checks_location, rule_set_fingerprint, metric_name, metric_value, \
         run_time, error_column_name, warning_column_name)) TO '{}' STORED AS PARQUET",
        rows.join(", "),
        path.display()
    );
    let ctx = datafusion::prelude::SessionContext::new();
    ctx.sql(&sql).await.unwrap().collect().await.unwrap();
    dir
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn pipeline_runs_in_dqx_metrics_table_join_the_history_and_trends_as_the_viewer_may_read() {
    let orders = "main.sales.orders";
    let order_rules = json!([
        {"name": "amount_positive", "criticality": "error",
         "check": {"function": "is_not_null", "arguments": {"column": "order_id"}}},
    ]);
    let print = rule_set_fingerprint(&validate_rule_set(&order_rules, None).rules);
    let workspace = workspace_with_pipeline_metrics(&print).await;
    let root = workspace.path().display().to_string();
    let (app, _dir) = common::http::app_with(&[
        ("DQX_WORKSPACE_DIR", &root),
        ("DQX_METRICS_TABLE", "main.dq.metrics"),
    ])
    .await;
    let version = approved_by_carol(&app, orders, order_rules.clone()).await;
    let run_id = validated_by_alice(&app, orders, order_rules, version).await;

    let history = call(&app, "/api/run_history", &ALICE, json!({"table": orders})).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    let runs = history.body["runs"].as_array().unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r["run_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [run_id.as_str(), "pipe-2", "pipe-1"], "newest first");
    assert!(history.body.get("note").is_none(), "{}", history.text);
    let (newer, older) = (&runs[1], &runs[2]);
    assert_eq!(newer["trigger"], "pipeline");
    assert_eq!(newer["started_by"], "DQX pipeline (orders_etl)");
    assert_eq!(newer["started_at"], "2026-12-02T10:00:00.000Z");
    assert_eq!(
        newer["version"], version,
        "the same rules by DQX's fingerprint"
    );
    assert_eq!(newer["pass_rate"], 100.0);
    assert_eq!(older["version"], Value::Null, "rules the app does not know");
    assert_eq!(older["metrics"]["error_row_count"], 50);
    assert_eq!(older["pass_rate"], 90.0);
    assert_eq!(
        older["metrics"]["check_metrics"][0]["check_name"],
        "amount_positive"
    );

    // The Monitor page: the pipeline-only table too, for alice who may read it.
    let overview = call(&app, "/api/monitor_overview", &ALICE, json!({})).await;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.text);
    let trend = |body: &Value, table: &str| {
        body["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == table)
            .cloned()
    };
    let line = trend(&overview.body, orders).expect("orders on the Monitor page");
    let points: Vec<&str> = line["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["run_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        points,
        ["pipe-1", "pipe-2", run_id.as_str()],
        "oldest first"
    );
    let hr = trend(&overview.body, "main.hr.employees").expect("a pipeline-only table");
    assert_eq!(hr["points"][0]["trigger"], "pipeline");
    assert_eq!(hr["points"][0]["error_row_count"], 1);

    // bob reads main.sales but not main.dq: no pipeline runs, and the reply says why.
    let his = call(&app, "/api/run_history", &BOB, json!({"table": orders})).await;
    assert_eq!(his.status, StatusCode::OK, "{}", his.text);
    assert_eq!(
        his.body["runs"].as_array().unwrap().len(),
        1,
        "{}",
        his.text
    );
    let note = his.body["note"].as_str().unwrap_or_default();
    assert!(
        note.contains("main.dq.metrics") && note.contains("you don't have USE SCHEMA on main.dq"),
        "{note}"
    );
    let his_overview = call(&app, "/api/monitor_overview", &BOB, json!({})).await;
    assert!(trend(&his_overview.body, "main.hr.employees").is_none());
    assert_eq!(
        trend(&his_overview.body, orders).unwrap()["points"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
