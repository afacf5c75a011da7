//! Time-window checks: `is_data_fresh_per_time_window` (enough rows in each epoch-aligned window
//! up to now) and `has_no_gaps_per_time_window` (no empty window between two present ones, and
//! with `trailing_gap` none up to now). Windows are keyed by their start in epoch seconds and
//! joined in as a per-window helper.

use super::{
    CompileContext, CompiledRule, Join, Result, Skip, arg, arg_bool, arg_i64, arg_str,
    key_join_parts, row_filter, str_list,
};
use crate::model::rules::ResolvedRule;

/// The start (epoch seconds) of the `seconds`-long window holding the time expression `c`.
fn window_start(cx: &CompileContext<'_>, c: &str, seconds: i64) -> String {
    format!(
        "(CAST(floor(CAST({} AS DOUBLE) / {seconds}) AS BIGINT) * {seconds})",
        cx.dialect.epoch_seconds(c)
    )
}

/// A positive integer argument, or DQX's error.
fn positive(rule: &ResolvedRule, key: &str) -> Result<i64> {
    let value = arg_i64(&rule.arguments, key, 0);
    if value > 0 {
        Ok(value)
    } else {
        Err(Skip(format!(
            "Check evaluation skipped: {key} must be a positive integer"
        )))
    }
}

pub(super) fn is_data_fresh_per_time_window(
    rule: &ResolvedRule,
    cx: &CompileContext<'_>,
) -> Result<CompiledRule> {
    let written = arg_str(&rule.arguments, "column");
    let c = cx.column(written)?;
    let minutes = positive(rule, "window_minutes")?;
    let min_records = positive(rule, "min_records_per_window")?;
    let now = cx.dialect.epoch_seconds(&cx.now);
    let ts = cx.dialect.epoch_seconds(&c);
    let mut counted = vec![format!("{ts} <= {now}")];
    if arg(&rule.arguments, "lookback_windows").is_some() {
        let lookback = positive(rule, "lookback_windows")?;
        counted.push(format!("{ts} >= {now} - {}", minutes * lookback * 60));
    }
    if let Some(f) = row_filter(rule)? {
        counted.insert(0, format!("({f})"));
    }
    let counted = format!("({})", counted.join(" AND "));
    let seconds = minutes * 60;
    let alias = format!("__dqx_f{}", cx.id);
    let start = window_start(cx, &c, seconds);
    let relation = format!(
        "(SELECT {start} AS {alias}_ws, sum(CASE WHEN {counted} THEN 1 ELSE 0 END) AS {alias}_n \
         FROM {} WHERE {c} IS NOT NULL GROUP BY {start}) {alias}",
        cx.table_sql
    );
    let n = format!("{alias}.{alias}_n");
    Ok(CompiledRule {
        layers: Vec::new(),
        condition: format!("({counted} AND {n} < {min_records})"),
        message: cx.concat(&[
            cx.lit("Data arrival completeness check failed: only "),
            cx.s(&n),
            cx.lit(&format!(
                " records found in {minutes}-minute interval starting at "
            )),
            cx.dialect.format_epoch(&start),
            cx.lit(" and ending at "),
            cx.dialect.format_epoch(&format!("({start} + {seconds})")),
            cx.lit(&format!(", expected at least {min_records} records")),
        ]),
        joins: vec![Join {
            relation,
            on: Some(format!("{start} = {alias}.{alias}_ws")),
        }],
    })
}

pub(super) fn has_no_gaps_per_time_window(
    rule: &ResolvedRule,
    cx: &CompileContext<'_>,
) -> Result<CompiledRule> {
    let args = &rule.arguments;
    let written = arg_str(args, "column");
    let c = cx.column(written)?;
    let minutes = positive(rule, "window_minutes")?;
    let seconds = minutes * 60;
    let trailing = arg_bool(args, "trailing_gap", false);
    let groups = str_list(args, "group_by")
        .iter()
        .map(|g| cx.column(g))
        .collect::<Result<Vec<_>>>()?;
    let alias = format!("__dqx_g{}", cx.id);
    let (select, on) = key_join_parts(&alias, &groups, &groups, true);
    let keys: Vec<String> = (0..groups.len()).map(|i| format!("{alias}_k{i}")).collect();
    let keys_comma = if keys.is_empty() {
        String::new()
    } else {
        format!("{}, ", keys.join(", "))
    };
    let partition = if keys.is_empty() {
        String::new()
    } else {
        format!("PARTITION BY {} ", keys.join(", "))
    };
    let start = window_start(cx, &c, seconds);
    let lead = format!("lead({alias}_ws) OVER ({partition}ORDER BY {alias}_ws)");
    let next = if trailing {
        format!("coalesce({lead}, {})", window_start(cx, &cx.now, seconds))
    } else {
        lead.clone()
    };
    let select_keys = if select.is_empty() {
        String::new()
    } else {
        format!("{select}, ")
    };
    let relation = format!(
        "(SELECT {keys_comma}{alias}_ws, {alias}_next, {alias}_t, \
         ({alias}_next IS NOT NULL AND {alias}_next - {alias}_ws > {seconds}) AS {alias}_gap \
         FROM (SELECT {keys_comma}{alias}_ws, {next} AS {alias}_next, {lead} IS NULL AS {alias}_t \
         FROM (SELECT DISTINCT {select_keys}{start} AS {alias}_ws FROM {} WHERE {c} IS NOT NULL) {alias}_d) {alias}_l) {alias}",
        cx.table_sql
    );
    let mut join_on = vec![format!("{start} = {alias}.{alias}_ws")];
    if !on.is_empty() {
        join_on.push(on);
    }
    let field = |f: &str| format!("{alias}.{alias}_{f}");
    let phrase = if trailing {
        format!(
            "CASE WHEN {} THEN {} ELSE {} END",
            field("t"),
            cx.lit(" and the current time; the current window starts at "),
            cx.lit(" and the next present window starting at ")
        )
    } else {
        cx.lit(" and the next present window starting at ")
    };
    Ok(CompiledRule {
        layers: Vec::new(),
        condition: field("gap"),
        message: cx.concat(&[
            cx.lit("Gap in time series: no data between the window starting at "),
            cx.dialect.format_epoch(&field("ws")),
            phrase,
            cx.dialect.format_epoch(&field("next")),
        ]),
        joins: vec![Join {
            relation,
            on: Some(join_on.join(" AND ")),
        }],
    })
}
