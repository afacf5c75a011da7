//! Argument values ↔ the text in a form field, by the parameter's kind. A field that does not
//! hold a value of the right kind keeps the text as a string, so the validator can point at it.

use crate::model::rules::functions::ArgKind;
use serde_json::Value;

fn item_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What a field shows for an argument value.
pub fn arg_to_text(kind: ArgKind, value: &Value) -> String {
    match (kind, value) {
        (_, Value::Null) => String::new(),
        (ArgKind::Map, other) => other.to_string(),
        (ArgKind::ColumnList | ArgKind::StrList | ArgKind::LimitList, Value::Array(items)) => {
            items.iter().map(item_text).collect::<Vec<_>>().join(", ")
        }
        (_, other) => item_text(other),
    }
}

fn number(text: &str) -> Option<Value> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(Value::from(n));
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
}

/// The argument value for a field's text; `None` (argument removed) when the field is empty.
pub fn text_to_arg(kind: ArgKind, text: &str) -> Option<Value> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let items = || -> Vec<&str> {
        trimmed
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    };
    Some(match kind {
        ArgKind::Column => Value::String(trimmed.to_string()),
        ArgKind::Str => Value::String(text.to_string()),
        ArgKind::Int => trimmed
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(trimmed.to_string())),
        ArgKind::Float | ArgKind::Limit => {
            number(trimmed).unwrap_or_else(|| Value::String(trimmed.to_string()))
        }
        ArgKind::Bool => match trimmed {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::String(other.to_string()),
        },
        ArgKind::ColumnList | ArgKind::StrList => Value::Array(
            items()
                .into_iter()
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        ArgKind::LimitList => Value::Array(
            items()
                .into_iter()
                .map(|s| number(s).unwrap_or_else(|| Value::String(s.to_string())))
                .collect(),
        ),
        ArgKind::Map => {
            serde_json::from_str(trimmed).unwrap_or_else(|_| Value::String(trimmed.to_string()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_round_trip_their_values() {
        let cases = [
            (ArgKind::Column, json!("email")),
            (ArgKind::LimitList, json!(["'new'", "'paid'", 3])),
            (ArgKind::ColumnList, json!(["a", "b"])),
            (ArgKind::Int, json!(7)),
            (ArgKind::Limit, json!(0.5)),
            (ArgKind::Bool, json!(false)),
            (ArgKind::Map, json!({"k": 1})),
        ];
        for (kind, value) in cases {
            let text = arg_to_text(kind, &value);
            assert_eq!(
                text_to_arg(kind, &text),
                Some(value),
                "{kind:?} via {text:?}"
            );
        }
    }

    #[test]
    fn bad_or_empty_text_is_kept_for_the_validator_or_removed() {
        assert_eq!(text_to_arg(ArgKind::Int, "ten"), Some(json!("ten")));
        assert_eq!(text_to_arg(ArgKind::Column, "   "), None);
        assert_eq!(
            text_to_arg(ArgKind::Limit, "current_date()"),
            Some(json!("current_date()"))
        );
    }
}
