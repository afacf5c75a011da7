//! An AI (or offline) analysis of a rule set, with the older app's fields — summary, per-rule
//! analysis, coverage assessment, recommendations, an overall quality score 0–10 — plus what it
//! was based on and which assistant wrote it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the assistant says about one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RuleNote {
    pub rule_name: String,
    #[serde(default)]
    pub function: String,
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub explanation: String,
    /// `high`, `medium`, `low`.
    #[serde(default)]
    pub importance: String,
    #[serde(default)]
    pub criticality: String,
}

/// A recommendation; `rule` is a DQX check the user can add with one click.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Recommendation {
    pub text: String,
    #[serde(default)]
    pub rule: Option<Value>,
}

/// What the analysis looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct BasedOn {
    pub columns: usize,
    pub rules: usize,
    /// Rows profiled, when a profile was used.
    pub profiled_rows: Option<u64>,
    /// Rows of the last validation, when one was used.
    pub validated_rows: Option<u64>,
    pub prompt: bool,
}

/// The analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Analysis {
    pub summary: String,
    #[serde(default)]
    pub strengths: Vec<String>,
    #[serde(default)]
    pub rule_analysis: Vec<RuleNote>,
    #[serde(default)]
    pub coverage_assessment: String,
    #[serde(default)]
    pub recommendations: Vec<Recommendation>,
    /// 0–10.
    pub overall_quality_score: f64,
    #[serde(default)]
    pub based_on: BasedOn,
    /// Who wrote it: "offline analysis", "model databricks-claude-sonnet-4-5 (ai_query)", ...
    #[serde(default)]
    pub assistant: String,
    #[serde(default)]
    pub offline: bool,
    /// The model's reply as text, when it did not have the expected shape.
    #[serde(default)]
    pub raw_reply: Option<String>,
    /// Something the user should know about this analysis.
    #[serde(default)]
    pub note: Option<String>,
}

/// Whether a saved analysis (`ai_summary`) can be about a rule set of `rule_count` rules: one
/// that says it looked at another number of rules is about other rules, and is not kept with
/// these. One that does not say (an older app's) is kept.
pub fn describes(ai_summary: &serde_json::Value, rule_count: usize) -> bool {
    ai_summary
        .pointer("/based_on/rules")
        .and_then(serde_json::Value::as_u64)
        .is_none_or(|n| n == rule_count as u64)
}
