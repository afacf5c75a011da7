//! Why a rule's rows fail, computed where the data is, as whoever reads it: one statement for
//! the columns' cardinality, then one grouped statement per rule counting failing and passing
//! rows by each low-cardinality column's value, by each date or timestamp column's day, and by
//! each other column's NULL-ness (the rule's own columns left out: they fail by definition).
//! The counts are ranked (`rank`) into the segments where failures concentrate. Plain SQL in
//! either dialect through a `TextQuery`: the embedded session locally, the SQL warehouse as the
//! caller in a workspace.

mod rank;

pub use rank::{Group, rank};

use super::compile::{CompileContext, References, compile, joined_from, layered_base};
use super::sql::Dialect;
use super::text_query::TextQuery;
use super::types::{TypeKind, kind_of_uc_type};
use crate::model::rules::ResolvedRule;
use crate::model::table_name::quote_identifier;
use crate::model::triage::RuleTriage;

/// Columns with at most this many distinct values are segmented by value.
pub const MAX_VALUES: u64 = 30;

/// How a column cuts the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// By value (low cardinality).
    Values,
    /// By calendar day (dates and timestamps).
    Day,
    /// NULL or not.
    Nulls,
}

/// A column and how it cuts the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub column: String,
    pub look: Look,
}

/// The table as the triage reads it: its columns, their types and nullability.
pub struct TableShape<'a> {
    pub table_sql: &'a str,
    pub columns: &'a [String],
    pub types: &'a [String],
    pub nullable: &'a [bool],
}

fn is_temporal(data_type: &str) -> bool {
    kind_of_uc_type(data_type) == TypeKind::Temporal
}

/// Each column's approximate distinct count over `source` (temporal columns are cut by day and
/// need none).
async fn cardinality(
    runner: &dyn TextQuery,
    dialect: Dialect,
    source: &str,
    shape: &TableShape<'_>,
) -> Result<Vec<Option<u64>>, String> {
    let counted: Vec<usize> = (0..shape.columns.len())
        .filter(|&i| !is_temporal(&shape.types[i]))
        .collect();
    let mut out = vec![None; shape.columns.len()];
    if counted.is_empty() {
        return Ok(out);
    }
    let select: Vec<String> = counted
        .iter()
        .map(|&i| {
            format!(
                "{}({}) AS d{i}",
                dialect.approx_distinct(),
                dialect.as_string(&quote_identifier(&shape.columns[i]))
            )
        })
        .collect();
    let rows = runner
        .query(&format!(
            "SELECT {} FROM {source} __dqx_s",
            select.join(", ")
        ))
        .await?;
    for i in counted {
        out[i] = rows
            .first(&format!("d{i}"))
            .and_then(|t| t.trim().parse::<u64>().ok());
    }
    Ok(out)
}

/// The columns that may explain a rule's failures, and how each cuts the rows.
pub fn candidates(
    shape: &TableShape<'_>,
    distinct: &[Option<u64>],
    rule_columns: &[String],
) -> Vec<Candidate> {
    (0..shape.columns.len())
        .filter(|&i| !rule_columns.contains(&shape.columns[i]))
        .filter_map(|i| {
            let data_type = &shape.types[i];
            let look = if is_temporal(data_type) {
                Look::Day
            } else if distinct
                .get(i)
                .copied()
                .flatten()
                .is_some_and(|d| d <= MAX_VALUES)
                && kind_of_uc_type(data_type) != TypeKind::Other
            {
                Look::Values
            } else if shape.nullable.get(i).copied().unwrap_or(true) {
                Look::Nulls
            } else {
                return None;
            };
            Some(Candidate {
                column: shape.columns[i].clone(),
                look,
            })
        })
        .collect()
}

/// The key a candidate groups by, as text.
fn key_sql(dialect: Dialect, candidate: &Candidate) -> String {
    let column = quote_identifier(&candidate.column);
    match candidate.look {
        Look::Values => dialect.as_string(&column),
        Look::Day => dialect.as_string(&format!("CAST({column} AS DATE)")),
        Look::Nulls => format!("CASE WHEN {column} IS NULL THEN 'null' ELSE 'set' END"),
    }
}

/// The one grouped statement for a rule: failing (`__f` = 1) and passing rows counted per key
/// of each candidate (`__set` = its position), and in all (`__set` = -1).
pub fn grouped_sql(
    dialect: Dialect,
    from: &str,
    failing: &str,
    scope: Option<&str>,
    candidates: &[Candidate],
) -> String {
    let scope = scope.map(|f| format!(" WHERE ({f})")).unwrap_or_default();
    let keys: Vec<String> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} AS __k{i}", key_sql(dialect, c)))
        .collect();
    let keyed = if keys.is_empty() {
        String::new()
    } else {
        format!(", {}", keys.join(", "))
    };
    let mut parts = vec![format!(
        "SELECT -1 AS __set, {} AS __key, __f, count(*) AS __n FROM __dqx_t GROUP BY __f",
        dialect.as_string("NULL")
    )];
    for i in 0..candidates.len() {
        parts.push(format!(
            "SELECT {i} AS __set, __k{i} AS __key, __f, count(*) AS __n FROM __dqx_t GROUP BY __k{i}, __f"
        ));
    }
    format!(
        "WITH __dqx_t AS (SELECT CASE WHEN ({failing}) THEN 1 ELSE 0 END AS __f{keyed} FROM {from}{scope}) {}",
        parts.join(" UNION ALL ")
    )
}

