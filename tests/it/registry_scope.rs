//! What a registry binding's scope covers, as the caller sees the catalog (issue 31): a pattern
//! with exclusions, a column tag with its columns, named tables only once proven readable, and
//! bob never shown `main.hr.employees`; in a workspace the listing and the tags are read from
//! Unity Catalog's information schema with the caller's token.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, BOB, call};
use serde_json::{Value, json};

async fn preview(app: &axum::Router, who: &[(&str, &str)], scope: Value) -> common::http::Reply {
    call(
        app,
        "/api/registry_scope_preview",
        who,
        json!({"scope": scope}),
    )
    .await
}

fn tables(reply: &common::http::Reply) -> Vec<String> {
    reply.body["tables"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", reply.text))
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn scopes_cover_what_the_caller_may_read_by_pattern_tag_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let app = dqx_manager::server::routes::router(common::local_state(dir.path()).await);

    let by_pattern = json!({"pattern": "main.*.*", "exclude": ["main.hr.*"]});
    let reply = preview(&app, &ALICE, by_pattern).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        tables(&reply),
        ["main.sales.customers", "main.sales.orders"]
    );

    let by_tag = json!({"tag": {"key": "class", "value": "email", "on": "column"}});
    let alice = preview(&app, &ALICE, by_tag.clone()).await;
    assert_eq!(
        tables(&alice),
        ["main.hr.employees", "main.sales.customers"]
    );
    assert_eq!(
        alice.body["tagged_columns"]["main.sales.customers"],
        json!(["email"])
    );
    let bob = preview(&app, &BOB, by_tag).await;
    assert_eq!(tables(&bob), ["main.sales.customers"]);
    assert!(!bob.text.contains("hr"), "{}", bob.text);

    let money = json!({"tag": {"key": "class", "value": "money", "on": "column"}, "pattern": "main.sales.*"});
    assert_eq!(
        tables(&preview(&app, &ALICE, money).await),
        [
            "finance.ledger.transactions",
            "main.sales.customers",
            "main.sales.orders"
        ],
        "a pattern's tables and a tag's tables together"
    );

    let named = json!({"tables": ["main.hr.employees", "Main.Sales.Orders"]});
    assert_eq!(
        tables(&preview(&app, &BOB, named.clone()).await),
        ["main.sales.orders"]
    );
    assert_eq!(
        tables(&preview(&app, &ALICE, named).await),
        ["main.hr.employees", "main.sales.orders"]
    );

    for (scope, says) in [
        (json!({}), "a scope names tables"),
        (json!({"pattern": "main.*"}), "three parts"),
        (json!({"tables": ["nope"]}), "catalog.schema.table"),
    ] {
        let refused = preview(&app, &ALICE, scope).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        assert!(refused.text.contains(says), "{says}: {}", refused.text);
    }
}

#[tokio::test]
async fn in_a_workspace_the_catalog_is_read_as_the_caller() {
    let (state, fake, _dir) = common::fake_workspace::state_on_fake_with_sqlite(&[]).await;
    let app = dqx_manager::server::routes::router(state);
    let alice = [
        ("x-forwarded-access-token", "alice-token"),
        ("x-forwarded-email", "alice@example.com"),
    ];
    let bob = [
        ("x-forwarded-access-token", "bob-token"),
        ("x-forwarded-email", "bob@example.com"),
    ];
    let scope =
        json!({"pattern": "main.*.*", "tag": {"key": "class", "value": "email", "on": "column"}});
    let reply = preview(&app, &alice, scope.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        tables(&reply),
        [
            "main.hr.employees",
            "main.sales.customers",
            "main.sales.orders"
        ]
    );
    assert_eq!(
        tables(&preview(&app, &bob, scope).await),
        ["main.sales.customers", "main.sales.orders"]
    );
    let statements = fake.statements.lock().unwrap().clone();
    let (sql, params) = statements
        .iter()
        .find(|(sql, _)| sql.contains("information_schema.tables"))
        .unwrap();
    assert!(
        sql.contains("table_catalog = :catalog") && !sql.contains("'main'"),
        "{sql}"
    );
    assert_eq!(params[0]["value"], "main");
    for (what, token) in fake.calls() {
        assert!(!token.starts_with("sp-"), "{what} as {token}");
    }
}
