//! The rule-set validator, shared by the browser (as the user types) and the server: every
//! problem at once, each located by rule index, rule name and field. Follows DQX 0.17's checks,
//! and adds what DQX cannot know without the table: a bare string that names no column was almost
//! surely meant as a literal.

mod arguments;

pub use arguments::{limit_is_expression, looks_like_iso_date_or_time};

use arguments::{check_arguments, type_name};

use super::functions;
use super::names::default_name;
use super::{Criticality, ResolvedRule, metadata_string};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem with a rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleProblem {
    pub severity: Severity,
    /// 0-based position of the rule; `None` for the set as a whole.
    pub rule_index: Option<usize>,
    pub rule_name: Option<String>,
    /// Where in the rule: `criticality`, `check.function`, `check.arguments.allowed[1]`, ...
    pub field: String,
    pub message: String,
    /// A replacement value or name to offer the user.
    pub suggestion: Option<String>,
}

impl RuleProblem {
    /// `rule 2 (email_valid), check.arguments.regex: ...`
    pub fn located(&self) -> String {
        let place = match (self.rule_index, &self.rule_name) {
            (Some(i), Some(n)) => format!("rule {} ({n})", i + 1),
            (Some(i), None) => format!("rule {}", i + 1),
            _ => "rule set".to_string(),
        };
        let field = if self.field.is_empty() {
            String::new()
        } else {
            format!(", {}", self.field)
        };
        let hint = self
            .suggestion
            .as_ref()
            .map(|s| format!(" (did you mean {s}?)"))
            .unwrap_or_default();
        format!("{place}{field}: {}{hint}", self.message)
    }
}

/// The outcome of validating a rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    pub problems: Vec<RuleProblem>,
    /// The resolved rules, when there is no error.
    pub rules: Vec<ResolvedRule>,
}

impl Validation {
    pub fn is_valid(&self) -> bool {
        !self.problems.iter().any(|p| p.severity == Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &RuleProblem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }
}

pub(super) struct Collector<'a> {
    pub(super) problems: &'a mut Vec<RuleProblem>,
    pub(super) index: usize,
    pub(super) name: Option<String>,
}

impl Collector<'_> {
    fn push(
        &mut self,
        severity: Severity,
        field: impl Into<String>,
        message: impl Into<String>,
        suggestion: Option<String>,
    ) {
        self.problems.push(RuleProblem {
            severity,
            rule_index: Some(self.index),
            rule_name: self.name.clone(),
            field: field.into(),
            message: message.into(),
            suggestion,
        });
    }

    pub(super) fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, field, message, None);
    }
}

/// Validates a rule set (the parsed JSON/YAML). `columns`: the table's columns, when known.
pub fn validate_rule_set(rules: &Value, columns: Option<&[String]>) -> Validation {
    let mut problems = Vec::new();
    let Some(items) = rules.as_array() else {
        problems.push(RuleProblem {
            severity: Severity::Error,
            rule_index: None,
            rule_name: None,
            field: String::new(),
            message: format!(
                "a rule set must be a list of rules, got {}",
                type_name(rules)
            ),
            suggestion: None,
        });
        return Validation {
            problems,
            rules: Vec::new(),
        };
    };
    if items.is_empty() {
        problems.push(RuleProblem {
            severity: Severity::Error,
            rule_index: None,
            rule_name: None,
            field: String::new(),
            message: "the rule set is empty; add at least one rule".to_string(),
            suggestion: None,
        });
    }
    let known: Option<HashMap<String, &String>> =
        columns.map(|cols| cols.iter().map(|c| (c.to_lowercase(), c)).collect());
    let mut resolved = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        let mut out = Collector {
            problems: &mut problems,
            index,
            name,
        };
        resolved.extend(validate_rule(item, known.as_ref(), &mut out));
    }
    // DQX runs rules that share a name and reports each under it; its per-check metrics count
    // them apart (by fingerprint), as the results here do, rule by rule. Worth a warning: the
    // results and the history are easier to read with a name per rule.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for rule in &resolved {
        if let Some(first) = seen.get(rule.name.as_str()).copied() {
            problems.push(RuleProblem {
                severity: Severity::Warning,
                rule_index: Some(rule.index),
                rule_name: Some(rule.name.clone()),
                field: "name".to_string(),
                message: format!(
                    "the name '{}' is also used by rule {}; DQX runs both and reports their rows under this one name, and each is counted on its own here; give each rule its own name to tell their results apart",
                    rule.name,
                    first + 1
                ),
                suggestion: Some(format!("{}_{}", rule.name, rule.index + 1)),
            });
        } else {
            seen.insert(rule.name.as_str(), rule.index);
        }
    }
    let valid = !problems.iter().any(|p| p.severity == Severity::Error);
    Validation {
        problems,
        rules: if valid { resolved } else { Vec::new() },
    }
}

