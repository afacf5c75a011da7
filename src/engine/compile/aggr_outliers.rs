//! `has_no_aggr_outliers`: an aggregate per time bucket (`date_trunc(time_interval, time_column)`,
//! per group), and a σ-band over the buckets before the latest one. When the latest bucket's
//! value is more than `sigma` population standard deviations from the mean of up to
//! `lookback_num_intervals` earlier buckets (with at least `warmup_num_intervals` of them and a
//! non-zero deviation), every row of the group fails, as in DQX.

use super::aggr_types;
use super::aggregate::{aggregate_target, metric_join};
use super::{
    CompileContext, CompiledRule, Join, Result, Skip, arg, arg_i64, arg_str, filtered_target,
    key_join_parts, opt_str, str_list,
};
use crate::engine::types::{TypeKind, kind_of_uc_type};
use crate::model::rules::ResolvedRule;
use serde_json::Value;

const TIME_INTERVALS: [&str; 5] = ["day", "hour", "minute", "month", "week"];

/// The numeric settings, checked as DQX checks them.
struct Band {
    sigma: f64,
    lookback: i64,
    warmup: i64,
    interval: String,
}

fn band(args: &serde_json::Map<String, Value>) -> Result<Band> {
    let skip = |m: String| Err(Skip(format!("Check evaluation skipped: {m}")));
    let sigma = arg(args, "sigma").and_then(Value::as_f64).unwrap_or(3.0);
    let lookback = arg_i64(args, "lookback_num_intervals", 14);
    let warmup = arg_i64(args, "warmup_num_intervals", 7);
    let interval = opt_str(args, "time_interval").unwrap_or("day").to_string();
    if sigma <= 0.0 {
        return skip(format!("'sigma' must be a positive number, got {sigma}"));
    }
    if lookback < 2 {
        return skip(format!(
            "'lookback_num_intervals' must be >= 2, got {lookback}"
        ));
    }
    if warmup < 1 || warmup > lookback {
        return skip(format!(
            "'warmup_num_intervals' must satisfy 1 <= warmup_num_intervals <= lookback_num_intervals ({lookback}), got {warmup}"
        ));
    }
    if !TIME_INTERVALS.contains(&interval.as_str()) {
        return skip(format!(
            "'time_interval' must be one of ['day', 'hour', 'minute', 'month', 'week'], got '{interval}'"
        ));
    }
    Ok(Band {
        sigma,
        lookback,
        warmup,
        interval,
    })
}

pub(super) fn has_no_aggr_outliers(
    rule: &ResolvedRule,
    cx: &CompileContext<'_>,
) -> Result<CompiledRule> {
    let args = &rule.arguments;
    let b = band(args)?;
    let written = arg_str(args, "column");
    let aggr = opt_str(args, "aggr_type").unwrap_or("avg");
    let target = aggregate_target(written, aggr, |w| cx.column(w))?;
    let time_written = arg_str(args, "time_column");
    let time = cx.column(time_written)?;
    if let Some(t) = cx.column_type(time_written)
        && kind_of_uc_type(t) != TypeKind::Temporal
    {
        return Err(Skip(format!(
            "Check evaluation skipped: Column '{time_written}' must be of date or timestamp type for time-series bucketing, but got type '{}' instead.",
            t.to_ascii_lowercase()
        )));
    }
    let filtered = filtered_target(rule, target)?;
    let groups = str_list(args, "group_by")
        .iter()
        .map(|g| cx.column(g))
        .collect::<Result<Vec<_>>>()?;
    let alias = format!("__dqx_t{}", cx.id);
    let params = arg(args, "aggr_params").and_then(Value::as_object);
    // The per-bucket metrics: `{bucket}_k{i}` the group keys, then the bucket's start.
    let bucket = format!("{alias}_b");
    let aggregate = aggr_types::resolve(aggr, params, &format!("{bucket}_v"), cx.dialect)?;
    let mut keys = groups.clone();
    keys.push(format!("date_trunc('{}', {time})", b.interval));
    let buckets = metric_join(
        &aggregate.form,
        &filtered,
        (&keys, &keys),
        cx.table_sql,
        &bucket,
    );
    let inner_keys: Vec<String> = (0..groups.len())
        .map(|i| format!("{bucket}_k{i}"))
        .collect();
    let group_keys: Vec<String> = (0..groups.len()).map(|i| format!("{alias}_k{i}")).collect();
    let renamed: String = inner_keys
        .iter()
        .zip(&group_keys)
        .map(|(inner, outer)| format!("{inner} AS {outer}, "))
        .collect();
    let partition = if inner_keys.is_empty() {
        String::new()
    } else {
        format!("PARTITION BY {} ", inner_keys.join(", "))
    };
    let (keys_comma, group_by) = if group_keys.is_empty() {
        (String::new(), String::new())
    } else {
        (
            format!("{}, ", group_keys.join(", ")),
            format!(" GROUP BY {}", group_keys.join(", ")),
        )
    };
    let history = format!("rn BETWEEN 2 AND {}", b.lookback + 1);
    let stats = format!(
        "(SELECT {keys_comma}max(CASE WHEN rn = 1 THEN m END) AS {alias}_cur, \
         avg(CASE WHEN {history} THEN m END) AS {alias}_mu, \
         stddev_pop(CASE WHEN {history} THEN m END) AS {alias}_sd, \
         count(CASE WHEN {history} THEN 1 END) AS {alias}_n \
         FROM (SELECT {renamed}CAST({bucket}_m AS DOUBLE) AS m, \
         row_number() OVER ({partition}ORDER BY {bucket}_k{} DESC NULLS LAST) AS rn \
         FROM {}) {alias}_r{group_by}) {alias}",
        groups.len(),
        buckets.relation
    );
    let (_, on) = key_join_parts(&alias, &groups, &groups, true);
    let field = |f: &str| format!("{alias}.{alias}_{f}");
    let delta = format!("abs({} - {})", field("cur"), field("mu"));
    let condition = format!(
        "(CASE WHEN {n} IS NULL OR {n} < {warmup} THEN FALSE WHEN {sd} IS NULL OR {sd} = 0 THEN FALSE \
         WHEN {cur} IS NULL THEN FALSE ELSE {delta} > {sigma:?} * {sd} END)",
        n = field("n"),
        sd = field("sd"),
        cur = field("cur"),
        warmup = b.warmup,
        sigma = b.sigma,
    );
    let message = cx.concat(&[
        cx.lit(&format!("{aggr}({written}): current=")),
        cx.s(&field("cur")),
        cx.lit(", baseline="),
        cx.s(&field("mu")),
        cx.lit(", stddev="),
        cx.s(&field("sd")),
        cx.lit(", delta="),
        cx.s(&delta),
        cx.lit(&format!(
            " exceeds {:?} x stddev (lookback={} intervals)",
            b.sigma, b.lookback
        )),
    ]);
    Ok(CompiledRule {
        layers: Vec::new(),
        condition,
        message,
        joins: vec![Join {
            relation: stats,
            on: (!on.is_empty()).then_some(on),
        }],
    })
}
