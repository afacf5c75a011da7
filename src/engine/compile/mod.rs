//! Compiling one resolved DQX rule to SQL: a fail condition (TRUE = the row violates it; FALSE
//! and NULL pass, as in DQX), the DQX message for a violating row, and for dataset-level checks
//! the helper subquery joined in. Rules that cannot be resolved against the table are "skipped"
//! as DQX does: every row gets the skip message.

mod aggr_outliers;
mod aggr_types;
mod aggregate;
mod compare;
mod distribution;
mod formats;
mod json_schema;
mod keys;
mod outliers;
mod patterns;
mod query;
mod row;
mod schema;
pub mod spark_forms;
mod windows;

pub use keys::reference_table;

use super::sql::{Dialect, TWO_READINGS, check_expression, limit_sql};
use crate::model::rules::ResolvedRule;
use crate::model::table_name::quote_identifier;
use serde_json::{Map, Value};

/// What the evaluator needs to place one rule in the combined query.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledRule {
    /// Boolean SQL; TRUE means the row violates the rule.
    pub condition: String,
    /// String SQL: the message for a violating row.
    pub message: String,
    /// Helper relations of dataset checks (per-key or whole-table aggregates, reference keys).
    pub joins: Vec<Join>,
    /// Steps applied to the checked rows before any rule reads them (`compare_datasets`' pairing
    /// ranks and the reference rows it adds), in order.
    pub layers: Vec<Layer>,
}

/// One step over the checked rows, which every rule then reads (as DQX applies a dataset
/// check's transformation to the DataFrame before the conditions are read).
#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    /// `SELECT __dqx_lN.*, <expr> AS <alias>... FROM (rows) __dqx_lN [LEFT JOIN relation ON on]`:
    /// columns (window functions allowed) named `alias`, which must start with `__dqx_`.
    Columns {
        items: Vec<(String, String)>,
        join: Option<Join>,
    },
    /// The rows, then the rows of `relation`: each column named in `values` takes that
    /// expression, every other column is NULL.
    AddRows {
        relation: String,
        values: Vec<(String, String)>,
    },
}

/// The checked rows as `(...) __dqx_base`: `SELECT *{extra} FROM table`, then each layer.
/// `columns` are the table's columns plus those `extra` adds.
pub fn layered_base(table_sql: &str, extra: &str, columns: &[String], layers: &[&Layer]) -> String {
    let mut rows = format!("SELECT *{extra} FROM {table_sql}");
    let mut names: Vec<String> = columns.to_vec();
    for (i, layer) in layers.iter().enumerate() {
        let alias = format!("__dqx_l{i}");
        rows = match layer {
            Layer::Columns { items, join } => {
                let added: String = items
                    .iter()
                    .map(|(expr, name)| format!(", {expr} AS {name}"))
                    .collect();
                names.extend(items.iter().map(|(_, name)| name.clone()));
                let joined = match join {
                    Some(Join {
                        relation,
                        on: Some(on),
                    }) => format!(" LEFT JOIN {relation} ON {on}"),
                    Some(Join { relation, on: None }) => format!(" CROSS JOIN {relation}"),
                    None => String::new(),
                };
                format!("SELECT {alias}.*{added} FROM ({rows}) {alias}{joined}")
            }
            Layer::AddRows { relation, values } => {
                let quoted: Vec<String> = names.iter().map(|n| quote_identifier(n)).collect();
                let filled: Vec<String> = names
                    .iter()
                    .map(|n| {
                        let value = values
                            .iter()
                            .find(|(c, _)| c == n)
                            .map_or("NULL", |(_, v)| v.as_str());
                        format!("{value} AS {}", quote_identifier(n))
                    })
                    .collect();
                format!(
                    "SELECT {} FROM ({rows}) {alias} UNION ALL SELECT {} FROM {relation}",
                    quoted.join(", "),
                    filled.join(", ")
                )
            }
        };
    }
    format!("({rows}) __dqx_base")
}

