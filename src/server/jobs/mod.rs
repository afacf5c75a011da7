//! The `JobRunner` capability: generation and validation jobs that run away from the request
//! (in-process locally, as Databricks jobs in a workspace), with the same parameters, states and
//! result documents (ARCHITECTURE §5). Every implementation proves with the caller's identity that
//! the caller may read the table before starting, and shows a run only to the user who started it.

pub mod databricks;
pub mod local;
pub mod results;
pub mod routed;
pub mod warehouse;
pub mod withhold;

use crate::model::runs::{EngineChoice, RunStatus, RunSummary};
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use serde_json::Value;

/// What to run.
#[derive(Debug, Clone)]
pub enum JobRequest {
    /// Profile the table (at most `sample_limit` rows) and propose rules, reading the prompt.
    Generation {
        table: TableName,
        prompt: String,
        sample_limit: u64,
        /// Databricks mode: the warehouse as the caller (default) or the generation job.
        engine: EngineChoice,
    },
    /// Evaluate already-validated DQX rules over the whole table in one pass.
    Validation {
        table: TableName,
        rules: Vec<Value>,
        /// The saved version these rules are, if any (kept with the recorded run).
        rule_set_version: Option<i32>,
        /// Databricks mode: the warehouse as the caller (default) or the validation job.
        engine: EngineChoice,
    },
    /// Run a new version and the active one on the same fixed sample and compare them (always
    /// as the caller: on the warehouse in Databricks mode).
    Impact {
        table: TableName,
        version: i32,
        against_version: Option<i32>,
        before: Vec<Value>,
        after: Vec<Value>,
        /// Rule name → `added`, `removed`, `changed`.
        changes: std::collections::BTreeMap<String, String>,
        sample_rows: u64,
        /// Who wrote the two versions: a rule reading other tables runs only with its author's
        /// rights too (`withhold`).
        authors: withhold::Authors,
    },
}

impl JobRequest {
    pub fn table(&self) -> &TableName {
        match self {
            JobRequest::Generation { table, .. }
            | JobRequest::Validation { table, .. }
            | JobRequest::Impact { table, .. } => table,
        }
    }

    /// The same request for another engine (an impact preview always runs as the caller).
    pub fn on_engine(mut self, choice: EngineChoice) -> Self {
        match &mut self {
            JobRequest::Generation { engine, .. } | JobRequest::Validation { engine, .. } => {
                *engine = choice;
            }
            JobRequest::Impact { .. } => {}
        }
        self
    }

    pub fn engine(&self) -> EngineChoice {
        match self {
            JobRequest::Generation { engine, .. } | JobRequest::Validation { engine, .. } => {
                *engine
            }
            JobRequest::Impact { .. } => EngineChoice::Warehouse,
        }
    }
}

/// Starts, watches and cancels the caller's runs.
#[async_trait::async_trait]
pub trait JobRunner: Send + Sync {
    /// Starts a run for `caller`, after proving as the caller that the table is readable.
    async fn start(&self, caller: &Caller, request: JobRequest) -> Result<RunSummary, AppError>;
    /// The run's status (and result when completed); another user's run is "not found".
    async fn status(&self, caller: &Caller, run_id: &str) -> Result<RunStatus, AppError>;
    /// The rules the caller's validation run checked (for its triage); runs whose rules are not
    /// kept here (the validation job's) say so.
    async fn validated_rules(&self, caller: &Caller, run_id: &str) -> Result<Vec<Value>, AppError> {
        self.status(caller, run_id).await?;
        Err(AppError::BadRequest(format!(
            "run {run_id} ran as a Databricks job, whose rules this app does not keep; validate on the warehouse (as you) to see why rows fail"
        )))
    }
    /// Cancels the caller's run; ended runs are left as they are.
    async fn cancel(&self, caller: &Caller, run_id: &str) -> Result<RunStatus, AppError>;
    /// The caller's recent runs, newest first.
    async fn list(&self, caller: &Caller) -> Result<Vec<RunSummary>, AppError>;
    /// The engines a run may choose (Databricks mode); empty where only one engine exists.
    fn engines(&self) -> Vec<crate::model::session::EngineOffer> {
        Vec::new()
    }
}

/// What one user may hold in a runner: runs queued or running at once, ended runs kept, and
/// how long an ended run is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunBounds {
    pub active_per_user: usize,
    pub kept_per_user: usize,
    pub ttl: std::time::Duration,
}

impl Default for RunBounds {
    fn default() -> Self {
        Self::from(&crate::server::limits::Limits::default())
    }
}

impl From<&crate::server::limits::Limits> for RunBounds {
    fn from(limits: &crate::server::limits::Limits) -> Self {
        Self {
            active_per_user: limits.max_runs_per_user,
            kept_per_user: limits.runs_kept_per_user,
            ttl: std::time::Duration::from_secs(limits.run_ttl_secs),
        }
    }
}

impl RunBounds {
    /// Refuses a new run when the caller already has `active` runs queued or running.
    pub fn admit(&self, active: usize) -> Result<(), AppError> {
        if active >= self.active_per_user {
            return Err(AppError::TooManyRequests(format!(
                "you already have {active} runs queued or running, the most one person may have at once (DQX_MAX_RUNS_PER_USER = {}); wait for one to end or cancel one, then try again",
                self.active_per_user
            )));
        }
        Ok(())
    }
}

/// The rules resolved against the table's columns, or the first problem as a 400: a run never
/// starts on rules the validator refuses.
pub fn valid_rules_for(
    table: &TableName,
    rules: Vec<Value>,
    columns: &[String],
) -> Result<Vec<crate::model::rules::ResolvedRule>, AppError> {
    let checked =
        crate::model::rules::validate::validate_rule_set(&Value::Array(rules), Some(columns));
    if !checked.is_valid() {
        let first = checked
            .errors()
            .next()
            .map(|p| p.located())
            .unwrap_or_default();
        return Err(AppError::BadRequest(format!(
            "the rules are not valid for {table}: {first}"
        )));
    }
    Ok(checked.rules)
}

/// The error for a run id that is unknown or belongs to someone else (the two are not told apart).
pub fn run_not_found(run_id: &str) -> AppError {
    AppError::NotFound(format!(
        "there is no run {run_id} of yours; it may have been started by someone else, or forgotten after a restart"
    ))
}
