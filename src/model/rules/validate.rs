//! The rule-set validator, shared by the browser (as the user types) and the server: every
//! problem at once, each located by rule index, rule name and field. Follows DQX 0.17's checks,
//! and adds what DQX cannot know without the table: a bare string that names no column was almost
//! surely meant as a literal.

use super::functions::{self, ArgKind, FunctionSpec, Param};
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

struct Collector<'a> {
    problems: &'a mut Vec<RuleProblem>,
    index: usize,
    name: Option<String>,
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

    fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, field, message, None);
    }
}

fn type_name(value: &Value) -> &'static str {
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
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for rule in &resolved {
        if let Some(first) = seen.insert(rule.name.as_str(), rule.index) {
            problems.push(RuleProblem {
                severity: Severity::Error,
                rule_index: Some(rule.index),
                rule_name: Some(rule.name.clone()),
                field: "name".to_string(),
                message: format!(
                    "the name '{}' is already used by rule {}; rule names must be unique (results are counted per name)",
                    rule.name,
                    first + 1
                ),
                suggestion: None,
            });
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
    let criticality = match rule.get("criticality") {
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
    };
    if let Some(name) = rule.get("name")
        && !name.is_string()
        && !name.is_null()
    {
        out.error(
            "name",
            format!("the name must be text, got {}", type_name(name)),
        );
    }
    let filter = match rule.get("filter") {
        None | Some(Value::Null) => None,
        Some(Value::String(f)) => Some(f.clone()),
        Some(other) => {
            out.error(
                "filter",
                format!(
                    "the filter must be a SQL condition as text, got {}",
                    type_name(other)
                ),
            );
            None
        }
    };
    let metadata = match rule.get("user_metadata") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), metadata_string(v)))
            .collect(),
        Some(other) => {
            out.error(
                "user_metadata",
                format!("user_metadata must be a mapping, got {}", type_name(other)),
            );
            BTreeMap::new()
        }
    };
    let check = match rule.get("check") {
        None => {
            out.error("check", "the 'check' field is missing");
            return Vec::new();
        }
        Some(Value::Object(check)) => check,
        Some(other) => {
            out.error(
                "check",
                format!("'check' must be a mapping, got {}", type_name(other)),
            );
            return Vec::new();
        }
    };
    let function_name = match check.get("function") {
        Some(Value::String(f)) => f.as_str(),
        Some(other) => {
            out.error(
                "check.function",
                format!("the function must be a name, got {}", type_name(other)),
            );
            return Vec::new();
        }
        None => {
            out.error(
                "check.function",
                "the 'function' field is missing in the 'check' block",
            );
            return Vec::new();
        }
    };
    let Some(spec) = functions::find(function_name) else {
        out.push(
            Severity::Error,
            "check.function",
            format!("function '{function_name}' is not defined"),
            functions::closest(function_name).map(|s| format!("'{s}'")),
        );
        return Vec::new();
    };
    if !spec.supported {
        out.error(
            "check.function",
            format!("function '{function_name}' is a DQX check that this app cannot evaluate yet (not supported)"),
        );
        return Vec::new();
    }
    let arguments = match check.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(args)) => args.clone(),
        Some(other) => {
            out.error(
                "check.arguments",
                format!("'arguments' must be a mapping, got {}", type_name(other)),
            );
            return Vec::new();
        }
    };
    let for_each = match check.get("for_each_column") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.is_empty() => {
            out.error(
                "check.for_each_column",
                "'for_each_column' must not be empty",
            );
            return Vec::new();
        }
        Some(Value::Array(items)) => Some(items.clone()),
        Some(other) => {
            out.error(
                "check.for_each_column",
                format!("'for_each_column' must be a list, got {}", type_name(other)),
            );
            return Vec::new();
        }
    };

    let expanded: Vec<Map<String, Value>> = match for_each {
        None => vec![arguments.clone()],
        Some(items) => items
            .into_iter()
            .map(|item| {
                let mut args = arguments.clone();
                args.insert(spec.for_each_target().to_string(), item);
                args
            })
            .collect(),
    };
    let before = out.problems.len();
    for (i, args) in expanded.iter().enumerate() {
        // Problems repeat identically for every expanded item; report them once.
        if i == 0 || out.problems.len() == before {
            check_arguments(spec, args, known, out);
        }
    }
    if out.problems.len() > before || criticality.is_none() {
        return Vec::new();
    }
    let criticality = criticality.unwrap_or(Criticality::Error);
    expanded
        .into_iter()
        .map(|args| ResolvedRule {
            index: out.index,
            name: out
                .name
                .clone()
                .unwrap_or_else(|| default_name(spec.name, &args)),
            criticality,
            function: spec.name.to_string(),
            arguments: args,
            filter: filter.clone(),
            user_metadata: metadata.clone(),
        })
        .collect()
}

fn check_arguments(
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

#[cfg(test)]
mod tests;
