//! The change-impact preview on the embedded engine: one fixed sample of the table (its first N
//! rows in file order, read once into memory), the active rules and the new rules evaluated over
//! that same sample, and the two results compared row by row and rule by rule.

use super::evaluate::{EvalError, EvalOptions, Evaluation, evaluate, sample_cell};
use super::sql::{first_line, read_only_options};
use crate::model::results::RowResult;
use crate::model::review::{ImpactPreview, PREVIEW_SAMPLE_ROWS, RuleImpact};
use crate::model::rules::ResolvedRule;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

/// The relation the sample is registered as.
const SAMPLE_TABLE: &str = "__dqx_impact_sample";

/// What to compare.
pub struct ImpactInput<'a> {
    pub table_sql: &'a str,
    pub table_name: &'a str,
    pub version: i32,
    pub against_version: Option<i32>,
    pub before: &'a [ResolvedRule],
    pub after: &'a [ResolvedRule],
    /// Rule name → `added`, `removed`, `changed` (names not listed are unchanged).
    pub changes: &'a BTreeMap<String, String>,
    pub sample_rows: u64,
    pub computed_by: &'a str,
    /// Fixes "now" for time-relative checks (tests); the clock otherwise.
    pub now: Option<String>,
}

/// Reads the sample, evaluates both rule sets over it, and compares them.
pub async fn preview(
    ctx: &SessionContext,
    input: &ImpactInput<'_>,
) -> Result<ImpactPreview, EvalError> {
    let started = Instant::now();
    let batches = read_sample(ctx, input.table_sql, input.table_name, input.sample_rows).await?;
    let options = EvalOptions {
        collect_rows: true,
        now: input.now.clone(),
        ..Default::default()
    };
    let before = evaluate(ctx, SAMPLE_TABLE, input.table_name, input.before, &options).await?;
    let after = evaluate(ctx, SAMPLE_TABLE, input.table_name, input.after, &options).await?;
    let rows = RowValues { batches: &batches };
    let mut preview = compare(input, &before, &after, &rows);
    preview.duration_ms = started.elapsed().as_millis() as u64;
    Ok(preview)
}

/// The first `limit` rows in file order, registered in memory as one partition so every
/// evaluation over it sees the same rows in the same order.
async fn read_sample(
    ctx: &SessionContext,
    table_sql: &str,
    table_name: &str,
    limit: u64,
) -> Result<Vec<RecordBatch>, EvalError> {
    let table_err = |e: datafusion::error::DataFusionError| EvalError::Table {
        table: table_name.to_string(),
        message: first_line(&e.to_string()).to_string(),
    };
    // One partition: a limit over several would take whichever rows came first.
    ctx.sql("SET datafusion.execution.target_partitions = '1'")
        .await
        .map_err(table_err)?;
    let frame = ctx
        .sql_with_options(
            &format!("SELECT * FROM {table_sql} LIMIT {limit}"),
            read_only_options(),
        )
        .await
        .map_err(table_err)?;
    let schema = Arc::new(frame.schema().as_arrow().clone());
    let batches = frame.collect().await.map_err(table_err)?;
    let table = MemTable::try_new(schema, vec![batches.clone()]).map_err(table_err)?;
    ctx.register_table(SAMPLE_TABLE, Arc::new(table))
        .map_err(table_err)?;
    Ok(batches)
}

/// Rows of the sample by position, as text.
pub struct RowValues<'a> {
    pub batches: &'a [RecordBatch],
}

impl RowValues<'_> {
    /// Row `index` (0-based) as column → text (NULL as null), cells cut like other samples.
    pub fn row(&self, index: u64) -> Map<String, Value> {
        let mut offset = index as usize;
        let options = FormatOptions::default();
        for batch in self.batches {
            if offset >= batch.num_rows() {
                offset -= batch.num_rows();
                continue;
            }
            let mut row = Map::new();
            for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
                let value = if column.is_null(offset) {
                    Value::Null
                } else {
                    match ArrayFormatter::try_new(column.as_ref(), &options) {
                        Ok(f) => Value::String(sample_cell(&f.value(offset).to_string())),
                        Err(_) => Value::Null,
                    }
                };
                row.insert(field.name().clone(), value);
            }
            return row;
        }
        Map::new()
    }
}

