//! Schedules in a Databricks workspace are Databricks jobs (against the fake workspace): setting
//! one proves as the caller that they read the table, then the service principal creates a job
//! from the bundle's monitoring job with the table's Quartz schedule, time zone, pause status,
//! tags and parameters (the published checks, DQX's metrics table); pausing is an `update` of the
//! schedule, a new cron a `reset` of the settings, deleting a `delete`. A table with a row filter
//! is refused: the job reads as the service principal.

use crate::common;

use axum::http::StatusCode;
use common::fake_workspace::{Fake, HEALTH_JOB, MONITOR_JOB, state_on_fake_with_sqlite};
use common::http::call;
use serde_json::{Value, json};

const ALICE: [(&str, &str); 2] = [
    ("x-forwarded-access-token", "alice-token"),
    ("x-forwarded-email", "alice@example.com"),
];
const TABLE: &str = "main.sales.customers";

async fn app() -> (axum::Router, std::sync::Arc<Fake>, tempfile::TempDir) {
    let (state, fake, dir) = state_on_fake_with_sqlite(&[
        ("DQ_MONITOR_JOB_ID", "33"),
        ("DQX_METRICS_TABLE", "main.dq.metrics"),
        ("DQX_PUBLISH_TABLE", "main.dq.checks"),
        ("DQX_APPROVER_GROUPS", "none"),
    ])
    .await;
    (dqx_manager::server::routes::router(state), fake, dir)
}

fn rules() -> Value {
    json!([{"name": "email_present", "criticality": "error",
            "check": {"function": "is_not_null", "arguments": {"column": "email"}}}])
}

fn the_job(fake: &Fake) -> (i64, Value) {
    let defs = fake.job_defs.lock().unwrap();
    let mine: Vec<(i64, Value)> = defs
        .iter()
        .filter(|(id, _)| **id != MONITOR_JOB && **id != HEALTH_JOB)
        .map(|(id, s)| (*id, s.clone()))
        .collect();
    assert_eq!(mine.len(), 1, "{mine:?}");
    mine[0].clone()
}

