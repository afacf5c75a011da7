//! Review over HTTP on the sample workspace, where `dq-approvers` (carol) reviews every table:
//! alice's save is a draft, she submits it, bob (no approver) and alice herself (four-eyes) are
//! refused, carol sees it in her queue, previews its impact on the same sample as the active
//! version, and approves it; a stale decision is a 409 that says who moved it; comments and
//! every move are in the version's thread. Also: no review configured, self-approval switched
//! on explicitly, and roles never standing in for read access.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, BOB, CAROL, app, app_with, call, wait_for_run};
use serde_json::{Value, json};

const TABLE: &str = "main.sales.customers";

fn rule(name: &str, function: &str, arguments: Value) -> Value {
    json!({"name": name, "criticality": "error", "check": {"function": function, "arguments": arguments}})
}

/// The active version of the preview: customer ids present.
fn active_rules() -> Value {
    json!([rule(
        "customer_id_present",
        "is_not_null",
        json!({"column": "customer_id"})
    )])
}

/// The change: e-mails present too (docs/sample-data.md: 20 NULL e-mails), ids kept.
fn changed_rules() -> Value {
    json!([
        rule(
            "customer_id_present",
            "is_not_null",
            json!({"column": "customer_id"})
        ),
        rule("email_present", "is_not_null", json!({"column": "email"})),
    ])
}

async fn post(
    app: &axum::Router,
    who: &[(&str, &str)],
    path: &str,
    body: Value,
) -> common::http::Reply {
    call(app, &format!("/api/{path}"), who, body).await
}

