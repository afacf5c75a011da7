//! Running the examples kept with rules, for a table the caller may read: its columns and
//! types read as the caller, the examples run on the embedded engine over inline rows — no
//! table's data is read.

use crate::engine::examples::{examples_of, run_examples_local};
use crate::model::examples::{ExampleOutcome, ExampleRun, RuleExamples};
use crate::model::rules::validate::validate_rule_set;
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::state::AppState;
use serde_json::Value;

fn verdict(passed: bool) -> String {
    if passed { "pass" } else { "fail" }.to_string()
}

/// Runs the examples of `rules` (those that carry some) against `table`'s columns.
pub async fn examples_for(
    state: &AppState,
    caller: &Caller,
    table: &TableName,
    rules: &[Value],
) -> Result<ExampleRun, AppError> {
    let described = state.workspace.describe_table(caller, table).await?;
    let columns: Vec<String> = described.columns.iter().map(|c| c.name.clone()).collect();
    let types: Vec<String> = described
        .columns
        .iter()
        .map(|c| c.data_type.clone())
        .collect();
    let resolved = validate_rule_set(&Value::Array(rules.to_vec()), Some(&columns)).rules;
    let mut run = ExampleRun {
        ran_on: "the embedded engine".into(),
        ..Default::default()
    };
    let mut runnable = Vec::new();
    for rule in resolved {
        match examples_of(&rule.user_metadata) {
            Ok(examples) if examples.is_empty() => {}
            Ok(examples) => runnable.push((rule, examples)),
            Err(e) => run.rules.push(RuleExamples {
                rule_name: rule.name.clone(),
                examples: Vec::new(),
                error: Some(e),
            }),
        }
    }
    if runnable.is_empty() {
        return Ok(run);
    }
    let verdicts = crate::server::runtime::on_query_runtime({
        let runnable = runnable.clone();
        async move { run_examples_local(&columns, &types, &runnable).await }
    })
    .await
    .map_err(|e| AppError::internal("running the rules' examples", e))?;
    for ((rule, examples), outcome) in runnable.into_iter().zip(verdicts) {
        let entry = match outcome {
            Ok(verdicts) => RuleExamples {
                rule_name: rule.name.clone(),
                examples: verdicts
                    .into_iter()
                    .map(|v| ExampleOutcome {
                        row: v.example.row,
                        expected: verdict(v.example.must_pass),
                        got: v.passed.map(verdict),
                    })
                    .collect(),
                error: None,
            },
            Err(e) => RuleExamples {
                rule_name: rule.name.clone(),
                examples: examples
                    .into_iter()
                    .map(|x| ExampleOutcome {
                        row: x.row,
                        expected: verdict(x.must_pass),
                        got: None,
                    })
                    .collect(),
                error: Some(e),
            },
        };
        run.wrong += entry.examples.iter().filter(|e| e.is_wrong()).count();
        run.rules.push(entry);
    }
    Ok(run)
}

/// Refuses when an example gives the wrong verdict, naming the rule and the example.
pub fn refuse_wrong(run: &ExampleRun) -> Result<(), AppError> {
    match run.first_wrong() {
        None => Ok(()),
        Some(what) => Err(AppError::BadRequest(format!(
            "{what}; fix the rule or the example before submitting for review ({} wrong in all)",
            run.wrong
        ))),
    }
}
