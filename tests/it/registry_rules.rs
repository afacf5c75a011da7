//! Registry rules and bindings through the server functions on the sample workspace (issue 31):
//! a rule is drafted, submitted and approved by someone else; a stale approval is a 409; a
//! binding by column tag is submitted as it is made, refused to its author and approved by
//! carol; the rule's page shows each reader only the covered tables they may read.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, BOB, CAROL, call};
use serde_json::{Value, json};

fn ok(reply: &common::http::Reply) -> &Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    &reply.body
}

#[tokio::test]
async fn a_registry_rule_is_reviewed_then_bound_by_tag_and_the_binding_reviewed() {
    let dir = tempfile::tempdir().unwrap();
    let app = dqx_manager::server::routes::router(common::local_state(dir.path()).await);

    let bad = call(
        &app,
        "/api/save_registry_rule",
        &ALICE,
        json!({"name": "email_valid", "rule": {"function": "is_valid_emale", "arguments": {"column": "{{ col }}"}}}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert!(bad.text.contains("not a valid DQX check"), "{}", bad.text);

    let rule = json!({"function": "is_not_null", "arguments": {"column": "{{ col }}"}});
    let saved = call(
        &app,
        "/api/save_registry_rule",
        &ALICE,
        json!({"name": "Email_Present", "rule": rule, "description": "every e-mail is present", "dimension": "completeness"}),
    )
    .await;
    let saved = ok(&saved);
    assert_eq!(
        (&saved["name"], &saved["version"], &saved["status"]),
        (&json!("email_present"), &json!(1), &json!("draft"))
    );

    let submit = json!({"name": "email_present", "version": 1, "expected_status": "draft"});
    ok(&call(&app, "/api/submit_registry_rule", &ALICE, submit).await);
    let approve = json!({"name": "email_present", "version": 1, "expected_status": "pending"});
    let own = call(&app, "/api/approve_registry_rule", &ALICE, approve.clone()).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.text);
    let not_approver = call(&app, "/api/approve_registry_rule", &BOB, approve.clone()).await;
    assert_eq!(
        not_approver.status,
        StatusCode::FORBIDDEN,
        "{}",
        not_approver.text
    );
    let approved = call(&app, "/api/approve_registry_rule", &CAROL, approve.clone()).await;
    assert_eq!(ok(&approved)["status"], "approved");
    let stale = call(&app, "/api/approve_registry_rule", &CAROL, approve).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert!(stale.text.contains("approved by carol"), "{}", stale.text);

    // A mapping that misses the placeholder is refused before anything is saved.
    let scope = json!({"tag": {"key": "class", "value": "email", "on": "column"}});
    let unmapped = call(
        &app,
        "/api/bind_registry_rule",
        &ALICE,
        json!({"name": "email_present", "scope": scope, "mapping": {}}),
    )
    .await;
    assert_eq!(
        unmapped.status,
        StatusCode::BAD_REQUEST,
        "{}",
        unmapped.text
    );
    assert!(unmapped.text.contains("{{ col }}"), "{}", unmapped.text);

    let bound = call(
        &app,
        "/api/bind_registry_rule",
        &ALICE,
        json!({"name": "email_present", "scope": scope,
               "mapping": {"col": {"tagged": "class=email"}}, "follow": "latest"}),
    )
    .await;
    let bound = ok(&bound).clone();
    assert_eq!(bound["status"], "pending");
    assert_eq!(
        bound["coverage"]["tables"],
        json!(["main.hr.employees", "main.sales.customers"])
    );
    let id = bound["binding_id"].as_str().unwrap().to_string();

    let decide = json!({"binding_id": id, "expected_status": "pending"});
    let own = call(&app, "/api/approve_binding", &ALICE, decide.clone()).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.text);
    assert!(own.text.contains("four-eyes"), "{}", own.text);
    let by_bob = call(&app, "/api/approve_binding", &BOB, decide.clone()).await;
    assert_eq!(by_bob.status, StatusCode::FORBIDDEN, "{}", by_bob.text);
    let approved = call(&app, "/api/approve_binding", &CAROL, decide).await;
    assert_eq!(ok(&approved)["status"], "approved");

    let list = call(&app, "/api/registry_list", &BOB, json!({})).await;
    let list = ok(&list);
    assert_eq!(list[0]["name"], "email_present");
    assert_eq!(list[0]["approved_version"], 1);
    assert_eq!(list[0]["dimension"], "completeness");
    // Where used, as bob sees the catalog (main.hr is not his); alice sees both tables.
    assert_eq!(list[0]["used_on"], 1, "{list}");
    let list = call(&app, "/api/registry_list", &ALICE, json!({})).await;
    assert_eq!(ok(&list)[0]["used_on"], 2, "{}", list.text);

    let page = json!({"name": "email_present"});
    let alice = call(&app, "/api/registry_rule", &ALICE, page.clone()).await;
    let binding = &ok(&alice)["bindings"][0];
    assert_eq!(binding["binding_id"], json!(id));
    assert_eq!(binding["approved_version"], 1);
    assert_eq!(
        binding["coverage"]["tables"],
        json!(["main.hr.employees", "main.sales.customers"])
    );
    let bob = call(&app, "/api/registry_rule", &BOB, page).await;
    assert_eq!(
        ok(&bob)["bindings"][0]["coverage"]["tables"],
        json!(["main.sales.customers"])
    );
    assert!(!bob.text.contains("main.hr"), "{}", bob.text);
}