fn parameter(settings: &Value, name: &str) -> Value {
    settings["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .map(|p| p["default"].clone())
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_schedule_is_a_databricks_job_the_service_principal_keeps() {
    let (app, fake, _dir) = app().await;
    let saved = call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": TABLE, "rules": rules()}),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);

    let set = call(
        &app,
        "/api/set_schedule",
        &ALICE,
        json!({"table": TABLE, "cron": "30 6 * * 1-5", "timezone": "Europe/Berlin", "enabled": true}),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert!(set.body["next_run_at"].is_string(), "{}", set.text);
    assert!(
        set.body["schedule"]["runs_as"]
            .as_str()
            .unwrap()
            .contains("service principal"),
        "{}",
        set.text
    );
    let (id, job) = the_job(&fake);
    assert_eq!(job["name"], format!("dqx-monitor {TABLE}"));
    assert_eq!(
        job["schedule"],
        json!({"quartz_cron_expression": dqx_manager::model::cron::Cron::parse("30 6 * * 1-5").unwrap().to_quartz().unwrap(),
               "timezone_id": "Europe/Berlin", "pause_status": "UNPAUSED"})
    );
    assert_eq!(job["tags"]["dqx-table"], TABLE);
    assert_eq!(job["tags"]["dqx-owner"], "alice@example.com");
    assert_eq!(
        job["tasks"],
        fake.job_defs.lock().unwrap()[&MONITOR_JOB]["tasks"],
        "the bundle's notebook"
    );
    assert_eq!(parameter(&job, "table_name"), TABLE);
    assert_eq!(parameter(&job, "checks_location"), "main.dq.checks");
    assert_eq!(parameter(&job, "run_config_name"), TABLE);
    assert_eq!(parameter(&job, "metrics_table"), "main.dq.metrics");
    assert_eq!(parameter(&job, "run_id"), "{{job.run_id}}");

    // Paused: only the schedule changes, by update; a new cron replaces the settings, by reset.
    let paused = call(
        &app,
        "/api/set_schedule",
        &ALICE,
        json!({"table": TABLE, "cron": "30 6 * * 1-5", "timezone": "Europe/Berlin", "enabled": false}),
    )
    .await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.text);
    assert_eq!(paused.body["next_run_at"], Value::Null);
    assert_eq!(the_job(&fake).1["schedule"]["pause_status"], "PAUSED");
    let hourly = call(
        &app,
        "/api/set_schedule",
        &ALICE,
        json!({"table": TABLE, "cron": "@hourly", "timezone": "UTC", "enabled": true}),
    )
    .await;
    assert_eq!(hourly.status, StatusCode::OK, "{}", hourly.text);
    let (same_id, job) = the_job(&fake);
    assert_eq!(same_id, id, "the same job, changed");
    assert_eq!(job["schedule"]["timezone_id"], "UTC");
    let verbs: Vec<String> = fake.calls().into_iter().map(|(what, _)| what).collect();
    assert_eq!(
        verbs.iter().filter(|v| v.ends_with("/jobs/create")).count(),
        1,
        "{verbs:?}"
    );
    assert_eq!(
        verbs.iter().filter(|v| v.ends_with("/jobs/update")).count(),
        1,
        "{verbs:?}"
    );
    assert_eq!(
        verbs.iter().filter(|v| v.ends_with("/jobs/reset")).count(),
        1,
        "{verbs:?}"
    );

    let listed = call(&app, "/api/list_schedules", &ALICE, json!({})).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let schedules = listed.body["schedules"].as_array().unwrap();
    assert_eq!(schedules.len(), 1, "{}", listed.text);
    assert_eq!(schedules[0]["cron"], "0 * * * *");
    assert_eq!(schedules[0]["owner"], "alice@example.com");

    // Page views within a while reuse one listing of every job; the delete below clears it.
    let unfiltered_lists = |fake: &Fake| {
        fake.calls()
            .iter()
            .filter(|(what, _)| what == "GET /api/2.1/jobs/list")
            .count()
    };
    let before = unfiltered_lists(&fake);
    for _ in 0..3 {
        let overview = call(&app, "/api/monitor_overview", &ALICE, json!({})).await;
        assert_eq!(overview.status, StatusCode::OK, "{}", overview.text);
        assert_eq!(
            call(&app, "/api/list_schedules", &ALICE, json!({}))
                .await
                .body["schedules"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
    assert_eq!(unfiltered_lists(&fake), before, "listed once, then reused");

    let deleted = call(
        &app,
        "/api/delete_schedule",
        &ALICE,
        json!({"table": TABLE}),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert!(!fake.job_defs.lock().unwrap().contains_key(&id));
    let after = call(&app, "/api/list_schedules", &ALICE, json!({})).await;
    assert_eq!(
        after.body["schedules"].as_array().unwrap().len(),
        0,
        "a change clears the listing: {}",
        after.text
    );

    // Jobs are the service principal's; data is read only with the caller's token.
    for (what, token) in fake.calls() {
        if what.contains("/jobs/") {
            assert!(token.starts_with("sp-token-"), "{what} carried {token}");
        }
        if what.contains("/sql/statements") {
            assert!(
                token.ends_with("-token") && !token.starts_with("sp-"),
                "{what} carried {token}"
            );
        }
    }
}

#[tokio::test]
async fn a_table_with_a_row_filter_is_not_scheduled_as_a_job() {
    let (app, fake, _dir) = app().await;
    let table = "main.sales.filtered_orders";
    let saved = call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": table, "rules": rules()}),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let set = call(
        &app,
        "/api/set_schedule",
        &ALICE,
        json!({"table": table, "cron": "@daily", "timezone": "UTC", "enabled": true}),
    )
    .await;
    assert_eq!(set.status, StatusCode::BAD_REQUEST, "{}", set.text);
    assert!(set.text.contains("row filter"), "{}", set.text);
    assert_eq!(
        fake.job_defs.lock().unwrap().len(),
        2,
        "no job was made beside the bundle's two templates"
    );
}

#[tokio::test]
async fn without_a_published_checks_location_a_schedule_says_what_to_set() {
    let (state, _fake, _dir) = state_on_fake_with_sqlite(&[
        ("DQ_MONITOR_JOB_ID", "33"),
        ("DQX_METRICS_TABLE", "main.dq.metrics"),
        ("DQX_APPROVER_GROUPS", "none"),
    ])
    .await;
    let app = dqx_manager::server::routes::router(state);
    let set = call(
        &app,
        "/api/set_schedule",
        &ALICE,
        json!({"table": TABLE, "cron": "@daily", "timezone": "UTC", "enabled": true}),
    )
    .await;
    assert_eq!(set.status, StatusCode::BAD_REQUEST, "{}", set.text);
    assert!(set.text.contains("DQX_PUBLISH_TABLE"), "{}", set.text);
    // Without the monitoring job, schedules say what is missing.
    let (other, _f, _d) = common::fake_workspace::app_on_fake(&[]).await;
    let refused = call(&other, "/api/list_schedules", &ALICE, json!({})).await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("DQ_MONITOR_JOB_ID"),
        "{}",
        refused.text
    );
}
