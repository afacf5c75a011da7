//! Calling the app in-process over HTTP, as the local users.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dqx_manager::server::routes::router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub struct Reply {
    pub status: StatusCode,
    pub request_id: Option<String>,
    pub body: Value,
    pub text: String,
}

pub async fn call(app: &axum::Router, path: &str, headers: &[(&str, &str)], body: Value) -> Reply {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    call_raw(app, path, &all, body.to_string()).await
}

/// A POST with exactly these headers and this body text (no content type added).
pub async fn call_raw(
    app: &axum::Router,
    path: &str,
    headers: &[(&str, &str)],
    body: String,
) -> Reply {
    let mut request = Request::post(path);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    // Real clients send Content-Length; the body limit answers 413 from it before reading.
    request = request.header("content-length", body.len());
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let request_id = response
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        request_id,
        body,
        text,
    }
}

pub const ALICE: [(&str, &str); 2] = [
    ("x-forwarded-access-token", "local-alice"),
    ("x-forwarded-email", "alice@example.com"),
];
pub const BOB: [(&str, &str); 1] = [("x-forwarded-access-token", "local-bob")];
pub const CAROL: [(&str, &str); 1] = [("x-forwarded-access-token", "local-carol")];

/// The app on the sample workspace, where `dq-approvers` (carol) reviews every table.
pub async fn app() -> (axum::Router, tempfile::TempDir) {
    app_with(&[]).await
}

/// The app with no review configured (`DQX_APPROVER_GROUPS=none`): saves are active at once.
pub async fn app_without_review() -> (axum::Router, tempfile::TempDir) {
    app_with(&[("DQX_APPROVER_GROUPS", "none")]).await
}

pub async fn app_with(extra: &[(&'static str, &str)]) -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let state = super::local_state_with(dir.path(), extra).await;
    (router(state), dir)
}

/// Polls `run_status` as `who` until the run ends; its last status.
pub async fn wait_for_run(app: &axum::Router, who: &[(&str, &str)], run_id: &str) -> Value {
    for _ in 0..600 {
        let reply = call(
            app,
            "/api/run_status",
            who,
            serde_json::json!({"run_id": run_id}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let state = reply.body["state"].as_str().unwrap_or_default().to_string();
        if ["completed", "failed", "canceled"].contains(&state.as_str()) {
            return reply.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("run {run_id} did not end");
}

/// `table`'s rules saved by alice, submitted by her and approved by carol (the sample
/// workspace's reviewer): the version, now active.
pub async fn approved_by_carol(app: &axum::Router, table: &str, rules: Value) -> i64 {
    use serde_json::json;
    let saved = call(
        app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": table, "rules": rules}),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let version = saved.body["version"].as_i64().unwrap();
    let submitted = call(
        app,
        "/api/submit_rule_set",
        &ALICE,
        json!({"table": table, "version": version}),
    )
    .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
    let done = call(
        app,
        "/api/approve_rule_set",
        &CAROL,
        json!({"table": table, "version": version, "expected_status": "pending"}),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    version
}

/// Validates `rules` (saved as `version`) on `table` as alice until the run completes; its id.
pub async fn validated_by_alice(
    app: &axum::Router,
    table: &str,
    rules: Value,
    version: i64,
) -> String {
    use serde_json::json;
    validated_as(
        app,
        &ALICE,
        json!({"table": table, "rules": rules, "rule_set_version": version}),
    )
    .await
}

/// Starts the validation `body` asks for as `who` and waits until it completes; its id.
pub async fn validated_as(app: &axum::Router, who: &[(&str, &str)], body: Value) -> String {
    let started = call(app, "/api/start_validation", who, body).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    assert_eq!(wait_for_run(app, who, &run_id).await["state"], "completed");
    run_id
}
