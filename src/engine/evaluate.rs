//! One-pass evaluation: every rule of a set becomes one message column of a single query over the
//! table (dataset-level checks join in their per-key or whole-table aggregates), and the result is
//! streamed once to count violations per rule name, split valid/invalid rows and keep samples.

use super::compile::{
    CompileContext, Join, Layer, RefShape, References, Skip, compile, invalid_custom_message,
    joined_from, layered_base, reference_names, reference_table,
};
use super::sql::{Dialect, first_line, read_only_options};
use crate::model::results::{CheckResultItem, RowResult, RuleResult, RuleStatus, ValidationResult};
use crate::model::rules::validate::looks_like_iso_date_or_time;
use crate::model::rules::{Criticality, ResolvedRule};
use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::kernels::boolean::{and_not, or};
use datafusion::arrow::compute::{cast, is_not_null};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::execution::context::SessionContext;
use futures::StreamExt;
use serde_json::{Map, Value};
use std::time::Instant;

/// Violating rows kept per rule.
pub const SAMPLE_ROWS_PER_RULE: usize = 10;

/// Characters of one value kept in a sample row (and of a message); longer ones are cut, so a
/// table of huge text values cannot make a result (or a response) huge.
pub const SAMPLE_CELL_CHARS: usize = 1_000;

/// `text`, cut to `SAMPLE_CELL_CHARS` characters with an ellipsis.
pub fn sample_cell(text: &str) -> String {
    match text.char_indices().nth(SAMPLE_CELL_CHARS) {
        None => text.to_string(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

/// How to evaluate.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// Fixes "now" for time-relative checks (ISO date-time, UTC).
    pub now: Option<String>,
    /// Also return every row's `_errors` / `_warnings`, in input order.
    pub collect_rows: bool,
    /// Counts rows as they are checked, for a progress display.
    pub rows_done: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

/// The outcome of one evaluation.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub result: ValidationResult,
    pub rows: Option<Vec<RowResult>>,
}

/// A failure of the evaluation as a whole (not of a rule: rules that cannot run are reported in
/// their result, as DQX reports skipped checks).
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("invalid --now value '{0}': expected an ISO date-time such as 2025-01-31T12:00:00")]
    BadNow(String),
    #[error("reading table {table}: {message}")]
    Table { table: String, message: String },
    #[error("evaluating the rules: {0}")]
    Query(String),
}

struct PlacedRule<'a> {
    rule: &'a ResolvedRule,
    column_sql: String,
    joins: Vec<Join>,
    layers: Vec<Layer>,
    skipped: Option<String>,
}

/// Column names and Unity Catalog type names of a relation's schema.
fn shape_of(fields: &datafusion::arrow::datatypes::Fields) -> RefShape {
    RefShape {
        columns: fields.iter().map(|f| f.name().clone()).collect(),
        types: fields
            .iter()
            .map(|f| super::types::uc_type_name(f.data_type()))
            .collect(),
    }
}

/// The columns of every reference relation the rules compare against, read from the session
/// (`SELECT * ... LIMIT 0`); one that cannot be read keeps the reason.
pub async fn read_references(ctx: &SessionContext, rules: &[ResolvedRule]) -> References {
    let mut references = References::new();
    for name in rules.iter().flat_map(reference_names) {
        if references.contains_key(&name) {
            continue;
        }
        let shape = match reference_table(&name) {
            Err(Skip(message)) => Err(message),
            Ok(sql) => match ctx
                .sql_with_options(&format!("SELECT * FROM {sql} LIMIT 0"), read_only_options())
                .await
            {
                Ok(frame) => Ok(shape_of(frame.schema().fields())),
                Err(e) => Err(first_line(&e.to_string()).to_string()),
            },
        };
        references.insert(name, shape);
    }
    references
}

