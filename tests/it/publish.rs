//! Publishing for pipelines, proved with DQX's own code: when carol approves a version locally it
//! is written to `$DQX_DATA_DIR/published/<table>.yaml`, which DQX 0.17's
//! `FileChecksStorageHandler` loads as exactly the approved rules with the fingerprint the app
//! computed; publishing the same version again writes nothing; the approval is audited with
//! where it was published.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, CAROL, call};
use serde_json::{Value, json};
use std::process::Command;

const TABLE: &str = "main.sales.customers";

/// Approved rules: two named rules and one compact `for_each_column` rule.
pub fn approved_rules() -> Value {
    json!([
        {"name": "customer_id_present", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "customer_id"}}},
        {"name": "country_known", "criticality": "warn", "filter": "country IS NOT NULL", "check": {"function": "is_in_list", "arguments": {"column": "country", "allowed": ["'US'", "'DE'", "'FR'"]}}, "user_metadata": {"owner": "sales"}},
        {"criticality": "warn", "check": {"function": "is_not_null", "for_each_column": ["email", "full_name"]}}
    ])
}

/// What DQX's loader printed on its last line.
pub fn dqx_load(python: &str, args: &[&str]) -> Value {
    common::spark::run_json(python, common::spark::script("load_checks.py"), args)
}

/// The loaded checks, as the rules they are (DQX adds nothing but what was written).
pub fn assert_same_rules(loaded: &Value, rules: &Value) {
    let loaded = loaded.as_array().unwrap();
    let rules = rules.as_array().unwrap();
    assert_eq!(loaded.len(), rules.len(), "{loaded:?}");
    for (l, r) in loaded.iter().zip(rules) {
        // DQX's table loader gives `arguments: {}` to a check written without any.
        let mut check = l["check"].clone();
        if r["check"].get("arguments").is_none() && check["arguments"] == json!({}) {
            check.as_object_mut().unwrap().remove("arguments");
        }
        assert_eq!(check, r["check"], "{l}");
        assert_eq!(l["criticality"], r["criticality"], "{l}");
        if let Some(name) = r.get("name") {
            assert_eq!(&l["name"], name);
        }
        if let Some(filter) = r.get("filter") {
            assert_eq!(&l["filter"], filter);
        }
    }
}

#[tokio::test]
async fn an_approved_version_is_published_where_dqx_loads_it_and_only_once() {
    let dir = tempfile::tempdir().unwrap();
    let state = common::local_state(dir.path()).await;
    let app = dqx_manager::server::routes::router(state.clone());
    let saved = call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": TABLE, "rules": approved_rules()}),
    )
    .await;
    let version = saved.body["version"].as_i64().unwrap();
    let path = dir.path().join("published").join(format!("{TABLE}.yaml"));
    assert!(!path.exists(), "a draft is not published");
    call(
        &app,
        "/api/submit_rule_set",
        &ALICE,
        json!({"table": TABLE, "version": version}),
    )
    .await;
    let approved = call(
        &app,
        "/api/approve_rule_set",
        &CAROL,
        json!({"table": TABLE, "version": version, "expected_status": "pending"}),
    )
    .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    let text = std::fs::read_to_string(&path).unwrap();
    let expanded =
        dqx_manager::model::rules::validate::validate_rule_set(&approved_rules(), None).rules;
    let fingerprint = dqx_manager::model::rules::fingerprint::rule_set_fingerprint(&expanded);
    assert!(text.contains(&fingerprint), "{text}");

    let page = call(
        &app,
        "/api/review_detail",
        &ALICE,
        json!({"table": TABLE, "version": version}),
    )
    .await;
    let publish = page.body["thread"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "publish")
        .cloned()
        .unwrap_or_else(|| panic!("{}", page.text));
    assert_eq!(publish["actor"], "carol@example.com");
    assert!(
        publish["detail"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("published to 1 of 1 targets"),
        "{publish}"
    );
    assert_eq!(
        publish["detail"]["report"]["targets"][0]["outcome"],
        "written"
    );

    // The same version again: nothing new is written.
    let caller = common::caller("carol@example.com");
    let again = state
        .publisher
        .publish_active(state.store.as_ref(), &caller, TABLE, Vec::new())
        .await
        .unwrap();
    assert_eq!(
        again.targets[0].outcome,
        Some(dqx_manager::server::publish::Outcome::Unchanged)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);

    let Some(python) = common::spark::spark_python("DQX loading the published file") else {
        return;
    };
    let loaded = dqx_load(&python, &["file", path.to_str().unwrap()]);
    assert_same_rules(&loaded["checks"], &approved_rules());
    assert_eq!(
        loaded["rule_set_fingerprint"],
        fingerprint.as_str(),
        "DQX's fingerprint of what it loaded"
    );
}

