//! DQX rules as the app holds them: a rule set is kept as the user's JSON/YAML value (so it
//! round-trips unchanged), validated with every problem located, and resolved into flat rules
//! (defaults applied, `for_each_column` expanded, names filled in) for evaluation.

pub mod aspects;
pub mod ddl;
pub mod diff;
pub mod fingerprint;
pub mod functions;
pub mod job_safe;
pub mod names;
pub mod validate;
pub mod yaml;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Where a rule's result goes: `_errors` (row invalid) or `_warnings` (row still valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Criticality {
    Error,
    Warn,
}

impl Criticality {
    pub fn as_str(self) -> &'static str {
        match self {
            Criticality::Error => "error",
            Criticality::Warn => "warn",
        }
    }
}

/// The two text forms of a rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RulesFormat {
    Json,
    Yaml,
}

impl RulesFormat {
    /// Guesses from a file name (`.yaml`/`.yml` → YAML, anything else → JSON).
    pub fn from_path(path: &str) -> Self {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            RulesFormat::Yaml
        } else {
            RulesFormat::Json
        }
    }
}

/// Parses rule-set text into a value (validation comes after).
pub fn parse_rules_text(text: &str, format: RulesFormat) -> Result<Value, String> {
    match format {
        RulesFormat::Json => serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}")),
        RulesFormat::Yaml => yaml::parse_bounded(text),
    }
}

/// Writes a rule set as DQX-loadable text.
pub fn rules_to_text(rules: &Value, format: RulesFormat) -> Result<String, String> {
    match format {
        RulesFormat::Json => serde_json::to_string_pretty(rules).map_err(|e| e.to_string()),
        RulesFormat::Yaml => serde_yaml::to_string(rules).map_err(|e| e.to_string()),
    }
}

/// One rule after validation: defaults applied, `for_each_column` expanded, name filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedRule {
    /// Position of the rule in the rule set it came from.
    pub index: usize,
    pub name: String,
    pub criticality: Criticality,
    pub function: String,
    pub arguments: Map<String, Value>,
    pub filter: Option<String>,
    /// DQX's `message_expr`: a SQL expression whose value (text, first 500 characters) is the
    /// message of a violating row instead of the check's own.
    pub message_expr: Option<String>,
    /// Values stringified, as DQX writes them into results.
    pub user_metadata: BTreeMap<String, String>,
}

impl ResolvedRule {
    /// The columns the rule reports on, as DQX's `columns` result field: `[column]`, the
    /// `columns` list, or none.
    pub fn columns(&self) -> Option<Vec<String>> {
        let args = &self.arguments;
        if let Some(c) = args.get("column").and_then(Value::as_str) {
            return Some(vec![c.to_string()]);
        }
        if let (Some(a), Some(b)) = (
            args.get("column1").and_then(Value::as_str),
            args.get("column2").and_then(Value::as_str),
        ) {
            return Some(vec![a.to_string(), b.to_string()]);
        }
        args.get("columns").and_then(Value::as_array).map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
    }
}

/// The check function of a rule as written (empty when absent).
pub fn rule_function(rule: &Value) -> &str {
    rule.pointer("/check/function")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The check's `arguments` of a rule as written.
pub fn rule_arguments(rule: &Value) -> Option<&Value> {
    rule.pointer("/check/arguments")
}

/// The check's `for_each_column` list of a rule as written (absent or null: `None`).
pub fn rule_for_each_column(rule: &Value) -> Option<&Value> {
    rule.pointer("/check/for_each_column")
        .filter(|v| !v.is_null())
}

/// The columns a rule as written names: `column`, the `columns` list, and `for_each_column`.
pub fn rule_columns(rule: &Value) -> Vec<String> {
    let args = rule_arguments(rule);
    let mut out: Vec<String> = args
        .and_then(|a| a.get("column"))
        .and_then(Value::as_str)
        .map(|c| vec![c.to_string()])
        .unwrap_or_default();
    let lists = [
        args.and_then(|a| a.get("columns")),
        rule_for_each_column(rule),
    ];
    for list in lists.into_iter().flatten().filter_map(Value::as_array) {
        out.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
    }
    out
}

/// Stringifies a metadata value as DQX does (`2` → `"2"`, strings unquoted).
pub fn metadata_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "- name: email_present\n  criticality: warn\n  check:\n    function: is_not_null\n    arguments:\n      column: email\n  user_metadata:\n    owner: sales\n- check:\n    function: is_in_list\n    for_each_column: [status, state]\n    arguments:\n      allowed: [\"'new'\", \"'shipped'\"]\n";

    #[test]
    fn json_and_yaml_round_trip_unchanged() {
        let from_yaml = parse_rules_text(YAML, RulesFormat::Yaml).unwrap();
        let json = rules_to_text(&from_yaml, RulesFormat::Json).unwrap();
        let from_json = parse_rules_text(&json, RulesFormat::Json).unwrap();
        assert_eq!(from_yaml, from_json);
        let yaml_again = rules_to_text(&from_json, RulesFormat::Yaml).unwrap();
        assert_eq!(
            parse_rules_text(&yaml_again, RulesFormat::Yaml).unwrap(),
            from_yaml
        );
        // Key order is kept, so the text a user wrote comes back in the same order.
        assert!(json.find("\"name\"").unwrap() < json.find("\"criticality\"").unwrap());
    }

    #[test]
    fn format_follows_the_file_name() {
        assert_eq!(RulesFormat::from_path("rules.YML"), RulesFormat::Yaml);
        assert_eq!(RulesFormat::from_path("rules.json"), RulesFormat::Json);
    }

    #[test]
    fn bad_text_says_which_format() {
        assert!(
            parse_rules_text("[{", RulesFormat::Json)
                .unwrap_err()
                .contains("JSON")
        );
        assert!(
            parse_rules_text("- a: [", RulesFormat::Yaml)
                .unwrap_err()
                .contains("YAML")
        );
    }
}
