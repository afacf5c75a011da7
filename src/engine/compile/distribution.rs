//! `is_in_distribution`: the total variation distance between a column's value shares (its
//! non-NULL values, filtered) and an expected distribution, with the mass the distribution leaves
//! out as one residual bucket. Every row fails when the distance exceeds the allowed one.

use super::{CompileContext, CompiledRule, Join, Result, Skip, arg, arg_bool, arg_str, row_filter};
use crate::engine::sql::Dialect;
use serde_json::{Map, Value};

/// Types DQX accepts for the check.
const SUPPORTED: [&str; 9] = [
    "boolean", "string", "char", "varchar", "tinyint", "smallint", "int", "bigint", "date",
];

/// Floating-point noise below which a distance equals the limit.
const NOISE: f64 = 1e-9;

/// The expected shares, checked as DQX checks them.
fn distribution(args: &Map<String, Value>) -> Result<Vec<(String, f64)>> {
    let skip = |m: &str| Err(Skip(format!("Check evaluation skipped: {m}")));
    let Some(map) = arg(args, "distribution").and_then(Value::as_object) else {
        return skip("'distribution' is not provided.");
    };
    if map.is_empty() {
        return skip("'distribution' must not be empty.");
    }
    let mut shares = Vec::with_capacity(map.len());
    for (key, value) in map {
        match value.as_f64() {
            Some(v) if v.is_finite() && v >= 0.0 => shares.push((key.clone(), v)),
            _ => {
                return skip(&format!(
                    "'distribution' value for key '{key}' must be a finite, non-negative number"
                ));
            }
        }
    }
    let total: f64 = shares.iter().map(|(_, v)| v).sum();
    if total > 1.0 + NOISE {
        return skip(&format!(
            "'distribution' values sum ({total}) is greater than 1."
        ));
    }
    Ok(shares)
}

pub(super) fn is_in_distribution(
    rule: &crate::model::rules::ResolvedRule,
    cx: &CompileContext<'_>,
) -> Result<CompiledRule> {
    let args = &rule.arguments;
    let written = arg_str(args, "column");
    let c = cx.column(written)?;
    let column_type = cx.column_type(written).map(str::to_ascii_lowercase);
    if let Some(t) = &column_type
        && !SUPPORTED.contains(&t.split('(').next().unwrap_or_default())
    {
        return Err(Skip(format!(
            "Check evaluation skipped: Column '{written}' has unsupported type '{t}' for 'is_in_distribution'; expected one of: boolean, string, char, byte, short, integer, long, date."
        )));
    }
    let shares = distribution(args)?;
    let distance = arg(args, "distance")
        .and_then(Value::as_f64)
        .unwrap_or(-1.0);
    if !(0.0..=1.0).contains(&distance) {
        return Err(Skip(
            "Check evaluation skipped: 'distance' must be a number between 0 and 1.".into(),
        ));
    }
    let text = column_type
        .as_deref()
        .is_some_and(|t| matches!(t, "string" | "char" | "varchar") || t.starts_with("varchar"));
    let lower = text && !arg_bool(args, "case_sensitive", true);
    let value = if lower {
        format!("lower({})", cx.s(&c))
    } else {
        cx.s(&c)
    };
    let alias = format!("__dqx_d{}", cx.id);
    let where_filter = row_filter(rule)?
        .map(|f| format!(" WHERE ({f})"))
        .unwrap_or_default();
    let counts: Vec<String> = shares
        .iter()
        .enumerate()
        .map(|(i, (key, _))| {
            let key = if lower {
                key.to_lowercase()
            } else {
                key.clone()
            };
            format!("count(CASE WHEN v = {} THEN 1 END) AS c{i}", cx.lit(&key))
        })
        .collect();
    let total = "CAST(total AS DOUBLE)";
    let listed: Vec<String> = (0..shares.len()).map(|i| format!("c{i}")).collect();
    let mut terms: Vec<String> = shares
        .iter()
        .enumerate()
        .map(|(i, (_, p))| format!("abs({p:?} - c{i} / {total})"))
        .collect();
    let residual = 1.0 - shares.iter().map(|(_, p)| p).sum::<f64>();
    terms.push(format!(
        "abs({residual:?} - (total - ({})) / {total})",
        listed.join(" + ")
    ));
    let tvd = format!("(0.5 * ({}))", terms.join(" + "));
    let relation = format!(
        "(SELECT total AS {alias}_n, {tvd} AS {alias}_tvd FROM (SELECT {}, count(v) AS total FROM (SELECT {value} AS v FROM {}{where_filter}) {alias}_v) {alias}_c) {alias}",
        counts.join(", "),
        cx.table_sql
    );
    let (n, d) = (format!("{alias}.{alias}_n"), format!("{alias}.{alias}_tvd"));
    Ok(CompiledRule {
        layers: Vec::new(),
        condition: format!(
            "(CASE WHEN {n} = 0 THEN FALSE ELSE {d} > {distance:?} AND NOT abs({d} - {distance:?}) <= {NOISE:?} END)"
        ),
        message: cx.concat(&[
            cx.lit(&format!(
                "Column '{written}' actual distribution deviates from expected by TVD="
            )),
            six_decimals(cx.dialect, &d),
            cx.lit(&format!(
                ", which exceeds the allowed distance={distance:?}."
            )),
        ]),
        joins: vec![Join { relation, on: None }],
    })
}

/// `x` (between 0 and 1) printed with six decimals, as `format_string('%.6f', x)`.
fn six_decimals(dialect: Dialect, x: &str) -> String {
    match dialect {
        Dialect::Spark => format!("format_string('%.6f', {x})"),
        Dialect::DataFusion => {
            let micros = format!("CAST(round({x} * 1000000) AS BIGINT)");
            format!(
                "concat(CAST({micros} / 1000000 AS VARCHAR), '.', lpad(CAST({micros} % 1000000 AS VARCHAR), 6, '0'))"
            )
        }
    }
}
