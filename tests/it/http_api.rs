//! The HTTP surface in-process: server functions at `/api/<name>` with JSON, identity from the
//! forwarded headers (401 when it does not hold), statuses per error kind, `/healthz`, request ids,
//! and no token in any response or log line.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use common::http::{ALICE, BOB, app, call};

#[tokio::test]
async fn whoami_reflects_the_forwarded_user_or_the_default() {
    let (app, _dir) = app().await;
    let me = call(&app, "/api/whoami", &ALICE, json!({})).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["email"], "alice@example.com");
    assert_eq!(me.body["mode"], "local");

    let default = call(&app, "/api/whoami", &[], json!({})).await;
    assert_eq!(default.body["email"], "dev@localhost");
}

#[tokio::test]
async fn unknown_token_is_401_and_never_echoed() {
    let (app, _dir) = app().await;
    let reply = call(
        &app,
        "/api/list_catalogs",
        &[("x-forwarded-access-token", "stolen-token-123")],
        json!({}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body["kind"], "unauthorized");
    assert!(!reply.text.contains("stolen-token-123"));
}

#[tokio::test]
async fn listings_follow_the_callers_grants() {
    let (app, _dir) = app().await;
    let alice = call(&app, "/api/list_catalogs", &ALICE, json!({})).await;
    let names: Vec<&str> = alice
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["finance", "main"]);

    let bob = call(&app, "/api/list_catalogs", &BOB, json!({})).await;
    let names: Vec<&str> = bob
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["main"]);

    let tables = call(
        &app,
        "/api/list_tables",
        &BOB,
        json!({"catalog": "main", "schema": "sales"}),
    )
    .await;
    assert_eq!(tables.status, StatusCode::OK);
    assert_eq!(tables.body.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn refusals_carry_status_kind_message_and_request_id() {
    let (app, _dir) = app().await;
    let reply = call(
        &app,
        "/api/sample_table",
        &[
            ("x-forwarded-access-token", "local-bob"),
            ("x-request-id", "req-from-proxy-42"),
        ],
        json!({"table": "finance.ledger.transactions"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body["kind"], "permission_denied");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("USE CATALOG on finance")
    );
    assert_eq!(reply.body["request_id"], "req-from-proxy-42");
    assert_eq!(reply.request_id.as_deref(), Some("req-from-proxy-42"));
}

#[tokio::test]
async fn bad_input_is_400_with_the_reason() {
    let (app, _dir) = app().await;
    let reply = call(
        &app,
        "/api/describe_table",
        &ALICE,
        json!({"table": "main.sales"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("three parts")
    );

    let reply = call(
        &app,
        "/api/sample_table",
        &ALICE,
        json!({"table": "main.sales.customers", "limit": 0}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    let reply = call(&app, "/api/list_schemas", &ALICE, json!({"wrong": "field"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);

    // Rules are a typed list: a mapping where the list belongs is refused by the decoding, for
    // every endpoint that takes rules.
    let one_rule = json!({"check": {"function": "is_not_null", "arguments": {"column": "id"}}});
    for (path, body) in [
        (
            "/api/save_rule_set",
            json!({"table": "main.sales.customers", "rules": one_rule}),
        ),
        (
            "/api/start_validation",
            json!({"table": "main.sales.customers", "rules": one_rule}),
        ),
        (
            "/api/analyze_rules",
            json!({"table": "main.sales.customers", "rules": "is_not_null(id)"}),
        ),
    ] {
        let reply = call(&app, path, &ALICE, body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.text
        );
        let message = reply.body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("the request body is not valid") && message.contains("sequence"),
            "{path}: {message}"
        );
    }

    let reply = call(
        &app,
        "/api/describe_table",
        &ALICE,
        json!({"table": "main.sales.nope"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sample_limit_defaults_to_100_and_caps_at_1000() {
    let (app, _dir) = app().await;
    let reply = call(
        &app,
        "/api/sample_table",
        &ALICE,
        json!({"table": "main.sales.orders"}),
    )
    .await;
    assert_eq!(reply.body["rows"].as_array().unwrap().len(), 100);
    assert_eq!(reply.body["limit"], 100);
    let reply = call(
        &app,
        "/api/sample_table",
        &ALICE,
        json!({"table": "main.sales.orders", "limit": 5000}),
    )
    .await;
    assert_eq!(reply.body["rows"].as_array().unwrap().len(), 1000);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let (app, _dir) = app().await;
    let huge = "x".repeat(3 * 1024 * 1024);
    let reply = call(
        &app,
        "/api/describe_table",
        &ALICE,
        json!({ "table": huge }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn healthz_reports_status_to_anyone_and_details_to_signed_in_callers() {
    let (app, _dir) = app().await;
    let response = app
        .clone()
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["status"], "ok");
    assert!(body.get("backends").is_none(), "{body}");
    assert!(body.get("mode").is_none(), "{body}");
    assert!(
        !body.to_string().contains("data"),
        "no path for anonymous callers: {body}"
    );
    let response = app
        .clone()
        .oneshot(
            Request::get("/healthz")
                .header("x-forwarded-access-token", "local-alice")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let body: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["mode"], "local");
    assert_eq!(body["backends"]["workspace"]["status"], "ok");
    assert!(
        body["backends"]["workspace"]["detail"]
            .as_str()
            .unwrap()
            .contains("4 tables")
    );
}

#[tokio::test]
async fn pages_render_on_the_server_for_the_forwarded_user() {
    let (app, _dir) = app().await;
    let mut request = Request::get("/?table=main.sales.customers&limit=3");
    for (k, v) in ALICE {
        request = request.header(k, v);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Issue 40 (7): no other site may frame a page (Approve cannot be clickjacked).
    let headers = response.headers();
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["content-security-policy"], "frame-ancestors 'none'");
    let html = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(html.contains("alice@example.com"), "the caller is shown");
    assert!(
        html.contains("Sample rows of main.sales.customers"),
        "the sample is rendered"
    );
    assert!(
        !html.contains("local-alice"),
        "the token never reaches the page"
    );

    let response = app
        .clone()
        .oneshot(Request::get("/no/such/page").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// Issue 40 (7): a rebound DNS name reaches nothing locally, even with an Origin to match it;
/// the loopback names do.
#[tokio::test]
async fn a_page_under_another_host_name_is_refused() {
    let (app, _dir) = app().await;
    let get = |host: &'static str| {
        let mut request = Request::get("/?table=main.sales.customers").header("host", host);
        for (k, v) in ALICE {
            request = request.header(k, v);
        }
        request.body(Body::empty()).unwrap()
    };
    let refused = app.clone().oneshot(get("evil.example:3000")).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(refused.headers()["x-frame-options"], "DENY");
    for fine in ["127.0.0.1:3000", "localhost:3000"] {
        let answered = app.clone().oneshot(get(fine)).await.unwrap();
        assert_eq!(answered.status(), StatusCode::OK, "{fine}");
    }
    let api = call(
        &app,
        "/api/whoami",
        &[
            ALICE[0],
            ALICE[1],
            ("host", "evil.example"),
            ("origin", "http://evil.example"),
        ],
        json!({}),
    )
    .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.text);
    assert!(api.text.contains("DQX_ALLOWED_HOSTS"), "{}", api.text);
}

#[tokio::test(flavor = "current_thread")]
async fn no_token_reaches_the_log() {
    let (sink, _guard) = common::logs::capture();

    let (app, _dir) = app().await;
    call(
        &app,
        "/api/sample_table",
        &ALICE,
        json!({"table": "main.sales.customers", "limit": 2}),
    )
    .await;
    call(
        &app,
        "/api/sample_table",
        &BOB,
        json!({"table": "main.hr.employees"}),
    )
    .await;
    call(
        &app,
        "/api/whoami",
        &[("x-forwarded-access-token", "secret-unknown-token")],
        json!({}),
    )
    .await;

    let logs = sink.text();
    assert!(
        logs.contains("request refused"),
        "refusals are logged: {logs}"
    );
    for token in ["local-alice", "local-bob", "secret-unknown-token"] {
        assert!(!logs.contains(token), "{token} appeared in the log");
    }
}

#[tokio::test]
async fn check_rules_reports_located_problems_and_uses_the_tables_columns() {
    let (app, _dir) = app().await;
    let text = "- check:\n    function: is_in_list\n    arguments: {column: status, allowed: [shipped, \"'new'\"]}\n- check: {function: is_not_nul, arguments: {column: status}}\n";
    let reply = call(
        &app,
        "/api/check_rules",
        &ALICE,
        json!({"text": text, "format": "yaml", "table": "main.sales.orders"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let problems = reply.body["problems"].as_array().unwrap();
    let by_field = |field: &str| {
        problems
            .iter()
            .find(|p| p["field"] == field)
            .cloned()
            .unwrap()
    };
    let unknown = by_field("check.function");
    assert_eq!(unknown["severity"], "error");
    assert_eq!(unknown["rule_index"], 1);
    assert_eq!(unknown["suggestion"], "'is_not_null'");
    let literal = by_field("check.arguments.allowed[0]");
    assert_eq!(literal["severity"], "warning");
    assert_eq!(literal["suggestion"], "\"'shipped'\"");

    let bad = call(
        &app,
        "/api/check_rules",
        &ALICE,
        json!({"text": "[{", "format": "json"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );

    // The table is read as the caller: bob may not read main.hr.
    let refused = call(
        &app,
        "/api/check_rules",
        &BOB,
        json!({"text": "[]", "format": "json", "table": "main.hr.employees"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// Issue 40 (5): a version's prompt and notes are bounded, each refusal naming the field and its
/// limit; the analysis prompt too.
#[tokio::test]
async fn prompts_and_notes_are_bounded_by_what_they_are() {
    let (app, _dir) = app().await;
    let rules = json!([{"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}]);
    let long = "p".repeat(dqx_manager::model::runs::MAX_PROMPT_CHARS + 1);
    let big = json!({"x": "m".repeat(dqx_manager::server::limits::MAX_NOTE_BYTES)});
    for (body, field) in [
        (
            json!({"table": "main.sales.customers", "rules": rules, "user_prompt": long}),
            "user_prompt",
        ),
        (
            json!({"table": "main.sales.customers", "rules": rules, "metadata": big}),
            "metadata",
        ),
        (
            json!({"table": "main.sales.customers", "rules": rules, "ai_summary": big}),
            "ai_summary",
        ),
    ] {
        let saved = call(&app, "/api/save_rule_set", &ALICE, body).await;
        assert_eq!(saved.status, StatusCode::BAD_REQUEST, "{}", saved.text);
        assert!(saved.text.contains(field), "{}", saved.text);
    }
    let analysed = call(
        &app,
        "/api/analyze_rules",
        &ALICE,
        json!({"table": "main.sales.customers", "rules": rules, "user_prompt": long}),
    )
    .await;
    assert_eq!(
        analysed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        analysed.text
    );
    assert!(analysed.text.contains("user_prompt"), "{}", analysed.text);
    let fine = call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": "main.sales.customers", "rules": rules, "user_prompt": "emails present", "metadata": {"team": "sales"}}),
    )
    .await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.text);
}