/// A small relation joined to the checked table: `relation` is `(SELECT ...) alias`; `on` the
/// join condition, or `None` for a one-row relation joined to every row.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    pub relation: String,
    pub on: Option<String>,
}

/// The FROM clause joining `joins` to `base` (`(SELECT ...) __dqx_base`). Each helper is the
/// left (build) side of its join — `helper RIGHT JOIN base` / `helper CROSS JOIN base` — so hash
/// tables hold the small aggregated side and batches keep their size, whatever the planner knows
/// about the files (CSV has no statistics).
pub fn joined_from(base: &str, joins: &[&Join]) -> String {
    let mut from = base.to_string();
    for (i, join) in joins.iter().enumerate() {
        let inner = if i == 0 {
            from.clone()
        } else {
            format!("({from})")
        };
        from = match &join.on {
            Some(on) => format!("{} RIGHT JOIN {inner} ON {on}", join.relation),
            None => format!("{} CROSS JOIN {inner}", join.relation),
        };
    }
    from
}

/// The table a rule set runs against.
pub struct CompileContext<'a> {
    pub dialect: Dialect,
    /// The table as SQL (`` `main`.`sales`.`orders` ``).
    pub table_sql: &'a str,
    /// The table's column names.
    pub columns: &'a [String],
    /// Their Unity Catalog type names, in the same order.
    pub column_types: &'a [String],
    /// Whether each column is nullable.
    pub nullable: &'a [bool],
    /// SQL for "now" (a timestamp), fixed by `--now` or the engine's current time.
    pub now: String,
    /// Unique number for this rule's helper aliases.
    pub id: usize,
    /// The columns of the reference tables rules name (as written in `ref_table` or
    /// `ref_df_name`), as far as they could be read.
    pub references: &'a References,
}

/// Reference relations by the name a rule gives them: their columns and Unity Catalog types, or
/// why they could not be read.
pub type References = std::collections::BTreeMap<String, std::result::Result<RefShape, String>>;

/// A reference relation's columns and their Unity Catalog type names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefShape {
    pub columns: Vec<String>,
    pub types: Vec<String>,
}

/// Why a rule cannot be evaluated; the text is DQX's skip message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip(pub String);

pub(super) type Result<T> = std::result::Result<T, Skip>;

impl CompileContext<'_> {
    /// A column argument as SQL: a known column is back-quoted; a bare name that is no column
    /// skips the rule (as DQX does); anything else is a SQL expression, checked to be one.
    pub(super) fn column(&self, text: &str) -> Result<String> {
        if let Some(real) = self.columns.iter().find(|c| c.as_str() == text) {
            return Ok(quote_identifier(real));
        }
        if let Some(real) = self.columns.iter().find(|c| c.eq_ignore_ascii_case(text)) {
            return Ok(quote_identifier(real));
        }
        let bare = text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if bare {
            return Err(Skip(format!(
                "Check evaluation skipped due to invalid check columns: ['{text}']"
            )));
        }
        check_expression(text).map_err(|why| {
            invalid_sql(
                format!("Check evaluation skipped due to invalid check columns: ['{text}']"),
                &why,
            )
        })?;
        Ok(format!("({text})"))
    }

    /// The Unity Catalog type name of a column as the rule wrote it (`None` for an expression).
    pub(super) fn column_type(&self, written: &str) -> Option<&str> {
        let position = self
            .columns
            .iter()
            .position(|c| c.as_str() == written)
            .or_else(|| {
                self.columns
                    .iter()
                    .position(|c| c.eq_ignore_ascii_case(written))
            })?;
        self.column_types.get(position).map(String::as_str)
    }

    pub(super) fn lit(&self, text: &str) -> String {
        self.dialect.literal(text)
    }

    pub(super) fn s(&self, expr: &str) -> String {
        self.dialect.as_string(expr)
    }

    pub(super) fn concat(&self, parts: &[String]) -> String {
        self.dialect.concat(parts)
    }
}

pub(super) fn arg<'a>(args: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    args.get(key).filter(|v| !v.is_null())
}

