//! A scheduled firing in local mode: the table's active (approved) rule set with the checks
//! registry bindings in force give it, checked against its
//! columns as the schedule's owner, run as the owner on the in-process runner, watched to its end
//! and recorded as a scheduled run (counts and messages only) with an audit entry.

use super::scheduler::Fire;
use super::store::{Outcome, ScheduleStore, StoredSchedule};
use crate::model::runs::{EngineChoice, RunState};
use crate::model::table_name::TableName;
use crate::server::caller::{Caller, IdentitySource};
use crate::server::error::AppError;
use crate::server::jobs::{JobRequest, JobRunner};
use crate::server::store::{AuditAction, RuleStore, ops::audit_quietly};
use crate::server::workspace::Workspace;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

/// How often a scheduled run's state is read while it runs.
const POLL: Duration = Duration::from_millis(500);

/// Runs a schedule's table as its owner.
pub struct RunAsOwner {
    pub workspace: Arc<dyn Workspace>,
    pub jobs: Arc<dyn JobRunner>,
    pub rules: Arc<dyn RuleStore>,
    pub schedules: Arc<dyn ScheduleStore>,
    /// The longest a scheduled run is watched.
    pub run_limit: Duration,
    /// The alerts evaluated after each recorded run.
    pub alerts: Arc<crate::server::alerts::Alerts>,
}

/// The owner acting without a request (local users need no token).
pub fn owner_caller(owner: &str, table: &str, due: DateTime<Utc>) -> Caller {
    Caller {
        email: owner.to_string(),
        user_name: None,
        display_name: None,
        token: None,
        source: IdentitySource::DefaultLocalUser,
        request_id: format!("schedule:{table}@{}", due.format("%Y-%m-%dT%H:%MZ")),
    }
}

#[async_trait::async_trait]
impl Fire for RunAsOwner {
    async fn fire(&self, schedule: &StoredSchedule, due: DateTime<Utc>) -> Outcome {
        let owner = owner_caller(&schedule.owner, &schedule.table_name, due);
        match self.start(&owner, &schedule.table_name).await {
            Ok((run_id, version)) => {
                self.see_through(&owner, &run_id, version).await;
                Outcome::Started(run_id)
            }
            Err(error) => Outcome::Failed(error.to_string()),
        }
    }
}

impl RunAsOwner {
    /// Starts the active version's run as the owner: its id and version.
    async fn start(&self, owner: &Caller, table: &str) -> Result<(String, i32), AppError> {
        let name = TableName::parse(table).map_err(|e| AppError::BadRequest(e.to_string()))?;
        let mut active = match self.rules.get(owner, table, None).await {
            Ok(set) => set,
            Err(AppError::NotFound(_)) => {
                return Err(AppError::NotFound(format!(
                    "{table} has no active (approved) rule set to run; approve a version, and the schedule runs it"
                )));
            }
            Err(other) => return Err(other),
        };
        let columns: Vec<String> = self
            .workspace
            .columns(owner, &name)
            .await?
            .into_iter()
            .map(|c| c.name)
            .collect();
        // With the checks registry bindings in force give the table, as the owner sees them.
        let (inherited, _) = crate::server::registry::effective::inherited(
            self.workspace.as_ref(),
            self.rules.as_ref(),
            owner,
            &name,
        )
        .await?;
        active.rules = crate::model::registry_effective::assemble(
            table,
            active.rules,
            Some(active.summary.version),
            inherited,
        )
        .rules;
        crate::server::store::ops::refuse_invalid(
            &active.rules,
            Some(&columns),
            "nothing was run",
        )?;
        let request = JobRequest::Validation {
            table: name,
            rules: active.rules,
            rule_set_version: Some(active.summary.version),
            engine: EngineChoice::default(),
        };
        let started = self.jobs.start(owner, request).await?;
        Ok((started.run_id, active.summary.version))
    }

    /// Watches the run to its end and records its result as a scheduled run.
    async fn see_through(&self, owner: &Caller, run_id: &str, version: i32) {
        let deadline = tokio::time::Instant::now() + self.run_limit;
        loop {
            let status = match self.jobs.status(owner, run_id).await {
                Ok(status) => status,
                Err(error) => {
                    tracing::warn!(run_id, %error, "a scheduled run's state could not be read");
                    return;
                }
            };
            if status.summary.state == RunState::Completed {
                if let Some(result) = status.validation {
                    self.record(owner, run_id, version, result).await;
                }
                return;
            }
            if status.summary.state.is_terminal() {
                tracing::warn!(run_id, state = ?status.summary.state, message = ?status.summary.message, "a scheduled run did not complete");
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                let _ = self.jobs.cancel(owner, run_id).await;
                tracing::warn!(
                    run_id,
                    "a scheduled run took longer than its limit and was canceled"
                );
                return;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn record(
        &self,
        owner: &Caller,
        run_id: &str,
        version: i32,
        result: crate::model::results::ValidationResult,
    ) {
        let result = crate::server::jobs::results::counts_only(result);
        match self
            .schedules
            .record_run(&owner.email, run_id, Some(version), &result)
            .await
        {
            Ok(true) => {
                let finished = crate::server::alerts::FinishedRun {
                    run_id: run_id.to_string(),
                    run_time: chrono::Utc::now(),
                    result: result.clone(),
                };
                crate::server::alerts::after_run(&self.alerts, &finished, Some(owner)).await;
                let detail = serde_json::json!({"run_id": run_id, "trigger": "schedule",
                    "invalid_rows": result.invalid_rows, "total_rows": result.total_rows});
                audit_quietly(
                    self.rules.as_ref(),
                    owner,
                    AuditAction::Validate,
                    &result.table_name,
                    Some(version),
                    Some(detail),
                )
                .await;
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(run_id, %error, "a scheduled run was not recorded"),
        }
    }
}
