//! Databricks mode against the fake workspace: which token each call carries (the user's for
//! Unity Catalog and SQL, the service principal's for jobs, never the other way), fail-closed
//! identity, the read probe before any job, run ownership, one token refresh under load, retries
//! on 429, complete chunked results, paginated listings, and no token in the logs.

use crate::common;

use axum::http::StatusCode;
use common::fake_workspace::{self, Fake, ROWS};
use common::http::{Reply, call};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;

const ALICE: [(&str, &str); 2] = [
    ("x-forwarded-access-token", "alice-token"),
    ("x-forwarded-email", "alice@example.com"),
];
const BOB: [(&str, &str); 1] = [("x-forwarded-access-token", "bob-token")];

async fn app() -> (axum::Router, Arc<Fake>, tempfile::TempDir) {
    fake_workspace::app_on_fake(&[]).await
}

fn tokens_on(fake: &Fake, needle: &str) -> Vec<String> {
    fake.calls()
        .into_iter()
        .filter(|(what, _)| what.contains(needle))
        .map(|(_, t)| t)
        .collect()
}

/// Starts a validation as a DQX job (the explicit engine choice).
async fn validate(app: &axum::Router, who: &[(&str, &str)], table: &str) -> Reply {
    let rules = json!([{"name": "email_is_null", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}]);
    call(
        app,
        "/api/start_validation",
        who,
        json!({"table": table, "rules": rules, "engine": "job"}),
    )
    .await
}

#[tokio::test]
async fn listings_describe_and_samples_use_only_the_users_token() {
    let (app, fake, _dir) = app().await;
    let catalogs = call(&app, "/api/list_catalogs", &ALICE, json!({})).await;
    assert_eq!(catalogs.status, StatusCode::OK, "{}", catalogs.text);
    // The empty first page was followed to the end.
    assert_eq!(
        catalogs.body,
        json!([{"name": "finance", "comment": null}, {"name": "main", "comment": "Main"}])
    );
    let described = call(
        &app,
        "/api/describe_table",
        &ALICE,
        json!({"table": "main.sales.customers"}),
    )
    .await;
    assert_eq!(described.status, StatusCode::OK, "{}", described.text);
    assert_eq!(
        described.body["row_count"], ROWS,
        "the RUNNING statement was polled to its result"
    );
    assert_eq!(described.body["columns"][0]["data_type"], "bigint");
    let sample = call(
        &app,
        "/api/sample_table",
        &ALICE,
        json!({"table": "main.sales.customers", "limit": 50}),
    )
    .await;
    assert_eq!(sample.status, StatusCode::OK, "{}", sample.text);
    let rows = sample.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), ROWS, "all three chunks were read");
    assert_eq!(rows[5][1], json!(null));
    assert_eq!(rows[11][1], "user11@example.com");
    let calls = fake.calls();
    assert!(!calls.is_empty());
    assert!(
        calls.iter().all(|(_, token)| token == "alice-token"),
        "{calls:?}"
    );
    assert_eq!(
        fake.mints.load(Ordering::SeqCst),
        0,
        "the service principal was not needed"
    );
}

#[tokio::test]
async fn apps_mode_without_a_forwarded_token_is_401_before_any_backend_call() {
    let (app, fake, _dir) = app().await;
    for path in ["/api/list_catalogs", "/api/whoami", "/api/list_runs"] {
        let reply = call(
            &app,
            path,
            &[("x-forwarded-email", "alice@example.com")],
            json!({}),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {}",
            reply.text
        );
    }
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());
}