/// A target that fails is tried again, and the outcome is shown on the version in History, in
/// words; "Publish again" (`publish_rule_set`) succeeds once the target is fixed, and History
/// then shows the version published.
#[tokio::test]
async fn a_failed_publish_is_reported_on_the_version_and_can_be_retried() {
    let (app, dir) = common::http::app_without_review().await;
    // A file where the published folder should be: every attempt fails.
    let folder = dir.path().join("published");
    std::fs::write(&folder, "not a folder").unwrap();
    let saved = call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": TABLE, "rules": approved_rules()}),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let version = saved.body["version"].as_i64().unwrap();
    let history = |app: axum::Router| async move {
        let reply = call(&app, "/api/rule_history", &ALICE, json!({"table": TABLE})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body[0]["published"].clone()
    };
    let failed = history(app.clone()).await;
    assert_eq!(failed["complete"], false, "{failed}");
    let summary = failed["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("published to 0 of 1 targets; file ")
            && summary.contains("failed: creating"),
        "{summary}"
    );
    assert_eq!(failed["by"], "alice@example.com");

    std::fs::remove_file(&folder).unwrap();
    let again = call(
        &app,
        "/api/publish_rule_set",
        &ALICE,
        json!({"table": TABLE}),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body, "published to 1 of 1 targets");
    let done = history(app.clone()).await;
    assert_eq!(done["complete"], true, "{done}");
    let text = std::fs::read_to_string(folder.join(format!("{TABLE}.yaml"))).unwrap();
    assert!(
        text.contains(&format!("{TABLE} version {version} ")),
        "{text}"
    );
    // A table nobody saved rules for has nothing to publish, and says so.
    let none = call(
        &app,
        "/api/publish_rule_set",
        &ALICE,
        json!({"table": "main.sales.orders"}),
    )
    .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.text);
}

/// `dqx-manager pull` against the app over real HTTP: exit 2 while the table has no approved
/// version (a draft or a pending one does not count), then the approved rules as DQX YAML.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_fetches_only_what_was_approved() {
    let dir = tempfile::tempdir().unwrap();
    let state = common::local_state(dir.path()).await;
    let app = dqx_manager::server::routes::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let served = app.clone();
    tokio::spawn(async move { axum::serve(listener, served).await.unwrap() });
    let pull = |extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dqx-manager"));
        command
            .args([
                "pull",
                "--app",
                &url,
                "--table",
                TABLE,
                "--local-token",
                "local-alice",
            ])
            .args(extra)
            .env_remove("DATABRICKS_TOKEN");
        command
    };
    let run = |mut command: Command| tokio::task::spawn_blocking(move || command.output().unwrap());

    let none = run(pull(&[])).await.unwrap();
    assert_eq!(
        none.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&none.stderr)
    );
    assert!(String::from_utf8_lossy(&none.stderr).contains("no approved version"));

    let saved = call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": TABLE, "rules": approved_rules()}),
    )
    .await;
    let version = saved.body["version"].as_i64().unwrap();
    let draft = run(pull(&["--version", &version.to_string()]))
        .await
        .unwrap();
    assert_eq!(draft.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&draft.stderr).contains("is draft, not approved"),
        "{}",
        String::from_utf8_lossy(&draft.stderr)
    );

    call(
        &app,
        "/api/submit_rule_set",
        &ALICE,
        json!({"table": TABLE, "version": version}),
    )
    .await;
    call(
        &app,
        "/api/approve_rule_set",
        &CAROL,
        json!({"table": TABLE, "version": version, "expected_status": "pending"}),
    )
    .await;
    let out = dir.path().join("pulled.yaml");
    let done = run(pull(&["--out", out.to_str().unwrap()])).await.unwrap();
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let pulled = dqx_manager::model::rules::parse_rules_text(
        &text,
        dqx_manager::model::rules::RulesFormat::Yaml,
    )
    .unwrap();
    assert_eq!(pulled, approved_rules());
    let as_json = run(pull(&["--format", "json"])).await.unwrap();
    let parsed: Value = serde_json::from_slice(&as_json.stdout).unwrap();
    assert_eq!(parsed, approved_rules());
}

