//! The offline assistant: a deterministic analysis computed from the data, not a model. It finds
//! columns whose profile shows nulls, malformed values, out-of-range or future values, or
//! near-unique ids with duplicates but no rule that checks them; rules the last validation showed
//! failing on most rows or unable to run; limits that cannot be right (a date limit past today,
//! a range on an id); prompt intents no rule covers; and rules that check the same thing.

mod limits;
mod overlaps;

use super::AnalysisInput;
use crate::engine::prompt::{ColumnFacts, apply_prompt, read_prompt};
use crate::model::analysis::{Analysis, BasedOn, Recommendation, RuleNote};
use crate::model::profile::{ColumnProfile, ValueFormat, key_like_name};
use crate::model::results::RuleStatus;
use crate::model::rules::aspects::{Aspect, aspects};
use crate::model::rules::diff::rule_key;
use crate::model::rules::{rule_columns as columns, rule_function as function};
use serde_json::{Value, json};

/// The assistant's label in the UI.
pub const LABEL: &str = "offline analysis (no model)";

fn covered(rules: &[Value], column: &str, functions: &[&str]) -> bool {
    rules
        .iter()
        .any(|r| functions.contains(&function(r)) && columns(r).iter().any(|c| c == column))
}

fn warn_rule(name: String, function: &str, arguments: Value) -> Value {
    json!({"name": name, "criticality": "warn", "check": {"function": function, "arguments": arguments},
        "user_metadata": {"source": "analysis"}})
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0%".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

/// What a rule checks, in words.
fn describe(rule: &Value) -> String {
    let cols = columns(rule).join(", ");
    let arg = |k: &str| {
        rule.pointer(&format!("/check/arguments/{k}"))
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    };
    match function(rule) {
        "is_not_null" => format!("flags rows where {cols} is NULL"),
        "is_not_empty" => format!("flags rows where {cols} is empty"),
        "is_not_null_and_not_empty" => format!("flags rows where {cols} is NULL or empty"),
        "is_in_list" => format!("flags {cols} values outside {}", arg("allowed")),
        "is_not_null_and_is_in_list" => format!(
            "flags {cols} values that are NULL or outside {}",
            arg("allowed")
        ),
        "is_in_range" => format!(
            "flags {cols} outside {} … {}",
            arg("min_limit"),
            arg("max_limit")
        ),
        "is_not_less_than" => format!("flags {cols} below {}", arg("limit")),
        "is_not_greater_than" => format!("flags {cols} above {}", arg("limit")),
        "is_unique" => format!("flags rows whose {cols} appears more than once"),
        "regex_match" => format!("flags {cols} values not matching the pattern"),
        "is_not_in_future" => format!("flags {cols} later than now"),
        "is_valid_ipv4_address" => format!("flags {cols} values that are not IPv4 addresses"),
        other => format!("{other} on {cols}"),
    }
}

/// Gaps the profile shows: (finding, recommended rule).
fn profile_gaps(c: &ColumnProfile, rules: &[Value], today: &str) -> Vec<Recommendation> {
    let mut out = Vec::new();
    let name = &c.name;
    let non_null = c.count.saturating_sub(c.null_count);
    if c.null_count > 0
        && c.null_count * 2 < c.count
        && !covered(
            rules,
            name,
            &[
                "is_not_null",
                "is_not_null_and_not_empty",
                "is_not_null_and_is_in_list",
            ],
        )
    {
        out.push(Recommendation {
            text: format!(
                "{name} has {} NULL values ({}) and no rule checks for them",
                c.null_count,
                percent(c.null_count, c.count)
            ),
            rule: Some(warn_rule(
                format!("{name}_is_null"),
                "is_not_null",
                json!({"column": name}),
            )),
        });
    }
    for f in &c.formats {
        let bad = non_null.saturating_sub(f.matching);
        if f.matching * 2 < non_null || bad == 0 {
            continue;
        }
        let (function, args, existing): (&str, Value, &[&str]) = match f.format {
            ValueFormat::Email => (
                "is_valid_email",
                json!({ "column": name }),
                &["is_valid_email", "regex_match"],
            ),
            ValueFormat::Ipv4 => (
                "is_valid_ipv4_address",
                json!({"column": name}),
                &["is_valid_ipv4_address", "regex_match"],
            ),
            _ => continue,
        };
        if !covered(rules, name, existing) {
            out.push(Recommendation {
                text: format!(
                    "{name}: {bad} of {non_null} values are not valid {} and no rule checks the format",
                    f.format.label()
                ),
                rule: Some(warn_rule(format!("{name}_is_valid_{}", f.format.label().to_lowercase().replace([' ', '-'], "_")), function, args)),
            });
        }
    }
    let numeric = c.mean.is_some();
    if numeric
        && c.min.as_deref().is_some_and(|m| m.starts_with('-'))
        && c.mean.is_some_and(|m| m > 0.0)
        && !covered(
            rules,
            name,
            &[
                "is_not_less_than",
                "is_in_range",
                "is_not_in_range",
                "sql_expression",
            ],
        )
    {
        out.push(Recommendation {
            text: format!(
                "{name} is mostly positive but has negative values (min {}) and no rule bounds it",
                c.min.clone().unwrap_or_default()
            ),
            rule: Some(warn_rule(
                format!("{name}_is_negative"),
                "is_not_less_than",
                json!({"column": name, "limit": 0}),
            )),
        });
    }
    let has_future = c.future_values(today) > 0;
    // A limit that reaches past today is flagged by the limit pass, with the same remedy.
    let bounded = rules
        .iter()
        .any(|r| columns(r).iter().any(|x| x == name) && aspects(r).contains(&Aspect::Upper));
    if c.is_temporal() && has_future && !bounded {
        out.push(Recommendation {
            text: format!(
                "{name} has values in the future (latest {}) and no rule catches them",
                c.max.clone().unwrap_or_default()
            ),
            rule: Some(warn_rule(
                format!("{name}_in_future"),
                "is_not_in_future",
                json!({"column": name, "offset": 0}),
            )),
        });
    }
    let id_like = key_like_name(name);
    if id_like
        && non_null > 0
        && c.distinct_count < non_null
        && c.distinct_count * 100 >= non_null * 95
        && !covered(rules, name, &["is_unique"])
    {
        out.push(Recommendation {
            text: format!("{name} looks like a key ({} distinct of {non_null} values) but has duplicates, and no rule checks uniqueness", c.distinct_count),
            rule: Some(warn_rule(format!("{name}_is_not_unique"), "is_unique", json!({"columns": [name]}))),
        });
    }
    out
}

/// The offline analysis of `input`.
/// What the passes found: recommendations, and how much each lowers the score.
#[derive(Default)]
pub(super) struct Findings {
    recommendations: Vec<Recommendation>,
    penalty: f64,
}

impl Findings {
    pub(super) fn add(&mut self, penalty: f64, text: String, rule: Option<Value>) {
        self.penalty += penalty;
        self.recommendations.push(Recommendation { text, rule });
    }
}

pub fn analyze(input: &AnalysisInput, today: &str) -> Analysis {
    let rules = &input.rules;
    let mut found = Findings::default();
    if let Some(profile) = &input.profile {
        for c in &profile.columns {
            let gaps = profile_gaps(c, rules, today);
            found.penalty += 1.0 * gaps.len() as f64;
            found.recommendations.extend(gaps);
        }
    }
    let notes: Vec<RuleNote> = rules
        .iter()
        .map(|rule| rule_note(rule, input, &mut found))
        .collect();
    limits::limit_findings(input, today, &mut found);
    overlaps::overlap_findings(rules, &mut found);
    prompt_findings(input, &mut found);
    let coverage = Coverage::of(input);
    if rules.is_empty() {
        found.penalty += 5.0;
    }
    let score = (10.0 - found.penalty).clamp(0.0, 10.0);
    let validated = input.validation.as_ref();
    Analysis {
        summary: summary(input, &coverage, found.recommendations.len()),
        strengths: coverage.strengths(input),
        rule_analysis: notes,
        coverage_assessment: coverage.assessment(),
        recommendations: found.recommendations,
        overall_quality_score: (score * 10.0).round() / 10.0,
        based_on: BasedOn {
            columns: coverage.columns.len(),
            rules: rules.len(),
            profiled_rows: input.profile.as_ref().map(|p| p.row_count),
            validated_rows: validated.map(|v| v.total_rows),
            prompt: input
                .user_prompt
                .as_deref()
                .is_some_and(|p| !p.trim().is_empty()),
        },
        assistant: LABEL.into(),
        offline: true,
        raw_reply: None,
        note: None,
    }
}

/// One rule explained, with what the last validation showed about it (a rule that could not
/// run, or fails on every or most rows, is also a finding).
fn rule_note(rule: &Value, input: &AnalysisInput, found: &mut Findings) -> RuleNote {
    let name = rule_key(rule);
    let mut explanation = describe(rule);
    if let Some(v) = input.validation.as_ref()
        && let Some(r) = v.rule_results.iter().find(|r| r.rule_name == name)
    {
        let total = v.total_rows;
        explanation = match r.status {
            RuleStatus::Error => {
                found.add(
                    1.0,
                    format!("{name} could not be evaluated: {}", r.message),
                    None,
                );
                format!("could not be evaluated: {}", r.message)
            }
            _ if total > 0 && r.violation_count == total => {
                found.add(
                    1.5,
                    format!("{name} fails on every row ({} of {total}): the rule or its limits are probably wrong", r.violation_count),
                    None,
                );
                format!(
                    "fails on every row ({}); check its arguments",
                    r.violation_count
                )
            }
            _ if total > 0 && r.violation_count * 2 > total => {
                found.add(
                    1.0,
                    format!(
                        "{name} fails on most rows ({} of {total}); is it too strict?",
                        r.violation_count
                    ),
                    None,
                );
                format!("fails on most rows ({} of {total})", r.violation_count)
            }
            _ if r.violation_count == 0 => format!(
                "{explanation}; never failed in the last validation ({total} rows) — a guard for the future"
            ),
            _ => format!(
                "{explanation}; found {} problem rows ({}) in the last validation",
                r.violation_count,
                percent(r.violation_count, total)
            ),
        };
    }
    let criticality = rule
        .get("criticality")
        .and_then(Value::as_str)
        .unwrap_or("error")
        .to_string();
    let importance = if criticality == "error" {
        "high"
    } else {
        "medium"
    };
    RuleNote {
        rule_name: name,
        function: function(rule).to_string(),
        columns: columns(rule),
        explanation,
        importance: importance.into(),
        criticality,
    }
}

/// Prompt intents no rule (and no recommendation so far) covers, each offered as a rule.
fn prompt_findings(input: &AnalysisInput, found: &mut Findings) {
    let Some(prompt) = input
        .user_prompt
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    else {
        return;
    };
    let facts: Vec<ColumnFacts> = match &input.profile {
        Some(p) => ColumnFacts::from_profile(p),
        None => input
            .columns
            .iter()
            .map(|(n, t)| ColumnFacts {
                name: n.clone(),
                data_type: t.clone(),
                email_like: false,
            })
            .collect(),
    };
    let reading = read_prompt(prompt, &facts);
    let same = |r: &Value, wanted: &Value| {
        function(r) == function(wanted) && columns(r) == columns(wanted)
    };
    for wanted in apply_prompt(Vec::new(), &reading, &facts) {
        let present = input.rules.iter().any(|r| same(r, &wanted));
        let offered = found
            .recommendations
            .iter()
            .filter_map(|r| r.rule.as_ref())
            .any(|r| same(r, &wanted));
        if present || offered {
            continue;
        }
        let clause = wanted
            .pointer("/user_metadata/reason")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let text = format!(
            "the prompt asks for {} on {}, and no rule does it ({clause})",
            function(&wanted),
            columns(&wanted).join(", ")
        );
        found.add(1.0, text, Some(wanted));
    }
}

/// Which of the table's columns some rule looks at.
struct Coverage<'a> {
    columns: Vec<&'a str>,
    ruled: Vec<&'a str>,
    uncovered: Vec<&'a str>,
}

