//! Rules that prove themselves, on the embedded engine: each rule's examples (JSON text in
//! `user_metadata.examples`) run through the rule's own SQL over an inline relation; a wrong
//! example is told from a right one; an object in user_metadata is refused as DQX would fail.

use dqx_manager::engine::examples::{examples_of, run_examples_local};
use dqx_manager::model::rules::validate::validate_rule_set;
use serde_json::{Value, json};

fn rule(name: &str, function: &str, arguments: Value, examples: Value) -> Value {
    json!({"name": name, "criticality": "error", "check": {"function": function, "arguments": arguments},
        "user_metadata": {"source": "prompt", "examples": examples.to_string()}})
}

#[tokio::test]
async fn examples_give_their_verdicts_and_a_wrong_one_is_told_apart() {
    let columns: Vec<String> = ["order_id", "order_ts", "status", "amount", "currency"]
        .map(String::from)
        .to_vec();
    let types: Vec<String> = ["bigint", "timestamp", "string", "double", "string"]
        .map(String::from)
        .to_vec();
    let rules = json!([
        rule(
            "currency_is_null",
            "is_not_null",
            json!({"column": "currency"}),
            json!({"pass": [{"currency": "EUR"}], "fail": [{"currency": null}, {}]})
        ),
        rule(
            "amount_in_range",
            "is_in_range",
            json!({"column": "amount", "min_limit": 0, "max_limit": 100}),
            // The last "pass" example is wrong: -1 is below the range.
            json!({"pass": [{"amount": 50}, {"amount": -1}], "fail": [{"amount": 150.5}]})
        ),
        rule(
            "status_other_value",
            "is_in_list",
            json!({"column": "status", "allowed": ["'new'", "'paid'"]}),
            json!({"pass": [{"status": "new"}], "fail": [{"status": "bogus"}]})
        ),
        rule(
            "ts_in_future",
            "is_not_in_future",
            json!({"column": "order_ts", "offset": 0}),
            json!({"pass": [{"order_ts": "2024-03-14 10:00:00"}], "fail": [{"order_ts": "2999-01-01 00:00:00"}]})
        ),
    ]);
    let checked = validate_rule_set(&rules, Some(&columns));
    assert!(checked.is_valid(), "{:?}", checked.problems);
    let with_examples: Vec<_> = checked
        .rules
        .iter()
        .map(|r| (r.clone(), examples_of(&r.user_metadata).unwrap()))
        .collect();
    let verdicts = run_examples_local(&columns, &types, &with_examples).await;
    let got: Vec<Vec<(bool, Option<bool>)>> = verdicts
        .into_iter()
        .map(|v| {
            v.unwrap()
                .into_iter()
                .map(|x| (x.example.must_pass, x.passed))
                .collect()
        })
        .collect();
    assert_eq!(
        got[0],
        [
            (true, Some(true)),
            (false, Some(false)),
            (false, Some(false))
        ]
    );
    assert_eq!(
        got[1],
        [
            (true, Some(true)),
            (true, Some(false)),
            (false, Some(false))
        ]
    );
    assert_eq!(got[2], [(true, Some(true)), (false, Some(false))]);
    assert_eq!(got[3], [(true, Some(true)), (false, Some(false))]);
}

#[test]
fn examples_as_an_object_in_user_metadata_are_refused_as_dqx_would_fail() {
    let rules = json!([{"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "c"}},
        "user_metadata": {"examples": {"pass": [{"c": 1}]}}}]);
    let checked = validate_rule_set(&rules, None);
    let problem = checked.errors().next().expect("an error");
    assert_eq!(problem.field, "user_metadata.examples");
    assert!(problem.message.contains("JSON text"), "{}", problem.message);
}

