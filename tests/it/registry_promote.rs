//! Promoting rule sets between schemas (issue 31): every rule set under main.sales copied to
//! dev.sales as drafts for review there, a rule reading a column the target lacks left out and
//! reported, a reference to a promoted table mapped to its target, and a target that does not
//! exist reported without stopping the others.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, BOB, call};
use dqx_manager::server::workspace::local::sample_data::write_sample_workspace;
use serde_json::{Value, json};

fn ok(reply: &common::http::Reply) -> &Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    &reply.body
}

#[tokio::test]
async fn a_schemas_rule_sets_are_promoted_as_drafts_with_missing_columns_reported() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    write_sample_workspace(&workspace, None).unwrap();
    // dev.sales.orders: the production columns but currency.
    let dev = workspace.join("dev").join("sales");
    std::fs::create_dir_all(&dev).unwrap();
    std::fs::write(
        dev.join("orders.csv"),
        "order_id,customer_id,amount\n1,10,5.0\n2,11,7.5\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let ws = workspace.display().to_string();
    let state = common::local_state_with(&data, &[("DQX_WORKSPACE_DIR", ws.as_str())]).await;
    let app = dqx_manager::server::routes::router(state);

    let orders = json!([
        {"name": "order_id_present", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "order_id"}}},
        {"name": "currency_present", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "currency"}}},
        {"name": "known_customer", "criticality": "warn", "check": {"function": "foreign_key", "arguments": {"columns": ["customer_id"], "ref_columns": ["customer_id"], "ref_table": "main.sales.customers"}}}
    ]);
    common::http::approved_by_carol(&app, "main.sales.orders", orders).await;
    let customers = json!([{"name": "email_present", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}]);
    common::http::approved_by_carol(&app, "main.sales.customers", customers).await;

    let promoted = call(
        &app,
        "/api/promote_rule_sets",
        &ALICE,
        json!({"from": "main.sales.*", "to": "dev.sales"}),
    )
    .await;
    let report = ok(&promoted).clone();
    let tables = report["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 2, "{report}");
    let customers = &tables[0];
    assert_eq!(customers["to"], "dev.sales.customers");
    assert!(
        customers["error"]
            .as_str()
            .unwrap_or_default()
            .contains("dev.sales.customers"),
        "{customers}"
    );
    let orders = &tables[1];
    assert_eq!(
        (&orders["from"], &orders["to"]),
        (&json!("main.sales.orders"), &json!("dev.sales.orders"))
    );
    assert_eq!(orders["copied"], 2);
    assert_eq!(
        orders["skipped"],
        json!([{"rule": "currency_present", "missing_columns": ["currency"]}])
    );
    assert_eq!(orders["status"], "draft", "{orders}");

    let draft = call(
        &app,
        "/api/get_rule_set",
        &ALICE,
        json!({"table": "dev.sales.orders", "version": orders["version"]}),
    )
    .await;
    let draft = ok(&draft);
    assert_eq!(draft["rules"].as_array().unwrap().len(), 2);
    // main.sales.customers was not promoted (no target), so the reference keeps its name.
    assert_eq!(
        draft["rules"][1]["check"]["arguments"]["ref_table"],
        "main.sales.customers"
    );
    assert!(
        draft["user_prompt"]
            .as_str()
            .unwrap()
            .contains("promoted from main.sales.orders")
    );

    // bob reads main.sales but not dev: nothing of dev is written for him.
    let bobs = call(
        &app,
        "/api/promote_rule_sets",
        &BOB,
        json!({"from": "main.sales.orders", "to": "dev.sales.orders"}),
    )
    .await;
    let bobs = ok(&bobs);
    assert!(bobs["tables"][0]["error"].is_string(), "{bobs}");
    assert!(bobs["tables"][0]["version"].is_null(), "{bobs}");
    let same = call(
        &app,
        "/api/promote_rule_sets",
        &ALICE,
        json!({"from": "main.sales", "to": "main.sales.*"}),
    )
    .await;
    assert_eq!(same.status, StatusCode::BAD_REQUEST, "{}", same.text);
}
