//! The offline assistant: a deterministic analysis computed from the data, not a model. It finds
//! columns whose profile shows nulls, malformed values, out-of-range or future values, or
//! near-unique ids with duplicates but no rule that checks them; rules the last validation showed
//! failing on most rows or unable to run; prompt intents no rule covers; and overlapping rules.

/// Overlapping rules listed one by one; beyond this they are counted.
const OVERLAPS_LISTED: usize = 20;

use super::AnalysisInput;
use crate::engine::prompt::{ColumnFacts, apply_prompt, read_prompt};
use crate::model::analysis::{Analysis, BasedOn, Recommendation, RuleNote};
use crate::model::profile::{ColumnProfile, ValueFormat};
use crate::model::results::RuleStatus;
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
                "regex_match",
                json!({"column": name, "regex": ValueFormat::Email.pattern()}),
                &["regex_match"],
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
    let temporal = matches!(c.data_type.as_str(), "date") || c.data_type.starts_with("timestamp");
    if temporal
        && c.max
            .as_deref()
            .is_some_and(|m| m.get(..10).is_some_and(|d| d > today))
        && !covered(
            rules,
            name,
            &["is_not_in_future", "is_in_range", "is_not_greater_than"],
        )
    {
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
    let id_like = name.to_lowercase().ends_with("_id") || name.eq_ignore_ascii_case("id");
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
pub fn analyze(input: &AnalysisInput, today: &str) -> Analysis {
    let rules = &input.rules;
    let mut recommendations: Vec<Recommendation> = Vec::new();
    let mut strengths: Vec<String> = Vec::new();
    let mut penalty = 0.0;

    if let Some(profile) = &input.profile {
        for c in &profile.columns {
            let gaps = profile_gaps(c, rules, today);
            penalty += 1.0 * gaps.len() as f64;
            recommendations.extend(gaps);
        }
    }

    // What the last validation showed about each rule.
    let mut notes: Vec<RuleNote> = Vec::new();
    let validated = input.validation.as_ref();
    for rule in rules {
        let name = rule_key(rule);
        let mut explanation = describe(rule);
        if let Some(v) = validated
            && let Some(r) = v.rule_results.iter().find(|r| r.rule_name == name)
        {
            let total = v.total_rows;
            explanation = match r.status {
                RuleStatus::Error => {
                    penalty += 1.0;
                    recommendations.push(Recommendation {
                        text: format!("{name} could not be evaluated: {}", r.message),
                        rule: None,
                    });
                    format!("could not be evaluated: {}", r.message)
                }
                _ if total > 0 && r.violation_count == total => {
                    penalty += 1.5;
                    recommendations.push(Recommendation {
                        text: format!("{name} fails on every row ({} of {total}): the rule or its limits are probably wrong", r.violation_count),
                        rule: None,
                    });
                    format!(
                        "fails on every row ({}); check its arguments",
                        r.violation_count
                    )
                }
                _ if total > 0 && r.violation_count * 2 > total => {
                    penalty += 1.0;
                    recommendations.push(Recommendation {
                        text: format!(
                            "{name} fails on most rows ({} of {total}); is it too strict?",
                            r.violation_count
                        ),
                        rule: None,
                    });
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
        notes.push(RuleNote {
            rule_name: name,
            function: function(rule).to_string(),
            columns: columns(rule),
            explanation,
            importance: importance.into(),
            criticality,
        });
    }

    // Overlaps: the same check twice on the same columns (each repeat is compared with the
    // first of its kind, so this is linear in the rules), and a null check next to the
    // null-or-empty check on the same columns. At most OVERLAPS_LISTED are listed.
    let mut overlaps: Vec<String> = Vec::new();
    let mut first_of: std::collections::HashMap<String, &Value> = std::collections::HashMap::new();
    let mut null_checks: std::collections::HashMap<Vec<String>, (Option<&Value>, Option<&Value>)> =
        std::collections::HashMap::new();
    for rule in rules {
        let key = format!(
            "{}|{:?}|{}",
            function(rule),
            columns(rule),
            crate::model::rules::rule_arguments(rule)
                .cloned()
                .unwrap_or_default()
        );
        match first_of.get(&key) {
            Some(first) => overlaps.push(format!(
                "{} and {} overlap on {}; one of them is enough",
                rule_key(first),
                rule_key(rule),
                columns(rule).join(", ")
            )),
            None => {
                first_of.insert(key, rule);
            }
        }
        let slot = null_checks.entry(columns(rule)).or_default();
        match function(rule) {
            "is_not_null" if slot.0.is_none() => slot.0 = Some(rule),
            "is_not_null_and_not_empty" if slot.1.is_none() => slot.1 = Some(rule),
            _ => {}
        }
    }
    let mut nested: Vec<(&Value, &Value)> = null_checks
        .values()
        .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
        .collect();
    nested.sort_by_key(|(a, _)| rule_key(a));
    for (a, b) in nested {
        overlaps.push(format!(
            "{} and {} overlap on {}; one of them is enough",
            rule_key(a),
            rule_key(b),
            columns(a).join(", ")
        ));
    }
    penalty += 0.5 * overlaps.len() as f64;
    let more = overlaps.len().saturating_sub(OVERLAPS_LISTED);
    for text in overlaps.into_iter().take(OVERLAPS_LISTED) {
        recommendations.push(Recommendation { text, rule: None });
    }
    if more > 0 {
        recommendations.push(Recommendation {
            text: format!("{more} more overlapping rules; remove the repeats"),
            rule: None,
        });
    }

    // Prompt intents without a rule.
    if let Some(prompt) = input
        .user_prompt
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    {
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
        for wanted in apply_prompt(Vec::new(), &reading, &facts) {
            let present = rules
                .iter()
                .any(|r| function(r) == function(&wanted) && columns(r) == columns(&wanted));
            let offered = recommendations
                .iter()
                .filter_map(|r| r.rule.as_ref())
                .any(|r| function(r) == function(&wanted) && columns(r) == columns(&wanted));
            if !present && !offered {
                penalty += 1.0;
                let clause = wanted
                    .pointer("/user_metadata/reason")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                recommendations.push(Recommendation {
                    text: format!(
                        "the prompt asks for {} on {}, and no rule does it ({clause})",
                        function(&wanted),
                        columns(&wanted).join(", ")
                    ),
                    rule: Some(wanted),
                });
            }
        }
    }

    let all_columns: Vec<&str> = input.columns.iter().map(|(n, _)| n.as_str()).collect();
    let ruled: Vec<&str> = all_columns
        .iter()
        .copied()
        .filter(|c| rules.iter().any(|r| columns(r).iter().any(|x| x == c)))
        .collect();
    let uncovered: Vec<&str> = all_columns
        .iter()
        .copied()
        .filter(|c| !ruled.contains(c))
        .collect();
    if uncovered.is_empty() && !all_columns.is_empty() {
        strengths.push("every column has at least one rule".into());
    }
    if !rules.is_empty()
        && rules
            .iter()
            .all(|r| r.get("name").and_then(Value::as_str).is_some())
    {
        strengths.push("every rule has a name, so results are easy to trace".into());
    }
    if validated.is_some_and(|v| v.rule_results.iter().all(|r| r.status != RuleStatus::Error)) {
        strengths.push("every rule ran in the last validation".into());
    }
    let coverage = if all_columns.is_empty() {
        "The table's columns are not known.".to_string()
    } else if uncovered.is_empty() {
        format!(
            "All {} columns are checked by at least one rule.",
            all_columns.len()
        )
    } else {
        format!(
            "{} of {} columns are checked; no rule looks at {}.",
            ruled.len(),
            all_columns.len(),
            uncovered.join(", ")
        )
    };
    if rules.is_empty() {
        penalty += 5.0;
    }
    let score = (10.0 - penalty).clamp(0.0, 10.0);
    let findings = recommendations.len();
    let summary = format!(
        "{} rules on {} of {} columns of {}. {}",
        rules.len(),
        ruled.len(),
        all_columns.len(),
        input.table,
        match findings {
            0 => "No gaps found in the profile, the last validation or the prompt.".to_string(),
            n => format!(
                "{n} finding(s) below, from the column profile{}{}.",
                if validated.is_some() {
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
        }
    );
    Analysis {
        summary,
        strengths,
        rule_analysis: notes,
        coverage_assessment: coverage,
        recommendations,
        overall_quality_score: (score * 10.0).round() / 10.0,
        based_on: BasedOn {
            columns: all_columns.len(),
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
