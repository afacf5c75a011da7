//! `sql_query`: a user query over the (filtered) input, merged back per key null-safely, or
//! applied to every row when it returns one row.

use super::{
    CompileContext, CompiledRule, Join, Result, Skip, key_join_parts, opt_str,
    other_relation_column, str_list,
};
use crate::model::rules::ResolvedRule;
use crate::model::table_name::quote_identifier;
use serde_json::Value;

/// Words that make DQX refuse a query or filter as unsafe.
const DESTRUCTIVE: [&str; 17] = [
    "delete", "insert", "update", "drop", "truncate", "alter", "create", "replace", "grant",
    "revoke", "merge", "use", "refresh", "analyze", "optimize", "zorder", "set",
];

fn has_destructive_word(text: &str) -> bool {
    text.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|word| DESTRUCTIVE.contains(&word))
}

/// Replaces `{{ name }}` placeholders: the input placeholder by the (filtered) input, any other
/// by the table of that name.
fn expand_placeholders(query: &str, placeholder: &str, input: &str) -> Result<String> {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| {
            Skip("Check evaluation skipped: unterminated {{ placeholder in sql_query".into())
        })?;
        let name = after[..end].trim();
        if name == placeholder {
            out.push_str(input);
        } else if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push_str(&quote_identifier(name));
        } else {
            return Err(Skip(format!(
                "Check evaluation skipped: invalid placeholder '{{{{ {name} }}}}'"
            )));
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `sql_query`: with `merge_columns`, the query's `condition` per key (max over duplicates) is
/// joined back null-safely; without, its single row's condition applies to every row.
pub(super) fn sql_query(
    rule: &ResolvedRule,
    cx: &CompileContext<'_>,
    row_filter: Option<String>,
) -> Result<CompiledRule> {
    let query = opt_str(&rule.arguments, "query").unwrap_or_default();
    if has_destructive_word(query) {
        return Err(Skip(format!(
            "Check evaluation skipped due to unsafe sql query: '{query}'"
        )));
    }
    let placeholder = opt_str(&rule.arguments, "input_placeholder").unwrap_or("input_view");
    let input = match &row_filter {
        Some(f) => format!("(SELECT * FROM {} WHERE {f})", cx.table_sql),
        None => format!("(SELECT * FROM {})", cx.table_sql),
    };
    let expanded = expand_placeholders(query, placeholder, &input)?;
    crate::engine::sql::check_query(&expanded).map_err(|e| {
        Skip(format!(
            "Check evaluation skipped due to invalid sql query: {e}"
        ))
    })?;
    let condition_column =
        quote_identifier(opt_str(&rule.arguments, "condition_column").unwrap_or("condition"));
    let negate = rule
        .arguments
        .get("negate")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let as_number =
        format!("CASE WHEN {condition_column} THEN 1 WHEN NOT {condition_column} THEN 0 END");
    let alias = format!("__dqx_q{}", cx.id);
    let want = if negate { 0 } else { 1 };
    let message = match opt_str(&rule.arguments, "msg") {
        Some(msg) => cx.dialect.literal(msg),
        None if negate => cx
            .dialect
            .literal(&format!("Value is matching query: '{query}'")),
        None => cx
            .dialect
            .literal(&format!("Value is not matching query: '{query}'")),
    };
    let merge = str_list(&rule.arguments, "merge_columns");
    if merge.is_empty() {
        let join = Join {
            relation: format!(
                "(SELECT max({as_number}) AS {alias}_v, count(*) AS {alias}_n FROM ({expanded}) {alias}_in) {alias}"
            ),
            on: None,
        };
        let too_many = cx
            .dialect
            .literal("Dataset-level sql_query without merge_columns must return exactly one row");
        return Ok(CompiledRule {
            layers: Vec::new(),
            condition: format!("({alias}.{alias}_n > 1 OR {alias}.{alias}_v = {want})"),
            message: format!("CASE WHEN {alias}.{alias}_n > 1 THEN {too_many} ELSE {message} END"),
            joins: vec![join],
        });
    }
    let keys = merge
        .iter()
        .map(|m| other_relation_column(m))
        .collect::<Result<Vec<_>>>()?;
    let (select, on) = key_join_parts(&alias, &keys, &keys, true);
    let join = Join {
        relation: format!(
            "(SELECT {select}, max({as_number}) AS {alias}_v FROM ({expanded}) {alias}_in GROUP BY {}) {alias}",
            keys.join(", ")
        ),
        on: Some(on),
    };
    Ok(CompiledRule {
        layers: Vec::new(),
        condition: format!("{alias}.{alias}_v = {want}"),
        message,
        joins: vec![join],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_expand_and_unsafe_words_are_caught() {
        let q = expand_placeholders(
            "SELECT * FROM {{ input_view }} JOIN {{other}}",
            "input_view",
            "(x)",
        )
        .unwrap();
        assert_eq!(q, "SELECT * FROM (x) JOIN `other`");
        assert!(has_destructive_word("SELECT 1; DROP TABLE t"));
        assert!(!has_destructive_word("SELECT dropped_at FROM t"));
    }
}
