//! Alerts as DQX actions, over HTTP and against a real local webhook receiver: one message per
//! (run, alert), delivered after injected 500s with each attempt logged, none once the condition
//! clears, status-change gating as DQX does it, and blocked destinations refused in words.

use crate::common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::http::{ALICE, BOB, approved_by_carol, call, validated_by_alice};
use dqx_manager::server::alerts::{FinishedRun, after_run};
use dqx_manager::server::routes::router;
use dqx_manager::server::schedule::store::Outcome;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const ORDERS: &str = "main.sales.orders";

fn order_rules() -> Value {
    json!([{"name": "amount_not_negative", "criticality": "error",
        "check": {"function": "is_not_less_than", "arguments": {"column": "amount", "limit": 0}}}])
}

/// A webhook receiver on 127.0.0.1 that answers 500 to the first `fail_first` requests.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    received: Arc<Mutex<Vec<Value>>>,
    attempts: Arc<Mutex<usize>>,
    fail_first: Arc<Mutex<usize>>,
}

impl Receiver {
    pub(crate) async fn start(fail_first: usize) -> (Self, String) {
        let receiver = Receiver::default();
        *receiver.fail_first.lock().unwrap() = fail_first;
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hook/{token}",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
                let state = state.clone();
                async move {
                    *state.attempts.lock().unwrap() += 1;
                    let mut failing = state.fail_first.lock().unwrap();
                    if *failing > 0 {
                        *failing -= 1;
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    state.received.lock().unwrap().push(body);
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (
            receiver,
            format!("http://127.0.0.1:{}/hook/secret-token-123", addr.port()),
        )
    }

    pub(crate) fn messages(&self) -> Vec<Value> {
        self.received.lock().unwrap().clone()
    }
}

/// A finished validation of the orders with `invalid` rows failing.
fn result_of(total: u64, invalid: u64) -> dqx_manager::model::results::ValidationResult {
    dqx_manager::model::results::ValidationResult {
        success: invalid == 0,
        table_name: ORDERS.into(),
        validated_at: Utc::now().to_rfc3339(),
        total_rules: 1,
        passed: usize::from(invalid == 0),
        failed: usize::from(invalid > 0),
        warnings: 0,
        total_rows: total,
        valid_rows: total - invalid,
        invalid_rows: invalid,
        rows_with_warnings: 0,
        rows_with_any_warning: Some(0),
        pass_rate: 100.0 * (total - invalid) as f64 / total as f64,
        rule_results: Vec::new(),
        duration_ms: 1,
        note: None,
    }
}

async fn app_state(dir: &std::path::Path) -> dqx_manager::server::state::AppState {
    common::local_state_with(
        dir,
        &[
            ("DQX_WEBHOOK_ALLOW_LOOPBACK", "true"),
            ("DQX_WEBHOOK_BACKOFF_MS", "10"),
        ],
    )
    .await
}

#[tokio::test]
async fn one_message_per_run_and_alert_after_retries_and_none_once_the_condition_clears() {
    let dir = tempfile::tempdir().unwrap();
    let state = app_state(dir.path()).await;
    let app = router(state.clone());
    approved_by_carol(&app, ORDERS, order_rules()).await;
    let (receiver, url) = Receiver::start(2).await;

    let set = call(
        &app,
        "/api/set_alert",
        &ALICE,
        json!({"table": ORDERS, "name": "orders have errors",
        "condition": "error_row_count > 0", "destinations": [{"kind": "webhook", "url": url}]}),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.body["action_json"]["action"]["type"], "alert");
    assert!(
        !set.text.contains("secret-token-123"),
        "the URL's secret part is not shown: {}",
        set.text
    );

    // A scheduled run: 80 negative amounts, so the alert fires; two 500s, then delivered.
    let schedule = json!({"table": ORDERS, "cron": "* * * * *", "timezone": "UTC"});
    assert_eq!(
        call(&app, "/api/set_schedule", &ALICE, schedule)
            .await
            .status,
        StatusCode::OK
    );
    let scheduler = state.scheduler().unwrap();
    let claimed = scheduler
        .tick(Utc::now() + Duration::minutes(2))
        .await
        .unwrap();
    let Outcome::Started(run_id) = scheduler.run(&claimed[0]).await else {
        panic!("the scheduled run did not start");
    };
    let messages = receiver.messages();
    assert_eq!(messages.len(), 1, "one message: {messages:?}");
    assert_eq!(*receiver.attempts.lock().unwrap(), 3);
    let message = &messages[0];
    assert_eq!(message["run_id"], run_id.as_str());
    assert_eq!(message["table"], ORDERS);
    assert_eq!(message["title"], "DQX alert: orders have errors");
    assert_eq!(message["observed_metrics"]["error_row_count"], 80);
    assert_eq!(message["fields"]["metric.error_row_count"], "80");

    // The log: two retried attempts, then sent, linked to the run; bob reads the table and sees it.
    let log = call(
        &app,
        "/api/alert_deliveries",
        &BOB,
        json!({"table": ORDERS}),
    )
    .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let outcomes: Vec<(&str, u64)> = log.body["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["outcome"].as_str().unwrap(),
                d["attempt"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [("sent", 3), ("retried", 2), ("retried", 1)],
        "{}",
        log.text
    );
    assert!(
        log.body["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["run_id"] == run_id.as_str())
    );
    assert!(!log.text.contains("secret-token-123"), "{}", log.text);
    assert!(log.text.contains("HTTP 500"), "{}", log.text);

    // The same run evaluated again (another process, a second reading): nothing more is sent.
    let result = call(&app, "/api/run_history", &ALICE, json!({"table": ORDERS})).await;
    assert_eq!(result.body["runs"][0]["run_id"], run_id.as_str());
    let again = FinishedRun {
        run_id: run_id.clone(),
        run_time: Utc::now(),
        result: result_of(10000, 80),
    };
    after_run(&state.alerts, &again, None).await;
    assert_eq!(receiver.messages().len(), 1, "once per (run, alert)");

    // A manual run fires it too (after the reply).
    validated_by_alice(&app, ORDERS, order_rules(), 1).await;
    for _ in 0..100 {
        if receiver.messages().len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(receiver.messages().len(), 2, "the manual run's alert");

    // The condition clears: no message.
    let cleared = call(
        &app,
        "/api/set_alert",
        &ALICE,
        json!({"table": ORDERS, "name": "orders have errors",
        "condition": "error_row_count > 1000", "destinations": [{"kind": "webhook", "url": url}]}),
    )
    .await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);
    let claimed = scheduler
        .tick(Utc::now() + Duration::minutes(4))
        .await
        .unwrap();
    assert!(matches!(
        scheduler.run(&claimed[0]).await,
        Outcome::Started(_)
    ));
    assert_eq!(
        receiver.messages().len(),
        2,
        "no message once the condition clears"
    );
}

#[tokio::test]
async fn status_change_alerts_notify_on_the_turn_to_unhealthy_only() {
    let dir = tempfile::tempdir().unwrap();
    let state = app_state(dir.path()).await;
    let app = router(state.clone());
    let (receiver, url) = Receiver::start(0).await;
    let set = call(
        &app,
        "/api/set_alert",
        &ALICE,
        json!({"table": ORDERS, "name": "turned bad",
        "condition": "valid_row_count / input_row_count < 0.99", "notify_on": "status_change",
        "destinations": [{"kind": "webhook", "url": url}]}),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let run = |id: &str, invalid: u64| FinishedRun {
        run_id: id.into(),
        run_time: Utc::now(),
        result: result_of(1000, invalid),
    };
    for (id, invalid) in [("r1", 50), ("r2", 60), ("r3", 0), ("r4", 70)] {
        after_run(&state.alerts, &run(id, invalid), None).await;
    }
    let fired: Vec<Value> = receiver
        .messages()
        .iter()
        .map(|m| m["run_id"].clone())
        .collect();
    assert_eq!(
        fired,
        [json!("r1"), json!("r4")],
        "unhealthy, still unhealthy, healthy, unhealthy again"
    );
}

#[tokio::test]
async fn blocked_destinations_and_bad_alerts_are_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let state = common::local_state(dir.path()).await;
    let app = router(state);
    let alert = |condition: &str, kind: &str, url: &str| {
        json!({"table": ORDERS, "name": "a", "condition": condition,
            "destinations": [{"kind": kind, "url": url}]})
    };
    for (body, says) in [
        (
            alert("error_row_count > 0", "webhook", "http://example.com/x"),
            "must use https",
        ),
        (
            alert(
                "error_row_count > 0",
                "webhook",
                "https://169.254.169.254/latest/meta-data",
            ),
            "link-local",
        ),
        (
            alert("error_row_count > 0", "webhook", "https://127.0.0.1:8443/x"),
            "loopback",
        ),
        (
            alert("error_row_count > 0", "webhook", "https://10.0.0.7/x"),
            "private",
        ),
        (
            alert(
                "error_row_count > 0",
                "slack",
                "https://example.com/services/x",
            ),
            "hooks.slack.com",
        ),
        (
            alert("error_row_count >", "webhook", "https://example.com/x"),
            "ends too early",
        ),
        (
            alert("rows > 0", "webhook", "https://example.com/x"),
            "neither one of DQX's run metrics",
        ),
        (
            alert("__import__('os')", "webhook", "https://example.com/x"),
            "calling",
        ),
    ] {
        let refused = call(&app, "/api/set_alert", &ALICE, body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        assert!(refused.text.contains(says), "{says}: {}", refused.text);
    }
    let hr = json!({"table": "main.hr.employees", "name": "a", "condition": "error_row_count > 0",
        "destinations": [{"kind": "webhook", "url": "https://example.com/x"}]});
    let refused = call(&app, "/api/set_alert", &BOB, hr).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
}

#[tokio::test]
async fn a_condition_counts_one_rule_and_names_of_no_active_rule_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = app_state(dir.path()).await;
    let app = router(state);
    approved_by_carol(&app, ORDERS, order_rules()).await;
    let (receiver, url) = Receiver::start(0).await;
    let alert = |name: &str, condition: &str| {
        json!({"table": ORDERS, "name": name, "condition": condition,
            "destinations": [{"kind": "webhook", "url": url}]})
    };

    // A typo in the rule's name is refused, naming the rules a condition can count.
    let typo = call(
        &app,
        "/api/set_alert",
        &ALICE,
        alert("typo", "amount_not_negatve_error_count > 0"),
    )
    .await;
    assert_eq!(typo.status, StatusCode::BAD_REQUEST, "{}", typo.text);
    assert!(
        typo.text.contains("amount_not_negatve") && typo.text.contains("amount_not_negative"),
        "{}",
        typo.text
    );

    // One alert on the rule's errors (fires), one on its warnings (it has none: stays quiet).
    for (name, condition) in [
        ("amount errors", "amount_not_negative_error_count >= 1"),
        ("amount warnings", "amount_not_negative_warning_count > 0"),
    ] {
        let set = call(&app, "/api/set_alert", &ALICE, alert(name, condition)).await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    }
    validated_by_alice(&app, ORDERS, order_rules(), 1).await;
    for _ in 0..100 {
        if !receiver.messages().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let messages = receiver.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["title"], "DQX alert: amount errors");
}