#[tokio::test]
async fn jobs_run_as_the_service_principal_after_a_read_probe_as_the_user() {
    let (app, fake, _dir) = app().await;
    let started = validate(&app, &ALICE, "main.sales.customers").await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    assert!(
        run_id.parse::<i64>().unwrap() > u32::MAX as i64,
        "run ids beyond 2^32 survive"
    );
    let status = call(&app, "/api/run_status", &ALICE, json!({"run_id": run_id})).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.text);
    assert_eq!(status.body["state"], "completed");
    assert_eq!(
        status.body["validation"]["rule_results"][0]["violation_count"],
        1
    );
    assert_eq!(status.body["elapsed_ms"], 4000);

    // The probe and the column look-up went as alice; every jobs call as the service principal.
    let calls = fake.calls();
    let first_job = calls
        .iter()
        .position(|(w, _)| w.contains("/jobs/"))
        .unwrap();
    assert!(
        calls[..first_job]
            .iter()
            .any(|(w, t)| w.contains("/sql/statements") && t == "alice-token")
    );
    for (what, token) in &calls {
        if what.contains("/jobs/") {
            assert!(token.starts_with("sp-token-"), "{what} carried {token}");
        } else if what.contains("/sql/") || what.contains("catalog") || what.contains("table ") {
            assert_eq!(token, "alice-token", "{what}");
        }
    }
    assert_eq!(fake.mints.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_user_without_select_cannot_start_a_job_and_the_service_principal_is_never_asked() {
    let (app, fake, _dir) = app().await;
    let refused = validate(&app, &BOB, "main.hr.employees").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(
        refused.body["message"],
        "you don't have SELECT on main.hr.employees"
    );
    assert!(tokens_on(&fake, "/jobs/").is_empty());
    assert!(tokens_on(&fake, "oidc").is_empty());
}

#[tokio::test]
async fn another_user_cannot_read_or_cancel_a_run() {
    let (app, fake, _dir) = app().await;
    let started = validate(&app, &ALICE, "main.sales.customers").await;
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    let gets_before = tokens_on(&fake, "runs/get").len();
    for path in ["/api/run_status", "/api/cancel_run"] {
        let reply = call(&app, path, &BOB, json!({"run_id": run_id})).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.text
        );
    }
    assert_eq!(
        tokens_on(&fake, "runs/get").len(),
        gets_before,
        "nothing was asked for bob"
    );
    let bobs = call(&app, "/api/list_runs", &BOB, json!({})).await;
    assert_eq!(bobs.body, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_service_principal_token_is_refreshed_once_under_twenty_concurrent_requests() {
    // Twenty runs at once for one user: above the default per-user bound, so raise it.
    let (app, fake, _dir) = fake_workspace::app_on_fake(&[("DQX_MAX_RUNS_PER_USER", "20")]).await;
    let mut runs = Vec::new();
    for _ in 0..20 {
        let started = validate(&app, &ALICE, "main.sales.customers").await;
        runs.push(started.body["run_id"].as_str().unwrap().to_string());
    }
    assert_eq!(fake.mints.load(Ordering::SeqCst), 1);
    fake.revoked.lock().unwrap().insert("sp-token-1".into());
    let mut tasks = Vec::new();
    for run_id in runs {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            call(&app, "/api/run_status", &ALICE, json!({"run_id": run_id})).await
        }));
    }
    for task in tasks {
        let reply = task.await.unwrap();
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["state"], "completed");
    }
    assert_eq!(fake.mints.load(Ordering::SeqCst), 2, "exactly one refresh");
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_then_succeeds() {
    let (app, fake, _dir) = app().await;
    fake.throttle_catalogs.store(1, Ordering::SeqCst);
    let started = std::time::Instant::now();
    let catalogs = call(&app, "/api/list_catalogs", &ALICE, json!({})).await;
    assert_eq!(catalogs.status, StatusCode::OK, "{}", catalogs.text);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After was honoured"
    );
    let first_pages = fake
        .calls()
        .iter()
        .filter(|(w, _)| w == "GET catalogs page=")
        .count();
    assert_eq!(first_pages, 2, "the throttled request was sent again");
}

#[tokio::test(flavor = "current_thread")]
async fn no_token_reaches_the_logs() {
    let (logs, _guard) = common::logs::capture();
    let (app, fake, _dir) = app().await;
    call(&app, "/api/list_catalogs", &ALICE, json!({})).await;
    let started = validate(&app, &ALICE, "main.sales.customers").await;
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    fake.revoked.lock().unwrap().insert("sp-token-1".into());
    call(&app, "/api/run_status", &ALICE, json!({"run_id": run_id})).await;
    validate(&app, &BOB, "main.hr.employees").await;
    // Who am I without an e-mail header: SCIM Me, as bob.
    let me = call(&app, "/api/whoami", &BOB, json!({})).await;
    assert_eq!(me.body["email"], "bob@example.com", "{}", me.text);
    let text = logs.text();
    assert!(
        text.contains("service principal token minted"),
        "logs were captured"
    );
    for secret in [
        "alice-token",
        "bob-token",
        "sp-token-1",
        "sp-token-2",
        "client-secret",
        "Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQ",
    ] {
        assert!(!text.contains(secret), "{secret} reached the logs");
    }
}

