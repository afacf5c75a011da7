//! Checking a rule's arguments against the function's parameters: names, types (DQX's strict
//! pydantic rules), non-empty lists, and — when the table's columns are known — unknown columns and
//! bare strings that were surely meant as quoted literals.

use super::{Collector, Severity};
use crate::model::rules::ddl;
use crate::model::rules::functions::{self, ArgKind, FunctionSpec, Param};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Whether `value` has the type DQX's (strict) validation wants for `kind`.
fn type_ok(kind: ArgKind, value: &Value) -> bool {
    match kind {
        ArgKind::Column | ArgKind::Str => value.is_string(),
        ArgKind::ColumnList | ArgKind::StrList => value
            .as_array()
            .is_some_and(|items| items.iter().all(Value::is_string)),
        ArgKind::Limit => value.is_string() || value.is_number(),
        ArgKind::LimitList => value.is_array(),
        ArgKind::Int => value.is_i64() || value.is_u64() || value.is_boolean(),
        ArgKind::Float => value.is_number() || value.is_boolean(),
        ArgKind::Bool => value.is_boolean(),
        ArgKind::Map => value.is_object(),
    }
}

/// How DQX reads a string limit: digits are a number, ISO dates/timestamps are literals, quoted
/// text is a string literal, anything else is a SQL expression.
pub fn limit_is_expression(text: &str) -> bool {
    let t = text.trim();
    !(t.is_empty()
        || t.chars().all(|c| c.is_ascii_digit())
        || looks_like_iso_date_or_time(t)
        || (t.len() >= 2 && t.starts_with('\'') && t.ends_with('\'')))
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and a time.
pub fn looks_like_iso_date_or_time(text: &str) -> bool {
    let b = text.as_bytes();
    let date = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    date && (b.len() == 10
        || ((b[10] == b'T' || b[10] == b' ') && b.len() > 11 && text[11..].contains(':')))
}

fn is_bare_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn check_arguments(
    spec: &FunctionSpec,
    args: &Map<String, Value>,
    known: Option<&HashMap<String, &String>>,
    out: &mut Collector<'_>,
) {
    let expected: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
    for (key, value) in args {
        let field = format!("check.arguments.{key}");
        let Some(param) = spec.param(key) else {
            let suggestion = expected
                .iter()
                .map(|e| (functions::edit_distance(key, e), *e))
                .filter(|(d, _)| *d <= 3)
                .min()
                .map(|(_, e)| format!("'{e}'"));
            out.push(
                Severity::Error,
                field,
                format!(
                    "unexpected argument '{key}' for function '{}'; expected arguments are: {}",
                    spec.name,
                    expected.join(", ")
                ),
                suggestion,
            );
            continue;
        };
        if value.is_null() && !param.required {
            continue;
        }
        if !type_ok(param.kind, value) {
            out.error(
                field,
                format!(
                    "argument '{key}' should be of type '{}' for function '{}', got {}",
                    param.kind.describe(),
                    spec.name,
                    type_name(value)
                ),
            );
            continue;
        }
        check_value(spec, param, value, known, &field, out);
    }
    for param in spec.params.iter().filter(|p| p.required) {
        if !args.contains_key(param.name) {
            out.error(
                format!("check.arguments.{}", param.name),
                format!(
                    "missing required argument '{}' for function '{}'; expected arguments include: {}",
                    param.name,
                    spec.name,
                    expected.join(", ")
                ),
            );
        }
    }
    for tolerance in ["abs_tolerance", "rel_tolerance"] {
        if args
            .get(tolerance)
            .and_then(Value::as_f64)
            .is_some_and(|t| t < 0.0)
        {
            out.error(
                format!("check.arguments.{tolerance}"),
                "absolute and/or relative tolerances if provided must be non-negative",
            );
        }
    }
}

/// Checks of a well-typed value: non-empty lists, and, when the table's columns are known,
/// column names that exist and bare strings that name no column.
fn check_value(
    spec: &FunctionSpec,
    param: &Param,
    value: &Value,
    known: Option<&HashMap<String, &String>>,
    field: &str,
    out: &mut Collector<'_>,
) {
    match param.kind {
        ArgKind::LimitList => {
            let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
            if items.is_empty() {
                out.error(field, format!("{} list must not be empty", param.name));
            }
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) => check_limit_text(s, known, &format!("{field}[{i}]"), out),
                    Value::Number(_) | Value::Bool(_) => {}
                    other => out.error(
                        format!("{field}[{i}]"),
                        format!(
                            "item {i} in argument '{}' should be a number or text, got {}",
                            param.name,
                            type_name(other)
                        ),
                    ),
                }
            }
        }
        ArgKind::Limit => {
            if let Some(s) = value.as_str() {
                check_limit_text(s, known, field, out);
            }
        }
        ArgKind::Column => {
            if let (Some(known), Some(column)) = (known, value.as_str())
                && column != "*"
                && is_bare_identifier(column)
                && !known.contains_key(&column.to_lowercase())
            {
                let suggestion = known
                    .values()
                    .map(|c| {
                        (
                            functions::edit_distance(&column.to_lowercase(), &c.to_lowercase()),
                            (*c).clone(),
                        )
                    })
                    .filter(|(d, _)| *d <= 3)
                    .min()
                    .map(|(_, c)| format!("'{c}'"));
                out.push(
                    Severity::Warning,
                    field,
                    format!(
                        "'{column}' is not a column of the table; DQX will skip function '{}' and flag every row",
                        spec.name
                    ),
                    suggestion,
                );
            }
        }
        ArgKind::Str if spec.name == "has_valid_json_schema" && param.name == "schema" => {
            if let Some(Err(e)) = value.as_str().map(ddl::parse_struct) {
                out.error(
                    field,
                    format!(
                        "invalid schema string '{}': {e}; give a DDL struct such as 'id INT NOT NULL, name STRING'",
                        value.as_str().unwrap_or_default()
                    ),
                );
            }
        }
        _ => {}
    }
}

fn check_limit_text(
    text: &str,
    known: Option<&HashMap<String, &String>>,
    field: &str,
    out: &mut Collector<'_>,
) {
    let Some(known) = known else { return };
    if limit_is_expression(text)
        && is_bare_identifier(text.trim())
        && !known.contains_key(&text.trim().to_lowercase())
    {
        out.push(
            Severity::Warning,
            field,
            format!(
                "'{text}' names no column, but DQX reads a bare string here as a column expression; \
                 a text value must be quoted"
            ),
            Some(format!("\"'{}'\"", text.trim())),
        );
    }
}
