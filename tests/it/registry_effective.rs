//! A table's effective rules (issue 31): its own rules plus what registry bindings in force give
//! it, resolved per table with their origins; a tag added later brings its table in; a
//! validation counts the inherited checks; the published files carry them, and DQX 0.17's own
//! `validate_checks` accepts every effective set and every published file.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, BOB, call};
use serde_json::{Value, json};

fn ok(reply: &common::http::Reply) -> &Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    &reply.body
}

/// Registry rules `email_present` (bound by the column tag class=email) and `key_present`
/// (bound to `main.sales.*` with key = customer_id), approved at once (no review configured).
async fn standards(app: &axum::Router) {
    for (name, rule) in [
        (
            "email_present",
            json!({"function": "is_not_null", "arguments": {"column": "{{ col }}"}}),
        ),
        (
            "key_present",
            json!({"criticality": "warn", "check": {"function": "is_not_null", "arguments": {"column": "{{ key }}"}}}),
        ),
    ] {
        let saved = call(
            app,
            "/api/save_registry_rule",
            &ALICE,
            json!({"name": name, "rule": rule}),
        )
        .await;
        assert_eq!(ok(&saved)["status"], "approved");
    }
    let by_tag = call(
        app,
        "/api/bind_registry_rule",
        &ALICE,
        json!({"name": "email_present",
               "scope": {"tag": {"key": "class", "value": "email", "on": "column"}},
               "mapping": {"col": {"tagged": "class=email"}}}),
    )
    .await;
    assert_eq!(ok(&by_tag)["status"], "approved");
    let by_pattern = call(
        app,
        "/api/bind_registry_rule",
        &ALICE,
        json!({"name": "key_present", "scope": {"pattern": "main.sales.*"},
               "mapping": {"key": {"column": "customer_id"}}, "follow": {"version": 1}}),
    )
    .await;
    assert_eq!(ok(&by_pattern)["status"], "approved");
}

