//! Databricks mode reads only as the signed-in user, against the fake workspace: a warehouse
//! validation (the default engine) sends two statements with the caller's token and nothing as
//! the service principal; a rule reading a table the caller may not read fails naming it; cancel
//! cancels the statement; profiling and ai_query generation use only the caller's token; a job
//! run first probes, as the caller, every table the rules read, refuses rules whose reads cannot
//! be determined, and its sample rows are read again as the caller.

use crate::common;

use axum::http::StatusCode;
use common::fake_workspace::{Fake, app_on_fake};
use common::http::{call, wait_for_run};
use serde_json::{Value, json};

const ALICE: [(&str, &str); 2] = [
    ("x-forwarded-access-token", "alice-token"),
    ("x-forwarded-email", "alice@example.com"),
];
const BOB: [(&str, &str); 2] = [
    ("x-forwarded-access-token", "bob-token"),
    ("x-forwarded-email", "bob@example.com"),
];

/// A publishing user signed in with `token` (forwarded, as in a Databricks App).
fn publisher(email: &str, token: &str) -> dqx_manager::server::caller::Caller {
    dqx_manager::server::caller::Caller {
        email: email.into(),
        user_name: None,
        display_name: None,
        token: Some(dqx_manager::server::secret::SecretToken::new(token)),
        source: dqx_manager::server::caller::IdentitySource::ForwardedToken,
        request_id: "publish-test".into(),
    }
}

fn no_service_principal(fake: &Fake) {
    for (what, token) in fake.calls() {
        assert!(
            !what.contains("/jobs/") && !what.contains("oidc"),
            "{what} was called"
        );
        assert!(token.ends_with("-token"), "{what} carried {token}");
        assert!(!token.starts_with("sp-"), "{what} carried {token}");
    }
}

