//! The rule-store server functions over HTTP on the local (SQLite) store: save (validated against
//! the table), history, get, diff, restore, export, import, status; permission to read the table
//! is checked first, and no response carries a token.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, BOB, app, app_without_review, call, wait_for_run};
use serde_json::json;

fn rules(n: usize) -> serde_json::Value {
    let columns = ["customer_id", "email", "country"];
    json!(
        columns[..n]
            .iter()
            .map(
                |c| json!({"name": format!("{c}_present"), "criticality": "error",
        "check": {"function": "is_not_null", "arguments": {"column": c}}})
            )
            .collect::<Vec<_>>()
    )
}

#[tokio::test]
async fn save_history_diff_restore_export_import() {
    // Without review, a save is the active version at once (tests/it/review_api.rs has review).
    let (app, _dir) = app_without_review().await;
    let table = "main.sales.customers";
    for n in [1, 3] {
        let saved = call(
            &app,
            "/api/save_rule_set",
            &ALICE,
            json!({"table": table, "rules": rules(n), "user_prompt": "ids present"}),
        )
        .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    }
    let history = call(&app, "/api/rule_history", &ALICE, json!({"table": table})).await;
    assert_eq!(history.body[0]["version"], 2);
    assert_eq!(history.body[0]["is_active"], true);
    assert_eq!(history.body[1]["is_active"], false);
    assert_eq!(history.body[0]["created_by"], "alice@example.com");
    assert_eq!(history.body[0]["rule_count"], 3);

    let diff = call(
        &app,
        "/api/diff_rule_sets",
        &ALICE,
        json!({"table": table, "from": 1, "to": 2}),
    )
    .await;
    assert_eq!(
        diff.body["added"].as_array().unwrap().len(),
        2,
        "{}",
        diff.text
    );
    assert_eq!(diff.body["unchanged"], 1);

    let restored = call(
        &app,
        "/api/restore_rule_set",
        &ALICE,
        json!({"table": table, "version": 1}),
    )
    .await;
    assert_eq!(restored.body["version"], 3, "{}", restored.text);
    let active = call(&app, "/api/get_rule_set", &ALICE, json!({"table": table})).await;
    assert_eq!(active.body["version"], 3);
    assert_eq!(active.body["restored_from"], 1);
    assert_eq!(active.body["rules"], rules(1));

    let exported = call(
        &app,
        "/api/export_rule_set",
        &ALICE,
        json!({"table": table, "version": 2, "format": "json"}),
    )
    .await;
    assert_eq!(exported.status, StatusCode::OK, "{}", exported.text);
    let text = exported.body["text"].as_str().unwrap().to_string();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        rules(3)
    );
    let imported = call(
        &app,
        "/api/import_rule_set",
        &ALICE,
        json!({"table": table, "text": text, "format": "json"}),
    )
    .await;
    assert_eq!(imported.body["version"], 4, "{}", imported.text);

    let status = call(&app, "/api/store_status", &ALICE, json!({})).await;
    assert_eq!(status.body["backend"], "sqlite");
    assert_eq!(status.body["connected"], true);
    assert_eq!(status.body["user"], "alice@example.com");
    assert!(!status.text.contains("local-alice"));
}

