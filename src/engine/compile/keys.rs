//! Key checks: `is_unique` (duplicates per key, with SQL or null-safe NULL semantics) and
//! `foreign_key` (keys missing from a reference table), each joined in as a small helper.

use super::{
    CompileContext, CompiledRule, Join, Result, Skip, arg_bool, key_join_parts, opt_str,
    other_relation_column, row_filter, str_list,
};
use crate::engine::types::{TypeKind, kind_of_uc_type};
use crate::model::rules::ResolvedRule;
use crate::model::table_name::{TableName, quote_identifier};

pub(super) fn is_unique(rule: &ResolvedRule, cx: &CompileContext<'_>) -> Result<CompiledRule> {
    let written = str_list(&rule.arguments, "columns");
    let keys = written
        .iter()
        .map(|w| cx.column(w))
        .collect::<Result<Vec<_>>>()?;
    let nulls_distinct = arg_bool(&rule.arguments, "nulls_distinct", true);
    let mut counted = Vec::new();
    if let Some(f) = row_filter(rule)? {
        counted.push(format!("({f})"));
    }
    if nulls_distinct {
        counted.extend(keys.iter().map(|k| format!("{k} IS NOT NULL")));
    }
    let counted = if counted.is_empty() {
        "TRUE".to_string()
    } else {
        counted.join(" AND ")
    };
    // trim_strings (DQX 0.17) groups string keys trimmed; messages show the values as written.
    let trim = arg_bool(&rule.arguments, "trim_strings", false);
    let grouped: Vec<String> = keys
        .iter()
        .zip(&written)
        .map(|(k, w)| {
            let text = cx
                .column_type(w)
                .is_some_and(|t| kind_of_uc_type(t) == TypeKind::Text);
            if trim && text {
                format!("trim({k})")
            } else {
                k.clone()
            }
        })
        .collect();
    let alias = format!("__dqx_u{}", cx.id);
    let (select, on) = key_join_parts(&alias, &grouped, &grouped, true);
    let join = Join {
        relation: format!(
            "(SELECT {select}, count(*) AS {alias}_n FROM {} WHERE {counted} GROUP BY {}) {alias}",
            cx.table_sql,
            grouped.join(", ")
        ),
        on: Some(on),
    };
    let (value, label) = key_display(cx, &keys, &written, !nulls_distinct);
    Ok(CompiledRule {
        layers: Vec::new(),
        condition: format!("({counted}) AND {alias}.{alias}_n > 1"),
        message: cx.concat(&[
            cx.lit("Value '"),
            value,
            cx.lit(&format!("' in column '{label}' is not unique, found ")),
            cx.s(&format!("{alias}.{alias}_n")),
            cx.lit(" duplicates"),
        ]),
        joins: vec![join],
    })
}

/// A reference table named in a rule: a three-part name, or a plain name the session knows.
pub fn reference_table(name: &str) -> Result<String> {
    if name.contains('.') {
        TableName::parse(name).map(|t| t.quoted()).map_err(|e| {
            Skip(format!(
                "Check evaluation skipped: invalid ref_table '{name}': {e}"
            ))
        })
    } else if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(quote_identifier(name))
    } else {
        Err(Skip(format!(
            "Check evaluation skipped: invalid reference name '{name}'"
        )))
    }
}

/// `columns` and `ref_columns` (as written, the same non-zero number of each) and the one
/// reference named by `ref_table` or `ref_df_name`, for `foreign_key` and `compare_datasets`.
pub(super) fn paired_reference(
    args: &serde_json::Map<String, serde_json::Value>,
) -> Result<(Vec<String>, Vec<String>, &str)> {
    let written = str_list(args, "columns");
    let written_ref = str_list(args, "ref_columns");
    if written.is_empty() || written.len() != written_ref.len() {
        return Err(Skip(
            "Check evaluation skipped: columns and ref_columns must have the same length".into(),
        ));
    }
    match (opt_str(args, "ref_table"), opt_str(args, "ref_df_name")) {
        (Some(t), None) | (None, Some(t)) => Ok((written, written_ref, t)),
        _ => Err(Skip(
            "Check evaluation skipped: give exactly one of ref_table and ref_df_name".into(),
        )),
    }
}

pub(super) fn foreign_key(rule: &ResolvedRule, cx: &CompileContext<'_>) -> Result<CompiledRule> {
    let args = &rule.arguments;
    let (written, written_ref, name) = paired_reference(args)?;
    let reference = reference_table(name)?;
    let keys = written
        .iter()
        .map(|w| cx.column(w))
        .collect::<Result<Vec<_>>>()?;
    let ref_keys = written_ref
        .iter()
        .map(|w| other_relation_column(w))
        .collect::<Result<Vec<_>>>()?;
    let null_safe = arg_bool(args, "null_safe", false);
    let negate = arg_bool(args, "negate", false);
    let alias = format!("__dqx_f{}", cx.id);
    let (select, on) = key_join_parts(&alias, &keys, &ref_keys, null_safe);
    let join = Join {
        relation: format!("(SELECT DISTINCT {select}, TRUE AS {alias}_m FROM {reference}) {alias}"),
        on: Some(on),
    };
    let mut parts: Vec<String> = Vec::new();
    if !null_safe {
        parts.extend(keys.iter().map(|k| format!("{k} IS NOT NULL")));
    }
    if let Some(f) = row_filter(rule)? {
        parts.push(format!("({f})"));
    }
    parts.push(if negate {
        format!("{alias}.{alias}_m IS NOT NULL")
    } else {
        format!("{alias}.{alias}_m IS NULL")
    });
    let (value, label) = key_display(cx, &keys, &written, true);
    let ref_label = key_label(&written_ref);
    let verb = if negate { "found" } else { "not found" };
    Ok(CompiledRule {
        layers: Vec::new(),
        condition: format!("({})", parts.join(" AND ")),
        message: cx.concat(&[
            cx.lit("Value '"),
            value,
            cx.lit(&format!(
                "' in column '{label}' {verb} in reference column '{ref_label}'"
            )),
        ]),
        joins: vec![join],
    })
}

/// A key's column label as DQX prints it: the column, or `struct(a, b)` for a composite key.
fn key_label(written: &[String]) -> String {
    match written {
        [single] => single.clone(),
        many => format!("struct({})", many.join(", ")),
    }
}

/// A key's value as SQL text for messages, and its label. A composite key prints as `{1, a}` with
/// NULL parts as `null`; a single key prints its value, NULL as `null` when `null_as_text`.
fn key_display(
    cx: &CompileContext<'_>,
    keys: &[String],
    written: &[String],
    null_as_text: bool,
) -> (String, String) {
    let value = match keys {
        [single] if !null_as_text => cx.s(single),
        [single] => format!("coalesce({}, 'null')", cx.s(single)),
        many => {
            let parts: Vec<String> = many
                .iter()
                .map(|k| format!("coalesce({}, 'null')", cx.s(k)))
                .collect();
            cx.concat(&[
                cx.lit("{"),
                format!("concat_ws(', ', {})", parts.join(", ")),
                cx.lit("}"),
            ])
        }
    };
    (value, key_label(written))
}
