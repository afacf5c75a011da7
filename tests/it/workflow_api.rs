//! The workflow's server functions over HTTP: start a generation and a validation, watch them
//! with `run_status`, list and cancel runs; bad input gets a precise 4xx; another user's run is
//! not found.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, BOB, app, call, wait_for_run as wait};
use serde_json::json;

#[tokio::test]
async fn generate_then_validate_finds_the_planted_defects() {
    let (app, _dir) = app().await;
    let started = call(
        &app,
        "/api/start_generation",
        &ALICE,
        json!({"table": "main.sales.customers", "prompt": "emails must be valid and customer ids unique", "sample_limit": 1000}),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    assert_eq!(started.body["kind"], "generation");
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    let done = wait(&app, &ALICE, &run_id).await;
    assert_eq!(done["state"], "completed", "{done}");
    let generation = &done["generation"];
    assert_eq!(generation["table_name"], "main.sales.customers");
    assert_eq!(generation["metadata"]["row_count"], 1000);
    let rules = generation["rules"].as_array().unwrap().clone();
    assert!(
        rules
            .iter()
            .any(|r| r["check"]["function"] == "is_valid_email")
    );
    assert!(rules.iter().any(|r| r["check"]["function"] == "is_unique"));

    let started = call(
        &app,
        "/api/start_validation",
        &ALICE,
        json!({"table": "main.sales.customers", "rules": rules}),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let done = wait(&app, &ALICE, started.body["run_id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "completed", "{done}");
    let result = &done["validation"];
    assert_eq!(result["total_rows"], 1000);
    let count = |function: &str| {
        let name = rules
            .iter()
            .find(|r| {
                r["check"]["function"] == function && r["user_metadata"]["source"] == "prompt"
            })
            .unwrap()["name"]
            .clone();
        result["rule_results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule_name"] == name)
            .unwrap()["violation_count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count("is_valid_email"), 20);
    assert_eq!(count("is_unique"), 20);

    let listed = call(&app, "/api/list_runs", &ALICE, json!({})).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 2);
    assert_eq!(listed.body[0]["kind"], "validation", "newest first");
}

#[tokio::test]
async fn another_users_run_is_not_found_and_not_listed() {
    let (app, _dir) = app().await;
    let started = call(
        &app,
        "/api/start_generation",
        &ALICE,
        json!({"table": "main.sales.orders", "prompt": "order ids are unique"}),
    )
    .await;
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    for endpoint in ["/api/run_status", "/api/cancel_run"] {
        let reply = call(&app, endpoint, &BOB, json!({"run_id": run_id})).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{endpoint}: {}",
            reply.text
        );
        assert_eq!(reply.body["kind"], "not_found");
    }
    let listed = call(&app, "/api/list_runs", &BOB, json!({})).await;
    assert_eq!(listed.body, json!([]));
    // Bob's attempts did not cancel it.
    let done = wait(&app, &ALICE, &run_id).await;
    assert_eq!(done["state"], "completed");
}

#[tokio::test]
async fn alice_can_cancel_her_run() {
    let (app, _dir) = app().await;
    let started = call(
        &app,
        "/api/start_generation",
        &ALICE,
        json!({"table": "finance.ledger.transactions", "prompt": "txn ids unique"}),
    )
    .await;
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    let canceled = call(&app, "/api/cancel_run", &ALICE, json!({"run_id": run_id})).await;
    assert_eq!(canceled.status, StatusCode::OK, "{}", canceled.text);
    // Either it was caught in time, or it had already finished; never left running.
    let done = wait(&app, &ALICE, &run_id).await;
    let state = done["state"].as_str().unwrap();
    assert!(state == "canceled" || state == "completed", "{done}");
    if state == "canceled" {
        assert_eq!(done["message"], "canceled by alice@example.com");
        assert!(done["generation"].is_null());
    }
}

#[tokio::test]
async fn bad_input_gets_a_precise_error() {
    let (app, _dir) = app().await;
    let cases = [
        (
            "/api/start_generation",
            json!({"table": "main.sales.customers", "prompt": "  "}),
            StatusCode::BAD_REQUEST,
            "describe in a few words",
        ),
        (
            "/api/start_generation",
            json!({"table": "main.sales.customers", "prompt": "ids unique", "sample_limit": 5}),
            StatusCode::BAD_REQUEST,
            "between 10 and",
        ),
        (
            "/api/start_generation",
            json!({"table": "main.sales.nope", "prompt": "ids unique"}),
            StatusCode::NOT_FOUND,
            "main.sales.nope",
        ),
        (
            "/api/start_generation",
            json!({"table": "not a table", "prompt": "ids unique"}),
            StatusCode::BAD_REQUEST,
            "catalog.schema.table",
        ),
        (
            "/api/start_validation",
            json!({"table": "main.sales.customers", "rules": [{"criticality": "error", "check": {"function": "is_not_nul", "arguments": {"column": "email"}}}]}),
            StatusCode::BAD_REQUEST,
            "rule 1",
        ),
        (
            "/api/start_validation",
            json!({"table": "main.sales.customers", "rules": [{"criticality": "fatal", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}]}),
            StatusCode::BAD_REQUEST,
            "criticality",
        ),
        (
            "/api/run_status",
            json!({"run_id": "local-does-not-exist"}),
            StatusCode::NOT_FOUND,
            "no run local-does-not-exist",
        ),
    ];
    for (endpoint, body, status, needle) in cases {
        let reply = call(&app, endpoint, &ALICE, body.clone()).await;
        assert_eq!(reply.status, status, "{endpoint} {body}: {}", reply.text);
        let message = reply.body["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{endpoint} {body}: {message}");
    }
    // Bob may not read finance: refused before anything runs.
    let reply = call(
        &app,
        "/api/start_validation",
        &BOB,
        json!({"table": "finance.ledger.transactions", "rules": [{"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "txn_id"}}}]}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    let listed = call(&app, "/api/list_runs", &BOB, json!({})).await;
    assert_eq!(listed.body, json!([]));
}