/// Evaluates `rules` over `table_sql` (a table reference the session can read) in one query.
pub async fn evaluate(
    ctx: &SessionContext,
    table_sql: &str,
    table_name: &str,
    rules: &[ResolvedRule],
    options: &EvalOptions,
) -> Result<Evaluation, EvalError> {
    let started = Instant::now();
    super::udf::register(ctx);
    let now = now_sql(options.now.as_deref())?;
    let schema_frame = ctx
        .sql_with_options(
            &format!("SELECT * FROM {table_sql} LIMIT 0"),
            read_only_options(),
        )
        .await
        .map_err(|e| EvalError::Table {
            table: table_name.to_string(),
            message: first_line(&e.to_string()).to_string(),
        })?;
    let fields = schema_frame.schema().fields();
    let RefShape {
        columns,
        types: column_types,
    } = shape_of(fields);
    let nullable: Vec<bool> = fields.iter().map(|f| f.is_nullable()).collect();
    let references = read_references(ctx, rules).await;

    let mut placed = Vec::with_capacity(rules.len());
    for (id, rule) in rules.iter().enumerate() {
        let cx = CompileContext {
            dialect: Dialect::DataFusion,
            table_sql,
            columns: &columns,
            column_types: &column_types,
            nullable: &nullable,
            now: now.clone(),
            id,
            references: &references,
        };
        placed.push(place(ctx, rule, &cx).await);
    }
    let query = one_pass_query(table_sql, &columns, &placed, options.collect_rows);
    tracing::debug!(%query, "one-pass validation query");
    let tally = tally_rows(ctx, &query, &placed, options).await?;
    Ok(tally.finish(&placed, table_name, started))
}

/// The SQL for "now": the given ISO date or time as a timestamp, else the session's `now()`.
fn now_sql(now: Option<&str>) -> Result<String, EvalError> {
    match now {
        Some(text) if looks_like_iso_date_or_time(text.trim()) => Ok(format!(
            "CAST({} AS TIMESTAMP)",
            Dialect::DataFusion.literal(&text.trim().replace('T', " "))
        )),
        Some(text) => Err(EvalError::BadNow(text.to_string())),
        None => Ok("now()".to_string()),
    }
}

/// A rule compiled to its message column and planned on its own first, so one bad rule is
/// reported as skipped instead of failing the whole run.
async fn place<'a>(
    ctx: &SessionContext,
    rule: &'a ResolvedRule,
    cx: &CompileContext<'_>,
) -> PlacedRule<'a> {
    match planned(ctx, rule, cx).await {
        Ok((column_sql, joins, layers)) => PlacedRule {
            rule,
            column_sql,
            joins,
            layers,
            skipped: None,
        },
        Err(Skip(message)) => PlacedRule {
            rule,
            column_sql: cx.dialect.literal(&message),
            joins: Vec::new(),
            layers: Vec::new(),
            skipped: Some(message),
        },
    }
}

/// The rule's guarded message column, its joins and layers, once a query using them plans.
async fn planned(
    ctx: &SessionContext,
    rule: &ResolvedRule,
    cx: &CompileContext<'_>,
) -> Result<(String, Vec<Join>, Vec<Layer>), Skip> {
    let compiled = compile(rule, cx)?;
    let guarded = match &rule.filter {
        Some(f) => format!("({f}) AND ({})", compiled.condition),
        None => format!("({})", compiled.condition),
    };
    let column_sql = format!("CASE WHEN {guarded} THEN {} END", compiled.message);
    let layers: Vec<&Layer> = compiled.layers.iter().collect();
    let base = layered_base(cx.table_sql, "", cx.columns, &layers);
    let joins: Vec<&Join> = compiled.joins.iter().collect();
    let probe = format!(
        "SELECT {column_sql} FROM {} LIMIT 0",
        joined_from(&base, &joins)
    );
    if let Err(e) = ctx.sql_with_options(&probe, read_only_options()).await {
        return Err(Skip(match &rule.message_expr {
            Some(expr) if !message_resolves(ctx, &base, expr).await => invalid_custom_message(expr),
            _ => format!("Check evaluation skipped: {}", first_line(&e.to_string())),
        }));
    }
    Ok((column_sql, compiled.joins, compiled.layers))
}

