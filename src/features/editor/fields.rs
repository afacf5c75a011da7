//! Argument values ↔ the text in a form field, by the parameter's kind, and a rule's examples ↔
//! their two boxes. A field that does not hold a value of the right kind keeps the text as a
//! string, so the validator can point at it.

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

/// One example row per line: a JSON object as compact text, or (a line that did not read) the
/// line itself.
fn rows_to_lines(rows: Option<&Value>) -> String {
    rows.and_then(Value::as_array)
        .map(|rows| rows.iter().map(item_text).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

/// The two boxes a rule's examples (`user_metadata.examples`, JSON text) show: the rows that
/// must pass and those that must fail, one per line. Text that does not read shows in "pass"
/// as it is, so nothing typed is lost.
pub fn examples_to_lines(text: Option<&str>) -> (String, String) {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return (String::new(), String::new());
    };
    match serde_json::from_str::<Value>(text) {
        Ok(value) => (
            rows_to_lines(value.get("pass")),
            rows_to_lines(value.get("fail")),
        ),
        Err(_) => (text.to_string(), String::new()),
    }
}

/// A box's lines as rows: each non-empty line read as JSON, else kept as text (the validator
/// then names the row that is not one).
fn lines_to_rows(lines: &str) -> Vec<Value> {
    lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| Value::String(l.to_string())))
        .collect()
}

/// The `user_metadata.examples` text for the two boxes; `None` when both are empty.
pub fn lines_to_examples(pass: &str, fail: &str) -> Option<String> {
    let (pass, fail) = (lines_to_rows(pass), lines_to_rows(fail));
    if pass.is_empty() && fail.is_empty() {
        return None;
    }
    Some(serde_json::json!({"pass": pass, "fail": fail}).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn examples_round_trip_through_their_boxes() {
        let text = r#"{"pass":[{"currency":"EUR"},{"amount":5}],"fail":[{"currency":null}]}"#;
        let (pass, fail) = examples_to_lines(Some(text));
        assert_eq!(pass, "{\"currency\":\"EUR\"}\n{\"amount\":5}");
        assert_eq!(fail, "{\"currency\":null}");
        let back = lines_to_examples(&pass, &fail).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&back).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert_eq!(lines_to_examples("  \n", ""), None);
        // A line that does not read is kept as typed, for the validator to point at.
        let kept = lines_to_examples("{\"a\": 1}\n{oops", "").unwrap();
        assert_eq!(examples_to_lines(Some(&kept)).0, "{\"a\":1}\n{oops");
        assert_eq!(examples_to_lines(Some("{not json")).0, "{not json");
    }

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
