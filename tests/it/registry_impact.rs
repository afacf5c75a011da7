//! A pending registry change previewed across tables (issue 31): a stricter version of a rule
//! bound by tag is run, as the reviewer, on each covered table's sample beside what applies now;
//! bob's preview counts main.hr.employees without naming or evaluating it, carol's covers both
//! tables; a pending binding is previewed on the tables its pattern covers.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, BOB, CAROL, call};
use serde_json::{Value, json};

fn ok(reply: &common::http::Reply) -> &Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    &reply.body
}

/// Starts a preview as `who` and polls `run_status` until it ends; its `cross_table`.
async fn preview(app: &axum::Router, who: &[(&str, &str)], subject: Value) -> (Value, String) {
    let started = call(app, "/api/registry_impact_preview", who, subject).await;
    let run_id = ok(&started)["run_id"].as_str().unwrap().to_string();
    let done = common::http::wait_for_run(app, who, &run_id).await;
    assert_eq!(done["state"], "completed", "{done}");
    (done["cross_table"].clone(), done.to_string())
}

fn tables(cross: &Value) -> Vec<String> {
    cross["tables"]
        .as_array()
        .unwrap_or_else(|| panic!("{cross}"))
        .iter()
        .map(|t| t["table"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_stricter_version_is_previewed_on_every_covered_table_the_reviewer_may_read() {
    let (app, _dir) = common::http::app().await;
    let present = json!({"function": "is_not_null", "arguments": {"column": "{{ col }}"}});
    ok(&call(
        &app,
        "/api/save_registry_rule",
        &ALICE,
        json!({"name": "email_ok", "rule": present}),
    )
    .await);
    ok(&call(
        &app,
        "/api/submit_registry_rule",
        &ALICE,
        json!({"name": "email_ok", "version": 1}),
    )
    .await);
    ok(&call(
        &app,
        "/api/approve_registry_rule",
        &CAROL,
        json!({"name": "email_ok", "version": 1, "expected_status": "pending"}),
    )
    .await);
    let bound = call(
        &app,
        "/api/bind_registry_rule",
        &ALICE,
        json!({"name": "email_ok", "scope": {"tag": {"key": "class", "value": "email", "on": "column"}},
               "mapping": {"col": {"tagged": "class=email"}}}),
    )
    .await;
    let id = ok(&bound)["binding_id"].as_str().unwrap().to_string();
    ok(&call(
        &app,
        "/api/approve_binding",
        &CAROL,
        json!({"binding_id": id, "expected_status": "pending"}),
    )
    .await);

    // Version 2: e-mails must look like e-mails.
    let valid = json!({"function": "regex_match", "arguments": {"column": "{{ col }}", "regex": "^[^@ ]+@[^@ ]+[.][a-z]+$"}});
    ok(&call(
        &app,
        "/api/save_registry_rule",
        &ALICE,
        json!({"name": "email_ok", "rule": valid}),
    )
    .await);
    ok(&call(
        &app,
        "/api/submit_registry_rule",
        &ALICE,
        json!({"name": "email_ok", "version": 2}),
    )
    .await);

    let (bobs, text) = preview(&app, &BOB, json!({"name": "email_ok"})).await;
    assert_eq!(tables(&bobs), ["main.sales.customers"]);
    assert_eq!(bobs["unreadable"], 1, "{bobs}");
    assert!(
        !text.contains("employees") && !text.contains("main.hr"),
        "{text}"
    );
    assert_eq!(bobs["subject"], "registry rule email_ok@2");
    let customers = &bobs["tables"][0];
    assert_eq!(customers["state"], "completed", "{customers}");
    let start = customers["preview"]["rows_start_failing"].as_u64().unwrap();
    assert!(start > 0, "malformed e-mails start failing: {customers}");
    assert_eq!(bobs["totals"]["rows_start_failing"].as_u64(), Some(start));
    assert_eq!(bobs["totals"]["tables_previewed"], 1);

    let (carols, _) = preview(&app, &CAROL, json!({"name": "email_ok", "version": 2})).await;
    assert_eq!(
        tables(&carols),
        ["main.hr.employees", "main.sales.customers"]
    );
    assert_eq!(carols["unreadable"], 0);
    assert_eq!(carols["totals"]["tables_previewed"], 2);
    // The employees' e-mails are all well formed: the totals add their rows, not failures.
    assert_eq!(carols["totals"]["rows_start_failing"].as_u64(), Some(start));
    assert!(
        carols["totals"]["rows_checked"].as_u64() > bobs["totals"]["rows_checked"].as_u64(),
        "{carols}"
    );

    // The previews were not kept with either table's own review.
    let review = call(
        &app,
        "/api/rule_history",
        &CAROL,
        json!({"table": "main.sales.customers"}),
    )
    .await;
    assert!(!review.text.contains("\"version\":0"), "{}", review.text);
}

#[tokio::test]
async fn a_pending_binding_is_previewed_on_the_tables_its_pattern_covers() {
    let (app, _dir) = common::http::app().await;
    let rule = json!({"function": "is_not_null", "arguments": {"column": "{{ key }}"}});
    ok(&call(
        &app,
        "/api/save_registry_rule",
        &ALICE,
        json!({"name": "key_present", "rule": rule}),
    )
    .await);
    ok(&call(
        &app,
        "/api/submit_registry_rule",
        &ALICE,
        json!({"name": "key_present", "version": 1}),
    )
    .await);
    ok(&call(
        &app,
        "/api/approve_registry_rule",
        &CAROL,
        json!({"name": "key_present", "version": 1, "expected_status": "pending"}),
    )
    .await);
    let bound = call(
        &app,
        "/api/bind_registry_rule",
        &ALICE,
        json!({"name": "key_present", "scope": {"pattern": "main.sales.*"},
               "mapping": {"key": {"column": "customer_id"}}}),
    )
    .await;
    let id = ok(&bound)["binding_id"].as_str().unwrap().to_string();
    let (cross, _) = preview(&app, &CAROL, json!({"binding_id": id})).await;
    assert_eq!(
        tables(&cross),
        ["main.sales.customers", "main.sales.orders"]
    );
    for t in cross["tables"].as_array().unwrap() {
        assert_eq!(t["state"], "completed", "{t}");
        assert!(
            t["preview"]["rules"].to_string().contains("key_present"),
            "{t}"
        );
    }
    let both = call(
        &app,
        "/api/registry_impact_preview",
        &CAROL,
        json!({"name": "key_present", "binding_id": id}),
    )
    .await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST, "{}", both.text);
}