fn twelve_rules() -> Value {
    let mut rules = Vec::new();
    for i in 0..6 {
        rules.push(json!({"name": format!("email_{i}"), "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}));
        rules.push(json!({"name": format!("id_{i}"), "criticality": "warn", "check": {"function": "is_not_null_and_not_empty", "arguments": {"column": "customer_id"}}}));
    }
    Value::Array(rules)
}

async fn start(
    app: &axum::Router,
    who: &[(&str, &str)],
    table: &str,
    rules: Value,
    engine: Option<&str>,
) -> common::http::Reply {
    let mut body = json!({"table": table, "rules": rules});
    if let Some(e) = engine {
        body["engine"] = json!(e);
    }
    call(app, "/api/start_validation", who, body).await
}

#[tokio::test]
async fn a_warehouse_validation_is_two_statements_as_the_caller() {
    let (app, fake, _dir) = app_on_fake(&[]).await;
    let started = start(&app, &ALICE, "main.sales.customers", twelve_rules(), None).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    assert!(run_id.starts_with("wh-"), "{run_id}");
    let done = wait_for_run(&app, &ALICE, &run_id).await;
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["runs_on"], "on SQL warehouse wh-1, as you");
    let result = &done["validation"];
    assert_eq!(result["total_rows"], 12);
    assert_eq!(result["invalid_rows"], 1);
    assert_eq!(result["rule_results"].as_array().unwrap().len(), 12);
    assert_eq!(result["rule_results"][0]["violation_count"], 1);
    assert_eq!(
        result["rule_results"][0]["sample_violations"][0]["customer_id"],
        "5"
    );
    let statements = fake.statements.lock().unwrap().clone();
    assert_eq!(
        statements.len(),
        2,
        "a 12-rule validation sends exactly the counting and the sampling statement: {statements:?}"
    );
    assert!(statements[0].0.contains("__dqx_total"));
    assert!(statements[1].0.contains("__dqx_rule"));
    no_service_principal(&fake);
}

#[tokio::test]
async fn a_rule_reading_a_table_the_caller_cannot_read_fails_naming_it() {
    let (app, fake, _dir) = app_on_fake(&[]).await;
    for rule in [
        json!({"criticality": "error", "check": {"function": "foreign_key", "arguments": {"columns": ["customer_id"], "ref_columns": ["emp_id"], "ref_table": "main.hr.employees", "negate": true}}}),
        json!({"criticality": "error", "check": {"function": "sql_expression", "arguments": {"expression": "(SELECT max(salary) FROM `main`.`hr`.`employees`) < 150000"}}}),
    ] {
        let started = start(&app, &BOB, "main.sales.customers", json!([rule]), None).await;
        assert_eq!(started.status, StatusCode::OK, "{}", started.text);
        let run_id = started.body["run_id"].as_str().unwrap().to_string();
        let done = wait_for_run(&app, &BOB, &run_id).await;
        assert_eq!(done["state"], "failed", "{done}");
        assert_eq!(
            done["message"], "you don't have SELECT on main.hr.employees",
            "{done}"
        );
    }
    no_service_principal(&fake);
}

#[tokio::test]
async fn cancel_cancels_the_running_statement_as_the_caller() {
    let (app, fake, _dir) = app_on_fake(&[]).await;
    let started = start(&app, &ALICE, "main.sales.slow", twelve_rules(), None).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    // Wait until the counting statement is running on the warehouse.
    for _ in 0..200 {
        if !fake.statements.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let canceled = call(&app, "/api/cancel_run", &ALICE, json!({"run_id": run_id})).await;
    assert_eq!(canceled.status, StatusCode::OK, "{}", canceled.text);
    assert_eq!(canceled.body["state"], "canceled");
    let cancels = fake.canceled.lock().unwrap().clone();
    assert_eq!(cancels.len(), 1, "{cancels:?}");
    assert_eq!(cancels[0].1, "alice-token");
    no_service_principal(&fake);
}

#[tokio::test]
async fn generation_profiles_and_asks_the_model_as_the_caller() {
    let (app, fake, _dir) = app_on_fake(&[("MODEL_SERVING_ENDPOINT", "my-endpoint")]).await;
    let started = call(
        &app,
        "/api/start_generation",
        &ALICE,
        json!({"table": "main.sales.customers", "prompt": "emails must be valid", "sample_limit": 1000}),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    let done = wait_for_run(&app, &ALICE, &run_id).await;
    assert_eq!(done["state"], "completed", "{done}");
    let statements = fake.statements.lock().unwrap().clone();
    assert!(
        statements
            .iter()
            .any(|(sql, _)| sql.contains("approx_count_distinct") && sql.contains("LIMIT 1000")),
        "the profile ran on the warehouse within the sample limit: {statements:?}"
    );
    let ai: Vec<&(String, Value)> = statements
        .iter()
        .filter(|(sql, _)| sql.contains("ai_query"))
        .collect();
    assert_eq!(ai.len(), 1, "the model was asked once, as the caller");
    assert!(
        ai[0].1.to_string().contains("my-endpoint"),
        "the endpoint travels as a parameter"
    );
    no_service_principal(&fake);
}

#[tokio::test]
async fn a_job_probes_every_table_the_rules_read_as_the_caller_first() {
    let (app, fake, _dir) = app_on_fake(&[]).await;
    let rules = json!([
        {"criticality": "error", "check": {"function": "foreign_key", "arguments": {"columns": ["customer_id"], "ref_columns": ["id"], "ref_table": "main.sales.orders"}}},
        {"criticality": "error", "check": {"function": "foreign_key", "arguments": {"columns": ["customer_id"], "ref_columns": ["id"], "ref_table": "finance.ledger.transactions"}}}
    ]);
    let started = start(
        &app,
        &ALICE,
        "main.sales.customers",
        rules.clone(),
        Some("job"),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let calls = fake.calls();
    // The first call as (or for) the service principal: its token, then the job.
    let first_job = calls
        .iter()
        .position(|(w, _)| w.contains("/jobs/") || w.contains("oidc"))
        .unwrap();
    let probes: Vec<String> = fake
        .statements
        .lock()
        .unwrap()
        .iter()
        .map(|(sql, _)| sql.clone())
        .filter(|sql| sql.contains("LIMIT 0"))
        .collect();
    for table in [
        "`main`.`sales`.`customers`",
        "`main`.`sales`.`orders`",
        "`finance`.`ledger`.`transactions`",
    ] {
        assert!(
            probes.iter().any(|p| p.contains(table)),
            "{table} was not probed: {probes:?}"
        );
    }
    for (what, token) in &calls[..first_job] {
        assert_eq!(token, "alice-token", "{what} before the job");
    }
    // The job's own sample rows are dropped; the ones shown were read as alice on the warehouse.
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    let done = wait_for_run(&app, &ALICE, &run_id).await;
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["runs_on"], "as a DQX job run by the app");
    let sampled = fake
        .calls()
        .into_iter()
        .rev()
        .find(|(w, _)| w.contains("/sql/statements"))
        .unwrap();
    assert_eq!(sampled.1, "alice-token");

    // Bob may not read the referenced table: refused before the service principal is asked.
    let (app, fake, _dir) = app_on_fake(&[]).await;
    let rules = json!([{"criticality": "error", "check": {"function": "foreign_key", "arguments": {"columns": ["customer_id"], "ref_columns": ["emp_id"], "ref_table": "main.hr.employees"}}}]);
    let refused = start(&app, &BOB, "main.sales.customers", rules, Some("job")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(
        refused.body["message"],
        "you don't have SELECT on main.hr.employees"
    );
    no_service_principal(&fake);
}

/// Issue 41 (1, 2): no SQL text a user wrote reaches the service principal's job — not hidden
/// in comments the parser reads differently, not as `TABLE`, a CTE, `message_expr`, a filter,
/// an expression column or limit, or a function call. Each is refused before anything is asked
/// of the service principal (or any table probed), naming the rule and the warehouse engine;
/// the same rules still validate on the warehouse as the caller.
#[tokio::test]
async fn a_job_is_given_no_sql_text_a_user_wrote() {
    let (app, fake, _dir) = app_on_fake(&[]).await;
    let hidden = "/* /* */ '*/ CASE WHEN (SELECT count(*) FROM main.hr.employees WHERE salary > 200000) >= customer_id THEN 1 END -- '\nIS NOT NULL";
    let cases = [
        json!({"name": "hidden", "criticality": "error", "check": {"function": "sql_expression", "arguments": {"expression": hidden}}}),
        json!({"criticality": "error", "check": {"function": "sql_expression", "arguments": {"expression": "customer_id < (SELECT max(salary) FROM salaries)"}}}),
        json!({"criticality": "error", "check": {"function": "sql_query", "arguments": {"query": "TABLE hr.employees", "merge_columns": ["customer_id"], "condition_column": "c"}}}),
        json!({"criticality": "error", "check": {"function": "sql_query", "arguments": {"query": "WITH employees AS (SELECT 1) SELECT * FROM main.hr.employees", "merge_columns": ["customer_id"], "condition_column": "c"}}}),
        json!({"criticality": "error", "message_expr": "raise_error(CAST((SELECT max(salary) FROM main.hr.employees) AS STRING))", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}),
        json!({"criticality": "error", "filter": "customer_id IN (SELECT id FROM read_files('/Volumes/hr/payroll/x'))", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}),
        json!({"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "secret('hr', 'key')"}}}),
        json!({"criticality": "error", "check": {"function": "is_not_less_than", "arguments": {"column": "customer_id", "limit": "(SELECT max(salary) FROM main.hr.employees)"}}}),
    ];
    for rule in cases {
        let refused = start(
            &app,
            &ALICE,
            "main.sales.customers",
            json!([rule.clone()]),
            Some("job"),
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{rule}: {}",
            refused.text
        );
        let message = refused.body["message"].as_str().unwrap();
        assert!(
            message.starts_with("rule 1") && message.contains("engine \"warehouse\""),
            "{message}"
        );
    }
    no_service_principal(&fake);
    let probes = fake
        .statements
        .lock()
        .unwrap()
        .iter()
        .filter(|(sql, _)| sql.contains("employees"))
        .count();
    assert_eq!(probes, 0, "nothing about main.hr was asked");
}

#[tokio::test]
async fn review_roles_come_from_scim_groups_read_as_the_caller() {
    let (app, fake, _dir) =
        app_on_fake(&[("DQX_APPROVER_GROUPS", "dq-approvers=main.sales")]).await;
    let table = json!({"table": "main.sales.customers"});
    let alice = call(&app, "/api/my_roles", &ALICE, table.clone()).await;
    assert_eq!(alice.status, StatusCode::OK, "{}", alice.text);
    assert_eq!(alice.body["groups"], json!(["users"]));
    assert_eq!(alice.body["approver"], false);
    assert_eq!(alice.body["review_required"], true);
    let bob = call(&app, "/api/my_roles", &BOB, table.clone()).await;
    assert_eq!(
        bob.body["groups"],
        json!(["dq-approvers", "users"]),
        "{}",
        bob.text
    );
    assert_eq!(bob.body["approver"], true);
    // Approving main.sales does not let bob see a table he cannot read.
    let elsewhere = call(
        &app,
        "/api/my_roles",
        &BOB,
        json!({"table": "main.hr.employees"}),
    )
    .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::FORBIDDEN,
        "{}",
        elsewhere.text
    );
    // Asked once per user, with the user's own token, then cached.
    call(&app, "/api/my_roles", &ALICE, table).await;
    let scim: Vec<String> = fake
        .calls()
        .into_iter()
        .filter(|(what, _)| what == "GET scim Me")
        .map(|(_, token)| token)
        .collect();
    assert_eq!(scim, ["alice-token", "bob-token"]);
    no_service_principal(&fake);
}

#[tokio::test]
async fn an_impact_preview_is_two_statements_on_a_fixed_sample_as_the_caller() {
    use dqx_manager::server::caller::{Caller, IdentitySource};
    use dqx_manager::server::jobs::JobRequest;
    let (state, fake, _dir) = common::fake_workspace::state_on_fake(&[]).await;
    let alice = Caller {
        email: "alice@example.com".into(),
        user_name: None,
        display_name: None,
        token: Some(dqx_manager::server::secret::SecretToken::new("alice-token")),
        source: IdentitySource::ForwardedToken,
        request_id: "impact-test".into(),
    };
    let id_rule = json!({"name": "id_present", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "customer_id"}}});
    let email_rule = json!({"name": "email_present", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}});
    // Bob's rule reads another table: the app cannot act as bob, so alice's rights are not lent.
    let oracle = json!({"name": "hr_oracle", "criticality": "error", "check": {"function": "sql_expression", "arguments": {"expression": "customer_id < (SELECT count(*) FROM main.hr.employees)"}}});
    let request = JobRequest::Impact {
        table: dqx_manager::model::table_name::TableName::parse("main.sales.customers").unwrap(),
        version: 2,
        against_version: Some(1),
        before: vec![id_rule.clone()],
        after: vec![id_rule, email_rule, oracle],
        changes: [
            ("email_present".to_string(), "added".to_string()),
            ("hr_oracle".to_string(), "added".to_string()),
        ]
        .into(),
        sample_rows: 500,
        authors: dqx_manager::server::jobs::withhold::Authors {
            version: Some("bob@example.com".into()),
            active: Some("alice@example.com".into()),
        },
    };
    let run = state.jobs.start(&alice, request).await.unwrap();
    assert!(run.run_id.starts_with("wh-"), "{}", run.run_id);
    let mut status = state.jobs.status(&alice, &run.run_id).await.unwrap();
    for _ in 0..300 {
        if status.summary.state.is_terminal() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        status = state.jobs.status(&alice, &run.run_id).await.unwrap();
    }
    let impact = status
        .impact
        .clone()
        .unwrap_or_else(|| panic!("no impact: {status:?}"));
    assert_eq!(
        (
            impact.rows_checked,
            impact.invalid_before,
            impact.invalid_after
        ),
        (12, 0, 1)
    );
    assert_eq!(impact.rows_start_failing, 1);
    assert_eq!(impact.start_failing_samples[0]["customer_id"], "5");
    let email = impact
        .rules
        .iter()
        .find(|r| r.rule_name == "email_present")
        .unwrap();
    assert_eq!(
        (
            email.change.as_str(),
            email.violations_before,
            email.violations_after
        ),
        ("added", None, Some(1))
    );
    assert_eq!(
        impact.rules[0].samples[0]["_message"],
        "Column 'email' value is null"
    );
    let oracle = impact
        .rules
        .iter()
        .find(|r| r.rule_name == "hr_oracle")
        .unwrap();
    assert_eq!(
        (oracle.violations_before, oracle.violations_after),
        (None, None)
    );
    let why = oracle.skipped.as_deref().unwrap_or_default();
    assert!(
        why.starts_with("not previewed: it reads tables besides main.sales.customers")
            && why.contains("cannot act as its author"),
        "{why}"
    );
    assert_eq!(impact.reads, Some(Vec::new()));
    let statements: Vec<(String, Value)> = fake
        .statements
        .lock()
        .unwrap()
        .iter()
        .filter(|(sql, _)| !sql.contains("LIMIT 0"))
        .cloned()
        .collect();
    assert_eq!(statements.len(), 2, "{statements:?}");
    for (sql, _) in &statements {
        assert!(!sql.contains("employees"), "a withheld rule ran: {sql}");
        assert!(
            sql.contains("ORDER BY xxhash64(__dqx_key), __dqx_key LIMIT 500"),
            "{sql}"
        );
        assert!(sql.contains("`main`.`sales`.`customers`"), "{sql}");
    }
    no_service_principal(&fake);
}

#[tokio::test]
async fn a_volume_file_is_published_with_the_approvers_token_once() {
    use dqx_manager::server::publish::volume::VolumeFolder;
    use dqx_manager::server::publish::{Outcome, Publication, PublishTarget};
    let (state, fake, _dir) = common::fake_workspace::state_on_fake(&[]).await;
    let target = VolumeFolder {
        client: state.databricks.clone().unwrap(),
        folder: "/Volumes/main/dq/rules".into(),
    };
    let rules = crate::publish::approved_rules();
    let publication = Publication::new(
        "main.sales.customers",
        4,
        rules.as_array().unwrap().clone(),
        "main.sales.customers".into(),
    );
    let alice = publisher("alice@example.com", "alice-token");
    assert_eq!(
        target.publish(&alice, &publication).await.unwrap(),
        Outcome::Written
    );
    assert_eq!(
        target.publish(&alice, &publication).await.unwrap(),
        Outcome::Unchanged
    );
    assert_eq!(fake.uploads.load(std::sync::atomic::Ordering::SeqCst), 1);
    let files = fake.files.lock().unwrap().clone();
    let (text, token) = files
        .get("/Volumes/main/dq/rules/main.sales.customers.yaml")
        .unwrap_or_else(|| panic!("{files:?}"));
    assert_eq!(token, "alice-token", "written as the approver");
    assert!(text.contains(&publication.rule_set_fingerprint));
    let parsed = dqx_manager::model::rules::parse_rules_text(
        text,
        dqx_manager::model::rules::RulesFormat::Yaml,
    )
    .unwrap();
    assert_eq!(parsed, rules);
    // Without WRITE VOLUME the workspace refuses, and the error says so.
    let bob = publisher("bob@example.com", "bob-token");
    let newer = Publication::new(
        "main.sales.customers",
        5,
        rules.as_array().unwrap().clone(),
        "main.sales.customers".into(),
    );
    let refused = target.publish(&bob, &newer).await.unwrap_err();
    assert!(
        matches!(
            refused,
            dqx_manager::server::error::AppError::PermissionDenied(_)
        ),
        "{refused:?}"
    );
    no_service_principal(&fake);
}

#[tokio::test]
async fn a_unity_catalog_table_is_published_with_the_approvers_sql_once() {
    use dqx_manager::server::publish::{Outcome, Publication};
    let (state, fake, _dir) = common::fake_workspace::state_on_fake(&[(
        "DQX_PUBLISH_TABLE",
        "main.dq.checks=main.sales",
    )])
    .await;
    // Scoped: main.sales tables go to the checks table, others nowhere.
    assert!(state.publisher.targets_for("main.hr.employees").is_empty());
    let targets = state.publisher.targets_for("main.sales.customers");
    assert_eq!(targets.len(), 1);
    let target = targets[0];
    assert_eq!(
        target.describe("main.sales.customers"),
        "table main.dq.checks"
    );
    let rules = crate::publish::approved_rules();
    let publication = |version: i32, rules: Vec<Value>| {
        Publication::new(
            "main.sales.customers",
            version,
            rules,
            "main.sales.customers".into(),
        )
    };
    let all = publication(4, rules.as_array().unwrap().clone());
    let alice = publisher("alice@example.com", "alice-token");
    // The first publish creates the missing table, then appends one batch.
    assert_eq!(
        target.publish(&alice, &all).await.unwrap(),
        Outcome::Written
    );
    assert_eq!(
        target.publish(&alice, &all).await.unwrap(),
        Outcome::Unchanged
    );
    let fewer = publication(5, rules.as_array().unwrap()[..1].to_vec());
    assert_eq!(
        target.publish(&alice, &fewer).await.unwrap(),
        Outcome::Written
    );
    // Restoring the first: its old batch goes and it is the newest again, once.
    assert_eq!(
        target.publish(&alice, &all).await.unwrap(),
        Outcome::Written
    );
    let batches = fake.checks_table.lock().unwrap().clone().unwrap();
    assert_eq!(
        batches,
        [
            fewer.rule_set_fingerprint.clone(),
            all.rule_set_fingerprint.clone()
        ]
    );
    let writes = fake.checks_writes.lock().unwrap().clone();
    let kinds: Vec<&str> = writes
        .iter()
        .map(|(_, sql)| sql.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(kinds, ["CREATE", "INSERT", "INSERT", "DELETE", "INSERT"]);
    assert!(writes.iter().all(|(token, _)| token == "alice-token"));
    // Without MODIFY the warehouse refuses bob, and the error says what to grant.
    let bob = publisher("bob@example.com", "bob-token");
    let refused = target
        .publish(&bob, &publication(6, vec![rules[1].clone()]))
        .await
        .unwrap_err();
    let words = refused.to_string();
    assert!(
        matches!(
            refused,
            dqx_manager::server::error::AppError::PermissionDenied(_)
        ) && words.contains("MODIFY")
            && words.contains("main.dq.checks")
            && words.contains("bob@example.com"),
        "{words}"
    );
    no_service_principal(&fake);
}

/// Issue 41 (3): a table with a row filter or a masked column — the target or a reference — is
/// never read by the service principal's job (it would see rows and values the caller does not);
/// the warehouse still validates it as the caller, and a generation job asked for on it runs on
/// the warehouse as the caller instead.
#[tokio::test]
async fn a_job_never_reads_a_table_with_a_row_filter_or_a_mask() {
    let (app, fake, _dir) = app_on_fake(&[]).await;
    let email = json!([{"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}]);
    for (table, says) in [
        (
            "main.sales.filtered_customers",
            "a row filter (main.governance.region_filter)",
        ),
        ("main.sales.masked_customers", "masks on email"),
    ] {
        let refused = start(&app, &ALICE, table, email.clone(), Some("job")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        let message = refused.body["message"].as_str().unwrap();
        assert!(
            message.contains(says) && message.contains("engine \"warehouse\""),
            "{message}"
        );
    }
    let reference = json!([{"criticality": "error", "check": {"function": "foreign_key", "arguments": {"columns": ["customer_id"], "ref_columns": ["customer_id"], "ref_table": "main.sales.filtered_orders"}}}]);
    let refused = start(&app, &ALICE, "main.sales.customers", reference, Some("job")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(
        refused
            .text
            .contains("main.sales.filtered_orders has a row filter"),
        "{}",
        refused.text
    );
    no_service_principal(&fake);

    let on_warehouse = start(&app, &ALICE, "main.sales.masked_customers", email, None).await;
    assert_eq!(on_warehouse.status, StatusCode::OK, "{}", on_warehouse.text);
    let generated = call(
        &app,
        "/api/start_generation",
        &ALICE,
        json!({"table": "main.sales.masked_customers", "prompt": "emails present", "sample_limit": 100, "engine": "job"}),
    )
    .await;
    assert_eq!(generated.status, StatusCode::OK, "{}", generated.text);
    let run_id = generated.body["run_id"].as_str().unwrap();
    assert!(
        run_id.starts_with("wh-"),
        "generation ran on the warehouse: {run_id}"
    );
    no_service_principal(&fake);
}

#[tokio::test]
async fn a_manual_run_writes_dqx_metrics_rows_as_the_caller_and_pipelines_join_its_history() {
    let (state, fake, _dir) = common::fake_workspace::state_on_fake_with_sqlite(&[(
        "DQX_METRICS_TABLE",
        "main.dq.metrics",
    )])
    .await;
    let app = dqx_manager::server::routes::router(state);
    let table = "main.sales.customers";
    // A team's DQX pipeline reported a run of the table before.
    for (name, value) in [
        ("input_row_count", "12"),
        ("error_row_count", "3"),
        ("valid_row_count", "9"),
        ("check_metrics", "[]"),
    ] {
        fake.metrics_rows.lock().unwrap().push((
            json!({"run_id": "pipe-7", "run_name": "dqx", "input_location": table,
                   "metric_name": name, "metric_value": value, "run_time": "2026-12-01T08:00:00.000Z"}),
            "pipeline".into(),
        ));
    }
    let started = start(&app, &ALICE, table, twelve_rules(), None).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let run_id = started.body["run_id"].as_str().unwrap().to_string();
    assert_eq!(
        wait_for_run(&app, &ALICE, &run_id).await["state"],
        "completed"
    );

    // Its rows reach the metrics table after the reply, written with alice's token.
    let mut written = Vec::new();
    for _ in 0..200 {
        written = fake
            .metrics_rows
            .lock()
            .unwrap()
            .iter()
            .filter(|(row, _)| row["run_id"] == run_id.as_str())
            .cloned()
            .collect();
        if written.len() == 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let names: Vec<&str> = written
        .iter()
        .map(|(row, _)| row["metric_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "input_row_count",
            "error_row_count",
            "warning_row_count",
            "valid_row_count",
            "check_metrics"
        ]
    );
    for (row, token) in &written {
        assert_eq!(token, "alice-token");
        assert_eq!(row["input_location"], table);
        assert_eq!(row["run_name"], "dqx");
        assert_eq!(row["error_column_name"], "_errors");
        assert_eq!(
            (&row["k0"], &row["v0"]),
            (&json!("dqx_manager.trigger"), &json!("manual"))
        );
    }
    assert_eq!(written[0].0["metric_value"], "12");
    assert_eq!(written[1].0["metric_value"], "1");
    let insert = fake
        .statements
        .lock()
        .unwrap()
        .iter()
        .find(|(sql, _)| sql.starts_with("INSERT INTO `main`.`dq`.`metrics`"))
        .cloned()
        .unwrap();
    assert!(
        !insert.0.contains(table),
        "values travel as parameters: {}",
        insert.0
    );

    // The history: the app's run once (not again from the metrics table) and the pipeline's.
    let history = call(&app, "/api/run_history", &ALICE, json!({"table": table})).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    let runs = history.body["runs"].as_array().unwrap();
    let seen: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| {
            (
                r["run_id"].as_str().unwrap(),
                r["trigger"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen, [(run_id.as_str(), "manual"), ("pipe-7", "pipeline")]);
    assert_eq!(runs[1]["pass_rate"], 75.0);

    // bob may read the table but not the metrics table: the reply says so.
    let his = call(&app, "/api/run_history", &BOB, json!({"table": table})).await;
    assert_eq!(his.status, StatusCode::OK, "{}", his.text);
    assert!(
        his.body["note"]
            .as_str()
            .unwrap_or_default()
            .contains("main.dq.metrics"),
        "{}",
        his.text
    );
    no_service_principal(&fake);
}

#[tokio::test]
async fn tags_are_read_from_information_schema_as_the_caller() {
    use dqx_manager::model::registry::TagOn;
    let (state, fake, _dir) = common::fake_workspace::state_on_fake_with_sqlite(&[]).await;
    let alice = publisher("alice@example.com", "alice-token");
    let bob = publisher("bob@example.com", "bob-token");
    let hits = state
        .workspace
        .tags(&alice, "class", Some("email"), TagOn::Column, 50)
        .await
        .unwrap();
    let found: Vec<(String, Option<String>)> =
        hits.into_iter().map(|h| (h.table, h.column)).collect();
    assert_eq!(
        found,
        [
            ("main.hr.employees".to_string(), Some("email".to_string())),
            (
                "main.sales.customers".to_string(),
                Some("email".to_string())
            )
        ]
    );
    let bobs = state
        .workspace
        .tags(&bob, "class", Some("email"), TagOn::Column, 50)
        .await
        .unwrap();
    assert_eq!(bobs.len(), 1, "the catalog shows bob only what he may use");
    let statements = fake.statements.lock().unwrap().clone();
    let (sql, params) = statements
        .iter()
        .find(|(sql, _)| sql.contains("information_schema.column_tags"))
        .unwrap();
    assert!(
        sql.contains("tag_name = :key") && !sql.contains("'email'"),
        "{sql}"
    );
    assert_eq!(params[1]["value"], "email");
    for (what, token) in fake.calls() {
        assert!(!token.starts_with("sp-"), "{what} as {token}");
    }
}
