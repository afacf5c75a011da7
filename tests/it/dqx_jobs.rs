//! The bundle's job notebooks, run for real: DQX 0.17 on a local Spark session over the sample
//! workspace's tables, with `dbutils` supplied as the Databricks runtime would. The validation
//! job's document must give the embedded engine's per-rule counts, statuses and row totals for
//! a 12-rule set on `main.sales.customers` and on `main.sales.orders`; the generation job must
//! return rules that DQX's own `validate_checks` accepts.
//!
//! Needs a Python with pyspark and databricks-labs-dqx: `DQX_SPARK_PYTHON` (scripts/test.sh).

use crate::common;

use dqx_manager::engine::evaluate::{EvalOptions, evaluate};
use dqx_manager::model::rules::validate::validate_rule_set;
use serde_json::{Value, json};

fn run_notebook(python: &str, notebook: &str, params: Value, tables: Value) -> Value {
    let warehouse = tempfile::tempdir().unwrap();
    let job = json!({
        // A bare name is one of the bundle's notebooks; a path is the repository's (a test's).
        "notebook": if notebook.contains('/') {
            format!("{}/{notebook}", env!("CARGO_MANIFEST_DIR"))
        } else {
            format!("{}/resources/notebooks/{notebook}", env!("CARGO_MANIFEST_DIR"))
        },
        "params": params,
        "tables": tables,
        "warehouse_dir": warehouse.path().join("w").display().to_string(),
    });
    common::spark::run_notebook_job(python, &job)
}

fn customer_rules() -> Value {
    json!([
        {"name": "email_present", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}},
        {"name": "email_format", "criticality": "warn", "check": {"function": "regex_match", "arguments": {"column": "email", "regex": "^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}$"}}},
        {"name": "customer_id_unique", "criticality": "error", "check": {"function": "is_unique", "arguments": {"columns": ["customer_id"]}}},
        {"name": "lifetime_value_not_negative", "criticality": "error", "check": {"function": "is_not_less_than", "arguments": {"column": "lifetime_value", "limit": 0}}},
        {"name": "ip_valid", "criticality": "warn", "check": {"function": "is_valid_ipv4_address", "arguments": {"column": "ip_address"}}},
        {"name": "signup_not_future", "criticality": "error", "check": {"function": "is_not_in_future", "arguments": {"column": "signup_date"}}},
        {"name": "country_known", "criticality": "warn", "check": {"function": "is_in_list", "arguments": {"column": "country", "allowed": ["'US'", "'DE'", "'FR'", "'GB'", "'JP'"]}}},
        {"name": "full_name_present", "criticality": "error", "check": {"function": "is_not_null_and_not_empty", "arguments": {"column": "full_name"}}},
        {"name": "lifetime_value_range", "criticality": "warn", "check": {"function": "is_in_range", "arguments": {"column": "lifetime_value", "min_limit": 0, "max_limit": 10000}}},
        {"name": "few_customers_per_country", "criticality": "warn", "check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "customer_id", "aggr_type": "count", "group_by": ["country"], "limit": 300}}},
        {"name": "value_expression", "criticality": "error", "check": {"function": "sql_expression", "arguments": {"expression": "lifetime_value IS NULL OR lifetime_value < 50000"}}},
        {"name": "us_email_present", "criticality": "error", "filter": "country = 'US'", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}
    ])
}