/// The Unity Catalog table target's own SQL, run on Apache Spark: the table it creates is DQX's
/// checks-table schema, DQX 0.17's `TableChecksStorageHandler` loads the newest batch and any
/// earlier one by fingerprint as exactly the published rules (quotes and backslashes included),
/// and the probe the target asks before writing answers the newest batch and the rows it holds.
#[test]
fn delta_table_rows_are_what_dqxs_table_loader_loads() {
    use dqx_manager::server::publish::Publication;
    use dqx_manager::server::publish::delta::{create_sql, insert_sql, probe_sql};
    let Some(python) = common::spark::spark_python("DQX loading the published Delta table") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let location =
        dqx_manager::model::table_name::TableName::parse("spark_catalog.default.dqx_checks")
            .unwrap();
    let mut rules = approved_rules();
    rules.as_array_mut().unwrap().push(json!({
        "name": "no_backslash", "criticality": "warn",
        "check": {"function": "sql_expression", "arguments": {"expression": "full_name NOT LIKE '%\\\\%'", "msg": "it's got a \\ in it"}},
        "user_metadata": {"owner": "O'Brien", "tier": 2}
    }));
    let run_config = "dq_sales_customers";
    let first = Publication::new(
        TABLE,
        3,
        rules.as_array().unwrap().clone(),
        run_config.into(),
    );
    let fewer = rules.as_array().unwrap()[..2].to_vec();
    let second = Publication::new(TABLE, 4, fewer.clone(), run_config.into());
    let now = 1_796_000_000_000_000;
    let job = json!({
        "warehouse_dir": dir.path().join("warehouse"),
        "statements": [
            create_sql(&location),
            insert_sql(&location, &first, now),
            insert_sql(&location, &second, now + 1_000_000),
            probe_sql(&location, run_config, &first.rule_set_fingerprint),
        ],
        "location": "spark_catalog.default.dqx_checks",
        "run_config_name": run_config,
        "fingerprints": [first.rule_set_fingerprint],
    });
    let file = dir.path().join("job.json");
    std::fs::write(&file, job.to_string()).unwrap();
    let loaded = dqx_load(&python, &["table", file.to_str().unwrap()]);
    assert_same_rules(&loaded["checks"], &Value::Array(fewer));
    assert_eq!(
        loaded["rule_set_fingerprint"],
        second.rule_set_fingerprint.as_str()
    );
    let earlier = &loaded["by_fingerprint"][first.rule_set_fingerprint.as_str()];
    assert_same_rules(earlier, &rules);
    assert_eq!(
        earlier[3]["user_metadata"],
        json!({"owner": "O'Brien", "tier": 2})
    );
    assert_eq!(
        loaded["answers"][3],
        json!([[second.rule_set_fingerprint, "4"]]),
        "the probe: the newest batch, and the first one's 4 rows"
    );
}