pub(super) fn arg_str<'a>(args: &'a Map<String, Value>, key: &str) -> &'a str {
    arg(args, key).and_then(Value::as_str).unwrap_or_default()
}

pub(super) fn arg_bool(args: &Map<String, Value>, key: &str, default: bool) -> bool {
    arg(args, key).and_then(Value::as_bool).unwrap_or(default)
}

pub(super) fn arg_i64(args: &Map<String, Value>, key: &str, default: i64) -> i64 {
    match arg(args, key) {
        Some(Value::Bool(b)) => i64::from(*b),
        Some(v) => v.as_i64().unwrap_or(default),
        None => default,
    }
}

pub(super) fn opt_str<'a>(args: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    arg(args, key).and_then(Value::as_str)
}

pub(super) fn str_list(args: &Map<String, Value>, key: &str) -> Vec<String> {
    arg(args, key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The select list (`right[i] AS {alias}_k{i}`) and ON condition (`left[i]` matching
/// `{alias}.{alias}_k{i}`, null-safe or plain equality) of a helper keyed like the checked rows.
pub(super) fn key_join_parts(
    alias: &str,
    left: &[String],
    right: &[String],
    null_safe: bool,
) -> (String, String) {
    let select: Vec<String> = right
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} AS {alias}_k{i}"))
        .collect();
    let op = if null_safe {
        "IS NOT DISTINCT FROM"
    } else {
        "="
    };
    let on: Vec<String> = left
        .iter()
        .enumerate()
        .map(|(i, k)| format!("({k} {op} {alias}.{alias}_k{i})"))
        .collect();
    (select.join(", "), on.join(" AND "))
}

pub(super) fn limit(cx: &CompileContext<'_>, value: Option<&Value>) -> Result<String> {
    let value = value.ok_or_else(|| Skip("Check evaluation skipped: a limit is missing".into()))?;
    limit_sql(cx.dialect, value).map_err(|e| {
        Skip(format!(
            "Check evaluation skipped due to invalid limit: {e}"
        ))
    })
}

pub(super) fn row_check(condition: String, message: String) -> CompiledRule {
    CompiledRule {
        layers: Vec::new(),
        condition,
        message,
        joins: Vec::new(),
    }
}

/// Compiles one rule: the checks that read more than one column or the whole table.
type RuleCompiler = fn(&ResolvedRule, &CompileContext<'_>) -> Result<CompiledRule>;

/// The checks that are not on one `column`, by DQX function name; every other supported
/// function is in [`row::COLUMN_CHECKS`]. Adding a DQX function is a catalogue row in
/// `model::rules::functions` plus a row in one of the two tables.
const RULE_CHECKS: &[(&str, RuleCompiler)] = &[
    ("sql_expression", |r, cx| {
        row::sql_expression(&r.arguments, cx)
    }),
    ("is_older_than_col2_for_n_days", |r, cx| {
        row::older_than_col2(&r.arguments, cx)
    }),
    ("is_unique", keys::is_unique),
    ("foreign_key", keys::foreign_key),
    ("compare_datasets", compare::compare_datasets),
    ("is_aggr_not_greater_than", aggregate::is_aggr),
    ("is_aggr_not_less_than", aggregate::is_aggr),
    ("is_aggr_equal", aggregate::is_aggr),
    ("is_aggr_not_equal", aggregate::is_aggr),
    ("sql_query", |r, cx| query::sql_query(r, cx, row_filter(r)?)),
    ("has_valid_schema", schema::has_valid_schema),
    ("has_no_outliers", outliers::has_no_outliers),
    ("aggr_matches_dataset", aggregate::aggr_matches_dataset),
    ("has_no_aggr_outliers", aggr_outliers::has_no_aggr_outliers),
    ("is_in_distribution", distribution::is_in_distribution),
    (
        "is_data_fresh_per_time_window",
        windows::is_data_fresh_per_time_window,
    ),
    (
        "has_no_gaps_per_time_window",
        windows::has_no_gaps_per_time_window,
    ),
];

/// Compiles `rule` for the table in `cx`.
pub fn compile(rule: &ResolvedRule, cx: &CompileContext<'_>) -> Result<CompiledRule> {
    if let Some(filter) = &rule.filter {
        checked_filter(filter)?;
    }
    let custom = rule
        .message_expr
        .as_deref()
        .map(|expr| custom_message(expr, cx))
        .transpose()?;
    let mut compiled = match RULE_CHECKS.iter().find(|(name, _)| *name == rule.function) {
        Some((_, compile)) => compile(rule, cx)?,
        None => row::column_check(rule, cx)?,
    };
    if let Some(message) = custom {
        compiled.message = message;
    }
    Ok(compiled)
}

/// DQX's skip text for a rule's `message_expr` that is not a usable expression.
pub fn invalid_custom_message(expr: &str) -> String {
    format!("Check evaluation skipped due to invalid custom message expression: '{expr}'")
}

/// A violating row's message from the rule's `message_expr`, as DQX builds it: the value as
/// text, its first 500 characters. Where the expression is NULL the row still violates; DQX
/// leaves its message NULL, here it is empty (a NULL message column means "passes").
fn custom_message(expr: &str, cx: &CompileContext<'_>) -> Result<String> {
    check_expression(expr).map_err(|why| invalid_sql(invalid_custom_message(expr), &why))?;
    Ok(format!(
        "COALESCE(substr({}, 1, 500), '')",
        cx.s(&format!("({expr})"))
    ))
}

/// DQX's skip text for SQL a rule holds; when the text was refused because the warehouse could
/// read it differently (DQX would run it), the reason follows so the author knows what to change.
pub(super) fn invalid_sql(dqx: String, why: &str) -> Skip {
    if why.starts_with(TWO_READINGS) {
        Skip(format!("{dqx} ({why})"))
    } else {
        Skip(dqx)
    }
}

/// Whether this engine has a compiler for `function`.
pub fn compiles(function: &str) -> bool {
    RULE_CHECKS.iter().any(|(name, _)| *name == function)
        || row::column_compiler(function).is_some()
}

/// The reference relations whose columns compiling `rule` needs (`compare_datasets`' reference).
pub fn reference_names(rule: &ResolvedRule) -> Vec<String> {
    if rule.function != "compare_datasets" {
        return Vec::new();
    }
    ["ref_table", "ref_df_name"]
        .iter()
        .filter_map(|k| opt_str(&rule.arguments, k))
        .map(str::to_string)
        .collect()
}

/// The row filter of a dataset check: the rule's `filter` wins over `row_filter` (DQX pushes it down).
pub(super) fn row_filter(rule: &ResolvedRule) -> Result<Option<String>> {
    let filter = rule.filter.clone().or_else(|| {
        arg(&rule.arguments, "row_filter")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    if let Some(f) = &filter {
        checked_filter(f)?;
    }
    Ok(filter)
}

/// `filter` when it is one SQL expression, or the skip DQX reports for an invalid filter.
pub(super) fn checked_filter(filter: &str) -> Result<&str> {
    check_expression(filter).map_err(|why| {
        invalid_sql(
            format!("Check evaluation skipped due to invalid check filter: '{filter}'"),
            &why,
        )
    })?;
    Ok(filter)
}

/// What a dataset aggregate reads from each row: `target`, NULL outside the rule's row filter.
pub(super) fn filtered_target(rule: &ResolvedRule, target: String) -> Result<String> {
    Ok(match row_filter(rule)? {
        Some(f) => format!("CASE WHEN ({f}) THEN {target} END"),
        None => target,
    })
}

/// A column of a relation other than the checked table (a reference table, a query's output):
/// a plain name is back-quoted, anything else must be one SQL expression.
pub fn other_relation_column(text: &str) -> Result<String> {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(quote_identifier(text))
    } else {
        check_expression(text)
            .map(|_| format!("({text})"))
            .map_err(Skip)
    }
}

#[cfg(test)]
mod tests;