/// Whether a rule's `message_expr` resolves against the checked rows (DQX skips the rule with
/// its own text when it does not).
async fn message_resolves(ctx: &SessionContext, base: &str, expr: &str) -> bool {
    ctx.sql_with_options(
        &format!("SELECT ({expr}) FROM {base} LIMIT 0"),
        read_only_options(),
    )
    .await
    .is_ok()
}

/// The one query: every row with each rule's message (NULL where it passes), over the table
/// with every rule's layers and joins; numbered and in order when rows are collected.
fn one_pass_query(
    table_sql: &str,
    columns: &[String],
    placed: &[PlacedRule<'_>],
    collect_rows: bool,
) -> String {
    let row_number = if collect_rows {
        ", row_number() OVER () - 1 AS __dqx_row"
    } else {
        ""
    };
    let selected: String = placed
        .iter()
        .enumerate()
        .map(|(i, p)| format!(", {} AS __dqx_r{i}", p.column_sql))
        .collect();
    let joins: Vec<&Join> = placed.iter().flat_map(|p| p.joins.iter()).collect();
    let layers: Vec<&Layer> = placed.iter().flat_map(|p| p.layers.iter()).collect();
    let mut base_columns = columns.to_vec();
    if collect_rows {
        base_columns.push("__dqx_row".into());
    }
    let base = layered_base(table_sql, row_number, &base_columns, &layers);
    let mut query = format!(
        "SELECT __dqx_base.*{selected} FROM {}",
        joined_from(&base, &joins)
    );
    if collect_rows {
        query.push_str(" ORDER BY __dqx_row");
    }
    query
}

/// Runs the query and streams its batches once into the per-rule tally.
async fn tally_rows(
    ctx: &SessionContext,
    query: &str,
    placed: &[PlacedRule<'_>],
    options: &EvalOptions,
) -> Result<Tally, EvalError> {
    let failed = |e: datafusion::error::DataFusionError| EvalError::Query(format!("{e:?}"));
    let frame = ctx
        .sql_with_options(query, read_only_options())
        .await
        .map_err(failed)?;
    let mut stream = frame.execute_stream().await.map_err(failed)?;
    let mut tally = Tally::new(placed, options.collect_rows);
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(failed)?;
        if let Some(done) = &options.rows_done {
            done.fetch_add(
                batch.num_rows() as u64,
                std::sync::atomic::Ordering::Relaxed,
            );
        }
        tally
            .add(&batch, placed)
            .map_err(|e| EvalError::Query(format!("{e:?}")))?;
    }
    Ok(tally)
}

struct Tally {
    total_rows: u64,
    invalid_rows: u64,
    warning_rows: u64,
    any_warning_rows: u64,
    counts: Vec<u64>,
    samples: Vec<Vec<Map<String, Value>>>,
    rows: Option<Vec<RowResult>>,
}

impl Tally {
    fn new(placed: &[PlacedRule<'_>], collect_rows: bool) -> Self {
        Self {
            total_rows: 0,
            invalid_rows: 0,
            warning_rows: 0,
            any_warning_rows: 0,
            counts: vec![0; placed.len()],
            samples: vec![Vec::new(); placed.len()],
            rows: collect_rows.then(Vec::new),
        }
    }

    fn add(&mut self, batch: &RecordBatch, placed: &[PlacedRule<'_>]) -> Result<(), ArrowError> {
        let n_rules = placed.len();
        let n_rows = batch.num_rows();
        let n_base = batch.num_columns() - n_rules;
        let message_arrays = (0..n_rules)
            .map(|i| {
                let column = batch.column(n_base + i);
                if column.data_type() == &DataType::Utf8 {
                    Ok(column.clone())
                } else {
                    cast(column, &DataType::Utf8)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let messages: Vec<_> = message_arrays
            .iter()
            .map(|a| a.as_string::<i32>())
            .collect();

        // Counts and the valid/invalid split, a column at a time.
        let mut any_error: Option<BooleanArray> = None;
        let mut any_warning: Option<BooleanArray> = None;
        for (i, p) in placed.iter().enumerate() {
            let violated = messages[i].len() - messages[i].null_count();
            if violated == 0 {
                continue;
            }
            self.counts[i] += violated as u64;
            let flags = is_not_null(messages[i])?;
            let slot = match p.rule.criticality {
                Criticality::Error => &mut any_error,
                Criticality::Warn => &mut any_warning,
            };
            *slot = Some(match slot.take() {
                None => flags,
                Some(acc) => or(&acc, &flags)?,
            });
        }
        let error_rows = any_error.as_ref().map_or(0, BooleanArray::true_count);
        self.invalid_rows += error_rows as u64;
        if let Some(warn) = &any_warning {
            self.any_warning_rows += warn.true_count() as u64;
            let warn_only = match &any_error {
                Some(err) => and_not(warn, err)?.true_count(),
                None => warn.true_count(),
            };
            self.warning_rows += warn_only as u64;
        }

        // Samples: only rules still short of their quota look at rows, and stop when full.
        let schema = batch.schema();
        let base_fields: Vec<(usize, String)> = (0..n_base)
            .map(|i| (i, schema.field(i).name().clone()))
            .filter(|(_, name)| !name.starts_with("__dqx_"))
            .collect();
        let options = FormatOptions::default();
        let mut formatters = None;
        for (samples, rule_messages) in self.samples.iter_mut().zip(&messages) {
            if samples.len() >= SAMPLE_ROWS_PER_RULE || rule_messages.null_count() == n_rows {
                continue;
            }
            if formatters.is_none() {
                formatters = Some(
                    base_fields
                        .iter()
                        .map(|(c, _)| ArrayFormatter::try_new(batch.column(*c).as_ref(), &options))
                        .collect::<Result<Vec<_>, _>>()?,
                );
            }
            let formatters = formatters.as_deref().unwrap_or_default();
            for row in 0..n_rows {
                if samples.len() >= SAMPLE_ROWS_PER_RULE {
                    break;
                }
                if rule_messages.is_null(row) {
                    continue;
                }
                let mut sample = Map::new();
                for ((col, name), formatter) in base_fields.iter().zip(formatters) {
                    let value = if batch.column(*col).is_null(row) {
                        Value::Null
                    } else {
                        Value::String(sample_cell(&formatter.value(row).to_string()))
                    };
                    sample.insert(name.clone(), value);
                }
                sample.insert(
                    "_message".to_string(),
                    Value::String(sample_cell(rule_messages.value(row))),
                );
                samples.push(sample);
            }
        }

        // Per-row results, only when asked for.
        if let Some(rows) = &mut self.rows {
            for row in 0..n_rows {
                let mut errors = Vec::new();
                let mut warnings = Vec::new();
                for (i, p) in placed.iter().enumerate() {
                    if messages[i].is_null(row) {
                        continue;
                    }
                    let item = result_item(p.rule, messages[i].value(row));
                    match p.rule.criticality {
                        Criticality::Error => errors.push(item),
                        Criticality::Warn => warnings.push(item),
                    }
                }
                // The query is ordered by input position, so the n-th row out is input row n.
                rows.push(RowResult {
                    row: self.total_rows + row as u64,
                    errors: (!errors.is_empty()).then_some(errors),
                    warnings: (!warnings.is_empty()).then_some(warnings),
                });
            }
        }
        self.total_rows += n_rows as u64;
        Ok(())
    }

    fn finish(self, placed: &[PlacedRule<'_>], table_name: &str, started: Instant) -> Evaluation {
        let rules: Vec<(&ResolvedRule, Option<&str>)> = placed
            .iter()
            .map(|p| (p.rule, p.skipped.as_deref()))
            .collect();
        let totals = RowTotals {
            total_rows: self.total_rows,
            invalid_rows: self.invalid_rows,
            warning_rows: self.warning_rows,
            any_warning_rows: Some(self.any_warning_rows),
        };
        Evaluation {
            result: assemble_result(
                &rules,
                self.counts,
                self.samples,
                totals,
                table_name,
                started,
            ),
            rows: self.rows,
        }
    }
}

/// Row counts of one evaluation, whichever engine made them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowTotals {
    pub total_rows: u64,
    /// Rows with at least one error.
    pub invalid_rows: u64,
    /// Rows with warnings and no error.
    pub warning_rows: u64,
    /// Rows with at least one warning, with or without errors (when the engine counted it).
    pub any_warning_rows: Option<u64>,
}

/// The §5 validation document from per-rule counts and samples (in rule order; a rule with a
/// skip message is an `error`), shared by the embedded and the warehouse evaluations.
pub fn assemble_result(
    rules: &[(&ResolvedRule, Option<&str>)],
    counts: Vec<u64>,
    samples: Vec<Vec<Map<String, Value>>>,
    totals: RowTotals,
    table_name: &str,
    started: Instant,
) -> ValidationResult {
    let mut samples = samples.into_iter();
    let mut rule_results = Vec::with_capacity(rules.len());
    for ((rule, skipped), count) in rules.iter().zip(counts) {
        let samples = samples.next().unwrap_or_default();
        let status = match (skipped, count, rule.criticality) {
            (Some(_), _, _) => RuleStatus::Error,
            (None, 0, _) => RuleStatus::Pass,
            (None, _, Criticality::Error) => RuleStatus::Fail,
            (None, _, Criticality::Warn) => RuleStatus::Warn,
        };
        let message = match (skipped, status) {
            (Some(skip), _) => skip.to_string(),
            (None, RuleStatus::Pass) => "no violations".to_string(),
            (None, _) => format!("{count} of {} rows violate this rule", totals.total_rows),
        };
        rule_results.push(RuleResult {
            rule_name: rule.name.clone(),
            function: rule.function.clone(),
            columns: rule.columns(),
            criticality: rule.criticality.as_str().to_string(),
            status,
            violation_count: count,
            sample_violations: samples,
            message,
        });
    }
    let count_status = |s: RuleStatus| rule_results.iter().filter(|r| r.status == s).count();
    let valid_rows = totals.total_rows.saturating_sub(totals.invalid_rows);
    let pass_rate = if totals.total_rows == 0 {
        100.0
    } else {
        (valid_rows as f64 * 10_000.0 / totals.total_rows as f64).round() / 100.0
    };
    ValidationResult {
        success: true,
        table_name: table_name.to_string(),
        validated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        total_rules: rule_results.len(),
        passed: count_status(RuleStatus::Pass),
        failed: count_status(RuleStatus::Fail) + count_status(RuleStatus::Error),
        warnings: count_status(RuleStatus::Warn),
        total_rows: totals.total_rows,
        valid_rows,
        invalid_rows: totals.invalid_rows,
        rows_with_warnings: totals.warning_rows,
        rows_with_any_warning: totals.any_warning_rows,
        pass_rate,
        rule_results,
        duration_ms: started.elapsed().as_millis() as u64,
        note: None,
    }
}

fn result_item(rule: &ResolvedRule, message: &str) -> CheckResultItem {
    CheckResultItem {
        name: rule.name.clone(),
        message: message.to_string(),
        columns: rule.columns(),
        filter: rule.filter.clone(),
        function: rule.function.clone(),
        user_metadata: rule.user_metadata.clone(),
    }
}
