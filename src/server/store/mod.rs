//! The `RuleStore` capability: versioned rule sets, validation runs and an audit trail, in SQLite
//! (local, a file under the data folder) or Postgres (Lakebase, reached as the user). Both hold
//! the same tables, created by versioned migrations at start-up, never on a request path. The
//! registry's reviewed entries live beside the rule sets (`registry`).

pub mod lifecycle;
pub mod ops;
pub mod postgres;
pub(crate) mod queries;
pub mod registry;
pub(crate) mod rows;
pub mod sqlite;

use crate::model::results::ValidationResult;
use crate::model::review::ImpactPreview;
use crate::model::rulesets::{
    AuditEvent, RuleSet, RuleSetSummary, SavedRuleSet, StorageStatus, TableOverview,
};
use crate::server::caller::Caller;
use crate::server::error::AppError;
pub use lifecycle::Transition;
use serde_json::Value;

/// Saves that lose a race on the (table, version) key are retried this many times.
pub const SAVE_ATTEMPTS: usize = 5;

/// Every attempt's version number was taken by another save at the same moment: a conflict the
/// caller resolves by saving again, not a failure of the app.
pub fn versions_taken(table: &str) -> AppError {
    AppError::Conflict(format!(
        "other saves of {table} took the next version number {SAVE_ATTEMPTS} times in a row; nothing was saved: save again"
    ))
}

/// A finished validation run as the store keeps it (counts and messages, never row values).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRun {
    pub run_id: String,
    pub validated_by: String,
    /// RFC 3339, UTC.
    pub validated_at: String,
    pub version: Option<i32>,
    pub result: ValidationResult,
    /// What started it.
    pub trigger: crate::model::metrics::Trigger,
}

/// A rule set to save as the table's next version.
#[derive(Debug, Clone, Default)]
pub struct NewRuleSet {
    pub table_name: String,
    pub rules: Vec<Value>,
    pub user_prompt: Option<String>,
    pub ai_summary: Option<Value>,
    pub metadata: Option<Value>,
    pub restored_from: Option<i32>,
    /// Saved as a draft for review (not active) instead of as the active version.
    pub draft: bool,
}

/// What was done, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Save,
    Restore,
    Import,
    Export,
    Validate,
    Submit,
    Approve,
    Reject,
    Comment,
    Preview,
    Publish,
    Schedule,
    Unschedule,
    SetAlert,
    DeleteAlert,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Save => "save",
            AuditAction::Restore => "restore",
            AuditAction::Import => "import",
            AuditAction::Export => "export",
            AuditAction::Validate => "validate",
            AuditAction::Submit => "submit",
            AuditAction::Approve => "approve",
            AuditAction::Reject => "reject",
            AuditAction::Comment => "comment",
            AuditAction::Preview => "preview",
            AuditAction::Publish => "publish",
            AuditAction::Schedule => "schedule",
            AuditAction::Unschedule => "unschedule",
            AuditAction::SetAlert => "set_alert",
            AuditAction::DeleteAlert => "delete_alert",
        }
    }
}