/// Over HTTP: `run_examples` reports each example's verdict; a version whose rule lets through
/// its own "fail" example cannot be submitted for review, and the refusal names the rule and the
/// example; once the example is right the version is submitted.
#[tokio::test]
async fn a_rule_with_a_wrong_example_blocks_submit() {
    use crate::common::http::{ALICE, app, call};
    use axum::http::StatusCode;
    let (app, _dir) = app().await;
    let table = "main.sales.orders";
    // The "fail" example is negative, but the limit is -10: the rule lets it through.
    let wrong = json!([rule(
        "amount_not_negative",
        "is_not_less_than",
        json!({"column": "amount", "limit": -10}),
        json!({"pass": [{"amount": 3}], "fail": [{"amount": -5}]})
    )]);
    let ran = call(
        &app,
        "/api/run_examples",
        &ALICE,
        json!({"table": table, "rules": wrong}),
    )
    .await;
    assert_eq!(ran.status, StatusCode::OK, "{}", ran.text);
    assert_eq!(ran.body["wrong"], 1, "{}", ran.text);
    assert_eq!(ran.body["rules"][0]["examples"][1]["expected"], "fail");
    assert_eq!(ran.body["rules"][0]["examples"][1]["got"], "pass");

    let saved = call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": table, "rules": wrong}),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let version = saved.body["version"].as_i64().unwrap();
    let refused = call(
        &app,
        "/api/submit_rule_set",
        &ALICE,
        json!({"table": table, "version": version}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(
        refused.text.contains("amount_not_negative") && refused.text.contains("-5"),
        "{}",
        refused.text
    );

    let right = json!([rule(
        "amount_not_negative",
        "is_not_less_than",
        json!({"column": "amount", "limit": 0}),
        json!({"pass": [{"amount": 3}], "fail": [{"amount": -5}]})
    )]);
    let saved = call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": table, "rules": right}),
    )
    .await;
    let version = saved.body["version"].as_i64().unwrap();
    let submitted = call(
        &app,
        "/api/submit_rule_set",
        &ALICE,
        json!({"table": table, "version": version}),
    )
    .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
}

/// Where no review applies a save is active at once, so a wrong example refuses the save itself
/// (naming the rule and the example) and nothing is saved; a right one saves.
#[tokio::test]
async fn without_review_a_wrong_example_refuses_the_save() {
    use crate::common::http::{ALICE, app_without_review, call};
    use axum::http::StatusCode;
    let (app, _dir) = app_without_review().await;
    let table = "main.sales.orders";
    let with_limit = |limit: i64| {
        json!([rule(
            "amount_not_negative",
            "is_not_less_than",
            json!({"column": "amount", "limit": limit}),
            json!({"pass": [{"amount": 3}], "fail": [{"amount": -5}]})
        )])
    };
    let refused = call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": table, "rules": with_limit(-10)}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(
        refused.text.contains("amount_not_negative")
            && refused.text.contains("-5")
            && refused.text.contains("active version"),
        "{}",
        refused.text
    );
    let history = call(&app, "/api/rule_history", &ALICE, json!({"table": table})).await;
    assert_eq!(
        history.body,
        json!([]),
        "nothing was saved: {}",
        history.text
    );

    let saved = call(
        &app,
        "/api/save_rule_set",
        &ALICE,
        json!({"table": table, "rules": with_limit(0)}),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(saved.body["is_active"], true, "{}", saved.text);
}

/// Every example generation proposes gives its expected verdict on the embedded engine, on the
/// four sample tables.
#[tokio::test]
async fn every_generated_example_gives_its_expected_verdict() {
    use dqx_manager::engine::generate::GeneratorOptions;
    use dqx_manager::engine::generation::generation_result;
    use dqx_manager::engine::profile::profile_table;
    let ctx = crate::common::alice_session().await;
    let mut total = 0;
    for table in [
        "main.sales.customers",
        "main.sales.orders",
        "main.hr.employees",
        "finance.ledger.transactions",
    ] {
        let profile = profile_table(&ctx, table, table, Some(10_000))
            .await
            .unwrap();
        let generated = generation_result(
            &profile,
            "emails must be valid, ids unique",
            &GeneratorOptions::default(),
        );
        let columns: Vec<String> = profile.columns.iter().map(|c| c.name.clone()).collect();
        let types: Vec<String> = profile
            .columns
            .iter()
            .map(|c| c.data_type.clone())
            .collect();
        let checked = validate_rule_set(&Value::Array(generated.rules.clone()), Some(&columns));
        assert!(checked.is_valid(), "{:?}", checked.problems);
        let with_examples: Vec<_> = checked
            .rules
            .iter()
            .map(|r| (r.clone(), examples_of(&r.user_metadata).unwrap()))
            .filter(|(_, e)| !e.is_empty())
            .collect();
        assert!(
            with_examples.len() >= 3,
            "{table}: {} rules with examples",
            with_examples.len()
        );
        let verdicts = run_examples_local(&columns, &types, &with_examples).await;
        for ((rule, _), verdict) in with_examples.iter().zip(verdicts) {
            let verdict = verdict.unwrap_or_else(|e| panic!("{table} {}: {e}", rule.name));
            for v in verdict {
                total += 1;
                assert_eq!(
                    v.passed,
                    Some(v.example.must_pass),
                    "{table} {}: {:?}",
                    rule.name,
                    v.example
                );
            }
        }
    }
    assert!(total >= 40, "{total} examples");
}

/// The generated examples of main.sales.orders and main.sales.customers give the same verdicts
/// on real Spark with DQX 0.17 as expected (and as on the embedded engine).
#[tokio::test]
async fn generated_examples_give_their_verdicts_on_spark_too() {
    use dqx_manager::engine::generate::GeneratorOptions;
    use dqx_manager::engine::generation::generation_result;
    use dqx_manager::engine::profile::profile_table;
    let Some(python) = crate::common::spark::spark_python("the generated examples on Spark") else {
        return;
    };
    let ctx = crate::common::alice_session().await;
    for table in ["main.sales.orders", "main.sales.customers"] {
        let profile = profile_table(&ctx, table, table, Some(10_000))
            .await
            .unwrap();
        let generated = generation_result(&profile, "", &GeneratorOptions::default());
        let columns: Vec<(String, String)> = profile
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.data_type.clone()))
            .collect();
        let mut cases = Vec::new();
        let mut expected = Vec::new();
        for rule in &generated.rules {
            let Some(text) = rule
                .pointer("/user_metadata/examples")
                .and_then(Value::as_str)
            else {
                continue;
            };
            let examples: Value = serde_json::from_str(text).unwrap();
            let pass = examples["pass"].as_array().unwrap();
            let fail = examples["fail"].as_array().unwrap();
            let rows: Vec<Value> = pass.iter().chain(fail).cloned().collect();
            expected.push(
                std::iter::repeat_n(true, pass.len())
                    .chain(std::iter::repeat_n(false, fail.len()))
                    .collect::<Vec<bool>>(),
            );
            cases.push(json!({"rule": rule, "rows": rows}));
        }
        assert!(
            cases.len() >= 5,
            "{table}: {} rules with examples",
            cases.len()
        );
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("examples.json");
        std::fs::write(
            &input,
            json!({"columns": columns, "cases": cases}).to_string(),
        )
        .unwrap();
        let answer = crate::common::spark::run_json(
            &python,
            crate::common::spark::script("run_examples.py"),
            &[input.as_os_str()],
        );
        let got: Vec<Vec<bool>> = serde_json::from_value(answer["passed"].clone()).unwrap();
        for ((case, want), got) in cases.iter().zip(&expected).zip(&got) {
            assert_eq!(want, got, "{table} {}", case["rule"]["name"]);
        }

        // The app's own Spark statement (what a workspace runs on the warehouse as the caller)
        // gives the same verdicts, all rules in one statement.
        let resolved = dqx_manager::model::rules::validate::validate_rule_set(
            &Value::Array(generated.rules.clone()),
            None,
        )
        .rules;
        let runnable: Vec<_> = resolved
            .into_iter()
            .filter_map(|r| {
                let examples = dqx_manager::engine::examples::examples_of(&r.user_metadata).ok()?;
                (!examples.is_empty()).then_some((r, examples))
            })
            .collect();
        let (names, types): (Vec<String>, Vec<String>) = columns.iter().cloned().unzip();
        let on_spark = dqx_manager::engine::examples::run_examples(
            &crate::common::spark::SparkText(python.clone()),
            dqx_manager::engine::sql::Dialect::Spark,
            &names,
            &types,
            &runnable,
        )
        .await;
        assert_eq!(on_spark.len(), expected.len());
        for (((rule, _), want), got) in runnable.iter().zip(&expected).zip(on_spark) {
            let got: Vec<bool> = got
                .unwrap_or_else(|e| panic!("{table} {}: {e}", rule.name))
                .iter()
                .map(|v| v.passed.unwrap_or_else(|| panic!("{table} {}", rule.name)))
                .collect();
            assert_eq!(want, &got, "{table} {} on the app's Spark SQL", rule.name);
        }
    }
}