/// Names a row result flags (errors and warnings), and whether it has an error.
fn flags(row: Option<&RowResult>) -> (BTreeSet<&str>, bool) {
    let Some(row) = row else {
        return (BTreeSet::new(), false);
    };
    let errors = row.errors.as_deref().unwrap_or_default();
    let warnings = row.warnings.as_deref().unwrap_or_default();
    let names = errors
        .iter()
        .chain(warnings)
        .map(|i| i.name.as_str())
        .collect();
    (names, !errors.is_empty())
}

/// The message a row carries for a rule, under an evaluation.
fn message_for(row: Option<&RowResult>, name: &str) -> Option<String> {
    let row = row?;
    row.errors
        .iter()
        .flatten()
        .chain(row.warnings.iter().flatten())
        .find(|i| i.name == name)
        .map(|i| i.message.clone())
}

/// Rows one rule starts flagging, stops flagging, and a few of the first.
type RuleDelta = (u64, u64, Vec<Map<String, Value>>);

/// Compares two evaluations of the same sample.
pub fn compare(
    input: &ImpactInput<'_>,
    before: &Evaluation,
    after: &Evaluation,
    values: &RowValues<'_>,
) -> ImpactPreview {
    let empty = Vec::new();
    let before_rows = before.rows.as_ref().unwrap_or(&empty);
    let after_rows = after.rows.as_ref().unwrap_or(&empty);
    let rows_checked = after.result.total_rows.max(before.result.total_rows);
    let mut names: Vec<String> = Vec::new();
    for r in after
        .result
        .rule_results
        .iter()
        .chain(&before.result.rule_results)
    {
        if !names.contains(&r.rule_name) {
            names.push(r.rule_name.clone());
        }
    }
    let mut per_rule: BTreeMap<&str, RuleDelta> = BTreeMap::new();
    let (mut start, mut stop) = (0u64, 0u64);
    let (mut start_samples, mut stop_samples) = (Vec::new(), Vec::new());
    for index in 0..rows_checked as usize {
        let b = before_rows.get(index);
        let a = after_rows.get(index);
        let (b_names, b_error) = flags(b);
        let (a_names, a_error) = flags(a);
        if a_error && !b_error {
            start += 1;
            if start_samples.len() < PREVIEW_SAMPLE_ROWS {
                start_samples.push(values.row(index as u64));
            }
        }
        if b_error && !a_error {
            stop += 1;
            if stop_samples.len() < PREVIEW_SAMPLE_ROWS {
                stop_samples.push(values.row(index as u64));
            }
        }
        for name in a_names.difference(&b_names) {
            let entry = per_rule.entry(name).or_default();
            entry.0 += 1;
            if entry.2.len() < PREVIEW_SAMPLE_ROWS {
                let mut row = values.row(index as u64);
                if let Some(message) = message_for(a, name) {
                    row.insert("_message".into(), Value::String(sample_cell(&message)));
                }
                entry.2.push(row);
            }
        }
        for name in b_names.difference(&a_names) {
            per_rule.entry(name).or_default().1 += 1;
        }
    }
    let rules = names
        .iter()
        .map(|name| {
            let find = |e: &Evaluation| {
                e.result
                    .rule_results
                    .iter()
                    .find(|r| &r.rule_name == name)
                    .cloned()
            };
            let (b, a) = (find(before), find(after));
            let (start, stop, samples) = per_rule.remove(name.as_str()).unwrap_or_default();
            let skipped = [&a, &b].into_iter().flatten().find_map(|r| {
                (r.status == crate::model::results::RuleStatus::Error).then(|| r.message.clone())
            });
            RuleImpact {
                rule_name: name.clone(),
                change: input
                    .changes
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| "unchanged".into()),
                violations_before: b.map(|r| r.violation_count),
                violations_after: a.map(|r| r.violation_count),
                rows_start_failing: start,
                rows_stop_failing: stop,
                samples,
                skipped,
            }
        })
        .collect();
    ImpactPreview {
        table_name: input.table_name.to_string(),
        version: input.version,
        against_version: input.against_version,
        sample_rows: input.sample_rows,
        rows_checked,
        sample: format!(
            "up to the first {} rows of {} in storage order, read as {}",
            crate::model::words::count(input.sample_rows),
            input.table_name,
            input.computed_by
        ),
        invalid_before: before.result.invalid_rows,
        invalid_after: after.result.invalid_rows,
        pass_rate_before: before.result.pass_rate,
        pass_rate_after: after.result.pass_rate,
        rows_start_failing: start,
        rows_stop_failing: stop,
        start_failing_samples: start_samples,
        stop_failing_samples: stop_samples,
        rules,
        computed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        computed_by: input.computed_by.to_string(),
        duration_ms: 0,
        reads: None,
    }
}
