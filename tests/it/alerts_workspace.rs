//! Alerts in a Databricks workspace, against the fake workspace: kept in DQX's actions table and
//! evaluated into DQX's action-events table, both written and read with the caller's token (the
//! tables created when missing, values only as parameters); the state a team's pipeline left in
//! the events table gates the app's manual runs as DQX gates them; the delivery log reads the
//! events; without both tables the refusal names them.

use crate::alerts::Receiver;
use crate::common;

use axum::http::StatusCode;
use common::fake_workspace::{Fake, state_on_fake_with_sqlite};
use common::http::{call, wait_for_run};
use serde_json::{Value, json};

const ALICE: [(&str, &str); 2] = [
    ("x-forwarded-access-token", "alice-token"),
    ("x-forwarded-email", "alice@example.com"),
];
const BOB: [(&str, &str); 2] = [
    ("x-forwarded-access-token", "bob-token"),
    ("x-forwarded-email", "bob@example.com"),
];
const CUSTOMERS: &str = "main.sales.customers";

const TABLES: [(&str, &str); 4] = [
    ("DQX_ACTIONS_TABLE", "main.dq.actions"),
    ("DQX_ACTION_EVENTS_TABLE", "main.dq.action_events"),
    ("DQX_WEBHOOK_ALLOW_LOOPBACK", "true"),
    ("DQX_WEBHOOK_BACKOFF_MS", "10"),
];

fn email_rule() -> Value {
    json!([{"name": "email_present", "criticality": "error",
        "check": {"function": "is_not_null", "arguments": {"column": "email"}}}])
}

