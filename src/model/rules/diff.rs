//! The difference between two rule sets, rule by rule: rules are matched by name (DQX's default
//! name when a rule has none), and a changed rule lists each field that differs.

use super::names::default_name;
use crate::model::rulesets::{FieldChange, RuleChange};
use serde_json::{Map, Value};

/// The rule's name, or DQX's default name for it.
pub fn rule_key(rule: &Value) -> String {
    if let Some(name) = rule.get("name").and_then(Value::as_str)
        && !name.trim().is_empty()
    {
        return name.to_string();
    }
    let function = super::rule_function(rule);
    let empty = Map::new();
    let args = super::rule_arguments(rule)
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    default_name(function, args)
}

/// Leaves of a rule as `field → value` (objects are walked; lists are values).
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let field = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&field, v, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// Field-level changes from `before` to `after`, in the order fields first appear.
pub fn field_changes(before: &Value, after: &Value) -> Vec<FieldChange> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    leaves("", before, &mut a);
    leaves("", after, &mut b);
    let mut fields: Vec<String> = a.iter().map(|(f, _)| f.clone()).collect();
    for (f, _) in &b {
        if !fields.contains(f) {
            fields.push(f.clone());
        }
    }
    let find = |list: &[(String, Value)], f: &str| {
        list.iter().find(|(k, _)| k == f).map(|(_, v)| v.clone())
    };
    fields
        .into_iter()
        .filter_map(|field| {
            let (old, new) = (find(&a, &field), find(&b, &field));
            (old != new).then_some(FieldChange {
                field,
                before: old,
                after: new,
            })
        })
        .collect()
}

/// Each rule's key: its name, and from the second rule of a name on, `name (n)` — DQX lets rules
/// share a name, and the n-th of a name in one set is matched with the n-th in the other.
fn occurrence_keys(rules: &[Value]) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    rules
        .iter()
        .map(|rule| {
            let name = rule_key(rule);
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                name
            } else {
                format!("{name} ({n})")
            }
        })
        .collect()
}

/// Rules added, removed and changed from `from` to `to`, and how many are the same.
pub fn diff_rules(
    from: &[Value],
    to: &[Value],
) -> (Vec<Value>, Vec<Value>, Vec<RuleChange>, usize) {
    let from_keys = occurrence_keys(from);
    let to_keys = occurrence_keys(to);
    let mut added = Vec::new();
    let mut changed = Vec::new();
    let mut unchanged = 0;
    for (rule, key) in to.iter().zip(&to_keys) {
        match from_keys.iter().position(|k| k == key) {
            None => added.push(rule.clone()),
            Some(at) => {
                let fields = field_changes(&from[at], rule);
                if fields.is_empty() {
                    unchanged += 1;
                } else {
                    changed.push(RuleChange {
                        name: key.clone(),
                        fields,
                    });
                }
            }
        }
    }
    let removed = from
        .iter()
        .zip(&from_keys)
        .filter(|(_, k)| !to_keys.contains(k))
        .map(|(r, _)| r.clone())
        .collect();
    (added, removed, changed, unchanged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_sharing_a_name_are_matched_in_order() {
        let rule = |filter: &str| json!({"name": "a", "filter": filter, "check": {"function": "is_not_null", "arguments": {"column": "a"}}});
        let from = vec![rule("x > 0"), rule("y > 0")];
        let to = vec![rule("x > 0"), rule("y > 1"), rule("z > 0")];
        let (added, removed, changed, unchanged) = diff_rules(&from, &to);
        assert_eq!(unchanged, 1);
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].name, "a (2)");
        assert_eq!(changed[0].fields[0].field, "filter");
        assert_eq!(added, vec![rule("z > 0")]);
        assert!(removed.is_empty());
    }

    #[test]
    fn rules_are_matched_by_name_and_fields_compared() {
        let v1 = vec![
            json!({"name": "a", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "a"}}}),
            json!({"name": "b", "criticality": "error", "check": {"function": "is_in_list", "arguments": {"column": "s", "allowed": ["'x'"]}}}),
            json!({"criticality": "warn", "check": {"function": "is_not_null", "arguments": {"column": "c"}}}),
        ];
        let v2 = vec![
            json!({"name": "b", "criticality": "warn", "check": {"function": "is_in_list", "arguments": {"column": "s", "allowed": ["'x'", "'y'"]}}}),
            json!({"criticality": "warn", "check": {"function": "is_not_null", "arguments": {"column": "c"}}}),
            json!({"name": "d", "criticality": "error", "check": {"function": "is_unique", "arguments": {"columns": ["d"]}}}),
        ];
        let (added, removed, changed, unchanged) = diff_rules(&v1, &v2);
        assert_eq!(added.len(), 1);
        assert_eq!(added[0]["name"], "d");
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0]["name"], "a");
        assert_eq!(unchanged, 1, "the unnamed rule matches by its default name");
        assert_eq!(changed.len(), 1);
        let fields: Vec<&str> = changed[0].fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["criticality", "check.arguments.allowed"]);
        assert_eq!(changed[0].fields[0].before, Some(json!("error")));
        assert_eq!(changed[0].fields[0].after, Some(json!("warn")));
    }

    #[test]
    fn a_field_that_appears_or_disappears_is_a_change() {
        let before = json!({"name": "a", "filter": "x > 0"});
        let after = json!({"name": "a", "user_metadata": {"owner": "me"}});
        let changes = field_changes(&before, &after);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].after, None);
        assert_eq!(changes[1].before, None);
    }
}
