//! Rules that prove themselves: a rule's examples (rows that must pass and rows that must fail,
//! kept as JSON text in `user_metadata.examples` — DQX writes `user_metadata` into its results
//! as a map of strings, so an object there stops `apply_checks`) run through the rule's own
//! compiled SQL over an inline relation of the table's columns (typed casts of the example's
//! values, columns not given NULL). No table is read. Plain SQL in either dialect, so the same
//! examples prove the embedded engine and, as the caller, the warehouse.

use super::compile::{CompileContext, References, compile, joined_from, layered_base};
use super::sql::Dialect;
use super::text_query::TextQuery;
use super::types::{TypeKind, kind_of_uc_type};
use crate::model::rules::ResolvedRule;
use crate::model::table_name::quote_identifier;
use serde_json::Value;

pub use crate::model::examples::{Example, MAX_EXAMPLES, examples_of};

/// A value as a SQL literal cast to the column's type (NULL when absent or null).
fn cell_sql(dialect: Dialect, value: Option<&Value>, data_type: &str) -> String {
    let target = match kind_of_uc_type(data_type) {
        TypeKind::Text => dialect.string_type().to_string(),
        _ => data_type.to_uppercase(),
    };
    let literal = match value {
        None | Some(Value::Null) => "NULL".to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => dialect.literal(s),
        Some(other) => dialect.literal(&other.to_string()),
    };
    // DataFusion's TIMESTAMP is nanoseconds (years 1677 to 2262); tables hold microseconds, and
    // an example "far in the future" must fit.
    if dialect == Dialect::DataFusion && data_type.starts_with("timestamp") {
        return format!("arrow_cast({literal}, 'Timestamp(Microsecond, None)')");
    }
    format!("CAST({literal} AS {target})")
}

/// The example's value of `column` (its name matched without regard to case, as SQL does).
fn value_of<'a>(row: &'a serde_json::Map<String, Value>, column: &str) -> Option<&'a Value> {
    row.get(column).or_else(|| {
        row.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(column))
            .map(|(_, v)| v)
    })
}

/// The examples as one inline relation with every column of the table, and `__dqx_ex` (the
/// example's position).
pub fn examples_relation(
    dialect: Dialect,
    columns: &[String],
    types: &[String],
    examples: &[Example],
) -> String {
    let rows: Vec<String> = examples
        .iter()
        .enumerate()
        .map(|(i, ex)| {
            let cells: Vec<String> = columns
                .iter()
                .zip(types)
                .map(|(c, t)| {
                    format!(
                        "{} AS {}",
                        cell_sql(dialect, value_of(&ex.row, c), t),
                        quote_identifier(c)
                    )
                })
                .collect();
            format!("SELECT {}, {i} AS __dqx_ex", cells.join(", "))
        })
        .collect();
    format!("({})", rows.join(" UNION ALL "))
}

/// One example's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub example: Example,
    /// `Some(true)` passed, `Some(false)` failed, `None` could not run (see the rule's error).
    pub passed: Option<bool>,
}

/// The statement that runs one rule's examples: each example's position (`__dqx_ex`) and
/// whether it fails (`__f` = 1), tagged with the rule's position (`__dqx_r`).
fn rule_sql(
    dialect: Dialect,
    columns: &[String],
    types: &[String],
    id: usize,
    rule: &ResolvedRule,
    examples: &[Example],
) -> Result<String, String> {
    let nullable = vec![true; columns.len()];
    let references = References::new();
    let mut with_position = columns.to_vec();
    with_position.push("__dqx_ex".into());
    let relation = format!(
        "{} __dqx_rows",
        examples_relation(dialect, columns, types, examples)
    );
    let cx = CompileContext {
        dialect,
        table_sql: &relation,
        columns,
        column_types: types,
        nullable: &nullable,
        now: match dialect {
            Dialect::DataFusion => "now()".into(),
            Dialect::Spark => "current_timestamp()".into(),
        },
        id,
        references: &references,
    };
    let compiled = compile(rule, &cx).map_err(|skip| skip.0)?;
    let layers: Vec<_> = compiled.layers.iter().collect();
    let base = layered_base(&relation, "", &with_position, &layers);
    let joins: Vec<_> = compiled.joins.iter().collect();
    let guarded = match &rule.filter {
        Some(f) => format!("({f}) AND ({})", compiled.condition),
        None => format!("({})", compiled.condition),
    };
    Ok(format!(
        "SELECT {id} AS __dqx_r, __dqx_ex, CASE WHEN {guarded} THEN 1 ELSE 0 END AS __f FROM {}",
        joined_from(&base, &joins)
    ))
}

