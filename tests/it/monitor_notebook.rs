//! The bundle's scheduled-monitoring notebook, run as its job would run it (DQX 0.17 on local
//! Spark, `dbutils` supplied): it loads the rules the app published with DQX's own `load_checks`,
//! applies them with `DQMetricsObserver` into DQX's metrics table, and fires the table's alert
//! (the app's `action_json`, loaded by DQX) to a webhook receiver; the app then reads those rows
//! back, as the viewer, as the table's scheduled run and trend point.
//!
//! Needs a Python with pyspark and databricks-labs-dqx: `DQX_SPARK_PYTHON` (scripts/test.sh).

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, call};
use dqx_manager::model::alerts::{AlertSpec, Destination, DestinationKind, Frequency, NotifyOn};
use dqx_manager::server::publish::Publication;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// Spark's session catalog: a three-part name a local Spark session reads, and the local
/// workspace's catalog folder for the same table.
const TABLE: &str = "spark_catalog.sales.orders";

/// The app's statements for DQX's tables in Spark's catalog, as `{"sql", "args"}`: the actions
/// table with `table`'s alerts, and the events table with `fired_before`'s firing ten minutes ago
/// (that alert is among the actions too).
pub(crate) fn app_statements(
    table: &str,
    alerts: &[&AlertSpec],
    fired_before: Option<&AlertSpec>,
) -> Vec<Value> {
    use dqx_manager::model::table_name::TableName;
    use dqx_manager::server::alerts::dqx_sql::{self, EventRow};
    let actions = TableName::parse("spark_catalog.dq.actions").unwrap();
    let events = TableName::parse("spark_catalog.dq.action_events").unwrap();
    let ten_minutes_ago = (chrono::Utc::now() - chrono::Duration::minutes(10)).naive_utc();
    let fired = fired_before.map(|hourly| EventRow {
        action_name: hourly.name.clone(),
        condition: hourly.condition.clone(),
        fired: true,
        status: "unhealthy".into(),
        observed_metrics: [("error_row_count".to_string(), "3".to_string())].into(),
        run_id: "manual-run-1".into(),
        run_time: ten_minutes_ago,
        input_location: table.into(),
        destinations: vec![],
        delivery_errors: vec![],
        run_config_name: table.into(),
    });
    let mut out = vec![
        dqx_sql::Sql {
            text: "CREATE SCHEMA IF NOT EXISTS spark_catalog.dq".into(),
            params: vec![],
        },
        dqx_sql::create(&actions, dqx_sql::ACTIONS_SCHEMA),
        dqx_sql::create(&events, dqx_sql::EVENTS_SCHEMA),
    ];
    out.extend(fired.iter().map(|f| dqx_sql::append_event(&events, f)));
    // A SQL warehouse takes the app's MERGE; Spark's session catalog (no Delta) takes the same
    // row as an INSERT.
    for spec in alerts.iter().copied().chain(fired_before) {
        let merge = dqx_sql::put_action(
            &actions,
            table,
            &spec.name,
            &spec.action_json().to_string(),
            ten_minutes_ago,
        );
        out.push(dqx_sql::Sql {
            text: format!(
                "INSERT INTO {} SELECT :action_json, :run_config_name, CAST(:created_at AS TIMESTAMP)",
                actions.quoted()
            ),
            params: merge
                .params
                .into_iter()
                .filter(|p| p.name != "name")
                .collect(),
        });
    }
    out.into_iter()
        .map(|sql| {
            let args: serde_json::Map<String, Value> = sql
                .params
                .into_iter()
                .map(|p| (p.name, json!(p.value)))
                .collect();
            json!({"sql": sql.text, "args": args})
        })
        .collect()
}

