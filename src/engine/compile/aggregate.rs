//! Aggregate checks (`is_aggr_*`): any of DQX's aggregate types over the whole table or per
//! group, compared with a limit, joined in as a one-row or per-group helper.

use super::aggr_types::{self, Form};
use super::{
    CompileContext, CompiledRule, Join, Result, Skip, arg, arg_str, key_join_parts, limit,
    row_filter, str_list,
};
use crate::model::rules::ResolvedRule;
use serde_json::Value;

pub(super) fn is_aggr(rule: &ResolvedRule, cx: &CompileContext<'_>) -> Result<CompiledRule> {
    let args = &rule.arguments;
    let written = arg_str(args, "column");
    let aggr = arg(args, "aggr_type")
        .and_then(Value::as_str)
        .unwrap_or("count");
    let target = if written == "*" {
        if aggr != "count" {
            return Err(Skip(
                "Check evaluation skipped: column '*' is allowed only with count".into(),
            ));
        }
        "1".to_string()
    } else {
        cx.column(written)?
    };
    let filtered = match row_filter(rule)? {
        Some(f) => format!("CASE WHEN ({f}) THEN {target} END"),
        None => target,
    };
    let alias = format!("__dqx_a{}", cx.id);
    let params = arg(args, "aggr_params").and_then(Value::as_object);
    let aggregate = aggr_types::resolve(aggr, params, &format!("{alias}_v"), cx.dialect)?;
    let l = limit(cx, arg(args, "limit"))?;
    let group_written = str_list(args, "group_by");
    let groups = group_written
        .iter()
        .map(|g| cx.column(g))
        .collect::<Result<Vec<_>>>()?;
    let metric = format!("{alias}.{alias}_m");
    let join = metric_join(&aggregate.form, &filtered, &groups, cx.table_sql, &alias);
    let display = aggregate.display;
    let (op, label) = match rule.function.as_str() {
        "is_aggr_not_greater_than" => (">", "greater than"),
        "is_aggr_not_less_than" => ("<", "less than"),
        "is_aggr_equal" => ("<>", "not equal to"),
        _ => ("=", "equal to"),
    };
    let group_label = if group_written.is_empty() {
        String::new()
    } else {
        format!(" per group of columns '{}'", group_written.join(", "))
    };
    let column_label = if written == "*" { "*" } else { written };
    let condition = match tolerance(args)? {
        Some((abs_t, rel_t)) if matches!(op, "<>" | "=") => {
            let within = format!(
                "(abs({metric} - {l}) <= {abs_t} OR abs({metric} - {l}) <= {rel_t} * greatest(abs({metric}), abs({l})))"
            );
            if op == "<>" {
                format!("NOT {within}")
            } else {
                within
            }
        }
        _ => format!("{metric} {op} {l}"),
    };
    Ok(CompiledRule {
        condition,
        message: cx.concat(&[
            cx.lit(&format!("{display} value ")),
            cx.s(&metric),
            cx.lit(&format!(
                " in column '{column_label}'{group_label} is {label} limit: "
            )),
            cx.s(&l),
        ]),
        joins: vec![join],
    })
}

/// The helper relation holding the metric (`{alias}_m`): one row, or one row per group keyed by
/// `{alias}_k{i}`. The rows' (filtered) values are `{alias}_v`.
pub(super) fn metric_join(
    form: &Form,
    filtered: &str,
    groups: &[String],
    table_sql: &str,
    alias: &str,
) -> Join {
    let (select, on) = key_join_parts(alias, groups, groups, true);
    let keys: Vec<String> = (0..groups.len()).map(|i| format!("{alias}_k{i}")).collect();
    let keys_comma = |suffix: &str| {
        if keys.is_empty() {
            String::new()
        } else {
            format!("{}{suffix}", keys.join(", "))
        }
    };
    let rows = format!(
        "(SELECT {}{filtered} AS {alias}_v FROM {table_sql}) {alias}_r",
        if select.is_empty() {
            String::new()
        } else {
            format!("{select}, ")
        }
    );
    let group_by = if keys.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", keys.join(", "))
    };
    let partition = if keys.is_empty() {
        String::new()
    } else {
        format!("PARTITION BY {}", keys.join(", "))
    };
    let relation = match form {
        Form::Expr(sql) => {
            format!(
                "(SELECT {}{sql} AS {alias}_m FROM {rows}{group_by}) {alias}",
                keys_comma(", ")
            )
        }
        Form::Centered(sql) => format!(
            "(SELECT {}{sql} AS {alias}_m FROM (SELECT {}CAST({alias}_v AS DOUBLE) - avg(CAST({alias}_v AS DOUBLE)) OVER ({partition}) AS d FROM {rows}) {alias}_c{group_by}) {alias}",
            keys_comma(", "),
            keys_comma(", ")
        ),
        Form::Mode => {
            let ranked = format!(
                "(SELECT {k}{alias}_v, row_number() OVER ({partition} ORDER BY {alias}_n DESC, {alias}_v) AS {alias}_rn \
                 FROM (SELECT {k}{alias}_v, count(*) AS {alias}_n FROM {rows} WHERE {alias}_v IS NOT NULL GROUP BY {k}{alias}_v) {alias}_g) {alias}_o",
                k = keys_comma(", ")
            );
            if keys.is_empty() {
                // max over at most one row: one row even when there is no value.
                format!(
                    "(SELECT max({alias}_v) AS {alias}_m FROM {ranked} WHERE {alias}_rn = 1) {alias}"
                )
            } else {
                format!(
                    "(SELECT {}, {alias}_v AS {alias}_m FROM {ranked} WHERE {alias}_rn = 1) {alias}",
                    keys.join(", ")
                )
            }
        }
    };
    Join {
        relation,
        on: (!groups.is_empty()).then_some(on),
    }
}

/// `abs_tolerance` / `rel_tolerance` as SQL doubles, when either is above zero (DQX compares
/// exactly otherwise); a negative one skips the rule with DQX's message.
fn tolerance(args: &serde_json::Map<String, Value>) -> Result<Option<(String, String)>> {
    let read = |key| arg(args, key).and_then(Value::as_f64).unwrap_or(0.0);
    let (abs_t, rel_t) = (read("abs_tolerance"), read("rel_tolerance"));
    if abs_t < 0.0 || rel_t < 0.0 {
        return Err(Skip(
            "Check evaluation skipped: Absolute and/or relative tolerances if provided must be non-negative"
                .into(),
        ));
    }
    if abs_t == 0.0 && rel_t == 0.0 {
        return Ok(None);
    }
    Ok(Some((
        format!("CAST({abs_t:?} AS DOUBLE)"),
        format!("CAST({rel_t:?} AS DOUBLE)"),
    )))
}