/// An engine's refusal on one line, at most 500 characters.
fn one_line(error: &str) -> String {
    error
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(500)
        .collect()
}

/// Whether each example of rule `rule` failed, read from a statement's rows (`None`: no row
/// came back for it). A row may appear more than once (joins): failing anywhere fails.
fn failed_of(rows: &super::text_query::TextRows, rule: usize, count: usize) -> Vec<Option<bool>> {
    let at = |n: &str| rows.columns.iter().position(|c| c == n);
    let mut failed = vec![None; count];
    let (Some(r), Some(ex), Some(f)) = (at("__dqx_r"), at("__dqx_ex"), at("__f")) else {
        return failed;
    };
    for row in &rows.rows {
        let int = |k: usize| {
            row.get(k)
                .cloned()
                .flatten()
                .and_then(|t| t.trim().parse::<usize>().ok())
        };
        if let (Some(which), Some(i), Some(v)) = (int(r), int(ex), int(f))
            && which == rule
            && i < failed.len()
        {
            failed[i] = Some(failed[i].unwrap_or(false) || v == 1);
        }
    }
    failed
}

fn verdicts(examples: &[Example], failed: Vec<Option<bool>>) -> Vec<Verdict> {
    examples
        .iter()
        .zip(failed)
        .map(|(e, f)| Verdict {
            example: e.clone(),
            passed: f.map(|failed| !failed),
        })
        .collect()
}

/// Runs each rule's examples; per rule, the verdicts or why they could not run. All rules go
/// in one statement (one round trip to a warehouse); when the engine refuses it, each rule runs
/// on its own so the refusal names the rule it belongs to.
pub async fn run_examples(
    runner: &dyn TextQuery,
    dialect: Dialect,
    columns: &[String],
    types: &[String],
    rules: &[(ResolvedRule, Vec<Example>)],
) -> Vec<Result<Vec<Verdict>, String>> {
    let statements: Vec<Option<Result<String, String>>> = rules
        .iter()
        .enumerate()
        .map(|(id, (rule, examples))| {
            (!examples.is_empty()).then(|| rule_sql(dialect, columns, types, id, rule, examples))
        })
        .collect();
    let runnable: Vec<&String> = statements.iter().flatten().flatten().collect();
    let together = match runnable.len() {
        0 => None,
        _ => {
            let sql: Vec<&str> = runnable.iter().map(|s| s.as_str()).collect();
            runner.query(&sql.join(" UNION ALL ")).await.ok()
        }
    };
    let mut out = Vec::with_capacity(rules.len());
    for (id, ((_, examples), statement)) in rules.iter().zip(statements).enumerate() {
        let outcome = match statement {
            None => Ok(Vec::new()),
            Some(Err(why)) => Err(why),
            Some(Ok(sql)) => match &together {
                Some(rows) => Ok(verdicts(examples, failed_of(rows, id, examples.len()))),
                None => match runner.query(&sql).await {
                    Ok(rows) => Ok(verdicts(examples, failed_of(&rows, id, examples.len()))),
                    Err(e) => Err(one_line(&e)),
                },
            },
        };
        out.push(outcome);
    }
    out
}

/// Runs the examples on a fresh embedded session (no table is registered or read).
pub async fn run_examples_local(
    columns: &[String],
    types: &[String],
    rules: &[(ResolvedRule, Vec<Example>)],
) -> Vec<Result<Vec<Verdict>, String>> {
    let ctx = datafusion::execution::context::SessionContext::new();
    super::udf::register(&ctx);
    run_examples(
        &super::text_query::DataFusionText(&ctx),
        Dialect::DataFusion,
        columns,
        types,
        rules,
    )
    .await
}