fn origins(set: &Value) -> Vec<(String, String)> {
    set["origins"]
        .as_array()
        .unwrap_or_else(|| panic!("{set}"))
        .iter()
        .map(|o| {
            (
                o["rule"].as_str().unwrap_or_default().to_string(),
                o["origin"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn each_table_inherits_what_covers_it_and_a_validation_counts_it() {
    let (app, _dir) = common::http::app_without_review().await;
    standards(&app).await;
    let own = json!([{"name": "country_present", "criticality": "error",
        "check": {"function": "is_not_null", "arguments": {"column": "country"}}}]);
    ok(&call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": "main.sales.customers", "rules": own}),
    )
    .await);

    let customers = call(
        &app,
        "/api/effective_rules",
        &ALICE,
        json!({"table": "main.sales.customers"}),
    )
    .await;
    let customers = ok(&customers).clone();
    assert_eq!(
        origins(&customers),
        [
            ("country_present".to_string(), "table@1".to_string()),
            (
                "email_present_email".to_string(),
                "registry:email_present@1".to_string()
            ),
            (
                "key_present".to_string(),
                "registry:key_present@1".to_string()
            ),
        ]
    );
    assert_eq!(
        customers["rules"][1]["check"]["arguments"]["column"],
        "email"
    );
    assert_eq!(customers["rules"][2]["criticality"], "warn");
    assert_eq!(
        customers["rules"][2]["user_metadata"]["dqx_origin"],
        "registry:key_present@1"
    );

    let employees = call(
        &app,
        "/api/effective_rules",
        &ALICE,
        json!({"table": "main.hr.employees"}),
    )
    .await;
    assert_eq!(
        origins(ok(&employees)),
        [(
            "email_present_email".to_string(),
            "registry:email_present@1".to_string()
        )]
    );
    let orders = call(
        &app,
        "/api/effective_rules",
        &ALICE,
        json!({"table": "main.sales.orders"}),
    )
    .await;
    assert_eq!(
        origins(ok(&orders)),
        [(
            "key_present".to_string(),
            "registry:key_present@1".to_string()
        )]
    );
    let ledger = call(
        &app,
        "/api/effective_rules",
        &ALICE,
        json!({"table": "finance.ledger.transactions"}),
    )
    .await;
    assert!(origins(ok(&ledger)).is_empty());
    let hidden = call(
        &app,
        "/api/effective_rules",
        &BOB,
        json!({"table": "main.hr.employees"}),
    )
    .await;
    assert_ne!(hidden.status, StatusCode::OK, "{}", hidden.text);

    // A validation of the table's own rules runs the inherited ones with them.
    let started = call(
        &app,
        "/api/start_validation",
        &ALICE,
        json!({"table": "main.sales.customers", "rules": own, "rule_set_version": 1}),
    )
    .await;
    let run_id = ok(&started)["run_id"].as_str().unwrap().to_string();
    let done = common::http::wait_for_run(&app, &ALICE, &run_id).await;
    assert_eq!(done["state"], "completed", "{done}");
    let text = done.to_string();
    for name in ["country_present", "email_present_email", "key_present"] {
        assert!(text.contains(name), "{name} is not in the run: {text}");
    }
    let own_only = call(
        &app,
        "/api/start_validation",
        &ALICE,
        json!({"table": "main.sales.customers", "rules": own, "own_only": true}),
    )
    .await;
    let run_id = ok(&own_only)["run_id"].as_str().unwrap().to_string();
    let done = common::http::wait_for_run(&app, &ALICE, &run_id).await;
    assert!(!done.to_string().contains("email_present_email"), "{done}");
}

#[tokio::test]
async fn a_tag_added_later_brings_its_table_in() {
    let dir = tempfile::tempdir().unwrap();
    let extra = [("DQX_APPROVER_GROUPS", "none")];
    let state = common::local_state_with(dir.path(), &extra).await;
    let app = dqx_manager::server::routes::router(state);
    standards(&app).await;
    let ledger = json!({"table": "finance.ledger.transactions"});
    assert!(
        origins(ok(&call(
            &app,
            "/api/effective_rules",
            &ALICE,
            ledger.clone()
        )
        .await))
        .is_empty()
    );

    // The steward tags the ledger's memo column as an e-mail (locally: the workspace file,
    // read when the app starts).
    let path = dir.path().join("local-workspace.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n[[tag]]\non = \"finance.ledger.transactions.memo\"\nkey = \"class\"\nvalue = \"email\"\n");
    std::fs::write(&path, text).unwrap();
    let state = common::local_state_with(dir.path(), &extra).await;
    let app = dqx_manager::server::routes::router(state);
    let now = call(&app, "/api/effective_rules", &ALICE, ledger).await;
    assert_eq!(
        origins(ok(&now)),
        [(
            "email_present_memo".to_string(),
            "registry:email_present@1".to_string()
        )]
    );
    let scope = json!({"scope": {"tag": {"key": "class", "value": "email", "on": "column"}}});
    let covered = call(&app, "/api/registry_scope_preview", &ALICE, scope).await;
    assert_eq!(
        ok(&covered)["tables"],
        json!([
            "finance.ledger.transactions",
            "main.hr.employees",
            "main.sales.customers"
        ])
    );
}

#[tokio::test]
async fn dqx_accepts_every_effective_set_and_loads_them_from_the_published_files() {
    let Some(python) = common::spark::spark_python("DQX's validate_checks on effective rule sets")
    else {
        return;
    };
    let (app, dir) = common::http::app_without_review().await;
    standards(&app).await;
    let mut manifest = Vec::new();
    for table in [
        "main.sales.customers",
        "main.sales.orders",
        "main.hr.employees",
    ] {
        let own = json!([{"name": "own_rule", "criticality": "error",
            "check": {"function": "is_not_null", "arguments": {"column": if table.contains("orders") { "order_id" } else if table.contains("hr") { "employee_id" } else { "country" }}}}]);
        ok(&call(
            &app,
            "/api/save_rule_set",
            &ALICE,
            json!({"table": table, "rules": own}),
        )
        .await);
        let set = call(
            &app,
            "/api/effective_rules",
            &ALICE,
            json!({"table": table}),
        )
        .await;
        let set = ok(&set).clone();
        assert!(set["clashes"].as_array().unwrap().is_empty(), "{set}");
        let inherited = origins(&set)
            .iter()
            .filter(|(_, o)| o.starts_with("registry:"))
            .count();
        assert!(inherited >= 1, "{table}: {set}");
        manifest.push(
            json!({"label": format!("effective {table}"), "kind": "rules", "value": set["rules"]}),
        );
        let published = dir.path().join("published").join(format!("{table}.yaml"));
        let text = std::fs::read_to_string(&published).unwrap();
        assert!(
            text.contains("registry:"),
            "{table} was published without its inherited rules: {text}"
        );
        manifest.push(json!({"label": format!("published {table}"), "kind": "file", "value": published, "expect": set["rules"].as_array().unwrap().len()}));
    }
    let manifest_path = dir.path().join("manifest.json");
    std::fs::write(&manifest_path, Value::Array(manifest.clone()).to_string()).unwrap();
    let verdicts = common::spark::run_json(
        &python,
        common::spark::script("validate_all.py"),
        &[&manifest_path],
    );
    for entry in &manifest {
        let label = entry["label"].as_str().unwrap();
        let verdict = &verdicts[label];
        assert_eq!(
            verdict["has_errors"], false,
            "DQX refused {label}: {verdict}"
        );
        if let Some(expect) = entry.get("expect") {
            assert_eq!(&verdict["count"], expect, "{label}: DQX loaded {verdict}");
        }
    }
}

/// Every `function(column)` a generation proposes, `for_each_column` expanded.
fn proposed_subjects(rules: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for r in rules {
        let function = r["check"]["function"].as_str().unwrap_or_default();
        match r["check"]["for_each_column"].as_array() {
            Some(list) => out.extend(
                list.iter()
                    .map(|c| format!("{function}({})", c.as_str().unwrap_or_default())),
            ),
            None => out.push(format!(
                "{function}({})",
                r["check"]["arguments"]["column"]
                    .as_str()
                    .unwrap_or_default()
            )),
        }
    }
    out
}

#[tokio::test]
async fn generate_leaves_out_what_the_table_inherits_and_says_so() {
    let (app, _dir) = common::http::app_without_review().await;
    let generate = |app: axum::Router| async move {
        let started = call(
            &app,
            "/api/start_generation",
            &ALICE,
            json!({"table": "main.sales.customers", "prompt": "emails must be valid and customer ids unique", "sample_limit": 1000}),
        )
        .await;
        let run_id = ok(&started)["run_id"].as_str().unwrap().to_string();
        common::http::wait_for_run(&app, &ALICE, &run_id).await["generation"].clone()
    };
    let before = generate(app.clone()).await;
    let before_subjects = proposed_subjects(before["rules"].as_array().unwrap());
    assert!(
        before_subjects
            .iter()
            .any(|s| s == "is_not_null(customer_id)"),
        "{before_subjects:?}"
    );
    standards(&app).await;
    let after = generate(app.clone()).await;
    let subjects = proposed_subjects(after["rules"].as_array().unwrap());
    for inherited in ["is_not_null(customer_id)", "is_not_null(email)"] {
        assert!(
            !subjects.iter().any(|s| s == inherited),
            "{inherited} proposed again: {subjects:?}"
        );
    }
    assert!(
        subjects.iter().any(|s| s.starts_with("is_valid_email")),
        "{subjects:?}"
    );
    let notes = after["prompt_notes"].to_string();
    assert!(
        notes.contains("is_not_null(customer_id)") && notes.contains("registry:key_present@1"),
        "{notes}"
    );
}
