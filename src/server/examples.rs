//! Running the examples kept with rules, for a table the caller may see: its columns and types
//! read as the caller, the examples run on the embedded engine over inline rows and, in a
//! workspace, on the warehouse as the caller too — no table's data is read.

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

/// One engine's verdicts on a rule's `count` examples in words (`None` where it gave none), or
/// why it could not run them.
fn verdict_words(
    outcome: &Result<Vec<crate::engine::examples::Verdict>, String>,
    count: usize,
) -> (Vec<Option<String>>, Option<String>) {
    match outcome {
        Ok(verdicts) => (
            verdicts.iter().map(|v| v.passed.map(verdict)).collect(),
            None,
        ),
        Err(e) => (vec![None; count], Some(e.clone())),
    }
}

/// Runs the examples of `rules` (those that carry some) against `table`'s columns.
pub async fn examples_for(
    state: &AppState,
    caller: &Caller,
    table: &TableName,
    rules: &[Value],
) -> Result<ExampleRun, AppError> {
    // The columns only (Unity Catalog metadata in a workspace): no row is read.
    let described = state.workspace.columns(caller, table).await?;
    let columns: Vec<String> = described.iter().map(|c| c.name.clone()).collect();
    let types: Vec<String> = described.iter().map(|c| c.data_type.clone()).collect();
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
    let here = crate::server::runtime::on_query_runtime({
        let runnable = runnable.clone();
        let (columns, types) = (columns.clone(), types.clone());
        async move { run_examples_local(&columns, &types, &runnable).await }
    })
    .await
    .map_err(|e| AppError::internal("running the rules' examples", e))?;
    let there = state
        .workspace
        .run_examples(caller, &columns, &types, &runnable)
        .await?;
    let mut there_verdicts = Vec::new();
    if let Some((ran_on, verdicts)) = there {
        run.ran_on = format!("the embedded engine and {ran_on}");
        there_verdicts = verdicts;
    }
    for (i, ((rule, examples), outcome)) in runnable.into_iter().zip(here).enumerate() {
        let (on_warehouse, warehouse_error) = match there_verdicts.get(i) {
            None => (vec![None; examples.len()], None),
            Some(there) => verdict_words(there, examples.len()),
        };
        let warehouse_error = warehouse_error.map(|e| format!("on the warehouse: {e}"));
        let (got, error) = verdict_words(&outcome, examples.len());
        let entry = RuleExamples {
            rule_name: rule.name.clone(),
            examples: examples
                .into_iter()
                .zip(got)
                .zip(on_warehouse)
                .map(|((x, got), on_warehouse)| ExampleOutcome {
                    row: x.row,
                    expected: verdict(x.must_pass),
                    got,
                    on_warehouse,
                })
                .collect(),
            error: error.or(warehouse_error),
        };
        run.wrong += entry.examples.iter().filter(|e| e.is_wrong()).count();
        run.rules.push(entry);
    }
    Ok(run)
}

/// Refuses `doing` ("submitting for review") when an example gives the wrong verdict, naming
/// the rule and the example.
pub fn refuse_wrong(run: &ExampleRun, doing: &str) -> Result<(), AppError> {
    match run.first_wrong() {
        None => Ok(()),
        Some(what) => Err(AppError::BadRequest(format!(
            "{what}; fix the rule or the example before {doing} ({} wrong in all)",
            run.wrong
        ))),
    }
}