async fn save(app: &axum::Router, who: &[(&str, &str)], rules: Value) -> Value {
    let saved = post(
        app,
        who,
        "save_rule_set",
        json!({"table": TABLE, "rules": rules}),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    saved.body
}

/// Saves, submits and approves (alice writes, carol approves): the version becomes active.
async fn approved(app: &axum::Router, rules: Value) -> i64 {
    common::http::approved_by_carol(app, TABLE, rules).await
}

#[tokio::test]
async fn a_version_needs_a_second_persons_approval_and_the_reviewer_sees_its_impact() {
    let (app, _dir) = app().await;
    let v1 = approved(&app, active_rules()).await;

    let saved = save(&app, &ALICE, changed_rules()).await;
    assert_eq!(saved["status"], "draft");
    assert_eq!(saved["is_active"], false);
    let v2 = saved["version"].as_i64().unwrap();
    let history = post(&app, &ALICE, "rule_history", json!({"table": TABLE})).await;
    assert_eq!(history.body[0]["status"], "draft");
    assert_eq!(
        history.body[1]["is_active"], true,
        "the approved version stays active"
    );

    // Only its author (or an admin) submits; bob may read the table but wrote nothing.
    let by_bob = post(
        &app,
        &BOB,
        "submit_rule_set",
        json!({"table": TABLE, "version": v2}),
    )
    .await;
    assert_eq!(by_bob.status, StatusCode::FORBIDDEN, "{}", by_bob.text);
    let submitted = post(
        &app,
        &ALICE,
        "submit_rule_set",
        json!({"table": TABLE, "version": v2}),
    )
    .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
    assert_eq!(submitted.body["status"], "pending");

    let approve = json!({"table": TABLE, "version": v2, "expected_status": "pending"});
    let bob = post(&app, &BOB, "approve_rule_set", approve.clone()).await;
    assert_eq!(bob.status, StatusCode::FORBIDDEN, "{}", bob.text);
    assert!(
        bob.body["message"]
            .as_str()
            .unwrap()
            .contains("not an approver"),
        "{}",
        bob.text
    );
    assert!(
        bob.body["message"]
            .as_str()
            .unwrap()
            .contains("dq-approvers"),
        "{}",
        bob.text
    );
    let own = post(&app, &ALICE, "approve_rule_set", approve.clone()).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.text);
    let roles = post(&app, &ALICE, "my_roles", json!({"table": TABLE})).await;
    assert_eq!(roles.body["approver"], false, "{}", roles.text);
    let carol_roles = post(&app, &CAROL, "my_roles", json!({"table": TABLE})).await;
    assert_eq!(carol_roles.body["approver"], true, "{}", carol_roles.text);
    assert_eq!(carol_roles.body["groups"], json!(["dq-approvers"]));
    assert_eq!(carol_roles.body["review_required"], true);

    // carol's queue has it; the review page says she may approve and alice may not.
    let queue = post(&app, &CAROL, "review_queue", json!({})).await;
    let item = queue
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["table_name"] == TABLE && i["version"] == v2)
        .unwrap_or_else(|| panic!("not queued: {}", queue.text))
        .clone();
    assert_eq!(item["can_approve"], true);
    let bobs_queue = post(&app, &BOB, "review_queue", json!({})).await;
    assert_eq!(
        bobs_queue.body,
        json!([]),
        "bob neither approves nor wrote it"
    );
    let page = post(
        &app,
        &ALICE,
        "review_detail",
        json!({"table": TABLE, "version": v2}),
    )
    .await;
    assert_eq!(page.body["can_approve"], false);
    assert!(
        page.body["cannot_approve_because"]
            .as_str()
            .unwrap()
            .contains("you wrote this version"),
        "{}",
        page.text
    );
    assert_eq!(page.body["active_version"], v1);
    assert_eq!(page.body["diff"]["added"][0]["name"], "email_present");

    // The impact preview: both versions on the same sample, as carol.
    let started = post(
        &app,
        &CAROL,
        "impact_preview",
        json!({"table": TABLE, "version": v2}),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    assert_eq!(started.body["kind"], "impact");
    let done = wait_for_run(&app, &CAROL, started.body["run_id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "completed", "{done}");
    let impact = &done["impact"];
    assert_eq!(
        impact["rows_checked"], 1000,
        "docs/sample-data.md: 1000 customers"
    );
    assert_eq!(impact["against_version"], v1);
    assert_eq!(impact["invalid_before"], 0);
    assert_eq!(impact["invalid_after"], 20, "the 20 NULL e-mails");
    assert_eq!(impact["rows_start_failing"], 20);
    assert_eq!(impact["rows_stop_failing"], 0);
    assert_eq!(impact["pass_rate_before"], 100.0);
    assert_eq!(impact["pass_rate_after"], 98.0);
    let rules = impact["rules"].as_array().unwrap();
    let email = rules
        .iter()
        .find(|r| r["rule_name"] == "email_present")
        .unwrap();
    assert_eq!(email["change"], "added");
    assert_eq!(email["violations_before"], Value::Null);
    assert_eq!(email["violations_after"], 20);
    assert_eq!(email["rows_start_failing"], 20);
    assert_eq!(email["samples"].as_array().unwrap().len(), 5);
    assert_eq!(email["samples"][0]["email"], Value::Null);
    let ids = rules
        .iter()
        .find(|r| r["rule_name"] == "customer_id_present")
        .unwrap();
    assert_eq!(
        (
            ids["change"].as_str(),
            ids["violations_before"].as_u64(),
            ids["violations_after"].as_u64()
        ),
        (Some("unchanged"), Some(0), Some(0))
    );
    // Kept with the review, counts only: alice reads it on the page without carol's rows.
    let page = post(
        &app,
        &ALICE,
        "review_detail",
        json!({"table": TABLE, "version": v2}),
    )
    .await;
    assert_eq!(page.body["preview"]["invalid_after"], 20, "{}", page.text);
    assert_eq!(page.body["preview"]["rules"][1]["samples"], json!([]));

    let comment = post(
        &app,
        &CAROL,
        "comment_rule_set",
        json!({"table": TABLE, "version": v2, "text": "20 customers will fail: expected"}),
    )
    .await;
    assert_eq!(comment.status, StatusCode::OK, "{}", comment.text);
    let empty = post(
        &app,
        &CAROL,
        "comment_rule_set",
        json!({"table": TABLE, "version": v2, "text": "  "}),
    )
    .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);

    let ok = post(&app, &CAROL, "approve_rule_set", approve.clone()).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.body["status"], "approved");
    assert_eq!(ok.body["approved_by"], "carol@example.com");
    // Someone who still saw "pending".
    let stale = post(
        &app,
        &CAROL,
        "reject_rule_set",
        json!({"table": TABLE, "version": v2, "reason": "too late", "expected_status": "pending"}),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert!(
        stale.body["message"]
            .as_str()
            .unwrap()
            .contains("approved by carol@example.com"),
        "{}",
        stale.text
    );

    let history = post(&app, &ALICE, "rule_history", json!({"table": TABLE})).await;
    assert_eq!(history.body[0]["version"], v2);
    assert_eq!(history.body[0]["is_active"], true);
    assert_eq!(history.body[0]["approved_by"], "carol@example.com");
    assert_eq!(history.body[1]["is_active"], false);
    let thread = post(
        &app,
        &ALICE,
        "review_detail",
        json!({"table": TABLE, "version": v2}),
    )
    .await;
    let actions: Vec<&str> = thread.body["thread"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in ["submit", "preview", "comment", "approve"] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
}

#[tokio::test]
async fn rejections_need_a_reason_and_restores_are_drafts() {
    let (app, _dir) = app().await;
    let v1 = approved(&app, active_rules()).await;
    let v2 = save(&app, &ALICE, changed_rules()).await["version"]
        .as_i64()
        .unwrap();
    post(
        &app,
        &ALICE,
        "submit_rule_set",
        json!({"table": TABLE, "version": v2}),
    )
    .await;
    let no_reason = post(
        &app,
        &CAROL,
        "reject_rule_set",
        json!({"table": TABLE, "version": v2, "reason": "", "expected_status": "pending"}),
    )
    .await;
    assert_eq!(
        no_reason.status,
        StatusCode::BAD_REQUEST,
        "{}",
        no_reason.text
    );
    assert!(
        no_reason.body["message"]
            .as_str()
            .unwrap()
            .contains("reason")
    );
    let bad_status = post(
        &app,
        &CAROL,
        "approve_rule_set",
        json!({"table": TABLE, "version": v2, "expected_status": "done"}),
    )
    .await;
    assert_eq!(
        bad_status.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_status.text
    );
    let rejected = post(&app, &CAROL, "reject_rule_set", json!({"table": TABLE, "version": v2, "reason": "e-mails are optional here", "expected_status": "pending"})).await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
    assert_eq!(
        rejected.body["rejection_reason"],
        "e-mails are optional here"
    );
    let active = post(&app, &ALICE, "get_rule_set", json!({"table": TABLE})).await;
    assert_eq!(active.body["version"], v1);

    let restored = post(
        &app,
        &ALICE,
        "restore_rule_set",
        json!({"table": TABLE, "version": v1}),
    )
    .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    assert_eq!(restored.body["status"], "draft");
    let active = post(&app, &ALICE, "get_rule_set", json!({"table": TABLE})).await;
    assert_eq!(
        active.body["version"], v1,
        "a restore waits for review like any save"
    );
    let imported = post(
        &app,
        &ALICE,
        "import_rule_set",
        json!({"table": TABLE, "text": changed_rules().to_string(), "format": "json"}),
    )
    .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    assert_eq!(imported.body["status"], "draft");
}

#[tokio::test]
async fn without_review_a_save_is_active_and_self_approval_must_be_switched_on() {
    let (app, _dir) = app_with(&[("DQX_APPROVER_GROUPS", "dq-approvers=finance")]).await;
    let saved = save(&app, &ALICE, active_rules()).await;
    assert_eq!(
        (saved["status"].as_str(), saved["is_active"].as_bool()),
        (Some("approved"), Some(true))
    );
    let roles = post(&app, &ALICE, "my_roles", json!({"table": TABLE})).await;
    assert_eq!(roles.body["review_required"], false, "{}", roles.text);

    let (app, _dir) = app_with(&[
        ("DQX_ALLOW_SELF_APPROVAL", "true"),
        ("DQX_APPROVER_GROUPS", "dq-approvers"),
    ])
    .await;
    let v = save(&app, &CAROL, active_rules()).await["version"]
        .as_i64()
        .unwrap();
    post(
        &app,
        &CAROL,
        "submit_rule_set",
        json!({"table": TABLE, "version": v}),
    )
    .await;
    let own = post(
        &app,
        &CAROL,
        "approve_rule_set",
        json!({"table": TABLE, "version": v, "expected_status": "pending"}),
    )
    .await;
    assert_eq!(
        own.status,
        StatusCode::OK,
        "self-approval was switched on: {}",
        own.text
    );
    let page = post(&app, &CAROL, "my_roles", json!({"table": TABLE})).await;
    assert_eq!(page.body["self_approval_allowed"], true);
}

#[tokio::test]
async fn a_role_never_stands_in_for_read_access() {
    // bob may read main.sales only; as an admin everywhere he still cannot touch main.hr.
    let (app, _dir) = app_with(&[("DQX_ADMIN_GROUPS", "dq-approvers")]).await;
    for path in ["submit_rule_set", "review_detail"] {
        let refused = post(
            &app,
            &BOB,
            path,
            json!({"table": "main.hr.employees", "version": 1}),
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            refused.text
        );
    }
    let refused = post(
        &app,
        &BOB,
        "impact_preview",
        json!({"table": "main.hr.employees", "version": 1}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let big = post(
        &app,
        &CAROL,
        "impact_preview",
        json!({"table": TABLE, "version": 1, "sample_rows": 100_000_000u64}),
    )
    .await;
    assert_eq!(big.status, StatusCode::BAD_REQUEST, "{}", big.text);
    assert!(
        big.body["message"]
            .as_str()
            .unwrap()
            .contains("sample_rows"),
        "{}",
        big.text
    );
}

/// Issue 28 (1): bob, the author and no approver, submits his draft while a dozen of his own
/// approvals race it. The decision is made on the row read under the lock, so none succeeds in
/// any round, and every version is left pending.
#[tokio::test]
async fn an_author_racing_submit_and_approve_never_approves_their_own_version() {
    let (app, _dir) = app().await;
    for round in 0..8 {
        let version = save(
            &app,
            &BOB,
            json!([rule(
                &format!("id_present_{round}"),
                "is_not_null",
                json!({"column": "customer_id"})
            )]),
        )
        .await["version"]
            .as_i64()
            .unwrap();
        let approve = json!({"table": TABLE, "version": version, "expected_status": "pending"});
        let approvals: Vec<_> = (0..12)
            .map(|_| {
                let app = app.clone();
                let approve = approve.clone();
                tokio::spawn(async move { post(&app, &BOB, "approve_rule_set", approve).await })
            })
            .collect();
        let submitted = post(
            &app,
            &BOB,
            "submit_rule_set",
            json!({"table": TABLE, "version": version}),
        )
        .await;
        assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
        for approval in approvals {
            let reply = approval.await.unwrap();
            assert_ne!(
                reply.status,
                StatusCode::OK,
                "round {round}: {}",
                reply.text
            );
        }
        let history = post(&app, &BOB, "rule_history", json!({"table": TABLE})).await;
        let mine = history
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["version"] == version);
        assert_eq!(mine.unwrap()["status"], "pending", "round {round}");
    }
}

/// A rule that reads another table than the one under review (a subquery on `main.hr`).
fn hr_oracle() -> Value {
    rule(
        "hr_oracle",
        "sql_expression",
        json!({"expression": "customer_id > (SELECT count(*) FROM main.hr.employees)"}),
    )
}

/// Submits `who`'s draft of `rules` and has carol preview it; the finished run's `impact`.
async fn submitted_and_previewed(
    app: &axum::Router,
    who: &[(&str, &str)],
    rules: Value,
) -> (i64, Value) {
    let version = save(app, who, rules).await["version"].as_i64().unwrap();
    let submitted = post(
        app,
        who,
        "submit_rule_set",
        json!({"table": TABLE, "version": version}),
    )
    .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
    let started = post(
        app,
        &CAROL,
        "impact_preview",
        json!({"table": TABLE, "version": version}),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let done = wait_for_run(app, &CAROL, started.body["run_id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "completed", "{done}");
    (version, done["impact"].clone())
}

fn rule_impact<'a>(impact: &'a Value, name: &str) -> &'a Value {
    impact["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {impact}"))
}

/// Issue 40 (2): bob (who may not read `main.hr`) writes a rule that reads `main.hr.employees`;
/// carol's preview does not run it with her rights, and bob reads no count of it. alice (who may)
/// writes the same rule: it is previewed, and the kept preview is shown to alice, not to bob.
#[tokio::test]
async fn an_impact_preview_lends_the_reviewer_nothing() {
    let (app, _dir) = app().await;
    approved(&app, active_rules()).await;
    let mut bobs = changed_rules();
    bobs.as_array_mut().unwrap().push(hr_oracle());
    let (v_bob, impact) = submitted_and_previewed(&app, &BOB, bobs).await;
    let oracle = rule_impact(&impact, "hr_oracle");
    assert_eq!(oracle["violations_after"], Value::Null, "{oracle}");
    let why = oracle["skipped"].as_str().unwrap_or_default();
    assert!(
        why.starts_with(
            "not previewed: it reads tables besides main.sales.customers (main.hr.employees)"
        ) && why.contains("bob@example.com may not read"),
        "{why}"
    );
    assert_eq!(impact["invalid_after"], 20, "the other rules still run");
    let page = post(
        &app,
        &BOB,
        "review_detail",
        json!({"table": TABLE, "version": v_bob}),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let kept = rule_impact(&page.body["preview"], "hr_oracle");
    assert_eq!(kept["violations_after"], Value::Null);
    assert!(
        !kept["skipped"].as_str().unwrap().contains("main.hr"),
        "a kept preview names no table: {kept}"
    );

    let mut alices = changed_rules();
    alices.as_array_mut().unwrap().push(hr_oracle());
    let (v_alice, impact) = submitted_and_previewed(&app, &ALICE, alices).await;
    let oracle = rule_impact(&impact, "hr_oracle");
    assert!(oracle["violations_after"].is_u64(), "{oracle}");
    assert_eq!(impact["reads"], json!(["main.hr.employees"]));
    let bob_sees = post(
        &app,
        &BOB,
        "review_detail",
        json!({"table": TABLE, "version": v_alice}),
    )
    .await;
    assert_eq!(bob_sees.status, StatusCode::OK, "{}", bob_sees.text);
    assert_eq!(bob_sees.body["preview"], Value::Null, "{}", bob_sees.text);
    assert!(
        bob_sees.body["preview_hidden"]
            .as_str()
            .unwrap_or_default()
            .contains("tables you may not read"),
        "{}",
        bob_sees.text
    );
    let alice_sees = post(
        &app,
        &ALICE,
        "review_detail",
        json!({"table": TABLE, "version": v_alice}),
    )
    .await;
    assert_eq!(
        rule_impact(&alice_sees.body["preview"], "hr_oracle")["violations_after"],
        oracle["violations_after"]
    );
}

/// Issue 40 (5): one version keeps at most `MAX_COMMENTS` comments, and one person may have at
/// most `MAX_PENDING_PER_USER` versions waiting; each refusal says which bound and what to do.
#[tokio::test]
async fn comments_per_version_and_pending_versions_per_person_are_bounded() {
    use dqx_manager::server::review::service::MAX_PENDING_PER_USER;
    use dqx_manager::server::store::MAX_COMMENTS;
    let (app, _dir) = app().await;
    let version = save(&app, &ALICE, active_rules()).await["version"].clone();
    for i in 0..MAX_COMMENTS {
        let said = post(
            &app,
            &CAROL,
            "comment_rule_set",
            json!({"table": TABLE, "version": version, "text": format!("note {i}")}),
        )
        .await;
        assert_eq!(said.status, StatusCode::OK, "comment {i}: {}", said.text);
    }
    let over = post(
        &app,
        &CAROL,
        "comment_rule_set",
        json!({"table": TABLE, "version": version, "text": "one more"}),
    )
    .await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST, "{}", over.text);
    assert!(over.text.contains("comments"), "{}", over.text);

    for i in 0..=MAX_PENDING_PER_USER {
        let rules = json!([rule(
            &format!("present_{i}"),
            "is_not_null",
            json!({"column": "customer_id"})
        )]);
        let v = save(&app, &ALICE, rules).await["version"].clone();
        let submitted = post(
            &app,
            &ALICE,
            "submit_rule_set",
            json!({"table": TABLE, "version": v}),
        )
        .await;
        if i < MAX_PENDING_PER_USER {
            assert_eq!(submitted.status, StatusCode::OK, "{i}: {}", submitted.text);
        } else {
            assert_eq!(
                submitted.status,
                StatusCode::BAD_REQUEST,
                "{}",
                submitted.text
            );
            assert!(
                submitted.text.contains("waiting for review"),
                "{}",
                submitted.text
            );
        }
    }
}

/// Issue 29 (3): "Save draft" twice without a change makes one version, and "Submit for review"
/// (save, then submit) submits that draft instead of making another; a change is a new version,
/// and the rules of a rejected version saved again are a new draft that can be resubmitted.
#[tokio::test]
async fn a_save_without_a_change_answers_with_the_existing_version() {
    let (app, _dir) = app().await;
    let first = save(&app, &ALICE, changed_rules()).await;
    let again = save(&app, &ALICE, changed_rules()).await;
    assert_eq!(again["version"], first["version"], "{again}");
    assert_eq!(again["unchanged"], true);
    assert_eq!(again["status"], "draft");
    let version = first["version"].as_i64().unwrap();
    let submitted = post(
        &app,
        &ALICE,
        "submit_rule_set",
        json!({"table": TABLE, "version": version}),
    )
    .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
    // Submit pressed again: the pending version answers, nothing new is saved.
    let pending = save(&app, &ALICE, changed_rules()).await;
    assert_eq!(
        (pending["version"].as_i64(), pending["status"].as_str()),
        (Some(version), Some("pending"))
    );
    let history = post(&app, &ALICE, "rule_history", json!({"table": TABLE})).await;
    assert_eq!(
        history.body.as_array().unwrap().len(),
        1,
        "{}",
        history.text
    );
    // A different prompt is a change.
    let prompted = post(
        &app,
        &ALICE,
        "save_rule_set",
        json!({"table": TABLE, "rules": changed_rules(), "user_prompt": "e-mails present"}),
    )
    .await;
    assert_eq!(prompted.body["version"], version + 1, "{}", prompted.text);
    assert_eq!(prompted.body["unchanged"], false);
    // Rejected, then saved again unchanged: a new draft.
    let submitted = post(
        &app,
        &ALICE,
        "submit_rule_set",
        json!({"table": TABLE, "version": version + 1}),
    )
    .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
    let rejected = post(&app, &CAROL, "reject_rule_set",
        json!({"table": TABLE, "version": version + 1, "reason": "not yet", "expected_status": "pending"})).await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
    let latest = post(
        &app,
        &ALICE,
        "save_rule_set",
        json!({"table": TABLE, "rules": changed_rules(), "user_prompt": "e-mails present"}),
    )
    .await;
    assert_eq!(latest.body["version"], version + 2, "{}", latest.text);
}

/// The same rules saved by someone else are their own draft, not an answer with another's.
#[tokio::test]
async fn an_unchanged_save_answers_only_with_the_callers_own_draft() {
    let (app, _dir) = app().await;
    let alices = save(&app, &ALICE, changed_rules()).await;
    let bobs = save(&app, &BOB, changed_rules()).await;
    assert_eq!(
        bobs["version"],
        alices["version"].as_i64().unwrap() + 1,
        "{bobs}"
    );
    assert_eq!(bobs["unchanged"], false);
}
