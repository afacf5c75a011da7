//! Editing rules by instruction over HTTP, offline: an instruction against the rules generated
//! for `main.sales.orders` becomes hunks, the accepted ones apply and validate and run; the
//! instruction is bounded and the table is read as the caller.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, BOB, app, call, wait_for_run};
use dqx_manager::model::edits::{ChangeKind, MAX_INSTRUCTION_CHARS, ProposedEdit, apply_edits};
use serde_json::{Value, json};

/// The rules generated for `table` with `prompt`.
async fn generated(app: &axum::Router, table: &str, prompt: &str) -> Vec<Value> {
    let started = call(
        app,
        "/api/start_generation",
        &ALICE,
        json!({"table": table, "prompt": prompt}),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    let status = wait_for_run(app, &ALICE, &run_id).await;
    assert_eq!(status["state"], "completed", "{status}");
    status["generation"]["rules"].as_array().unwrap().clone()
}

fn find<'a>(edit: &'a ProposedEdit, name: &str) -> &'a dqx_manager::model::edits::RuleEdit {
    edit.changes
        .iter()
        .find(|c| c.rule_name == name)
        .unwrap_or_else(|| panic!("no change to {name} in {:#?}", edit.changes))
}

#[tokio::test]
async fn an_instruction_becomes_hunks_that_apply_validate_and_run() {
    let (app, _dir) = app().await;
    let table = "main.sales.orders";
    let rules = generated(&app, table, "order ids must be unique").await;
    let instruction = "make the amount check a warning and allow up to 20000. Drop the future check. \
        Apply the not-null rules only to rows where status is not cancelled";
    let reply = call(
        &app,
        "/api/propose_edit",
        &ALICE,
        json!({"table": table, "rules": rules, "instruction": instruction}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let edit: ProposedEdit = serde_json::from_value(reply.body.clone()).unwrap();
    assert!(edit.reader.contains("offline"), "{}", edit.reader);
    assert!(edit.not_understood.is_empty(), "{:?}", edit.not_understood);

    let range = find(&edit, "amount_isnt_in_range");
    assert_eq!(range.kind, ChangeKind::Changed);
    let after = range.after.as_ref().unwrap();
    assert_eq!(after["criticality"], "warn");
    assert_eq!(after["check"]["arguments"]["max_limit"], 20000);
    assert!(
        range.clause.contains("allow up to 20000"),
        "{}",
        range.clause
    );
    let future = find(&edit, "order_ts_in_future");
    assert_eq!(future.kind, ChangeKind::Removed);
    let filtered: Vec<&str> = edit
        .changes
        .iter()
        .filter(|c| {
            c.after.as_ref().and_then(|a| a.get("filter")) == Some(&json!("status != 'cancelled'"))
        })
        .map(|c| c.rule_name.as_str())
        .collect();
    assert!(filtered.contains(&"order_id_is_null"), "{filtered:?}");
    assert!(
        !filtered.contains(&"status_other_value"),
        "only the not-null rules get the filter: {filtered:?}"
    );

    // The removal is rejected, the rest applied: the result validates and runs.
    let accepted: Vec<_> = edit
        .changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Removed)
        .cloned()
        .collect();
    let applied = apply_edits(&rules, &accepted).unwrap();
    assert_eq!(applied.len(), rules.len(), "nothing removed, nothing added");
    assert!(applied.iter().any(|r| r["name"] == "order_ts_in_future"));
    let check = call(
        &app,
        "/api/check_rules",
        &ALICE,
        json!({"text": Value::Array(applied.clone()).to_string(), "format": "json", "table": table}),
    )
    .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.text);
    assert!(
        check.body["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["severity"] != "error"),
        "{}",
        check.text
    );
    let started = call(
        &app,
        "/api/start_validation",
        &ALICE,
        json!({"table": table, "rules": applied}),
    )
    .await;
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    let status = wait_for_run(&app, &ALICE, &run_id).await;
    assert_eq!(status["state"], "completed", "{status}");
}

#[tokio::test]
async fn instructions_are_bounded_and_the_table_is_read_as_the_caller() {
    let (app, _dir) = app().await;
    let rules = json!([{"name": "email_is_null", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}]);
    let ask = |who: &'static [(&'static str, &'static str)], table: &str, instruction: String| {
        let app = app.clone();
        let body = json!({"table": table, "rules": rules, "instruction": instruction});
        async move { call(&app, "/api/propose_edit", who, body).await }
    };
    let empty = ask(&ALICE, "main.sales.customers", "  ".into()).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.text.contains("say what to change"), "{}", empty.text);
    let long = ask(
        &ALICE,
        "main.sales.customers",
        "x".repeat(MAX_INSTRUCTION_CHARS + 1),
    )
    .await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    assert!(
        long.text
            .contains(&format!("more than the {MAX_INSTRUCTION_CHARS}")),
        "{}",
        long.text
    );
    let refused = ask(&BOB, "main.hr.employees", "drop the email rule".into()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let fine = ask(&ALICE, "main.sales.customers", "drop the email rule".into()).await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.text);
    assert_eq!(fine.body["changes"][0]["kind"], "removed");
}