/// Everything the triage of one table needs besides the rules.
pub struct TriageInput<'a> {
    pub dialect: Dialect,
    pub shape: TableShape<'a>,
    /// SQL for "now".
    pub now: String,
    /// Rows read at most (`None`: all).
    pub sample_limit: Option<u64>,
}

/// Triages each rule over the table, read through `runner`; the rows looked at.
pub async fn triage_with(
    runner: &dyn TextQuery,
    input: &TriageInput<'_>,
    rules: &[ResolvedRule],
) -> Result<(Vec<RuleTriage>, u64), String> {
    let shape = &input.shape;
    let source = match input.sample_limit {
        Some(n) => format!("(SELECT * FROM {} LIMIT {n})", shape.table_sql),
        None => format!("(SELECT * FROM {})", shape.table_sql),
    };
    let distinct = cardinality(runner, input.dialect, &source, shape).await?;
    let references = References::new();
    let sampled = format!("{source} __dqx_src");
    let mut out = Vec::with_capacity(rules.len());
    let mut rows_seen = 0;
    for (id, rule) in rules.iter().enumerate() {
        let cx = CompileContext {
            dialect: input.dialect,
            table_sql: &sampled,
            columns: shape.columns,
            column_types: shape.types,
            nullable: shape.nullable,
            now: input.now.clone(),
            id,
            references: &references,
        };
        let compiled = match compile(rule, &cx) {
            Ok(c) => c,
            Err(skip) => {
                out.push(not_triaged(rule, format!("not triaged: {}", skip.0)));
                continue;
            }
        };
        let layers: Vec<_> = compiled.layers.iter().collect();
        let base = layered_base(&sampled, "", shape.columns, &layers);
        let joins: Vec<_> = compiled.joins.iter().collect();
        let from = joined_from(&base, &joins);
        let own = rule.columns().unwrap_or_default();
        let cands = candidates(shape, &distinct, &own);
        let sql = grouped_sql(
            input.dialect,
            &from,
            &compiled.condition,
            rule.filter.as_deref(),
            &cands,
        );
        let groups = match runner.query(&sql).await {
            Ok(rows) => rank::groups(&rows),
            Err(e) => {
                let first = e.lines().next().unwrap_or_default().to_string();
                out.push(not_triaged(rule, format!("not triaged: {first}")));
                continue;
            }
        };
        let triaged = rank(&rule.name, &cands, &groups);
        rows_seen = rows_seen.max(triaged.failing + triaged.passing);
        out.push(triaged);
    }
    Ok((out, rows_seen))
}

fn not_triaged(rule: &ResolvedRule, note: String) -> RuleTriage {
    RuleTriage {
        rule_name: rule.name.clone(),
        failing: 0,
        passing: 0,
        segments: Vec::new(),
        in_time: None,
        note: Some(note),
    }
}

/// Triages `rules` over `table_sql` on the embedded engine, reading at most `sample_limit`
/// rows; the rows looked at.
pub async fn triage_local(
    ctx: &datafusion::execution::context::SessionContext,
    table_sql: &str,
    rules: &[ResolvedRule],
    sample_limit: u64,
) -> Result<(Vec<RuleTriage>, u64), String> {
    super::udf::register(ctx);
    let frame = ctx
        .sql_with_options(
            &format!("SELECT * FROM {table_sql} LIMIT 0"),
            super::sql::read_only_options(),
        )
        .await
        .map_err(|e| super::sql::first_line(&e.to_string()).to_string())?;
    let fields = frame.schema().fields();
    let columns: Vec<String> = fields.iter().map(|f| f.name().clone()).collect();
    let types: Vec<String> = fields
        .iter()
        .map(|f| super::types::uc_type_name(f.data_type()))
        .collect();
    let nullable: Vec<bool> = fields.iter().map(|f| f.is_nullable()).collect();
    let input = TriageInput {
        dialect: Dialect::DataFusion,
        shape: TableShape {
            table_sql,
            columns: &columns,
            types: &types,
            nullable: &nullable,
        },
        now: "now()".into(),
        sample_limit: Some(sample_limit),
    };
    triage_with(&super::text_query::DataFusionText(ctx), &input, rules).await
}
