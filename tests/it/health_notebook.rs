//! The bundle's health notebook, run as its job would run it (local Spark, DQX 0.17's metrics
//! schema, `dbutils` supplied): it observes the tables the app listed, appends `health.*` rows to
//! DQX's metrics table, and the app reads them back as the same observation its own engine makes
//! of the same file (row count, columns, null rates and means); a table that cannot be read is
//! reported, not fatal. The table's health alert (the app's `action_json` in DQX's actions table)
//! is evaluated by DQX's own actions over the observation and reaches its webhook; its rule-run
//! alert and an anomaly alert are left alone.
//!
//! Needs a Python with pyspark and databricks-labs-dqx: `DQX_SPARK_PYTHON` (scripts/test.sh).

use crate::common;

use dqx_manager::model::alerts::{AlertSpec, Destination, DestinationKind, Frequency, NotifyOn};
use dqx_manager::model::health::observe::{Stamps, from_profile};
use dqx_manager::model::table_name::TableName;
use dqx_manager::server::health::observations_of;
use serde_json::json;

const TABLE: &str = "spark_catalog.sales.customers";

#[tokio::test(flavor = "multi_thread")]
async fn the_health_notebook_writes_what_the_app_reads_as_its_own_observation() {
    let Some(python) = common::spark::spark_python("the health notebook test") else {
        return;
    };
    let workspace = tempfile::tempdir().unwrap();
    let sales = workspace.path().join("spark_catalog/sales");
    std::fs::create_dir_all(&sales).unwrap();
    std::fs::create_dir_all(workspace.path().join("spark_catalog/dq")).unwrap();
    let customers = sales.join("customers.parquet");
    std::fs::copy(
        common::sample_workspace().join("main/sales/customers.parquet"),
        &customers,
    )
    .unwrap();
    let metrics = workspace.path().join("spark_catalog/dq/metrics.parquet");
    let work = tempfile::tempdir().unwrap();
    let (url, received) = crate::monitor_notebook::receiver().await;
    let alert = |name: &str, condition: &str| AlertSpec {
        table: TABLE.into(),
        name: name.into(),
        condition: condition.into(),
        destinations: vec![Destination {
            kind: DestinationKind::Webhook,
            url: url.clone(),
        }],
        frequency: Frequency::Always,
        notify_on: NotifyOn::Each,
        severity: "error".into(),
    };
    let shrank = alert("customers_small", "health_row_count < 5000");
    let stale = alert("customers_stale", "health_minutes_since_change > 60");
    let rules = alert("customers_errors", "error_row_count > 0");
    let anomaly = alert("customers_anomaly", "health_anomaly_count > 0");
    let statements =
        crate::monitor_notebook::app_statements(TABLE, &[&shrank, &stale, &rules, &anomaly], None);
    let job = json!({
        "notebook": concat!(env!("CARGO_MANIFEST_DIR"), "/resources/notebooks/observe_health.py"),
        "params": {
            "scope_id": "h0123456789ab",
            "scope": "{\"pattern\":\"spark_catalog.sales.*\"}",
            "owner": "alice@example.com",
            "tables": json!([TABLE, "spark_catalog.sales.gone", "x; DROP TABLE y"]).to_string(),
            "metrics_table": metrics.display().to_string(),
            "metrics_format": "parquet",
            "actions_location": "spark_catalog.dq.actions",
            "action_events_location": "spark_catalog.dq.action_events",
            "run_id": "42",
        },
        "tables": {"sales.customers": customers.display().to_string()},
        "statements": statements,
        "allow_loopback_webhooks": true,
        "warehouse_dir": work.path().join("w").display().to_string(),
        "cwd": work.path().display().to_string(),
    });
    let answer =
        tokio::task::spawn_blocking(move || common::spark::run_notebook_job(&python, &job))
            .await
            .unwrap();
    let document = &answer["document"];
    assert_eq!(document["run_id"], "health-h0123456789ab-42", "{answer}");
    assert_eq!(document["observed"], 1, "{answer}");
    assert!(
        document["failed"]["spark_catalog.sales.gone"].is_string(),
        "{answer}"
    );
    assert!(
        document["failed"].get("x; DROP TABLE y").is_none(),
        "a name that is not a table is never read: {answer}"
    );
    // A view has no Delta history, so staleness is unknown: only the row-count alert fires.
    assert_eq!(document["fired"], 1, "{answer}");
    assert_eq!(document["alert_errors"], json!({}), "{answer}");
    let messages = received.lock().unwrap().clone();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let text = messages[0].to_string();
    assert!(
        text.contains("customers_small") && text.contains(TABLE),
        "{text}"
    );

    // The app reads the rows back from DQX's metrics table, as the viewer.
    let root = workspace.path().display().to_string();
    let data = tempfile::tempdir().unwrap();
    let state = common::local_state_with(data.path(), &[("DQX_WORKSPACE_DIR", &root)]).await;
    let alice = common::caller("alice@example.com");
    let metrics_table = TableName::parse("spark_catalog.dq.metrics").unwrap();
    let rows = state
        .workspace
        .health_rows(&alice, &metrics_table, TABLE, 60, None)
        .await
        .unwrap();
    assert!(
        rows.iter()
            .all(|r| r.run_name.as_deref() == Some("dqx-manager-health")),
        "{rows:?}"
    );
    let observed = observations_of(rows);
    assert_eq!(observed.len(), 1, "{observed:?}");
    let theirs = &observed[0];

    // The app's own engine observes the same file.
    let table = TableName::parse(TABLE).unwrap();
    let description = state
        .workspace
        .describe_table(&alice, &table)
        .await
        .unwrap();
    let profile = state
        .workspace
        .health_profile(&alice, &table)
        .await
        .unwrap()
        .unwrap();
    let ours = from_profile(&profile, &description.columns, Stamps::default());
    assert_eq!(theirs.row_count, description.row_count.unwrap());
    assert_eq!(theirs.sampled_rows, ours.sampled_rows);
    let names = |o: &dqx_manager::model::health::Observation| -> Vec<String> {
        o.columns.iter().map(|c| c.name.clone()).collect()
    };
    assert_eq!(names(theirs), names(&ours));
    for (a, b) in theirs.columns.iter().zip(&ours.columns) {
        assert_eq!(a.data_type, b.data_type, "{a:?} / {b:?}");
    }
    assert!(
        ours.stats.len() >= 3 && ours.stats.iter().any(|s| s.mean.is_some()),
        "{ours:?}"
    );
    assert!(
        theirs.stats.iter().any(|s| s.null_rate > 0.0),
        "the sample customers have NULL e-mails: {theirs:?}"
    );
    for mine in &ours.stats {
        let spark = theirs
            .stats
            .iter()
            .find(|s| s.name == mine.name)
            .unwrap_or_else(|| panic!("{} measured by the job: {theirs:?}", mine.name));
        assert!(
            (spark.null_rate - mine.null_rate).abs() < 1e-9,
            "{spark:?} / {mine:?}"
        );
        match (spark.mean, mine.mean) {
            (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{a} / {b}"),
            (a, b) => assert_eq!(a.is_some(), b.is_some(), "{spark:?} / {mine:?}"),
        }
    }
}
