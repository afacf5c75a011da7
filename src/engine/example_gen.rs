//! Examples proposed with generated rules: for each rule a typical value that must pass (from
//! the profile, or inside the rule's own limits) and a value the rule exists to catch (NULL for
//! a presence check, an empty string, a value off the list, one past a limit, a date far in the
//! future, a malformed address). Kept as JSON text in `user_metadata.examples`, as DQX needs.

use crate::model::profile::{ColumnProfile, TableProfile};
use crate::model::rules::{rule_arguments, rule_function};
use serde_json::{Value, json};

fn is_numeric(data_type: &str) -> bool {
    super::types::kind_of_uc_type(data_type) == super::types::TypeKind::Numeric
}

/// A value of the column as its type wants it in JSON.
fn typed(text: &str, numeric: bool) -> Value {
    if numeric {
        if let Ok(n) = text.parse::<i64>() {
            return json!(n);
        }
        if let Some(n) = text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            return Value::Number(n);
        }
    }
    json!(text)
}

/// The most frequent value, else the smallest, as the column's typical value.
fn typical(column: &ColumnProfile) -> Option<Value> {
    let numeric = is_numeric(&column.data_type);
    column
        .top_values
        .first()
        .map(|(v, _)| v.as_str())
        .or(column.min.as_deref())
        .filter(|v| !v.is_empty())
        .map(|v| typed(v.trim_end_matches('Z'), numeric))
}

fn number(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

/// A number as JSON: whole when it is.
fn num(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

/// A list item as the user reads it (`'EUR'` → `EUR`).
fn unquoted(item: &Value) -> Value {
    match item {
        Value::String(s) => json!(
            s.strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .unwrap_or(s)
        ),
        other => other.clone(),
    }
}

/// A date or timestamp one day before `text` (`YYYY-MM-DD…`), in the same form.
fn day_before(text: &str) -> Option<String> {
    let date = chrono::NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    let before = date.pred_opt()?;
    Some(format!(
        "{}{}",
        before.format("%Y-%m-%d"),
        text.get(10..).unwrap_or_default()
    ))
}

/// (pass, fail) rows for one rule, when its function is one examples are proposed for.
fn pass_and_fail(rule: &Value, column: &ColumnProfile) -> Option<(Vec<Value>, Vec<Value>)> {
    let args = rule_arguments(rule)?;
    let c = column.name.as_str();
    let row = |v: Value| json!({ c: v });
    let numeric = is_numeric(&column.data_type);
    let temporal = column.data_type == "date" || column.data_type.starts_with("timestamp");
    let far_future = if column.data_type == "date" {
        "2999-01-01"
    } else {
        "2999-01-01T00:00:00"
    };
    let out = match rule_function(rule) {
        "is_not_null" => (vec![row(typical(column)?)], vec![row(Value::Null)]),
        "is_not_empty" | "is_not_null_and_not_empty" => {
            (vec![row(typical(column)?)], vec![row(json!(""))])
        }
        "is_in_list" | "is_not_null_and_is_in_list" => {
            let allowed = args.get("allowed")?.as_array()?;
            let first = unquoted(allowed.first()?);
            let off = if numeric {
                let top = allowed
                    .iter()
                    .filter_map(Value::as_f64)
                    .fold(f64::MIN, f64::max);
                num(top + 1.0)
            } else {
                json!("not-on-the-list")
            };
            (vec![row(first)], vec![row(off)])
        }
        "is_in_range" if numeric => {
            let (lo, hi) = (
                number(args.get("min_limit"))?,
                number(args.get("max_limit"))?,
            );
            let span = (hi - lo).abs().max(1.0);
            (vec![row(num((lo + hi) / 2.0))], vec![row(num(hi + span))])
        }
        "is_not_less_than" if numeric => {
            let limit = number(args.get("limit"))?;
            (vec![row(num(limit + 1.0))], vec![row(num(limit - 1.0))])
        }
        "is_not_less_than" if temporal => {
            let limit = args.get("limit")?.as_str()?;
            (
                vec![row(json!(limit))],
                vec![row(json!(day_before(limit)?))],
            )
        }
        "is_not_greater_than" if numeric => {
            let limit = number(args.get("limit"))?;
            (vec![row(num(limit - 1.0))], vec![row(num(limit + 1.0))])
        }
        "is_not_in_future" if temporal => {
            let past = column
                .min
                .clone()
                .map(|m| m.trim_end_matches('Z').to_string())?;
            (vec![row(json!(past))], vec![row(json!(far_future))])
        }
        "is_valid_email" => (
            vec![row(json!("someone@example.com"))],
            vec![row(json!("not-an-email"))],
        ),
        "is_valid_ipv4_address" => (
            vec![row(json!("192.168.0.1"))],
            vec![row(json!("999.1.1.1"))],
        ),
        "is_valid_uuid" => (
            vec![row(json!("123e4567-e89b-12d3-a456-426614174000"))],
            vec![row(json!("not-a-uuid"))],
        ),
        _ => return None,
    };
    Some(out)
}

/// Adds proposed examples to each rule on one profiled column that has none yet.
pub fn add_examples(rules: &mut [Value], profile: &TableProfile) {
    for rule in rules.iter_mut() {
        if rule.pointer("/user_metadata/examples").is_some() {
            continue;
        }
        let Some(column) = rule_arguments(rule)
            .and_then(|a| a.get("column"))
            .and_then(Value::as_str)
            .and_then(|c| profile.columns.iter().find(|p| p.name == c))
        else {
            continue;
        };
        let Some((pass, fail)) = pass_and_fail(rule, column) else {
            continue;
        };
        let text = json!({"pass": pass, "fail": fail}).to_string();
        if let Some(obj) = rule.as_object_mut() {
            let meta = obj.entry("user_metadata").or_insert_with(|| json!({}));
            if let Some(m) = meta.as_object_mut() {
                m.insert("examples".into(), json!(text));
            }
        }
    }
}
