//! JSON checks: `is_valid_json`, `has_json_keys`, `has_valid_json_schema`.

use super::ColumnRule;
use crate::engine::compile::{
    CompileContext, CompiledRule, Result, arg_str, json_schema, row_check, str_list,
};
use crate::engine::sql::Dialect;

pub(super) fn is_valid_json(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    Ok(row_check(
        format!("NOT {}", is_json(r.cx, &r.cs)),
        r.value_in("is not a valid JSON string"),
    ))
}

pub(super) fn has_json_keys(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let cx = r.cx;
    let keys = str_list(r.args, "keys");
    let has = json_has_keys(cx, &r.cs, &keys, r.flag("require_all", true));
    let valid = is_json(cx, &r.cs);
    Ok(row_check(
        format!("(NOT {valid} OR NOT {has})"),
        format!(
            "CASE WHEN NOT {valid} THEN {} ELSE {} END",
            r.value_in("is not a valid JSON string"),
            cx.concat(&[
                cx.lit("Value '"),
                format!("coalesce({}, 'null')", r.cs),
                cx.lit(&format!(
                    "' in {} is missing keys in the list: [{}]",
                    r.label,
                    keys.join(", ")
                )),
            ])
        ),
    ))
}

pub(super) fn has_valid_json_schema(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    json_schema::has_valid_json_schema(
        r.cx,
        &r.cs,
        r.written,
        arg_str(r.args, "schema"),
        &is_json(r.cx, &r.cs),
    )
}

/// TRUE when the string `cs` is valid JSON (scalars included), as DQX's `try_parse_json`.
fn is_json(cx: &CompileContext<'_>, cs: &str) -> String {
    match cx.dialect {
        Dialect::DataFusion => format!("dqx_is_json({cs})"),
        // NULL is not invalid JSON: DQX checks `c IS NOT NULL AND try_parse_json(c) IS NULL`.
        Dialect::Spark => format!("({cs} IS NULL OR try_parse_json({cs}) IS NOT NULL)"),
    }
}

/// TRUE when the JSON object in `cs` has all (or any) of `keys` at its top level; NULL for a
/// JSON array or scalar, which DQX passes.
fn json_has_keys(cx: &CompileContext<'_>, cs: &str, keys: &[String], require_all: bool) -> String {
    match cx.dialect {
        Dialect::DataFusion => {
            let keys_json = serde_json::to_string(keys).unwrap_or_else(|_| "[]".into());
            format!(
                "dqx_json_has_keys({cs}, {}, {require_all})",
                cx.lit(&keys_json)
            )
        }
        Dialect::Spark => {
            let wanted: Vec<String> = keys.iter().map(|k| cx.lit(k)).collect();
            let wanted = format!("array({})", wanted.join(", "));
            if require_all {
                format!("(size(array_except({wanted}, json_object_keys({cs}))) = 0)")
            } else {
                format!("arrays_overlap(json_object_keys({cs}), {wanted})")
            }
        }
    }
}