fn validate_rule(
    item: &Value,
    known: Option<&HashMap<String, &String>>,
    out: &mut Collector<'_>,
) -> Vec<ResolvedRule> {
    let Some(rule) = item.as_object() else {
        out.error(
            "",
            format!(
                "a rule must be a mapping with a 'check', got {}",
                type_name(item)
            ),
        );
        return Vec::new();
    };
    let criticality = read_criticality(rule, out);
    check_name(rule, out);
    let filter = read_text(
        rule,
        "filter",
        "the filter must be a SQL condition as text",
        out,
    );
    let message_expr = read_text(
        rule,
        "message_expr",
        "message_expr must be a SQL expression as text",
        out,
    );
    let metadata = read_metadata(rule, out);
    check_examples(&metadata, known, out);
    let Some(check) = read_check(rule, out) else {
        return Vec::new();
    };
    let before = out.problems.len();
    let expanded = check.expanded();
    for (i, args) in expanded.iter().enumerate() {
        // Problems repeat identically for every expanded item; report them once.
        if i == 0 || out.problems.len() == before {
            check_arguments(check.spec, args, known, out);
        }
    }
    // Warnings (a column the table lacks, say) keep the rule: DQX runs it, skipped on every row.
    let errors = out.problems[before..]
        .iter()
        .any(|p| p.severity == Severity::Error);
    let Some(criticality) = criticality.filter(|_| !errors) else {
        return Vec::new();
    };
    expanded
        .into_iter()
        .map(|args| ResolvedRule {
            index: out.index,
            name: out
                .name
                .clone()
                .unwrap_or_else(|| default_name(check.spec.name, &args)),
            criticality,
            function: check.spec.name.to_string(),
            arguments: args,
            filter: filter.clone(),
            message_expr: message_expr.clone(),
            user_metadata: metadata.clone(),
        })
        .collect()
}

/// `criticality`: `error` when absent; `None` (reported, with a suggestion) when invalid.
fn read_criticality(rule: &Map<String, Value>, out: &mut Collector<'_>) -> Option<Criticality> {
    match rule.get("criticality") {
        None => Some(Criticality::Error),
        Some(Value::String(s)) if s == "error" => Some(Criticality::Error),
        Some(Value::String(s)) if s == "warn" => Some(Criticality::Warn),
        Some(other) => {
            let shown = other
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| other.to_string());
            let suggestion = match shown.to_lowercase().as_str() {
                "warning" | "warn" => Some("'warn'".to_string()),
                "error" | "err" | "critical" => Some("'error'".to_string()),
                _ => None,
            };
            out.push(
                Severity::Error,
                "criticality",
                format!("invalid criticality '{shown}'; expected 'warn' or 'error'"),
                suggestion,
            );
            None
        }
    }
}

/// A `name` that is not text is an error.
fn check_name(rule: &Map<String, Value>, out: &mut Collector<'_>) {
    if let Some(name) = rule.get("name")
        && !name.is_string()
        && !name.is_null()
    {
        out.error(
            "name",
            format!("the name must be text, got {}", type_name(name)),
        );
    }
}

/// A rule field holding SQL text (`filter`, `message_expr`): absent, or text; anything else is
/// an error saying `must`.
fn read_text(
    rule: &Map<String, Value>,
    field: &str,
    must: &str,
    out: &mut Collector<'_>,
) -> Option<String> {
    match rule.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => {
            out.error(field, format!("{must}, got {}", type_name(other)));
            None
        }
    }
}

/// `user_metadata.examples`: rows that must pass or fail, each naming only the table's columns
/// (when known) — a misspelt column would be NULL in the example and prove nothing.
fn check_examples(
    metadata: &BTreeMap<String, String>,
    known: Option<&HashMap<String, &String>>,
    out: &mut Collector<'_>,
) {
    let field = "user_metadata.examples";
    match crate::model::examples::examples_of(metadata) {
        Err(why) => out.error(field, why),
        Ok(examples) => {
            let Some(known) = known else { return };
            let mut unknown: Vec<&String> = examples
                .iter()
                .flat_map(|e| e.row.keys())
                .filter(|c| !known.contains_key(&c.to_lowercase()))
                .collect();
            unknown.sort();
            unknown.dedup();
            if !unknown.is_empty() {
                let names: Vec<String> = unknown.iter().map(|c| format!("'{c}'")).collect();
                out.error(
                    field,
                    format!(
                        "an example names {}, not a column of the table; name the table's columns",
                        names.join(", ")
                    ),
                );
            }
        }
    }
}

