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
use serde_json::{Map, Value};

/// Examples one rule may carry at most.
pub const MAX_EXAMPLES: usize = 20;

/// One example: a row and the verdict it must get.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub must_pass: bool,
    pub row: Map<String, Value>,
}

/// The examples in a rule's `user_metadata.examples` text; `Ok(empty)` when it has none.
pub fn examples_of(
    user_metadata: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<Example>, String> {
    let Some(text) = user_metadata.get("examples") else {
        return Ok(Vec::new());
    };
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("user_metadata.examples is not JSON text: {e}"))?;
    let mut out = Vec::new();
    for (key, must_pass) in [("pass", true), ("fail", false)] {
        let Some(list) = value.get(key) else { continue };
        let Some(rows) = list.as_array() else {
            return Err(format!(
                "user_metadata.examples.{key} must be a list of rows"
            ));
        };
        for (i, row) in rows.iter().enumerate() {
            let Some(row) = row.as_object() else {
                return Err(format!(
                    "user_metadata.examples.{key}[{i}] must be a row: {{\"column\": value, …}}"
                ));
            };
            out.push(Example {
                must_pass,
                row: row.clone(),
            });
        }
    }
    if out.len() > MAX_EXAMPLES {
        return Err(format!(
            "{} examples; a rule keeps at most {MAX_EXAMPLES}",
            out.len()
        ));
    }
    Ok(out)
}

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
                        cell_sql(dialect, ex.row.get(c), t),
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

/// Runs each rule's examples; per rule, the verdicts or why they could not run.
pub async fn run_examples(
    runner: &dyn TextQuery,
    dialect: Dialect,
    columns: &[String],
    types: &[String],
    rules: &[(ResolvedRule, Vec<Example>)],
) -> Vec<Result<Vec<Verdict>, String>> {
    let nullable = vec![true; columns.len()];
    let references = References::new();
    let mut with_position = columns.to_vec();
    with_position.push("__dqx_ex".into());
    let mut out = Vec::with_capacity(rules.len());
    for (id, (rule, examples)) in rules.iter().enumerate() {
        if examples.is_empty() {
            out.push(Ok(Vec::new()));
            continue;
        }
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
        let compiled = match compile(rule, &cx) {
            Ok(c) => c,
            Err(skip) => {
                out.push(Err(skip.0));
                continue;
            }
        };
        let layers: Vec<_> = compiled.layers.iter().collect();
        let base = layered_base(&relation, "", &with_position, &layers);
        let joins: Vec<_> = compiled.joins.iter().collect();
        let guarded = match &rule.filter {
            Some(f) => format!("({f}) AND ({})", compiled.condition),
            None => format!("({})", compiled.condition),
        };
        let sql = format!(
            "SELECT __dqx_ex, CASE WHEN {guarded} THEN 1 ELSE 0 END AS __f FROM {}",
            joined_from(&base, &joins)
        );
        let verdicts = match runner.query(&sql).await {
            Err(e) => Err(e
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(500)
                .collect()),
            Ok(rows) => {
                let at = |n: &str| rows.columns.iter().position(|c| c == n);
                let mut failed = vec![None; examples.len()];
                if let (Some(ex), Some(f)) = (at("__dqx_ex"), at("__f")) {
                    for r in &rows.rows {
                        let int = |k: usize| {
                            r.get(k)
                                .cloned()
                                .flatten()
                                .and_then(|t| t.trim().parse::<usize>().ok())
                        };
                        if let (Some(i), Some(v)) = (int(ex), int(f))
                            && i < failed.len()
                        {
                            // A row may appear more than once (joins): failing anywhere fails.
                            failed[i] = Some(failed[i].unwrap_or(false) || v == 1);
                        }
                    }
                }
                Ok(examples
                    .iter()
                    .zip(failed)
                    .map(|(e, f)| Verdict {
                        example: e.clone(),
                        passed: f.map(|failed| !failed),
                    })
                    .collect())
            }
        };
        out.push(verdicts);
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
