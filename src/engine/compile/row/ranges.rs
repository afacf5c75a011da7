//! Ranges, limits and values: `is_in_range`, `is_not_less_than`, `is_equal_to` and their
//! negations, and the coordinate checks `is_latitude` / `is_longitude`.

use super::ColumnRule;
use crate::engine::compile::{CompiledRule, Result, aggregate, arg, limit, row_check};
use serde_json::Value;

pub(super) fn is_in_range(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let (min, max, message) = range(r, "not in range")?;
    Ok(r.nullable(format!("({c} < {min} OR {c} > {max})", c = r.c), message))
}

pub(super) fn is_not_in_range(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let (min, max, message) = range(r, "in range")?;
    Ok(r.nullable(format!("({c} >= {min} AND {c} <= {max})", c = r.c), message))
}

/// The range's bounds as SQL, and `Value '..' in Column '..' <label>: [min, max]`.
fn range(r: &ColumnRule<'_>, label: &str) -> Result<(String, String, String)> {
    let cx = r.cx;
    let min = limit(cx, arg(r.args, "min_limit"))?;
    let max = limit(cx, arg(r.args, "max_limit"))?;
    let message = cx.concat(&[
        r.value_in(&format!("{label}: [")),
        cx.s(&min),
        cx.lit(", "),
        cx.s(&max),
        cx.lit("]"),
    ]);
    Ok((min, max, message))
}

pub(super) fn is_not_less_than(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    bound(r, "<", "is less than limit: ")
}

pub(super) fn is_not_greater_than(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    bound(r, ">", "is greater than limit: ")
}

/// Fails when `column <op> limit`.
fn bound(r: &ColumnRule<'_>, op: &str, label: &str) -> Result<CompiledRule> {
    let l = limit(r.cx, arg(r.args, "limit"))?;
    Ok(r.nullable(
        format!("{} {op} {l}", r.c),
        r.cx.concat(&[r.value_in(label), r.cx.s(&l)]),
    ))
}

pub(super) fn is_equal_to(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let (equal, v) = equality(r)?;
    Ok(r.nullable(
        format!("NOT ({equal})"),
        r.cx.concat(&[r.value_in("is not equal to value: "), r.cx.s(&v)]),
    ))
}

pub(super) fn is_not_equal_to(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let (equal, v) = equality(r)?;
    Ok(r.nullable(
        equal,
        r.cx.concat(&[r.value_in("is equal to value: "), r.cx.s(&v)]),
    ))
}

/// TRUE when the column equals `value` (within a tolerance for numbers, if one is given), and
/// the value as SQL.
fn equality(r: &ColumnRule<'_>) -> Result<(String, String)> {
    let value = arg(r.args, "value");
    let v = limit(r.cx, value)?;
    let numeric = value.is_some_and(Value::is_number);
    let abs = arg(r.args, "abs_tolerance").and_then(Value::as_f64);
    let rel = arg(r.args, "rel_tolerance").and_then(Value::as_f64);
    let equal = if numeric && (abs.is_some() || rel.is_some()) {
        // A missing tolerance is 0.0, as in DQX: it adds nothing to the other's match.
        let (a, t) = (abs.unwrap_or(0.0), rel.unwrap_or(0.0));
        aggregate::within_tolerance(&r.c, &v, &format!("{a:?}"), &format!("{t:?}"))
    } else {
        format!("{} = {v}", r.c)
    };
    Ok((equal, v))
}

pub(super) fn is_latitude(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    coordinate(r, "latitude", 90)
}

pub(super) fn is_longitude(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    coordinate(r, "longitude", 180)
}

/// Fails unless the value casts to a double within ±`bound`.
fn coordinate(r: &ColumnRule<'_>, what: &str, bound: u32) -> Result<CompiledRule> {
    let cx = r.cx;
    Ok(row_check(
        format!(
            "NOT (TRY_CAST({} AS DOUBLE) BETWEEN -{bound}.0 AND {bound}.0)",
            r.c
        ),
        cx.concat(&[
            cx.lit("value `"),
            r.cs.clone(),
            cx.lit(&format!(
                "` in column `{}` is not a valid {what} (must be between -{bound} and {bound})",
                r.written
            )),
        ]),
    ))
}
