//! Proposed rules a table already inherits: Generate leaves out a rule (or a column of a
//! `for_each_column` rule) when a registry binding already checks the same function over the same
//! columns with the same filter there, and says which inherited rule covers it.

use super::registry_effective::ORIGIN_KEY;
use super::rules::{rule_columns, rule_for_each_column, rule_function};
use serde_json::Value;
use std::collections::BTreeMap;

/// `function(columns…)|filter`: what a check checks, with its columns in order.
fn key(function: &str, mut columns: Vec<String>, filter: Option<&Value>) -> String {
    columns.sort();
    let filter = filter.and_then(Value::as_str).unwrap_or_default().trim();
    format!("{function}({})|{filter}", columns.join(", "))
}

/// Where an inherited check comes from, in words: its origin, else its name.
fn origin_of(check: &Value) -> String {
    check
        .pointer(&format!("/user_metadata/{ORIGIN_KEY}"))
        .or_else(|| check.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("a registry rule")
        .to_string()
}

/// The columns one element of a `for_each_column` list names.
fn element_columns(element: &Value) -> Vec<String> {
    match element {
        Value::String(c) => vec![c.clone()],
        Value::Array(cs) => cs
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn note(function: &str, columns: &[String], origin: &str) -> String {
    format!(
        "Left out {function}({}): the table already inherits it from {origin}",
        columns.join(", ")
    )
}

/// `proposed` without what `inherited` already checks, and a note for each part left out.
pub fn without_inherited(proposed: Vec<Value>, inherited: &[Value]) -> (Vec<Value>, Vec<String>) {
    let covered: BTreeMap<String, String> = inherited
        .iter()
        .flat_map(|check| {
            let function = rule_function(check).to_string();
            let filter = check.get("filter").cloned();
            let per_column: Vec<Vec<String>> = match rule_for_each_column(check) {
                Some(Value::Array(list)) => list.iter().map(element_columns).collect(),
                _ => vec![rule_columns(check)],
            };
            per_column
                .into_iter()
                .map(move |cols| (key(&function, cols, filter.as_ref()), origin_of(check)))
                .collect::<Vec<_>>()
        })
        .collect();
    let (mut kept, mut notes) = (Vec::new(), Vec::new());
    for mut rule in proposed {
        let function = rule_function(&rule).to_string();
        let filter = rule.get("filter").cloned();
        let subject = |cols: Vec<String>| key(&function, cols, filter.as_ref());
        if let Some(Value::Array(list)) = rule.pointer_mut("/check/for_each_column") {
            let mut left_out = Vec::new();
            list.retain(
                |element| match covered.get(&subject(element_columns(element))) {
                    Some(origin) => {
                        left_out.push(note(&function, &element_columns(element), origin));
                        false
                    }
                    None => true,
                },
            );
            let empty = list.is_empty();
            notes.extend(left_out);
            if !empty {
                kept.push(rule);
            }
            continue;
        }
        match covered.get(&subject(rule_columns(&rule))) {
            Some(origin) if !rule_columns(&rule).is_empty() => {
                notes.push(note(&function, &rule_columns(&rule), origin));
            }
            _ => kept.push(rule),
        }
    }
    (kept, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn inherited() -> Vec<Value> {
        vec![
            json!({"name": "email_present_email", "criticality": "error",
            "check": {"function": "is_not_null", "arguments": {"column": "email"}},
            "user_metadata": {"dqx_origin": "registry:email_present@1"}}),
        ]
    }

    #[test]
    fn a_proposal_the_table_inherits_is_left_out_with_its_origin() {
        let proposed = vec![
            json!({"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}),
            json!({"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "country"}}}),
            json!({"criticality": "error", "filter": "country = 'US'", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}),
        ];
        let (kept, notes) = without_inherited(proposed, &inherited());
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert_eq!(
            kept[0].pointer("/check/arguments/column"),
            Some(&json!("country"))
        );
        assert!(
            kept[1].get("filter").is_some(),
            "a filtered variant is not the same rule"
        );
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].contains("is_not_null(email)")
                && notes[0].contains("registry:email_present@1")
        );
    }

    #[test]
    fn only_the_inherited_column_leaves_a_for_each_column_rule() {
        let proposed = vec![
            json!({"criticality": "warn", "check": {"function": "is_not_null", "for_each_column": ["email", "full_name"]}}),
            json!({"criticality": "warn", "check": {"function": "is_not_null", "for_each_column": ["email"]}}),
            json!({"criticality": "warn", "check": {"function": "is_unique", "for_each_column": [["email"]]}}),
        ];
        let (kept, notes) = without_inherited(proposed, &inherited());
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert_eq!(
            kept[0].pointer("/check/for_each_column"),
            Some(&json!(["full_name"]))
        );
        assert_eq!(
            kept[1].pointer("/check/function"),
            Some(&json!("is_unique"))
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
    }
}
