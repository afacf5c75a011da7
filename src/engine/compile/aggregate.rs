//! Aggregate checks (`is_aggr_*`): any of DQX's aggregate types over the whole table or per
//! group, compared with a limit, joined in as a one-row or per-group helper.

use super::aggr_types::{self, Form};
use super::keys::reference_table;
use super::{
    CompileContext, CompiledRule, Join, Result, Skip, arg, arg_str, checked_filter,
    filtered_target, key_join_parts, limit, opt_str, other_relation_column, str_list,
};
use crate::model::rules::ResolvedRule;
use serde_json::Value;

pub(super) fn is_aggr(rule: &ResolvedRule, cx: &CompileContext<'_>) -> Result<CompiledRule> {
    let args = &rule.arguments;
    let written = arg_str(args, "column");
    let aggr = arg(args, "aggr_type")
        .and_then(Value::as_str)
        .unwrap_or("count");
    let target = aggregate_target(written, aggr, |w| cx.column(w))?;
    let filtered = filtered_target(rule, target)?;
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
    let join = metric_join(
        &aggregate.form,
        &filtered,
        (&groups, &groups),
        cx.table_sql,
        &alias,
    );
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
            let within = within_tolerance(&metric, &l, &abs_t, &rel_t);
            if op == "<>" {
                format!("NOT {within}")
            } else {
                within
            }
        }
        _ => format!("{metric} {op} {l}"),
    };
    Ok(CompiledRule {
        layers: Vec::new(),
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

/// `aggr_matches_dataset`: the aggregate of the checked table (per group, or whole) against the
/// same aggregate of a reference table (its `ref_row_filter` applied, per `ref_group_by`); two
/// NULLs are equal, a one-sided NULL differs (a group the reference lacks fails).
pub(super) fn aggr_matches_dataset(
    rule: &ResolvedRule,
    cx: &CompileContext<'_>,
) -> Result<CompiledRule> {
    let args = &rule.arguments;
    let written = arg_str(args, "column");
    let aggr = opt_str(args, "aggr_type").unwrap_or("count");
    let (reference, ref_label) = match (opt_str(args, "ref_table"), opt_str(args, "ref_df_name")) {
        (Some(t), None) => (reference_table(t)?, format!("table '{t}'")),
        (None, Some(d)) => (reference_table(d)?, format!("DataFrame '{d}'")),
        (Some(_), Some(_)) => {
            return Err(Skip("Check evaluation skipped: Both 'ref_df_name' and 'ref_table' were provided. Please provide only one to avoid ambiguity.".into()));
        }
        (None, None) => {
            return Err(Skip("Check evaluation skipped: Either 'ref_df_name' or 'ref_table' is required but neither was provided.".into()));
        }
    };
    let ref_written = opt_str(args, "ref_column").unwrap_or(written);
    let target = aggregate_target(written, aggr, |w| cx.column(w))?;
    let ref_target = aggregate_target(ref_written, aggr, other_relation_column)?;
    let group_written = str_list(args, "group_by");
    let ref_group_given = str_list(args, "ref_group_by");
    if !ref_group_given.is_empty() && group_written.is_empty() {
        return Err(Skip("Check evaluation skipped: 'ref_group_by' was provided without 'group_by'. Please provide 'group_by' for the checked DataFrame as well.".into()));
    }
    let ref_group_written = if ref_group_given.is_empty() {
        group_written.clone()
    } else {
        ref_group_given
    };
    if group_written.len() != ref_group_written.len() {
        return Err(Skip(format!(
            "Check evaluation skipped: 'group_by' has {} entries but 'ref_group_by' has {}. Both must have the same length to allow comparison.",
            group_written.len(),
            ref_group_written.len()
        )));
    }
    let groups = group_written
        .iter()
        .map(|g| cx.column(g))
        .collect::<Result<Vec<_>>>()?;
    let ref_groups = ref_group_written
        .iter()
        .map(|g| other_relation_column(g))
        .collect::<Result<Vec<_>>>()?;
    let filtered = filtered_target(rule, target)?;
    let ref_relation = match opt_str(args, "ref_row_filter") {
        Some(f) => format!(
            "(SELECT * FROM {reference} WHERE ({})) __dqx_rf{}",
            checked_filter(f)?,
            cx.id
        ),
        None => reference,
    };
    let params = arg(args, "aggr_params").and_then(Value::as_object);
    let alias = format!("__dqx_a{}", cx.id);
    let ref_alias = format!("__dqx_u{}", cx.id);
    let ours = aggr_types::resolve(aggr, params, &format!("{alias}_v"), cx.dialect)?;
    let theirs = aggr_types::resolve(aggr, params, &format!("{ref_alias}_v"), cx.dialect)?;
    let joins = vec![
        metric_join(
            &ours.form,
            &filtered,
            (&groups, &groups),
            cx.table_sql,
            &alias,
        ),
        metric_join(
            &theirs.form,
            &ref_target,
            (&groups, &ref_groups),
            &ref_relation,
            &ref_alias,
        ),
    ];
    let (m, r) = (
        format!("{alias}.{alias}_m"),
        format!("{ref_alias}.{ref_alias}_m"),
    );
    let differs = match tolerance(args)? {
        Some((abs_t, rel_t)) => format!("NOT {}", within_tolerance(&m, &r, &abs_t, &rel_t)),
        None => format!("{m} <> {r}"),
    };
    let group_label = if group_written.is_empty() {
        String::new()
    } else {
        format!(" per group of columns '{}'", group_written.join(", "))
    };
    Ok(CompiledRule {
        layers: Vec::new(),
        condition: format!(
            "(CASE WHEN {m} IS NULL AND {r} IS NULL THEN FALSE WHEN {m} IS NULL OR {r} IS NULL THEN TRUE ELSE {differs} END)"
        ),
        message: cx.concat(&[
            cx.lit(&format!("{} value ", ours.display)),
            cx.s(&m),
            cx.lit(&format!(
                " in column '{written}'{group_label} is not equal to {ref_label} column '{ref_written}' limit: "
            )),
            cx.s(&r),
        ]),
        joins,
    })
}

/// The helper relation holding the metric (`{alias}_m`) of `table_sql`: one row, or one row per
/// group keyed by `{alias}_k{i}` — `groups.1` evaluated in that table, joined null-safe to the
/// checked rows' `groups.0`. The rows' (filtered) values are `{alias}_v`.
pub(super) fn metric_join(
    form: &Form,
    filtered: &str,
    groups: (&[String], &[String]),
    table_sql: &str,
    alias: &str,
) -> Join {
    let (select, on) = key_join_parts(alias, groups.0, groups.1, true);
    let groups = groups.1;
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

/// The value an aggregate reads from each row: the column (resolved by `resolve`), or `1` for
/// `*`, which DQX allows with `count` only.
pub(super) fn aggregate_target(
    written: &str,
    aggr: &str,
    resolve: impl Fn(&str) -> Result<String>,
) -> Result<String> {
    match (written, aggr) {
        ("*", "count") => Ok("1".to_string()),
        ("*", _) => Err(Skip(
            "Check evaluation skipped: column '*' is allowed only with count".into(),
        )),
        (column, _) => resolve(column),
    }
}

/// DQX's tolerance match of `a` and `b`: within `abs_t`, or within `rel_t` of the larger magnitude.
pub(super) fn within_tolerance(a: &str, b: &str, abs_t: &str, rel_t: &str) -> String {
    format!(
        "(abs({a} - {b}) <= {abs_t} OR abs({a} - {b}) <= {rel_t} * greatest(abs({a}), abs({b})))"
    )
}

/// `abs_tolerance` / `rel_tolerance` as SQL doubles, when either is above zero (DQX compares
/// exactly otherwise); a negative one skips the rule with DQX's message.
pub(super) fn tolerance(args: &serde_json::Map<String, Value>) -> Result<Option<(String, String)>> {
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