#[tokio::test]
async fn invalid_rules_and_unreadable_tables_are_refused_and_nothing_is_saved() {
    let (app, _dir) = app().await;
    let bad = json!([{"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "emial"}}},
                     {"criticality": "fatal", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}]);
    let refused = call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": "main.sales.customers", "rules": bad}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(
        refused.body["message"].as_str().unwrap().contains("rule 2"),
        "{}",
        refused.text
    );
    let refused = call(
        &app,
        "/api/import_rule_set",
        &ALICE,
        json!({"table": "main.sales.customers", "text": "- check: [", "format": "yaml"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let history = call(
        &app,
        "/api/rule_history",
        &ALICE,
        json!({"table": "main.sales.customers"}),
    )
    .await;
    assert_eq!(history.body, json!([]));

    // Bob may not read finance: neither save nor history.
    let refused = call(
        &app,
        "/api/save_rule_set",
        &BOB,
        json!({"table": "finance.ledger.transactions", "rules": []}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let refused = call(
        &app,
        "/api/rule_history",
        &BOB,
        json!({"table": "finance.ledger.transactions"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let missing = call(
        &app,
        "/api/get_rule_set",
        &ALICE,
        json!({"table": "main.sales.orders", "version": 7}),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
}

#[tokio::test]
async fn a_validation_of_a_saved_version_remembers_which_version_it_checked() {
    let (app, _dir) = app().await;
    let table = "main.sales.customers";
    let saved = call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": table, "rules": rules(2)}),
    )
    .await;
    let version = saved.body["version"].as_i64().unwrap();
    let started = call(
        &app,
        "/api/start_validation",
        &ALICE,
        json!({"table": table, "rules": rules(2), "rule_set_version": version}),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let done = wait_for_run(&app, &ALICE, started.body["run_id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "completed");
    assert_eq!(done["rule_set_version"], version);
    // The 20 NULL e-mails of docs/sample-data.md.
    assert_eq!(done["validation"]["rule_results"][1]["violation_count"], 20);
}

/// Issue 29 (4): an analysis of other rules than those saved is not kept with them (it said "14
/// rules" on a 15-rule version); one of these rules is.
#[tokio::test]
async fn an_analysis_of_other_rules_is_not_kept_with_a_version() {
    let (app, _dir) = app_without_review().await;
    let table = "main.sales.customers";
    let analysis = |n: usize| json!({"summary": "s", "overall_quality_score": 7.5, "based_on": {"columns": 7, "rules": n, "prompt": false}});
    for (n, kept) in [(2, false), (3, true)] {
        let saved = call(
            &app,
            "/api/save_rule_set",
            &ALICE,
            json!({"table": table, "rules": rules(3), "user_prompt": format!("try {n}"), "ai_summary": analysis(n)}),
        )
        .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        let history = call(&app, "/api/rule_history", &ALICE, json!({"table": table})).await;
        assert_eq!(history.body[0]["has_ai_summary"], kept, "{}", history.text);
    }
}

/// Issue 29 (10): the landing list names only tables the caller may read, newest change first,
/// each with its active version, newest version's status, last validation and pending reviews.
#[tokio::test]
async fn the_tables_with_rules_are_listed_only_to_their_readers_with_where_they_stand() {
    let (app, _dir) = app().await;
    let customers = "main.sales.customers";
    let employees = "main.hr.employees";
    let save = |table: &'static str, n: usize| {
        let app = app.clone();
        async move {
            let saved = call(
                &app,
                "/api/save_rule_set",
                &ALICE,
                json!({"table": table, "rules": rules(n)}),
            )
            .await;
            assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
            saved.body["version"].as_i64().unwrap()
        }
    };
    let empty = call(&app, "/api/rule_tables", &ALICE, json!({})).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text);
    assert_eq!(empty.body["tables"], json!([]));

    // customers: v1 approved by carol and validated, v2 pending; employees: a draft, saved last.
    let v1 = common::http::approved_by_carol(&app, customers, rules(1)).await;
    common::http::validated_by_alice(&app, customers, rules(1), v1).await;
    let v2 = save(customers, 2).await;
    let submitted = call(
        &app,
        "/api/submit_rule_set",
        &ALICE,
        json!({"table": customers, "version": v2}),
    )
    .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
    save(employees, 1).await;

    let listed = call(&app, "/api/rule_tables", &ALICE, json!({})).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let tables = listed.body["tables"].as_array().unwrap();
    let names: Vec<&str> = tables
        .iter()
        .map(|t| t["table_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [employees, customers], "newest change first");
    let c = &tables[1];
    assert_eq!(c["versions"], 2);
    assert_eq!(c["latest_version"], v2);
    assert_eq!(c["latest_status"], "pending");
    assert_eq!(c["active_version"], v1);
    assert_eq!(c["pending_reviews"], 1);
    let last = &c["last_validation"];
    assert_eq!(last["version"], v1, "{}", listed.text);
    assert_eq!(last["total_rows"], 1000);
    assert_eq!(last["invalid_rows"], 0, "customer ids are never null");
    assert_eq!(last["pass_rate"], 100.0);
    let e = &tables[0];
    assert_eq!(e["latest_status"], "draft");
    assert_eq!(e["active_version"], json!(null));
    assert_eq!(e["last_validation"], json!(null));

    // bob reads main.sales only: the hr table is not named to him at all.
    let bobs = call(&app, "/api/rule_tables", &BOB, json!({})).await;
    assert_eq!(bobs.status, StatusCode::OK, "{}", bobs.text);
    let names: Vec<&str> = bobs.body["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["table_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [customers], "{}", bobs.text);
    assert!(!bobs.text.contains("employees"), "{}", bobs.text);
}
