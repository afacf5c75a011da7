//! Saved rule sets as the store, the server functions and the UI see them: versions with their
//! author and time, the store's status, diffs between versions, and the audit trail.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::review::VersionStatus;

/// Versions listed per page of history at most.
pub const MAX_HISTORY: u32 = 500;

/// One version of a table's rule set, without its rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSetSummary {
    pub id: String,
    pub table_name: String,
    pub version: i32,
    /// RFC 3339, UTC (the older app's rows have no zone and are read as UTC).
    pub created_at: Option<String>,
    /// The author's e-mail (older rows may carry the old app's name).
    pub created_by: Option<String>,
    pub is_active: bool,
    pub user_prompt: Option<String>,
    pub rule_count: usize,
    /// The version this one restored, if it was a restore.
    pub restored_from: Option<i32>,
    pub has_ai_summary: bool,
    /// The saved analysis in one line ("7.5/10: …"), when there is one.
    #[serde(default)]
    pub ai_overview: Option<String>,
    /// Where the version is in its review (older versions count as approved).
    #[serde(default)]
    pub status: VersionStatus,
    /// Who submitted it for review, and when (RFC 3339, UTC).
    #[serde(default)]
    pub submitted_by: Option<String>,
    #[serde(default)]
    pub submitted_at: Option<String>,
    /// Who approved it and when; `None` for versions active without review.
    #[serde(default)]
    pub approved_by: Option<String>,
    #[serde(default)]
    pub approved_at: Option<String>,
    /// Who rejected it, when and why.
    #[serde(default)]
    pub rejected_by: Option<String>,
    #[serde(default)]
    pub rejected_at: Option<String>,
    #[serde(default)]
    pub rejection_reason: Option<String>,
    /// The last time this version was published for pipelines, when it was.
    #[serde(default)]
    pub published: Option<PublishStatus>,
}

/// How the last publish of a version went ("published to 2 of 2 targets", or what failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishStatus {
    /// In words, with each failing target and its error.
    pub summary: String,
    /// Every target holds the version.
    pub complete: bool,
    pub at: String,
    pub by: String,
}

impl PublishStatus {
    /// Reads a `publish` audit event's detail (`{summary, report: {targets: [{outcome, …}]}}`).
    pub fn from_event(event: &AuditEvent) -> Option<Self> {
        let detail = event.detail.as_ref()?;
        let summary = detail.get("summary")?.as_str()?.to_string();
        let targets = detail
            .pointer("/report/targets")
            .and_then(Value::as_array)?;
        let complete = targets
            .iter()
            .all(|t| t.get("outcome").is_some_and(|o| !o.is_null()));
        Some(Self {
            summary,
            complete,
            at: event.at.clone(),
            by: event.actor.clone(),
        })
    }
}

/// One version with everything in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    #[serde(flatten)]
    pub summary: RuleSetSummary,
    pub rules: Vec<Value>,
    pub ai_summary: Option<Value>,
    pub metadata: Option<Value>,
}

/// What `save_rule_set` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRuleSet {
    pub id: String,
    pub version: i32,
    pub created_at: String,
    /// `approved` (active at once: no review applies) or `draft` (waiting to be submitted).
    #[serde(default)]
    pub status: VersionStatus,
    /// Whether this version is now the active one.
    #[serde(default)]
    pub is_active: bool,
    /// The rules and prompt were those of this existing version, so nothing new was saved.
    #[serde(default)]
    pub unchanged: bool,
}

/// Whether saving works, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorageStatus {
    pub configured: bool,
    pub connected: bool,
    /// `sqlite`, `lakebase (postgres)`.
    pub backend: String,
    /// Who the store sees (never a token).
    pub user: Option<String>,
    /// What is wrong, or where the data is.
    pub message: String,
}

/// One field that differs between two versions of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// `criticality`, `check.function`, `check.arguments.allowed`, `filter`, ...
    pub field: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// A rule present in both versions, changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleChange {
    pub name: String,
    pub fields: Vec<FieldChange>,
}

/// How version `to` differs from version `from`, rule by rule (matched by name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSetDiff {
    pub table_name: String,
    pub from: i32,
    pub to: i32,
    pub added: Vec<Value>,
    pub removed: Vec<Value>,
    pub changed: Vec<RuleChange>,
    pub unchanged: usize,
}

/// A rule set as DQX-loadable text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedRuleSet {
    pub file_name: String,
    pub version: i32,
    pub text: String,
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: String,
    pub actor: String,
    /// `save`, `restore`, `import`, `export`, `validate`, `submit`, `approve`, `reject`,
    /// `comment`, `preview`, `publish`.
    pub action: String,
    pub table_name: String,
    pub version: Option<i32>,
    pub detail: Option<Value>,
}

/// Tables with saved rules the landing page considers at most (most recently changed first).
pub const MAX_RULE_TABLES: u32 = 200;

/// The newest validation run of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastValidation {
    /// 0–100.
    pub pass_rate: f64,
    /// RFC 3339, UTC.
    pub at: String,
    /// The saved version it ran, when it ran one.
    pub version: Option<i32>,
    pub total_rows: u64,
    pub invalid_rows: u64,
}

/// A table with saved rules, in one line: where its rules stand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableOverview {
    pub table_name: String,
    pub versions: u32,
    pub latest_version: i32,
    /// Where the newest version is in its review.
    pub latest_status: VersionStatus,
    /// The version pipelines run (none before a first approval).
    pub active_version: Option<i32>,
    /// Versions waiting for review.
    pub pending_reviews: u32,
    /// When the newest version was saved (RFC 3339, UTC).
    pub changed_at: Option<String>,
    pub last_validation: Option<LastValidation>,
}

/// The tables with saved rules that the caller may read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleTables {
    /// Most recently changed first.
    pub tables: Vec<TableOverview>,
    /// Tables with rules whose read permission is still being checked (asked a few at a time);
    /// they appear on a later listing.
    pub unchecked: usize,
}