/// In a workspace the examples also run on the warehouse as the caller, all rules in one
/// statement with no table read, and the warehouse's verdict counts: this fake warehouse passes
/// every example, so the "fail" example it lets through is wrong there even though the embedded
/// engine fails it, and the answer says which engine disagreed.
#[tokio::test]
async fn in_a_workspace_the_warehouse_verdicts_count_as_the_callers() {
    use crate::common::fake_workspace::{WS_ALICE as alice, app_on_fake};
    use crate::common::http::call;
    use axum::http::StatusCode;
    let (app, fake, _dir) = app_on_fake(&[]).await;
    let rules = json!([
        rule(
            "email_is_null",
            "is_not_null",
            json!({"column": "email"}),
            json!({"pass": [{"email": "a@b.c"}], "fail": [{"email": null}]})
        ),
        rule(
            "id_is_null",
            "is_not_null",
            json!({"column": "customer_id"}),
            json!({"pass": [{"customer_id": 7}]})
        ),
    ]);
    let ran = call(
        &app,
        "/api/run_examples",
        &alice,
        json!({"table": "main.sales.customers", "rules": rules}),
    )
    .await;
    assert_eq!(ran.status, StatusCode::OK, "{}", ran.text);
    assert_eq!(
        ran.body["ran_on"],
        "the embedded engine and SQL warehouse wh-1, as you"
    );
    let email = &ran.body["rules"][0]["examples"];
    assert_eq!(email[0]["got"], "pass");
    assert_eq!(email[0]["on_warehouse"], "pass");
    assert_eq!(email[1]["got"], "fail");
    assert_eq!(email[1]["on_warehouse"], "pass");
    assert_eq!(ran.body["rules"][1]["examples"][0]["on_warehouse"], "pass");
    assert_eq!(ran.body["wrong"], 1, "{}", ran.text);

    let statements = fake.statements.lock().unwrap().clone();
    assert_eq!(
        statements.len(),
        1,
        "one statement for all rules: {statements:?}"
    );
    assert!(
        !statements[0].0.contains("`main`.`sales`.`customers`"),
        "no table is read: {}",
        statements[0].0
    );
    for (what, token) in fake.calls() {
        assert_eq!(token, "alice-token", "{what} was not sent as alice");
    }
}
