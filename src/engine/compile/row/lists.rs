//! Allowed and forbidden lists: `is_in_list`, `is_not_null_and_is_in_list`, `is_not_in_list`.

use super::ColumnRule;
use crate::engine::compile::{CompiledRule, Result, Skip, arg, row_check};
use crate::engine::sql::limit_sql;
use serde_json::Value;

pub(super) fn is_in_list(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let list = List::read(r, "allowed")?;
    Ok(row_check(
        format!("NOT ({})", list.contains),
        list.message(r, vec![r.value_in("is not in the allowed list: [")]),
    ))
}

pub(super) fn is_not_in_list(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let list = List::read(r, "forbidden")?;
    Ok(row_check(
        list.contains.clone(),
        list.message(r, vec![r.value_in("is in the forbidden list: [")]),
    ))
}

pub(super) fn is_not_null_and_is_in_list(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let list = List::read(r, "allowed")?;
    let cx = r.cx;
    let head = vec![
        cx.lit("Value '"),
        format!("coalesce({}, 'null')", r.cs),
        cx.lit(&format!(
            "' in {} is null or not in the allowed list: [",
            r.label
        )),
    ];
    Ok(row_check(
        format!("({} IS NULL OR NOT ({}))", r.c, list.contains),
        list.message(r, head),
    ))
}

/// A list argument as SQL: the membership test and the items as the message renders them.
struct List {
    /// `<column> IN (<items>)`, lowered on both sides when `case_sensitive` is false.
    contains: String,
    /// `concat_ws(', ', <items as strings>)`.
    rendered: String,
}

impl List {
    fn read(r: &ColumnRule<'_>, key: &str) -> Result<List> {
        let cx = r.cx;
        let items = arg(r.args, key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let sql_items = items
            .iter()
            .map(|i| {
                limit_sql(cx.dialect, i).map_err(|e| {
                    Skip(format!(
                        "Check evaluation skipped due to invalid list item: {e}"
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let (lhs, rhs): (String, Vec<String>) = if r.flag("case_sensitive", true) {
            (r.c.clone(), sql_items.clone())
        } else {
            (
                format!("lower({})", r.cs),
                sql_items
                    .iter()
                    .map(|i| format!("lower({})", cx.s(i)))
                    .collect(),
            )
        };
        let as_strings: Vec<String> = sql_items.iter().map(|i| cx.s(i)).collect();
        Ok(List {
            contains: format!("{lhs} IN ({})", rhs.join(", ")),
            rendered: format!("concat_ws(', ', {})", as_strings.join(", ")),
        })
    }

    /// The parts of `head`, the items, then `]`.
    fn message(&self, r: &ColumnRule<'_>, mut head: Vec<String>) -> String {
        head.extend([self.rendered.clone(), r.cx.lit("]")]);
        r.cx.concat(&head)
    }
}