/// Versioned rule sets (and the registry's entries) as the caller.
#[async_trait::async_trait]
pub trait RuleStore: registry::RegistryStore + Send + Sync {
    /// Whether saving works for the caller, in words.
    async fn status(&self, caller: &Caller) -> StorageStatus;
    /// Saves the next version of the table's rule set: the only active one, or a draft when
    /// `new.draft`; the caller is its author.
    async fn save(&self, caller: &Caller, new: NewRuleSet) -> Result<SavedRuleSet, AppError>;
    /// Versions of a table, newest first.
    async fn history(
        &self,
        caller: &Caller,
        table: &str,
        limit: u32,
    ) -> Result<Vec<RuleSetSummary>, AppError>;
    /// One version (the active one when `version` is `None`).
    async fn get(
        &self,
        caller: &Caller,
        table: &str,
        version: Option<i32>,
    ) -> Result<RuleSet, AppError>;
    /// Adds an audit entry.
    async fn audit(
        &self,
        caller: &Caller,
        action: AuditAction,
        table: &str,
        version: Option<i32>,
        detail: Option<Value>,
    ) -> Result<(), AppError>;
    /// The table's audit trail, newest first.
    async fn audit_trail(
        &self,
        caller: &Caller,
        table: &str,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, AppError>;
    /// The table's newest audit events of one action (e.g. every publish, however many
    /// comments came after).
    async fn audit_trail_of(
        &self,
        caller: &Caller,
        table: &str,
        action: AuditAction,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, AppError>;
    /// Records a finished validation run once (by run id); whether it was new.
    async fn record_validation(
        &self,
        caller: &Caller,
        run_id: &str,
        version: Option<i32>,
        result: &ValidationResult,
    ) -> Result<bool, AppError>;
    /// The table's recorded validation runs, newest first, whoever started them.
    async fn validation_runs(
        &self,
        caller: &Caller,
        table: &str,
        limit: u32,
    ) -> Result<Vec<StoredRun>, AppError>;
    /// Moves a version through review if it still has the status the caller saw, in one
    /// transaction with its audit entry; approving makes it the table's only active version.
    async fn transition(
        &self,
        caller: &Caller,
        transition: &Transition,
    ) -> Result<RuleSetSummary, AppError>;
    /// Versions waiting for review, of every table, oldest submission first.
    async fn pending(&self, caller: &Caller, limit: u32) -> Result<Vec<RuleSetSummary>, AppError>;
    /// The tables with a version waiting for review (only their names), oldest first: what
    /// the queue asks the workspace about before it reads (a store whose reads follow proofs
    /// lists them without them).
    async fn pending_tables(&self, caller: &Caller, limit: u32) -> Result<Vec<String>, AppError> {
        Ok(tables_of(self.pending(caller, limit).await?))
    }
    /// The tables with saved rules (only their names), most recently changed first: what the
    /// landing page asks the workspace about before it reads (like [`Self::pending_tables`]).
    async fn rule_tables(&self, caller: &Caller, limit: u32) -> Result<Vec<String>, AppError>;
    /// Where the rules of each of `tables` stand, newest change first; a table without rules
    /// (or whose rows the caller may not see) is absent.
    async fn overviews(
        &self,
        caller: &Caller,
        tables: &[String],
    ) -> Result<Vec<TableOverview>, AppError>;
    /// Records that the caller was just proven, as themselves, to read `table` in the
    /// workspace, for a store that shows a table's rows only to its proven readers (Lakebase
    /// user mode); others need nothing.
    async fn prove_reader(&self, _caller: &Caller, _table: &str) -> Result<(), AppError> {
        Ok(())
    }
    /// The audit entries of one version, oldest first (its review thread).
    async fn version_trail(
        &self,
        caller: &Caller,
        table: &str,
        version: i32,
    ) -> Result<Vec<AuditEvent>, AppError>;
    /// Keeps an impact preview with the version's review, once per run; whether it was new.
    async fn save_preview(
        &self,
        caller: &Caller,
        run_id: &str,
        preview: &ImpactPreview,
    ) -> Result<bool, AppError>;
    /// The newest impact preview of a version.
    async fn latest_preview(
        &self,
        caller: &Caller,
        table: &str,
        version: i32,
    ) -> Result<Option<ImpactPreview>, AppError>;
}

/// The tables of `pending`, each once, in order.
pub fn tables_of(pending: Vec<RuleSetSummary>) -> Vec<String> {
    let mut tables: Vec<String> = Vec::new();
    for summary in pending {
        if !tables.contains(&summary.table_name) {
            tables.push(summary.table_name);
        }
    }
    tables
}

/// Review-thread entries other than comments read per version at most.
pub const MAX_THREAD: i64 = 500;
/// Comments one version's review thread keeps (further comments are refused).
pub const MAX_COMMENTS: i64 = 200;

/// No store: saving says clearly that storage is not configured.
pub struct NoStore {
    pub reason: String,
}

impl NoStore {
    fn refuse(&self) -> AppError {
        AppError::Unavailable(self.reason.clone())
    }
}

#[async_trait::async_trait]
impl RuleStore for NoStore {
    async fn status(&self, _caller: &Caller) -> StorageStatus {
        StorageStatus {
            configured: false,
            connected: false,
            backend: "none".into(),
            user: None,
            message: self.reason.clone(),
        }
    }
    async fn save(&self, _: &Caller, _: NewRuleSet) -> Result<SavedRuleSet, AppError> {
        Err(self.refuse())
    }
    async fn history(&self, _: &Caller, _: &str, _: u32) -> Result<Vec<RuleSetSummary>, AppError> {
        Err(self.refuse())
    }
    async fn get(&self, _: &Caller, _: &str, _: Option<i32>) -> Result<RuleSet, AppError> {
        Err(self.refuse())
    }
    async fn audit(
        &self,
        _: &Caller,
        _: AuditAction,
        _: &str,
        _: Option<i32>,
        _: Option<Value>,
    ) -> Result<(), AppError> {
        Err(self.refuse())
    }
    async fn audit_trail(&self, _: &Caller, _: &str, _: u32) -> Result<Vec<AuditEvent>, AppError> {
        Err(self.refuse())
    }
    async fn audit_trail_of(
        &self,
        _: &Caller,
        _: &str,
        _: AuditAction,
        _: u32,
    ) -> Result<Vec<AuditEvent>, AppError> {
        Err(self.refuse())
    }
    async fn record_validation(
        &self,
        _: &Caller,
        _: &str,
        _: Option<i32>,
        _: &ValidationResult,
    ) -> Result<bool, AppError> {
        Err(self.refuse())
    }
    async fn validation_runs(
        &self,
        _: &Caller,
        _: &str,
        _: u32,
    ) -> Result<Vec<StoredRun>, AppError> {
        Err(self.refuse())
    }
    async fn transition(&self, _: &Caller, _: &Transition) -> Result<RuleSetSummary, AppError> {
        Err(self.refuse())
    }
    async fn pending(&self, _: &Caller, _: u32) -> Result<Vec<RuleSetSummary>, AppError> {
        Err(self.refuse())
    }
    async fn rule_tables(&self, _: &Caller, _: u32) -> Result<Vec<String>, AppError> {
        Err(self.refuse())
    }
    async fn overviews(&self, _: &Caller, _: &[String]) -> Result<Vec<TableOverview>, AppError> {
        Err(self.refuse())
    }
    async fn version_trail(
        &self,
        _: &Caller,
        _: &str,
        _: i32,
    ) -> Result<Vec<AuditEvent>, AppError> {
        Err(self.refuse())
    }
    async fn save_preview(&self, _: &Caller, _: &str, _: &ImpactPreview) -> Result<bool, AppError> {
        Err(self.refuse())
    }
    async fn latest_preview(
        &self,
        _: &Caller,
        _: &str,
        _: i32,
    ) -> Result<Option<ImpactPreview>, AppError> {
        Err(self.refuse())
    }
}

#[async_trait::async_trait]
impl registry::RegistryStore for NoStore {
    async fn registry_save(
        &self,
        _: &Caller,
        _: &registry::NewEntry,
    ) -> Result<crate::model::registry_entries::RegistryVersion, AppError> {
        Err(self.refuse())
    }
    async fn registry_move(
        &self,
        _: &Caller,
        _: &registry::EntryMove,
    ) -> Result<crate::model::registry_entries::RegistryVersion, AppError> {
        Err(self.refuse())
    }
    /// Without a store nothing was ever saved in the registry: nothing binds anywhere, so
    /// validations and publishes go on with the table's own rules.
    async fn registry_versions(
        &self,
        _: &Caller,
        _: crate::model::registry_entries::EntryKind,
        _: Option<&str>,
        _: u32,
    ) -> Result<Vec<crate::model::registry_entries::RegistryVersion>, AppError> {
        Ok(Vec::new())
    }
}
