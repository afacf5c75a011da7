//! Reading a model's reply: JSON, possibly inside a code fence or surrounded by prose, checked
//! against the expected shape. A reply that does not fit is kept as text with a note — never an
//! error the user cannot read.

use crate::model::analysis::{Analysis, Recommendation, RuleNote};
use serde_json::Value;

/// The JSON object inside `reply` (code fences and prose around it ignored).
pub fn json_in(reply: &str) -> Option<Value> {
    let trimmed = reply.trim();
    let unfenced = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```JSON"))
        .or_else(|| trimmed.strip_prefix("```"))
        .map(|rest| rest.trim_end().trim_end_matches("```"))
        .unwrap_or(trimmed);
    if let Ok(v) = serde_json::from_str::<Value>(unfenced.trim()) {
        return Some(v);
    }
    let start = unfenced.find(['{', '['])?;
    let end = unfenced.rfind(['}', ']'])?;
    (end > start)
        .then(|| serde_json::from_str(&unfenced[start..=end]).ok())
        .flatten()
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("; "),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => text(other, "text"),
            })
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// An analysis from a model reply, or `None` when the reply lacks the expected shape (a JSON
/// object with a `summary` text and a numeric `overall_quality_score` from 0 to 10).
pub fn analysis_from_reply(reply: &str) -> Option<Analysis> {
    let v = json_in(reply)?;
    let summary = v.get("summary")?.as_str()?.to_string();
    let score = match v.get("overall_quality_score")? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    if !(0.0..=10.0).contains(&score) {
        return None;
    }
    let rule_analysis = v
        .get("rule_analysis")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|r| RuleNote {
                    rule_name: text(r, "rule_name").chars().take(200).collect(),
                    function: text(r, "function"),
                    columns: strings(r, "columns"),
                    explanation: text(r, "explanation"),
                    importance: text(r, "importance"),
                    criticality: text(r, "criticality"),
                })
                .filter(|r| !r.rule_name.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let recommendations = match v.get("recommendations") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|r| match r {
                Value::String(s) => Recommendation {
                    text: s.clone(),
                    rule: None,
                },
                other => Recommendation {
                    text: text(other, "text"),
                    rule: other.get("rule").filter(|r| r.is_object()).cloned(),
                },
            })
            .filter(|r| !r.text.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    Some(Analysis {
        summary,
        strengths: strings(&v, "strengths"),
        rule_analysis,
        coverage_assessment: text(&v, "coverage_assessment"),
        recommendations,
        overall_quality_score: score,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenced_and_chatty_replies_are_read() {
        let fenced = "```json\n{\"summary\": \"ok\", \"overall_quality_score\": 7.5}\n```";
        assert_eq!(
            analysis_from_reply(fenced).unwrap().overall_quality_score,
            7.5
        );
        let chatty = "Here is my analysis:\n{\"summary\": \"fine\", \"overall_quality_score\": \"6\", \"recommendations\": [\"add a rule\", {\"text\": \"check emails\", \"rule\": {\"check\": {\"function\": \"regex_match\"}}}]}\nHope it helps.";
        let a = analysis_from_reply(chatty).unwrap();
        assert_eq!(a.recommendations.len(), 2);
        assert!(a.recommendations[1].rule.is_some());
    }

    #[test]
    fn replies_of_the_wrong_shape_are_refused() {
        assert!(analysis_from_reply("I cannot help with that").is_none());
        assert!(analysis_from_reply("{\"summary\": \"x\"}").is_none());
        assert!(
            analysis_from_reply("{\"summary\": \"x\", \"overall_quality_score\": 42}").is_none()
        );
        assert!(analysis_from_reply("{\"summary\": \"x\", \"overall_quality_score\": ").is_none());
    }
}