/// `user_metadata`, every value as text.
fn read_metadata(rule: &Map<String, Value>, out: &mut Collector<'_>) -> BTreeMap<String, String> {
    match rule.get("user_metadata") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(m)) => {
            for (k, v) in m {
                // DQX 0.17 puts user_metadata into its results as a map of strings: an object or
                // a list there stops apply_checks (UNSUPPORTED_FEATURE.LITERAL_TYPE).
                if v.is_object() || v.is_array() {
                    out.error(
                        format!("user_metadata.{k}"),
                        format!(
                            "user_metadata.{k} is {}, but DQX writes user_metadata into its results as text and stops on it; write the value as JSON text",
                            type_name(v)
                        ),
                    );
                }
            }
            m.iter()
                .map(|(k, v)| (k.clone(), metadata_string(v)))
                .collect()
        }
        Some(other) => {
            out.error(
                "user_metadata",
                format!("user_metadata must be a mapping, got {}", type_name(other)),
            );
            BTreeMap::new()
        }
    }
}

/// A rule's `check` block, read: its function, arguments and `for_each_column` items.
struct CheckBlock {
    spec: &'static functions::FunctionSpec,
    arguments: Map<String, Value>,
    for_each: Option<Vec<Value>>,
}

impl CheckBlock {
    /// The arguments of each rule the block stands for: one, or one per `for_each_column` item.
    fn expanded(&self) -> Vec<Map<String, Value>> {
        match &self.for_each {
            None => vec![self.arguments.clone()],
            Some(items) => items
                .iter()
                .map(|item| {
                    let mut args = self.arguments.clone();
                    args.insert(self.spec.for_each_target().to_string(), item.clone());
                    args
                })
                .collect(),
        }
    }
}

/// The `check` block, or `None` (reported) when it is missing, misshapen, or names a function
/// DQX does not define or this app cannot evaluate.
fn read_check(rule: &Map<String, Value>, out: &mut Collector<'_>) -> Option<CheckBlock> {
    let check = match rule.get("check") {
        None => {
            out.error("check", "the 'check' field is missing");
            return None;
        }
        Some(Value::Object(check)) => check,
        Some(other) => {
            out.error(
                "check",
                format!("'check' must be a mapping, got {}", type_name(other)),
            );
            return None;
        }
    };
    let spec = read_function(check, out)?;
    let arguments = match check.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(args)) => args.clone(),
        Some(other) => {
            out.error(
                "check.arguments",
                format!("'arguments' must be a mapping, got {}", type_name(other)),
            );
            return None;
        }
    };
    let for_each = read_for_each(check, out)?;
    Some(CheckBlock {
        spec,
        arguments,
        for_each,
    })
}

/// The function the check block names, if DQX defines it and this app evaluates it.
fn read_function(
    check: &Map<String, Value>,
    out: &mut Collector<'_>,
) -> Option<&'static functions::FunctionSpec> {
    let function_name = match check.get("function") {
        Some(Value::String(f)) => f.as_str(),
        Some(other) => {
            out.error(
                "check.function",
                format!("the function must be a name, got {}", type_name(other)),
            );
            return None;
        }
        None => {
            out.error(
                "check.function",
                "the 'function' field is missing in the 'check' block",
            );
            return None;
        }
    };
    let Some(spec) = functions::find(function_name) else {
        out.push(
            Severity::Error,
            "check.function",
            format!("function '{function_name}' is not defined"),
            functions::closest(function_name).map(|s| format!("'{s}'")),
        );
        return None;
    };
    if !spec.supported {
        out.error(
            "check.function",
            format!("function '{function_name}' is a DQX check that this app cannot evaluate yet (not supported)"),
        );
        return None;
    }
    Some(spec)
}

/// `for_each_column`: `Some(None)` when absent, `None` (reported) when empty or not a list.
fn read_for_each(
    check: &Map<String, Value>,
    out: &mut Collector<'_>,
) -> Option<Option<Vec<Value>>> {
    match check.get("for_each_column") {
        None | Some(Value::Null) => Some(None),
        Some(Value::Array(items)) if items.is_empty() => {
            out.error(
                "check.for_each_column",
                "'for_each_column' must not be empty",
            );
            None
        }
        Some(Value::Array(items)) => Some(Some(items.clone())),
        Some(other) => {
            out.error(
                "check.for_each_column",
                format!("'for_each_column' must be a list, got {}", type_name(other)),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests;