#[tokio::test]
async fn ai_query_runs_as_the_user_with_the_prompt_as_a_parameter() {
    let (app, fake, _dir) = app().await;
    let nasty = "it's \"quoted\" \\ back\\slash '); DROP TABLE main.sales.customers; --";
    let rules = json!([{"name": "email_is_null", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}]);
    for prompt in [nasty, "emails must be valid"] {
        let reply = call(
            &app,
            "/api/analyze_rules",
            &ALICE,
            json!({"table": "main.sales.customers", "rules": rules, "user_prompt": prompt}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["summary"], "from the model");
        assert_eq!(reply.body["offline"], false);
        assert!(
            reply.body["assistant"]
                .as_str()
                .unwrap()
                .contains("ai_query")
        );
    }
    let statements: Vec<(String, serde_json::Value)> = fake
        .statements
        .lock()
        .unwrap()
        .iter()
        .filter(|(sql, _)| sql.contains("ai_query"))
        .cloned()
        .collect();
    assert_eq!(statements.len(), 2);
    for (sql, _) in &statements {
        assert_eq!(
            sql,
            dqx_manager::server::assistant::ai_query::AI_QUERY_SQL,
            "the SQL text never changes"
        );
    }
    let params = &statements[0].1;
    let prompt = params
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "prompt")
        .unwrap()["value"]
        .as_str()
        .unwrap();
    // The user's words travel inside the prompt's JSON facts, exactly as typed.
    let facts = prompt
        .split("FACTS (JSON):\n")
        .nth(1)
        .unwrap()
        .split("\n\nReply")
        .next()
        .unwrap();
    let facts: serde_json::Value = serde_json::from_str(facts).unwrap();
    assert_eq!(facts["user_prompt"], nasty, "the prompt arrived intact");
    let endpoint = params
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "endpoint")
        .unwrap();
    assert_eq!(endpoint["value"], "databricks-claude-sonnet-4-5");
    assert!(
        tokens_on(&fake, "/sql/statements")
            .iter()
            .all(|t| t == "alice-token")
    );
}

#[tokio::test]
async fn sixty_second_tokens_are_minted_once_per_window() {
    let (app, fake, _dir) = app().await;
    fake.token_lifetime.store(60, Ordering::SeqCst);
    for _ in 0..4 {
        let started = validate(&app, &ALICE, "main.sales.customers").await;
        assert_eq!(started.status, StatusCode::OK, "{}", started.text);
        let run_id = started.body["run_id"].as_str().unwrap().to_string();
        let status = call(&app, "/api/run_status", &ALICE, json!({"run_id": run_id})).await;
        assert_eq!(status.status, StatusCode::OK, "{}", status.text);
    }
    let job_calls = tokens_on(&fake, "/jobs/").len();
    assert!(job_calls >= 12, "{job_calls} job calls");
    assert_eq!(
        fake.mints.load(Ordering::SeqCst),
        1,
        "one token serves its 60-second window"
    );
}

#[tokio::test]
async fn a_job_document_with_exactly_the_contracts_fields_is_read() {
    let (app, fake, _dir) = app().await;
    fake.contract_only_output.store(true, Ordering::SeqCst);
    let started = validate(&app, &ALICE, "main.sales.customers").await;
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    let status = call(&app, "/api/run_status", &ALICE, json!({"run_id": run_id})).await;
    assert_eq!(status.body["state"], "completed", "{}", status.text);
    assert_eq!(status.body["validation"]["invalid_rows"], 1);
    assert!(
        status.body["validation"]["note"]
            .as_str()
            .unwrap()
            .contains("only warnings"),
        "{}",
        status.text
    );
}

#[tokio::test]
async fn a_user_may_not_queue_runs_without_bound() {
    let (app, fake, _dir) = fake_workspace::app_on_fake(&[("DQX_MAX_RUNS_PER_USER", "2")]).await;
    let rules = json!([{"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}]);
    let mut codes = Vec::new();
    for _ in 0..3 {
        let reply = call(
            &app,
            "/api/start_validation",
            &ALICE,
            json!({"table": "main.sales.slow", "rules": rules}),
        )
        .await;
        codes.push(reply.status.as_u16());
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(
                reply.body["message"]
                    .as_str()
                    .unwrap()
                    .contains("DQX_MAX_RUNS_PER_USER")
            );
        }
    }
    assert_eq!(codes, vec![200, 200, 429]);
    // Bob is not held up by alice's runs.
    let bob = call(
        &app,
        "/api/start_validation",
        &[
            ("x-forwarded-access-token", "bob-token"),
            ("x-forwarded-email", "bob@example.com"),
        ],
        json!({"table": "main.sales.slow", "rules": rules}),
    )
    .await;
    assert_eq!(bob.status, StatusCode::OK, "{}", bob.text);
    drop(fake);
}
