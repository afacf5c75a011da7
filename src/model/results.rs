//! The validation result: the contract shared by the local engine, the Databricks validation job
//! and the UI (ARCHITECTURE §5). Counts are per rule name.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How one rule did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    /// No row violated it.
    Pass,
    /// Rows violated an `error` rule.
    Fail,
    /// Rows violated a `warn` rule.
    Warn,
    /// The rule could not be evaluated (DQX: skipped; every row is flagged).
    Error,
}

/// One rule's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleResult {
    pub rule_name: String,
    pub function: String,
    pub columns: Option<Vec<String>>,
    pub criticality: String,
    pub status: RuleStatus,
    pub violation_count: u64,
    /// Up to 10 violating rows, each the row's values as text (NULL as null) plus `_message`.
    #[serde(default)]
    pub sample_violations: Vec<Map<String, Value>>,
    pub message: String,
}

/// The outcome of validating a rule set against a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationResult {
    pub success: bool,
    pub table_name: String,
    pub validated_at: String,
    pub total_rules: usize,
    pub passed: usize,
    pub failed: usize,
    pub warnings: usize,
    pub total_rows: u64,
    /// Rows without any error (warning-only rows are valid, as DQX splits them).
    pub valid_rows: u64,
    /// Rows with at least one error.
    pub invalid_rows: u64,
    /// Valid rows that carry warnings (beyond the §5 contract: a job may leave it out).
    #[serde(default)]
    pub rows_with_warnings: u64,
    /// Rows with at least one warning, with or without errors (DQX's `warning_row_count`);
    /// absent when the engine did not count it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows_with_any_warning: Option<u64>,
    /// Percentage of valid rows, 0–100.
    pub pass_rate: f64,
    pub rule_results: Vec<RuleResult>,
    pub duration_ms: u64,
    /// What the reader of this result should know about how it was made (samples omitted,
    /// a field the job did not report), when anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One result element as DQX writes it into `_errors` / `_warnings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResultItem {
    pub name: String,
    pub message: String,
    pub columns: Option<Vec<String>>,
    pub filter: Option<String>,
    pub function: String,
    pub user_metadata: std::collections::BTreeMap<String, String>,
}

/// The per-row results of `dqx-manager validate --rows`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowResult {
    /// 0-based position of the row in the input.
    pub row: u64,
    #[serde(rename = "_errors")]
    pub errors: Option<Vec<CheckResultItem>>,
    #[serde(rename = "_warnings")]
    pub warnings: Option<Vec<CheckResultItem>>,
}
