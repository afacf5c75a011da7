//! Aggregate checks (`is_aggr_*`): count, sum, avg, min or max over the whole table or per
//! group, compared with a limit, joined in as a one-row or per-group helper.

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
    let (function, display) = match aggr {
        "count" => ("count", "Count"),
        "sum" => ("sum", "Sum"),
        "avg" => ("avg", "Average"),
        "min" => ("min", "Min"),
        "max" => ("max", "Max"),
        other => {
            return Err(Skip(format!(
                "Check evaluation skipped: aggr_type '{other}' is not supported yet (count, sum, avg, min, max)"
            )));
        }
    };
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
    let l = limit(cx, arg(args, "limit"))?;
    let group_written = str_list(args, "group_by");
    let groups = group_written
        .iter()
        .map(|g| cx.column(g))
        .collect::<Result<Vec<_>>>()?;
    let alias = format!("__dqx_a{}", cx.id);
    let metric = format!("{alias}.{alias}_m");
    let metric_sql = if aggr == "count" {
        format!("count({filtered})")
    } else {
        format!("{function}({filtered})")
    };
    let join = if groups.is_empty() {
        Join {
            relation: format!(
                "(SELECT {metric_sql} AS {alias}_m FROM {}) {alias}",
                cx.table_sql
            ),
            on: None,
        }
    } else {
        let (select, on) = key_join_parts(&alias, &groups, &groups, true);
        Join {
            relation: format!(
                "(SELECT {select}, {metric_sql} AS {alias}_m FROM {} GROUP BY {}) {alias}",
                cx.table_sql,
                groups.join(", ")
            ),
            on: Some(on),
        }
    };
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
    Ok(CompiledRule {
        condition: format!("{metric} {op} {l}"),
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