fn order_rules() -> Value {
    json!([
        {"name": "status_known", "criticality": "error", "check": {"function": "is_in_list", "arguments": {"column": "status", "allowed": ["'new'", "'paid'", "'shipped'", "'delivered'", "'cancelled'"]}}},
        {"name": "amount_not_negative", "criticality": "error", "check": {"function": "is_not_less_than", "arguments": {"column": "amount", "limit": 0}}},
        {"name": "currency_present", "criticality": "warn", "check": {"function": "is_not_null", "arguments": {"column": "currency"}}},
        {"name": "order_id_unique", "criticality": "error", "check": {"function": "is_unique", "arguments": {"columns": ["order_id"]}}},
        {"name": "customer_present", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "customer_id"}}},
        {"name": "order_ts_not_future", "criticality": "warn", "check": {"function": "is_not_in_future", "arguments": {"column": "order_ts"}}},
        {"name": "amount_range", "criticality": "warn", "check": {"function": "is_in_range", "arguments": {"column": "amount", "min_limit": 0, "max_limit": 5000}}},
        {"name": "amount_total", "criticality": "warn", "check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "amount", "aggr_type": "sum", "group_by": ["currency"], "limit": 1000000}}},
        {"name": "min_amount_per_status", "criticality": "warn", "check": {"function": "is_aggr_not_less_than", "arguments": {"column": "amount", "aggr_type": "min", "group_by": ["status"], "limit": 0}}},
        {"name": "currency_code", "criticality": "error", "check": {"function": "regex_match", "arguments": {"column": "currency", "regex": "^[A-Z]{3}$"}}},
        {"name": "paid_amount_positive", "criticality": "error", "filter": "status = 'paid'", "check": {"function": "sql_expression", "arguments": {"expression": "amount > 0"}}},
        {"name": "status_per_order_unique", "criticality": "warn", "check": {"function": "is_unique", "arguments": {"columns": ["order_id", "status"]}}}
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_validation_job_on_dqx_counts_what_the_embedded_engine_counts() {
    let Some(python) = crate::common::spark::spark_python("the DQX job tests") else {
        return;
    };
    let ctx = common::alice_session().await;
    let root = common::sample_workspace();
    let mut table_lines = Vec::new();
    for (table, rules) in [("customers", customer_rules()), ("orders", order_rules())] {
        let checked = validate_rule_set(&rules, None);
        assert!(checked.is_valid(), "{:?}", checked.problems);
        assert_eq!(checked.rules.len(), 12);
        let local = evaluate(
            &ctx,
            &format!("`main`.`sales`.`{table}`"),
            &format!("main.sales.{table}"),
            &checked.rules,
            &EvalOptions::default(),
        )
        .await
        .unwrap()
        .result;
        let path = root.join("main/sales").join(format!("{table}.parquet"));
        let answer = run_notebook(
            &python,
            "validate_dq_rules.py",
            json!({"table_name": format!("sales.{table}"), "rules": rules.to_string(), "requested_by": "alice@example.com"}),
            json!({format!("sales.{table}"): path.display().to_string()}),
        );
        let doc = &answer["document"];
        assert_eq!(doc["success"], true, "{answer}");
        let totals = |v: &Value| {
            (
                v["total_rows"].as_u64(),
                v["valid_rows"].as_u64(),
                v["invalid_rows"].as_u64(),
                v["rows_with_warnings"].as_u64(),
            )
        };
        let local_json = serde_json::to_value(&local).unwrap();
        assert_eq!(totals(doc), totals(&local_json), "{table}: row totals");
        for rule in &local.rule_results {
            let job_rule = doc["rule_results"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["rule_name"] == rule.rule_name.as_str())
                .unwrap_or_else(|| panic!("{table}: the job has no rule {}", rule.rule_name));
            let status = serde_json::to_value(rule.status).unwrap();
            table_lines.push(format!(
                "| main.sales.{table} | {} | {} | {} | {} | {} |",
                rule.rule_name,
                rule.function,
                rule.violation_count,
                job_rule["violation_count"],
                job_rule["status"]
            ));
            assert_eq!(
                (job_rule["violation_count"].as_u64(), &job_rule["status"]),
                (Some(rule.violation_count), &status),
                "{table}: {} disagrees",
                rule.rule_name
            );
            assert!(
                job_rule["sample_violations"]
                    .as_array()
                    .is_none_or(|s| s.is_empty()),
                "the job's document carries no row values"
            );
        }
    }
    println!(
        "| table | rule | function | embedded engine | DQX job | job status |\n|---|---|---|---|---|---|\n{}",
        table_lines.join("\n")
    );
}

#[test]
fn the_generation_job_returns_rules_dqx_accepts() {
    let Some(python) = crate::common::spark::spark_python("the DQX job tests") else {
        return;
    };
    let path = common::sample_workspace().join("main/sales/customers.parquet");
    let answer = run_notebook(
        &python,
        "generate_dq_rules.py",
        json!({"table_name": "sales.customers", "user_prompt": "emails must be valid", "sample_limit": "1000"}),
        json!({"sales.customers": path.display().to_string()}),
    );
    let rules = answer["document"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!rules.is_empty(), "{answer}");
    assert_eq!(
        answer["validate_checks"]["has_errors"], false,
        "DQX's validate_checks refused the generated rules: {answer}"
    );
    assert_eq!(answer["document"]["metadata"]["row_count"], 1000);
}

/// Issue 41 (3), the proof on DQX 0.17: the hidden expression — a nested comment that
/// the SQL parser ends early, so it sees a string where Spark sees a subquery — does read
/// `hr.employees` when DQX evaluates it (its violation count is a figure of that table), the
/// parser the app once relied on finds no such table in it, and the app never gives it to a
/// job: the job path's allow-list refuses it before anything starts.
#[test]
fn the_hidden_subquery_reads_hr_on_dqx_and_never_reaches_a_job() {
    let Some(python) = crate::common::spark::spark_python("the DQX job tests") else {
        return;
    };
    let hidden = "/* /* */ '*/ CASE WHEN (SELECT count(*) FROM hr.employees WHERE salary > 200000) >= order_id THEN 1 END -- '\nIS NOT NULL";
    let rules = json!([{"name": "oracle", "criticality": "error", "check": {"function": "sql_expression", "arguments": {"expression": hidden}}}]);
    let columns: Vec<String> = [
        "order_id",
        "customer_id",
        "order_ts",
        "status",
        "amount",
        "currency",
    ]
    .map(String::from)
    .to_vec();
    let refusal =
        dqx_manager::model::rules::job_safe::job_refusal(rules.as_array().unwrap(), &columns)
            .unwrap_err();
    assert!(refusal.contains("rule 1 ('oracle')"), "{refusal}");
    let parsed = dqx_manager::engine::references::referenced_tables(&format!(
        "SELECT * FROM c.s.orders WHERE {hidden}"
    ))
    .map(|t| t.iter().map(ToString::to_string).collect::<Vec<_>>());
    assert!(
        parsed
            .as_ref()
            .is_ok_and(|t| !t.iter().any(|n| n.contains("employees"))),
        "the parser was expected to miss the subquery: {parsed:?}"
    );

    let root = common::sample_workspace();
    let answer = run_notebook(
        &python,
        "validate_dq_rules.py",
        json!({"table_name": "sales.orders", "rules": rules.to_string(), "requested_by": "bob@example.com"}),
        json!({
            "sales.orders": root.join("main/sales/orders.parquet").display().to_string(),
            "hr.employees": root.join("main/hr/employees.parquet").display().to_string(),
        }),
    );
    let doc = &answer["document"];
    assert_eq!(doc["success"], true, "{answer}");
    let seen = doc["rule_results"][0]["violation_count"]
        .as_u64()
        .unwrap_or_else(|| panic!("no count: {answer}"));
    let (rich, expected) = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let ctx = common::alice_session().await;
        let rich = count(&ctx, "SELECT count(*) FROM `main`.`hr`.`employees` WHERE salary > 200000".into()).await;
        let failing = count(
            &ctx,
            format!("SELECT count(*) FROM `main`.`sales`.`orders` WHERE order_id IS NULL OR order_id > {rich}"),
        )
        .await;
        (rich, failing)
    });
    assert!(rich > 0, "the sample has salaries over 200,000");
    assert_eq!(
        seen, expected,
        "DQX's count is the orders past the {rich} salaries over 200,000 it read in hr.employees"
    );
}

