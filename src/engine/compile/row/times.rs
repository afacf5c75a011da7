//! Time checks: `is_not_in_future`, `is_not_in_near_future`, `is_older_than_n_days`,
//! `is_data_fresh`, and whether text parses as a date or timestamp.

use super::ColumnRule;
use crate::engine::compile::{CompiledRule, Result, Skip, arg, arg_i64, limit, row_check};
use crate::engine::sql::Dialect;
use crate::engine::udf::spark_pattern_to_chrono;
use serde_json::Value;

/// The column, "now" and "now + offset" in one comparable form. DQX compares the column with
/// `from_unixtime(...)`, a 'yyyy-MM-dd HH:mm:ss' string: a string column is compared as text (as
/// Spark does), anything else as a time.
struct Future {
    value: String,
    now_cmp: String,
    limit_cmp: String,
    /// "now + offset" as text, for the message.
    limit_time: String,
    now: String,
}

fn future(r: &ColumnRule<'_>) -> Future {
    let cx = r.cx;
    let offset = arg_i64(r.args, "offset", 0);
    let now = cx.dialect.epoch_seconds(&cx.now);
    let limit_time = cx.dialect.format_epoch(&format!("({now} + {offset})"));
    let as_text = cx
        .column_type(r.written)
        .is_some_and(|t| t.eq_ignore_ascii_case("STRING"));
    let (value, now_cmp, limit_cmp) = if as_text {
        (
            r.c.clone(),
            cx.dialect.format_epoch(&now),
            limit_time.clone(),
        )
    } else {
        (
            cx.dialect.epoch_seconds(&r.c),
            now.clone(),
            format!("{now} + {offset}"),
        )
    };
    Future {
        value,
        now_cmp,
        limit_cmp,
        limit_time,
        now,
    }
}

pub(super) fn is_not_in_future(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let t = future(r);
    Ok(row_check(
        format!("{} > {}", t.value, t.limit_cmp),
        r.cx.concat(&[
            r.value_in("is greater than time '"),
            t.limit_time,
            r.cx.lit("'"),
        ]),
    ))
}

pub(super) fn is_not_in_near_future(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let t = future(r);
    let cx = r.cx;
    Ok(row_check(
        format!(
            "({value} > {} AND {value} < {})",
            t.now_cmp,
            t.limit_cmp,
            value = t.value
        ),
        cx.concat(&[
            r.value_in("is greater than '"),
            cx.dialect.format_epoch(&t.now),
            cx.lit(" and smaller than '"),
            t.limit_time,
            cx.lit("'"),
        ]),
    ))
}

pub(super) fn is_older_than_n_days(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let cx = r.cx;
    let days = arg_i64(r.args, "days", 0);
    let today = cx.dialect.to_date(&cx.now);
    let date = cx.dialect.to_date(&r.c);
    let base = format!("{date} >= {}", cx.dialect.date_minus_days(&today, days));
    let mut parts = vec![
        cx.lit("Value '"),
        cx.s(&date),
        cx.lit(&format!("' in {} ", r.label)),
    ];
    let (condition, verb, tail) = if r.flag("negate", false) {
        (
            format!("NOT ({base})"),
            "is less than current date '",
            format!("' for {days} or more days"),
        )
    } else {
        (
            base,
            "is not less than current date '",
            format!("' for more than {days} days"),
        )
    };
    parts.extend([cx.lit(verb), cx.s(&today), cx.lit(&tail)]);
    Ok(row_check(condition, cx.concat(&parts)))
}

pub(super) fn is_data_fresh(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let cx = r.cx;
    let minutes = arg_i64(r.args, "max_age_minutes", 0);
    let base = match arg(r.args, "base_timestamp") {
        Some(v) => limit(cx, Some(v))?,
        None => cx.now.clone(),
    };
    let base_secs = cx.dialect.epoch_seconds(&base);
    Ok(row_check(
        format!(
            "{} < {base_secs} - {}",
            cx.dialect.epoch_seconds(&r.c),
            minutes * 60
        ),
        cx.concat(&[
            r.value_in(&format!(
                "is older than {minutes} minutes from base timestamp '"
            )),
            cx.dialect.format_epoch(&base_secs),
            cx.lit("'"),
        ]),
    ))
}

pub(super) fn is_valid_date(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    parses_as(r, "date_format", "date")
}

pub(super) fn is_valid_timestamp(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    parses_as(r, "timestamp_format", "timestamp")
}

/// Fails a non-NULL value that does not parse as a timestamp (in the format under `key`).
fn parses_as(r: &ColumnRule<'_>, key: &str, what: &str) -> Result<CompiledRule> {
    let cx = r.cx;
    let cs = &r.cs;
    let format = arg(r.args, key).and_then(Value::as_str);
    let parses = match cx.dialect {
        Dialect::DataFusion => {
            let chrono_format = match format {
                Some(spark) => cx.lit(&spark_pattern_to_chrono(spark).map_err(|e| {
                    Skip(format!(
                        "Check evaluation skipped due to invalid {key}: {e}"
                    ))
                })?),
                None => "CAST(NULL AS VARCHAR)".to_string(),
            };
            format!("dqx_parses_as_timestamp({cs}, {chrono_format})")
        }
        // DQX: `try_to_timestamp(c[, fmt]) IS NULL` fails the row.
        Dialect::Spark => match format {
            Some(fmt) => format!("(try_to_timestamp({cs}, {}) IS NOT NULL)", cx.lit(fmt)),
            None => format!("(try_to_timestamp({cs}) IS NOT NULL)"),
        },
    };
    let suffix = format
        .map(|fmt| format!(" with format '{fmt}'"))
        .unwrap_or_default();
    Ok(row_check(
        format!("({} IS NOT NULL AND NOT {parses})", r.c),
        r.value_in(&format!("is not a valid {what}{suffix}")),
    ))
}