impl<'a> Coverage<'a> {
    fn of(input: &'a AnalysisInput) -> Self {
        let columns: Vec<&str> = input.columns.iter().map(|(n, _)| n.as_str()).collect();
        let (ruled, uncovered) = columns.iter().copied().partition(|c| {
            input
                .rules
                .iter()
                .any(|r| self::columns(r).iter().any(|x| x == c))
        });
        Coverage {
            columns,
            ruled,
            uncovered,
        }
    }

    fn strengths(&self, input: &AnalysisInput) -> Vec<String> {
        let rules = &input.rules;
        let mut strengths = Vec::new();
        if self.uncovered.is_empty() && !self.columns.is_empty() {
            strengths.push("every column has at least one rule".into());
        }
        if !rules.is_empty()
            && rules
                .iter()
                .all(|r| r.get("name").and_then(Value::as_str).is_some())
        {
            strengths.push("every rule has a name, so results are easy to trace".into());
        }
        if input
            .validation
            .as_ref()
            .is_some_and(|v| v.rule_results.iter().all(|r| r.status != RuleStatus::Error))
        {
            strengths.push("every rule ran in the last validation".into());
        }
        strengths
    }

    fn assessment(&self) -> String {
        if self.columns.is_empty() {
            "The table's columns are not known.".to_string()
        } else if self.uncovered.is_empty() {
            format!(
                "All {} columns are checked by at least one rule.",
                self.columns.len()
            )
        } else {
            format!(
                "{} of {} columns are checked; no rule looks at {}.",
                self.ruled.len(),
                self.columns.len(),
                self.uncovered.join(", ")
            )
        }
    }
}

/// The one-paragraph summary: how many rules on how many columns, and where the findings came from.
fn summary(input: &AnalysisInput, coverage: &Coverage<'_>, findings: usize) -> String {
    let sources = match findings {
        0 => "No gaps found in the profile, the last validation or the prompt.".to_string(),
        n => format!(
            "{} below, from the column profile{}{}.",
            crate::model::words::plural(n, "finding"),
            if input.validation.is_some() {
                ", the last validation"
            } else {
                ""
            },
            if input.user_prompt.is_some() {
                " and the prompt"
            } else {
                ""
            }
        ),
    };
    format!(
        "{} rules on {} of {} columns of {}. {sources}",
        input.rules.len(),
        coverage.ruled.len(),
        coverage.columns.len(),
        input.table,
    )
}
