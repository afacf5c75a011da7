//! Running rule sets in the embedded engine over hand-made in-memory tables, and reading the
//! answers back: the known-answer suites' shared set-up.

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;
use dqx_manager::engine::evaluate::{EvalOptions, evaluate};
use dqx_manager::model::results::ValidationResult;
use dqx_manager::model::rules::validate::validate_rule_set;
use serde_json::Value;
use std::sync::Arc;

/// `ctx` with one in-memory table more, `name`, of these columns.
pub fn add_table(ctx: &SessionContext, name: &str, fields: Vec<Field>, arrays: Vec<ArrayRef>) {
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays).expect("a consistent batch");
    ctx.register_table(
        name,
        Arc::new(MemTable::try_new(schema, vec![vec![batch]]).expect("a memory table")),
    )
    .expect("registering the table");
}

/// Validates `rules` (they must be valid) and runs them over `table` in `ctx`, at `now` if given.
pub async fn evaluate_rules(
    ctx: &SessionContext,
    table: &str,
    rules: &Value,
    now: Option<&str>,
) -> ValidationResult {
    let validation = validate_rule_set(rules, None);
    assert!(validation.is_valid(), "{:?}", validation.problems);
    let options = EvalOptions {
        now: now.map(str::to_string),
        ..Default::default()
    };
    evaluate(ctx, table, table, &validation.rules, &options)
        .await
        .expect("the evaluation")
        .result
}

/// Each rule's violation count, in rule order.
pub fn counts(result: &ValidationResult) -> Vec<u64> {
    result
        .rule_results
        .iter()
        .map(|r| r.violation_count)
        .collect()
}

/// Each rule's name, in rule order.
pub fn names(result: &ValidationResult) -> Vec<&str> {
    result
        .rule_results
        .iter()
        .map(|r| r.rule_name.as_str())
        .collect()
}

/// The message of rule `rule`'s first sample violation.
pub fn first_message(result: &ValidationResult, rule: usize) -> Option<&str> {
    result.rule_results[rule].sample_violations[0]["_message"].as_str()
}