#[tokio::test]
async fn a_pin_must_name_an_approved_version() {
    let dir = tempfile::tempdir().unwrap();
    let app = dqx_manager::server::routes::router(common::local_state(dir.path()).await);
    let rule = json!({"function": "is_not_null", "arguments": {"column": "{{ key }}"}});
    ok(&call(
        &app,
        "/api/save_registry_rule",
        &ALICE,
        json!({"name": "key_present", "rule": rule}),
    )
    .await);
    let pinned = call(
        &app,
        "/api/bind_registry_rule",
        &ALICE,
        json!({"name": "key_present", "scope": {"tables": ["main.sales.orders"]},
               "mapping": {"key": {"column": "order_id"}}, "follow": {"version": 1}}),
    )
    .await;
    assert_eq!(pinned.status, StatusCode::BAD_REQUEST, "{}", pinned.text);
    assert!(
        pinned.text.contains("no approved version 1"),
        "{}",
        pinned.text
    );
    let unknown = call(
        &app,
        "/api/bind_registry_rule",
        &ALICE,
        json!({"name": "no_such_rule", "scope": {"tables": ["main.sales.orders"]}}),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
}

#[tokio::test]
async fn an_approver_decides_only_bindings_inside_their_groups_and_approval_republishes() {
    let (app, dir) =
        common::http::app_with(&[("DQX_APPROVER_GROUPS", "dq-approvers=main.sales")]).await;
    let rule = json!({"function": "is_not_null", "arguments": {"column": "{{ col }}"}});
    ok(&call(
        &app,
        "/api/save_registry_rule",
        &ALICE,
        json!({"name": "present", "rule": rule}),
    )
    .await);
    ok(&call(
        &app,
        "/api/submit_registry_rule",
        &ALICE,
        json!({"name": "present", "version": 1}),
    )
    .await);
    let approve = json!({"name": "present", "version": 1, "expected_status": "pending"});
    ok(&call(&app, "/api/approve_registry_rule", &CAROL, approve).await);
    let own = json!([{"name": "country_present", "criticality": "error",
        "check": {"function": "is_not_null", "arguments": {"column": "country"}}}]);
    common::http::approved_by_carol(&app, "main.sales.customers", own).await;
    let published = dir
        .path()
        .join("published")
        .join("main.sales.customers.yaml");
    assert!(
        !std::fs::read_to_string(&published)
            .unwrap()
            .contains("registry:")
    );

    // A tag may be set anywhere: carol, who approves main.sales only, may not let it apply.
    let by_tag = call(
        &app,
        "/api/bind_registry_rule",
        &ALICE,
        json!({"name": "present", "scope": {"tag": {"key": "class", "value": "email", "on": "column"}},
               "mapping": {"col": {"tagged": "class=email"}}}),
    )
    .await;
    let id = ok(&by_tag)["binding_id"].as_str().unwrap().to_string();
    let refused = call(
        &app,
        "/api/approve_binding",
        &CAROL,
        json!({"binding_id": id, "expected_status": "pending"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert!(refused.text.contains("not an approver"), "{}", refused.text);

    let by_pattern = call(
        &app,
        "/api/bind_registry_rule",
        &ALICE,
        json!({"name": "present", "scope": {"pattern": "main.sales.*"},
               "mapping": {"col": {"column": "customer_id"}}}),
    )
    .await;
    let id = ok(&by_pattern)["binding_id"].as_str().unwrap().to_string();
    let approved = call(
        &app,
        "/api/approve_binding",
        &CAROL,
        json!({"binding_id": id, "expected_status": "pending"}),
    )
    .await;
    assert_eq!(ok(&approved)["status"], "approved");
    let text = std::fs::read_to_string(&published).unwrap();
    assert!(
        text.contains("registry:present@1"),
        "approval did not republish: {text}"
    );
    assert!(text.contains("country_present"), "{text}");
    // A covered table without rules of its own is published with what it inherits.
    let orders = dir.path().join("published").join("main.sales.orders.yaml");
    let text = std::fs::read_to_string(&orders).expect("orders published with its registry rule");
    assert!(
        text.contains("registry rules only") && text.contains("registry:present@1"),
        "{text}"
    );

    // Retiring is a reviewed change too; until it is approved the binding applies.
    let tag_id = ok(&by_tag)["binding_id"].as_str().unwrap().to_string();
    let nothing = call(
        &app,
        "/api/retire_binding",
        &ALICE,
        json!({"binding_id": tag_id}),
    )
    .await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST, "{}", nothing.text);
    assert!(
        nothing.text.contains("nothing to retire"),
        "{}",
        nothing.text
    );
    let retired = call(
        &app,
        "/api/retire_binding",
        &ALICE,
        json!({"binding_id": id}),
    )
    .await;
    assert_eq!(ok(&retired)["status"], "pending");
    let still = call(
        &app,
        "/api/effective_rules",
        &ALICE,
        json!({"table": "main.sales.orders"}),
    )
    .await;
    assert!(
        ok(&still).to_string().contains("registry:present@1"),
        "{}",
        still.text
    );
    let own_approval = call(
        &app,
        "/api/approve_binding",
        &ALICE,
        json!({"binding_id": id, "expected_status": "pending"}),
    )
    .await;
    assert_eq!(
        own_approval.status,
        StatusCode::FORBIDDEN,
        "{}",
        own_approval.text
    );
    let approved = call(
        &app,
        "/api/approve_binding",
        &CAROL,
        json!({"binding_id": id, "expected_status": "pending"}),
    )
    .await;
    assert_eq!(ok(&approved)["status"], "approved");
    let gone = call(
        &app,
        "/api/effective_rules",
        &ALICE,
        json!({"table": "main.sales.orders"}),
    )
    .await;
    assert!(
        !ok(&gone).to_string().contains("registry:"),
        "{}",
        gone.text
    );
    let text = std::fs::read_to_string(&published).unwrap();
    assert!(
        !text.contains("registry:") && text.contains("country_present"),
        "the retirement did not republish customers: {text}"
    );
    let text = std::fs::read_to_string(&orders).unwrap();
    assert!(
        !text.contains("registry:") && !text.contains("is_not_null"),
        "orders still loads the retired rule: {text}"
    );
    assert!(text.contains("no checks (cleared"), "{text}");
    let again = call(
        &app,
        "/api/retire_binding",
        &ALICE,
        json!({"binding_id": id}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
}