/// Issue 41, `message_expr`: compiled by the app in the engines that run as the caller, and
/// every violating row carries the message DQX 0.17 gives it — the expression's text, its first
/// 500 characters, on row and dataset checks, under a filter, for a number, NULL where the
/// expression is NULL (empty here) — and an expression that does not resolve skips the rule
/// with DQX's own text. Messages name their rows, so each rule's messages are compared as sets.
#[tokio::test]
async fn message_expr_gives_the_messages_dqx_gives() {
    let Some(python) = crate::common::spark::spark_python("the DQX job tests") else {
        return;
    };
    let rules = json!([
        {"name": "email_present_msg", "criticality": "error", "message_expr": "concat('customer ', customer_id, ' has no email')", "check": {"function": "is_not_null", "arguments": {"column": "email"}}},
        {"name": "long_message", "criticality": "warn", "message_expr": "concat(country, repeat('x', 600))", "check": {"function": "is_in_list", "arguments": {"column": "country", "allowed": ["'US'", "'DE'"]}}},
        {"name": "null_message", "criticality": "warn", "message_expr": "CASE WHEN customer_id % 2 = 0 THEN concat('even ', customer_id) END", "check": {"function": "is_in_list", "arguments": {"column": "country", "allowed": ["'US'"]}}},
        {"name": "numeric_message", "criticality": "error", "message_expr": "customer_id * 10", "check": {"function": "is_in_range", "arguments": {"column": "lifetime_value", "min_limit": 0, "max_limit": 1000}}},
        {"name": "per_country_msg", "criticality": "warn", "message_expr": "concat('too many in ', country)", "check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "customer_id", "aggr_type": "count", "group_by": ["country"], "limit": 10}}},
        {"name": "us_only_msg", "criticality": "error", "filter": "country = 'US'", "message_expr": "concat('US customer ', customer_id)", "check": {"function": "is_not_null", "arguments": {"column": "email"}}},
        {"name": "bad_message", "criticality": "warn", "message_expr": "no_such_column", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}
    ]);
    let checked = validate_rule_set(&rules, None);
    assert!(checked.is_valid(), "{:?}", checked.problems);
    let ctx = common::alice_session().await;
    let local = evaluate(
        &ctx,
        "`main`.`sales`.`customers`",
        "main.sales.customers",
        &checked.rules,
        &EvalOptions {
            collect_rows: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut ours: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for row in local.rows.unwrap_or_default() {
        for item in row.errors.iter().chain(row.warnings.iter()).flatten() {
            ours.entry(item.name.clone())
                .or_default()
                .push(item.message.clone());
        }
    }
    let root = common::sample_workspace();
    let answer = run_notebook(
        &python,
        "tests/spark/row_messages.py",
        json!({"table_name": "sales.customers", "rules": rules.to_string(), "order_by": "customer_id"}),
        json!({"sales.customers": root.join("main/sales/customers.parquet").display().to_string()}),
    );
    let mut theirs: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let rows = answer["document"]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"));
    for row in rows {
        for item in row["errors"]
            .as_array()
            .into_iter()
            .chain(row["warnings"].as_array())
            .flatten()
        {
            let message = item["message"].as_str().unwrap_or_default().to_string();
            theirs
                .entry(item["name"].as_str().unwrap_or_default().to_string())
                .or_default()
                .push(message);
        }
    }
    for rule in rules.as_array().unwrap() {
        let name = rule["name"].as_str().unwrap().to_string();
        let mut mine = ours.remove(&name).unwrap_or_default();
        let mut dqx = theirs.remove(&name).unwrap_or_default();
        mine.sort();
        dqx.sort();
        assert!(
            !dqx.is_empty(),
            "{name}: DQX reports no row; the case tests nothing"
        );
        assert_eq!(mine.len(), dqx.len(), "{name}: rows reported");
        assert_eq!(mine, dqx, "{name}: messages");
    }
    let skipped = &local.result.rule_results[6];
    assert!(
        skipped.message.contains(
            "Check evaluation skipped due to invalid custom message expression: 'no_such_column'"
        ),
        "{skipped:?}"
    );
}

/// One count(*) on the embedded engine.
async fn count(ctx: &datafusion::execution::context::SessionContext, sql: String) -> u64 {
    let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
    let column = batches[0].column(0);
    datafusion::arrow::array::cast::as_primitive_array::<datafusion::arrow::datatypes::Int64Type>(
        column,
    )
    .value(0) as u64
}

/// Issue 30 (1): a run's summary metrics are DQX's. DQX 0.17's own `DQMetricsObserver`, applied
/// with the same 12 rules (filters, aggregates, warnings) to `main.sales.customers`, observes the
/// counts the app derives from its embedded engine's result (rows with errors, with warnings,
/// with neither; per check its errors, warnings, rows checked and fingerprint), and DQX's
/// `OBSERVATION_TABLE_SCHEMA` accepts the app's metric rows unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runs_metrics_are_what_dqxs_observer_observes() {
    use dqx_manager::model::metrics::{RunFacts, RunMetrics, Trigger};
    let Some(python) = crate::common::spark::spark_python("the DQX job tests") else {
        return;
    };
    let rules = customer_rules();
    let checked = validate_rule_set(&rules, None);
    let ctx = common::alice_session().await;
    let local = evaluate(
        &ctx,
        "`main`.`sales`.`customers`",
        "main.sales.customers",
        &checked.rules,
        &EvalOptions::default(),
    )
    .await
    .unwrap()
    .result;
    let ours = RunMetrics::of(&local, &checked.rules);
    let facts = RunFacts {
        run_id: "local-metrics",
        run_time: "2026-12-06T10:00:00Z",
        trigger: Trigger::Manual,
        version: Some(1),
        checks_location: None,
    };
    let rows = ours.rows("sales.customers", &checked.rules, &facts);
    let root = common::sample_workspace();
    let answer = run_notebook(
        &python,
        "tests/spark/observe_metrics.py",
        json!({"table_name": "sales.customers", "rules": rules.to_string(), "rows": serde_json::to_string(&rows).unwrap()}),
        json!({"sales.customers": root.join("main/sales/customers.parquet").display().to_string()}),
    );
    let observed = &answer["document"]["observed"];
    for (name, value) in [
        ("input_row_count", Some(ours.input_row_count)),
        ("error_row_count", Some(ours.error_row_count)),
        ("warning_row_count", ours.warning_row_count),
        ("valid_row_count", Some(ours.valid_row_count)),
    ] {
        assert_eq!(observed[name].as_u64(), value, "{name}: {answer}");
    }
    let theirs: Vec<Value> =
        serde_json::from_str(observed["check_metrics"].as_str().unwrap_or("[]")).unwrap();
    assert_eq!(theirs.len(), ours.check_metrics.len(), "{answer}");
    for (dqx, mine) in theirs.iter().zip(&ours.check_metrics) {
        assert_eq!(dqx["check_name"], mine.check_name.as_str());
        assert_eq!(
            dqx["rule_fingerprint"].as_str(),
            mine.rule_fingerprint.as_deref(),
            "{}",
            mine.check_name
        );
        assert_eq!(
            dqx["error_count"].as_u64(),
            Some(mine.error_count),
            "{}",
            mine.check_name
        );
        assert_eq!(
            dqx["warning_count"].as_u64(),
            Some(mine.warning_count),
            "{}",
            mine.check_name
        );
        if let Some(checked_count) = mine.checked_count {
            assert_eq!(
                dqx["checked_count"].as_u64(),
                Some(checked_count),
                "{}",
                mine.check_name
            );
        }
    }
    let accepted = &answer["document"]["accepted"];
    for row in &rows {
        assert_eq!(
            accepted[&row.metric_name],
            row.metric_value.as_str(),
            "{answer}"
        );
    }
}
