//! DQX accepts everything the app writes: rules generated from a profile and a prompt on every
//! sample table, the saved versions' YAML and JSON exports, and the files published for
//! pipelines all pass DQX 0.17's own `validate_checks` (from PyPI, in the test venv), read the
//! way a pipeline reads them. Any rejection fails the suite.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, call};
use dqx_manager::engine::generate::GeneratorOptions;
use dqx_manager::engine::generation::generation_result;
use dqx_manager::engine::profile::profile_table;
use serde_json::{Value, json};

/// Each sample table with a prompt naming most of what the prompt reader understands.
const PROMPTS: [(&str, &str); 4] = [
    (
        "main.sales.customers",
        "emails are valid and customer ids are unique; signup dates are not in the future; \
         lifetime value is never negative; ip addresses are valid IPv4",
    ),
    (
        "main.sales.orders",
        "order ids are unique; status is one of new, paid, shipped, delivered, cancelled; \
         amount is not negative; currency is present; customer_id exists in main.sales.customers",
    ),
    (
        "main.hr.employees",
        "salary is between 30000 and 250000; hire dates are after 1990-01-01 and not in the future",
    ),
    (
        "finance.ledger.transactions",
        "txn ids are unique; account id is present; amount is at most 1000000; \
         currency is one of USD, EUR, GBP, CHF; memo is valid json",
    ),
];

#[tokio::test]
async fn dqx_validates_every_generated_exported_and_published_rule_set() {
    let Some(python) = common::spark::spark_python("DQX's validate_checks on what the app writes")
    else {
        return;
    };
    let (app, dir) = common::http::app_without_review().await;
    let ctx = common::alice_session().await;
    let mut manifest = Vec::new();
    for (table, prompt) in PROMPTS {
        let profile = profile_table(&ctx, table, table, None).await.unwrap();
        let generated = generation_result(&profile, prompt, &GeneratorOptions::default());
        assert!(generated.rules.len() > 3, "{table}: {:#?}", generated.rules);
        manifest.push(json!({"label": format!("generated {table}"), "kind": "rules", "value": generated.rules}));

        let saved = call(
            &app,
            "/api/save_rule_set",
            &ALICE,
            json!({"table": table, "rules": generated.rules, "user_prompt": prompt}),
        )
        .await;
        assert_eq!(saved.status, StatusCode::OK, "{table}: {}", saved.text);
        for format in ["yaml", "json"] {
            let exported = call(
                &app,
                "/api/export_rule_set",
                &ALICE,
                json!({"table": table, "format": format}),
            )
            .await;
            assert_eq!(exported.status, StatusCode::OK, "{}", exported.text);
            let text = exported.body["text"].as_str().unwrap().to_string();
            manifest.push(
                json!({"label": format!("{format} export {table}"), "kind": format, "value": text}),
            );
        }
        let published = dir.path().join("published").join(format!("{table}.yaml"));
        assert!(published.exists(), "{table} was not published");
        manifest.push(
            json!({"label": format!("published {table}"), "kind": "file", "value": published}),
        );
    }
    let manifest_path = dir.path().join("manifest.json");
    std::fs::write(&manifest_path, Value::Array(manifest.clone()).to_string()).unwrap();
    let verdicts = common::spark::run_json(
        &python,
        common::spark::script("validate_all.py"),
        &[&manifest_path],
    );
    assert_eq!(
        verdicts.as_object().unwrap().len(),
        manifest.len(),
        "{verdicts}"
    );
    for (label, verdict) in verdicts.as_object().unwrap() {
        assert_eq!(
            verdict["has_errors"], false,
            "DQX refused {label}: {}",
            verdict["errors"]
        );
        assert!(verdict["count"].as_u64() > Some(3), "{label}: {verdict}");
    }
}
