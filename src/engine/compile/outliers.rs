//! `has_no_outliers`: DQX's median-absolute-deviation band. The median is the lower middle value
//! (Spark's `percentile_approx(v, 0.5)`, exact for fewer than 10,000 distinct values), the MAD the
//! same over `|v - median|`; a row fails when its value lies outside median ± 3.5·MAD. The band is
//! one helper row, NULL when there are no values (then nothing fails).

use super::{CompileContext, CompiledRule, Join, Result, Skip, arg_str, row_filter};
use crate::engine::sql::Dialect;
use crate::engine::types::{TypeKind, kind_of_uc_type};
use crate::model::rules::ResolvedRule;

pub(super) fn has_no_outliers(
    rule: &ResolvedRule,
    cx: &CompileContext<'_>,
) -> Result<CompiledRule> {
    let written = arg_str(&rule.arguments, "column");
    let c = cx.column(written)?;
    if let Some(t) = cx.column_type(written)
        && kind_of_uc_type(t) != TypeKind::Numeric
    {
        return Err(Skip(format!(
            "Check evaluation skipped: Column '{written}' must be of numeric type to perform outlier detection using MAD method, but got type '{}' instead.",
            t.to_ascii_lowercase()
        )));
    }
    let filter = row_filter(rule)?;
    let alias = format!("__dqx_o{}", cx.id);
    let (lo, hi) = (format!("{alias}.{alias}_lo"), format!("{alias}.{alias}_hi"));
    let where_filter = filter
        .as_deref()
        .map(|f| format!(" WHERE ({f})"))
        .unwrap_or_default();
    let values = format!("SELECT {c} AS v FROM {}{where_filter}", cx.table_sql);
    let band = match cx.dialect {
        Dialect::Spark => format!(
            "SELECT CAST(m AS DOUBLE) - 3.5 * CAST(mad AS DOUBLE) AS {alias}_lo, CAST(m AS DOUBLE) + 3.5 * CAST(mad AS DOUBLE) AS {alias}_hi \
             FROM (SELECT first(m) AS m, percentile_approx(abs(v - m), 0.5) AS mad \
             FROM ({values}) {alias}_v CROSS JOIN (SELECT percentile_approx(v, 0.5) AS m FROM ({values}) {alias}_w) {alias}_m) {alias}_s"
        ),
        Dialect::DataFusion => {
            let numbers = format!(
                "SELECT CAST(v AS DOUBLE) AS v FROM ({values}) {alias}_n WHERE v IS NOT NULL"
            );
            let median = lower_middle("v", &numbers, &format!("{alias}_med"));
            let deviations = format!(
                "SELECT abs(v - m) AS v FROM ({numbers}) {alias}_d CROSS JOIN ({median}) {alias}_dm"
            );
            let mad = lower_middle("v", &deviations, &format!("{alias}_mad"));
            format!(
                "SELECT m - 3.5 * mad AS {alias}_lo, m + 3.5 * mad AS {alias}_hi \
                 FROM ({median}) {alias}_bm CROSS JOIN (SELECT m AS mad FROM ({mad}) {alias}_x) {alias}_bd"
            )
        }
    };
    let outside = format!("({c} < {lo} OR {c} > {hi})");
    let condition = match filter {
        Some(f) => format!("(({f}) AND {outside})"),
        None => outside,
    };
    Ok(CompiledRule {
        layers: Vec::new(),
        condition,
        message: cx.concat(&[
            cx.lit("Value '"),
            cx.s(&c),
            cx.lit(&format!(
                "' in Column '{written}' is an outlier as per MAD."
            )),
        ]),
        joins: vec![Join {
            relation: format!("({band}) {alias}"),
            on: None,
        }],
    })
}

/// One row `m`: the value of `column` at rank ⌈n/2⌉ of `relation`'s n rows in ascending order
/// (NULL when there are none), as Spark's `percentile_approx(column, 0.5)` gives it exactly.
fn lower_middle(column: &str, relation: &str, alias: &str) -> String {
    format!(
        "SELECT max({column}) AS m FROM (SELECT {column}, row_number() OVER (ORDER BY {column}) AS rn, count(*) OVER () AS n FROM ({relation}) {alias}_in) {alias}_r WHERE rn = (n + 1) / 2"
    )
}