pub(crate) async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(body);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), received)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scheduled_notebook_runs_published_rules_into_dqx_metrics_and_alerts() {
    let Some(python) = common::spark::spark_python("the scheduled-monitoring notebook test") else {
        return;
    };
    let (url, received) = receiver().await;

    // The local workspace: the sample orders under Spark's catalog name; DQX writes its
    // metrics table beside them.
    let workspace = tempfile::tempdir().unwrap();
    let sales = workspace.path().join("spark_catalog/sales");
    std::fs::create_dir_all(&sales).unwrap();
    std::fs::create_dir_all(workspace.path().join("spark_catalog/dq")).unwrap();
    let orders = sales.join("orders.parquet");
    std::fs::copy(
        common::sample_workspace().join("main/sales/orders.parquet"),
        &orders,
    )
    .unwrap();
    let metrics = workspace.path().join("spark_catalog/dq/metrics.parquet");

    // What the app published (the volume file's bytes) and the table's alert as DQX's action.
    let work = tempfile::tempdir().unwrap();
    let rules = json!([
        {"name": "amount_positive", "criticality": "error",
         "check": {"function": "is_not_less_than", "arguments": {"column": "amount", "limit": 0}}},
        {"name": "customer_present", "criticality": "warn",
         "check": {"function": "is_not_null", "arguments": {"column": "customer_id"}}},
    ]);
    let publication = Publication::new(
        TABLE,
        3,
        rules.as_array().unwrap().clone(),
        TABLE.to_string(),
    );
    let checks_file = format!("{TABLE}.yaml");
    std::fs::write(
        work.path().join(&checks_file),
        dqx_manager::server::publish::volume::file_text(&publication).unwrap(),
    )
    .unwrap();
    let alert = AlertSpec {
        table: TABLE.into(),
        name: "orders_errors".into(),
        condition: "error_row_count > 0".into(),
        destinations: vec![Destination {
            kind: DestinationKind::Webhook,
            url: url.clone(),
        }],
        frequency: Frequency::Always,
        notify_on: NotifyOn::Each,
        severity: "error".into(),
    };
    // DQX's actions and action-events tables, made by the app's own statements: the alert as the
    // app stores it, a second (hourly) alert, and an event the app wrote when that one fired ten
    // minutes ago, which DQX must read and so hold the hourly alert back.
    let hourly = AlertSpec {
        name: "orders_errors_hourly".into(),
        frequency: Frequency::Hourly,
        ..alert.clone()
    };
    // A third counts one rule's failing rows: DQX observes it as a custom metric.
    let by_rule = AlertSpec {
        name: "amount_rule".into(),
        condition: "amount_positive_error_count > 0".into(),
        ..alert.clone()
    };
    // A health alert is the health job's: this job leaves it out (three actions, not four).
    let health = AlertSpec {
        name: "orders_health".into(),
        condition: "health_row_count > 0".into(),
        ..alert.clone()
    };
    let statements = app_statements(TABLE, &[&alert, &by_rule, &health], Some(&hourly));
    let job = json!({
        "notebook": concat!(env!("CARGO_MANIFEST_DIR"), "/resources/notebooks/monitor_dq_rules.py"),
        "params": {
            "table_name": TABLE,
            "checks_location": checks_file,
            "run_config_name": TABLE,
            "metrics_table": metrics.display().to_string(),
            "metrics_format": "parquet",
            "actions_location": "spark_catalog.dq.actions",
            "action_events_location": "spark_catalog.dq.action_events",
            "owner": "alice@example.com",
            "run_id": "schedule-run-1",
        },
        "tables": {"sales.orders": orders.display().to_string()},
        "statements": statements,
        "warehouse_dir": work.path().join("w").display().to_string(),
        "cwd": work.path().display().to_string(),
        "allow_loopback_webhooks": true,
    });
    let answer =
        tokio::task::spawn_blocking(move || common::spark::run_notebook_job(&python, &job))
            .await
            .unwrap();
    let document = &answer["document"];
    assert_eq!(document["run_id"], "schedule-run-1", "{answer}");
    assert_eq!(document["actions"], 3, "{answer}");
    let observed = &document["metrics"];
    let input: u64 = observed["input_row_count"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let errors: u64 = observed["error_row_count"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(input > 0 && errors > 0, "{observed}");

    // DQX's own alert reached the receiver, naming the table and the failing count.
    let messages = received.lock().unwrap().clone();
    assert_eq!(messages.len(), 2, "{messages:?}");
    let text = messages[0].to_string() + &messages[1].to_string();
    assert!(
        text.contains(TABLE) && text.contains("orders_errors") && !text.contains("hourly"),
        "DQX held the hourly alert back by the app's event: {text}"
    );
    assert!(
        text.contains("amount_rule"),
        "the rule's count fired: {text}"
    );

    // The app reads DQX's rows back as the table's scheduled run.
    let root = workspace.path().display().to_string();
    let (app, _dir) = common::http::app_with(&[
        ("DQX_WORKSPACE_DIR", &root),
        ("DQX_METRICS_TABLE", "spark_catalog.dq.metrics"),
    ])
    .await;
    let history = call(&app, "/api/run_history", &ALICE, json!({"table": TABLE})).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    let runs = history.body["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{}", history.text);
    let run = &runs[0];
    assert_eq!(run["run_id"], "schedule-run-1");
    assert_eq!(run["trigger"], "schedule");
    assert_eq!(run["metrics"]["input_row_count"], input);
    assert_eq!(run["metrics"]["error_row_count"], errors);
    assert_eq!(
        run["rule_set_fingerprint"], publication.rule_set_fingerprint,
        "DQX fingerprinted the published rules as the app does"
    );
    let names: Vec<&str> = run["metrics"]["check_metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["amount_positive", "customer_present"]);
    // DQX's custom metric counts the rule's rows as its own check_metrics does, and as the app
    // counts it for the condition.
    let counted = dqx_manager::model::rule_metrics::counts(
        &serde_json::from_value::<Vec<dqx_manager::model::metrics::CheckMetric>>(
            run["metrics"]["check_metrics"].clone(),
        )
        .unwrap(),
    );
    let observed_by_dqx: u64 = observed["amount_positive_error_count"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(observed_by_dqx > 0, "{observed}");
    assert_eq!(counted["amount_positive_error_count"], observed_by_dqx);
    assert!(
        observed.get("customer_present_warning_count").is_none(),
        "only what a condition reads is observed: {observed}"
    );
    let overview = call(&app, "/api/monitor_overview", &ALICE, json!({})).await;
    let trend = overview.body["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == TABLE)
        .cloned()
        .expect("the table on the Monitor page");
    assert_eq!(trend["points"][0]["run_id"], "schedule-run-1");
    assert_eq!(trend["points"][0]["error_row_count"], errors);
}