async fn set_alert(app: &axum::Router, name: &str, frequency: &str, url: &str) {
    let set = call(
        app,
        "/api/set_alert",
        &ALICE,
        json!({"table": CUSTOMERS, "name": name, "condition": "error_row_count > 0",
            "frequency": frequency, "destinations": [{"kind": "webhook", "url": url}]}),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
}

fn events(fake: &Fake) -> Vec<(Value, String)> {
    fake.event_rows.lock().unwrap().clone().unwrap_or_default()
}

#[tokio::test]
async fn alerts_live_in_dqxs_tables_as_the_caller_and_share_dqxs_state() {
    let (state, fake, _dir) = state_on_fake_with_sqlite(&TABLES).await;
    let app = dqx_manager::server::routes::router(state);
    let (receiver, url) = Receiver::start(1).await;

    set_alert(&app, "errors each run", "always", &url).await;
    set_alert(&app, "errors hourly", "hourly", &url).await;
    // The actions table was created as alice, and holds DQX's three columns per alert.
    let actions = fake.action_rows.lock().unwrap().clone().unwrap();
    assert_eq!(actions.len(), 2, "{actions:?}");
    for (row, token) in &actions {
        assert_eq!(token, "alice-token");
        assert_eq!(row["run_config_name"], CUSTOMERS);
        let action: Value = serde_json::from_str(row["action_json"].as_str().unwrap()).unwrap();
        assert_eq!(action["action"]["type"], "alert");
    }
    let statements = fake.statements.lock().unwrap().clone();
    let merge = statements
        .iter()
        .find(|(sql, _)| sql.starts_with("MERGE INTO `main`.`dq`.`actions`"))
        .unwrap();
    assert!(!merge.0.contains(CUSTOMERS) && !merge.0.contains("127.0.0.1"));
    assert!(statements.iter().any(|(sql, _)| {
        sql.starts_with("CREATE TABLE IF NOT EXISTS `main`.`dq`.`actions` (action_json STRING")
    }));
    // Setting again replaces, never duplicates.
    set_alert(&app, "errors each run", "always", &url).await;
    assert_eq!(fake.action_rows.lock().unwrap().as_ref().unwrap().len(), 2);

    // A team's pipeline fired the hourly alert ten minutes ago (DQX's own event row).
    let ten_minutes_ago = (chrono::Utc::now() - chrono::Duration::minutes(10))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    fake.event_rows
        .lock()
        .unwrap()
        .get_or_insert_with(Vec::new)
        .push((
            json!({"action_name": "errors hourly", "fired": true, "status": "unhealthy",
            "run_id": "pipeline-1", "run_time": ten_minutes_ago,
            "run_config_name": CUSTOMERS, "destinations": [], "delivery_errors": []}),
            "pipeline".into(),
        ));

    // Alice's manual run has one invalid row: the always-alert fires (after one 500), the hourly
    // one is held back by the pipeline's firing, as DQX would hold it.
    let started = call(
        &app,
        "/api/start_validation",
        &ALICE,
        json!({"table": CUSTOMERS, "rules": email_rule()}),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    assert_eq!(
        wait_for_run(&app, &ALICE, &run_id).await["state"],
        "completed"
    );
    let mut mine = Vec::new();
    for _ in 0..300 {
        mine = events(&fake)
            .into_iter()
            .filter(|(row, _)| row["run_id"] == run_id.as_str())
            .collect();
        if mine.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(mine.len(), 2, "{mine:?}");
    let event = |name: &str| {
        mine.iter()
            .find(|(row, _)| row["action_name"] == name)
            .cloned()
            .unwrap()
    };
    let (each, token) = event("errors each run");
    assert_eq!(token, "alice-token");
    assert_eq!(each["fired"], true);
    assert_eq!(each["status"], "unhealthy");
    assert_eq!(each["observed_metrics"]["error_row_count"], "1");
    assert_eq!(
        each["destinations"],
        json!([]),
        "delivered in the end: no failure"
    );
    let (hourly, _) = event("errors hourly");
    assert_eq!(hourly["fired"], false, "{hourly}");
    assert_eq!(receiver.messages().len(), 1);
    assert_eq!(
        receiver.messages()[0]["title"],
        "DQX alert: errors each run"
    );
    assert_eq!(receiver.messages()[0]["run_id"], run_id.as_str());

    // The delivery log reads the events: the app's delivery and the pipeline's firing.
    let log = call(
        &app,
        "/api/alert_deliveries",
        &BOB,
        json!({"table": CUSTOMERS}),
    )
    .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let deliveries = log.body["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2, "{}", log.text);
    assert_eq!(deliveries[0]["run_id"], run_id.as_str());
    assert_eq!(deliveries[0]["outcome"], "sent");
    assert_eq!(deliveries[1]["run_id"], "pipeline-1");
    assert!(!log.text.contains("secret-token-123"), "{}", log.text);

    // Bob may read the table: he sees the alerts (URLs by host only) and may delete one.
    let listed = call(&app, "/api/list_alerts", &BOB, json!({"table": CUSTOMERS})).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body["alerts"].as_array().unwrap().len(), 2);
    assert!(!listed.text.contains("secret-token-123"), "{}", listed.text);
    let deleted = call(
        &app,
        "/api/delete_alert",
        &BOB,
        json!({"table": CUSTOMERS, "name": "errors hourly"}),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    let again = call(
        &app,
        "/api/delete_alert",
        &BOB,
        json!({"table": CUSTOMERS, "name": "errors hourly"}),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.text);
    assert_eq!(fake.action_rows.lock().unwrap().as_ref().unwrap().len(), 1);

    // Nothing went as the service principal, and no URL reached a statement's text.
    for (what, token) in fake.calls() {
        assert!(!token.starts_with("sp-token"), "{what} as {token}");
    }
    for (sql, _) in fake.statements.lock().unwrap().iter() {
        assert!(!sql.contains("secret-token-123"), "{sql}");
    }
}

#[tokio::test]
async fn without_dqxs_tables_a_workspace_alert_names_what_to_set() {
    let (state, _fake, _dir) = state_on_fake_with_sqlite(&[]).await;
    let app = dqx_manager::server::routes::router(state);
    let set = call(
        &app,
        "/api/set_alert",
        &ALICE,
        json!({"table": CUSTOMERS, "name": "x", "condition": "error_row_count > 0",
            "destinations": [{"kind": "webhook", "url": "https://example.com/h"}]}),
    )
    .await;
    assert_eq!(set.status, StatusCode::SERVICE_UNAVAILABLE, "{}", set.text);
    assert!(set.text.contains("DQX_ACTIONS_TABLE"), "{}", set.text);
    assert!(set.text.contains("DQX_ACTION_EVENTS_TABLE"), "{}", set.text);
}
