//! The local job runner: jobs run in-process on tokio, at most `max_concurrent` at once (the rest
//! queue), each as its caller on the local workspace. Runs live in memory and are forgotten on
//! restart; each user keeps their most recent runs.

mod record;
mod work;

use super::{JobRequest, JobRunner, run_not_found};
use crate::model::runs::{RunKind, RunStatus, RunSummary};
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::workspace::Workspace;
use crate::server::workspace::local::LocalWorkspace;
use record::RunRecord;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Semaphore;

/// Runs kept per user; older ended runs are forgotten first.
pub const RUNS_KEPT_PER_USER: usize = 50;

/// Runs generation and validation jobs in this process.
pub struct LocalJobRunner {
    workspace: Arc<LocalWorkspace>,
    permits: Arc<Semaphore>,
    runs: Mutex<HashMap<String, Arc<RunRecord>>>,
    /// A model for AI-assisted generation, when one is configured.
    assistant: Option<Arc<dyn crate::server::assistant::Assistant>>,
}

impl LocalJobRunner {
    pub fn new(
        workspace: Arc<LocalWorkspace>,
        max_concurrent: usize,
        assistant: Option<Arc<dyn crate::server::assistant::Assistant>>,
    ) -> Self {
        Self {
            workspace,
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            runs: Mutex::new(HashMap::new()),
            assistant,
        }
    }

    fn runs(&self) -> MutexGuard<'_, HashMap<String, Arc<RunRecord>>> {
        self.runs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The caller's run `run_id`, or not-found (also for someone else's run).
    fn owned(&self, caller: &Caller, run_id: &str) -> Result<Arc<RunRecord>, AppError> {
        self.runs()
            .get(run_id)
            .filter(|r| r.owner == caller.email)
            .cloned()
            .ok_or_else(|| run_not_found(run_id))
    }

    /// Forgets the oldest ended runs of `owner` beyond the per-user limit.
    fn evict(runs: &mut HashMap<String, Arc<RunRecord>>, owner: &str) {
        let mut ended: Vec<(std::time::Instant, String)> = runs
            .values()
            .filter(|r| r.owner == owner)
            .filter_map(|r| r.ended().map(|at| (at, r.id.clone())))
            .collect();
        let owned = runs.values().filter(|r| r.owner == owner).count();
        if owned <= RUNS_KEPT_PER_USER {
            return;
        }
        ended.sort();
        for (_, id) in ended.into_iter().take(owned - RUNS_KEPT_PER_USER) {
            runs.remove(&id);
        }
    }
}

#[async_trait::async_trait]
impl JobRunner for LocalJobRunner {
    async fn start(&self, caller: &Caller, request: JobRequest) -> Result<RunSummary, AppError> {
        let table = request.table().clone();
        // As the caller, before anything runs.
        self.workspace.probe_read(caller, &table).await?;
        let (kind, version) = match &request {
            JobRequest::Generation { .. } => (RunKind::Generation, None),
            JobRequest::Validation {
                rule_set_version, ..
            } => (RunKind::Validation, *rule_set_version),
        };
        let id = format!("local-{}", uuid::Uuid::new_v4().simple());
        let record = Arc::new(RunRecord::new(
            id.clone(),
            caller.email.clone(),
            kind,
            table.to_string(),
            version,
        ));
        {
            let mut runs = self.runs();
            runs.insert(id.clone(), record.clone());
            Self::evict(&mut runs, &caller.email);
        }
        tracing::info!(run_id = %id, kind = kind.label(), %table, user = %caller.email, request_id = %caller.request_id, "run queued");

        let permits = self.permits.clone();
        let workspace = self.workspace.clone();
        let assistant = self.assistant.clone();
        let caller = caller.clone();
        let task_record = record.clone();
        let handle = tokio::spawn(async move {
            let record = task_record;
            let Ok(_permit) = permits.acquire_owned().await else {
                record.fail("the job runner is shutting down".into());
                return;
            };
            if record.state().is_terminal() {
                return;
            }
            match work::run(&workspace, assistant.as_deref(), &caller, &record, request).await {
                Ok(Some(output)) => {
                    record.complete(output);
                    tracing::info!(run_id = %record.id, "run completed");
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(run_id = %record.id, %error, "run failed");
                    record.fail(error.user_message());
                }
            }
        });
        record.set_abort(handle.abort_handle());
        Ok(record.summary())
    }

    async fn status(&self, caller: &Caller, run_id: &str) -> Result<RunStatus, AppError> {
        Ok(self.owned(caller, run_id)?.status())
    }

    async fn cancel(&self, caller: &Caller, run_id: &str) -> Result<RunStatus, AppError> {
        let record = self.owned(caller, run_id)?;
        record.cancel(&caller.email);
        tracing::info!(run_id, user = %caller.email, "run cancel requested");
        Ok(record.status())
    }

    async fn list(&self, caller: &Caller) -> Result<Vec<RunSummary>, AppError> {
        let mut mine: Vec<Arc<RunRecord>> = self
            .runs()
            .values()
            .filter(|r| r.owner == caller.email)
            .cloned()
            .collect();
        mine.sort_by_key(|r| std::cmp::Reverse(r.started()));
        Ok(mine.iter().map(|r| r.summary()).collect())
    }
}

#[cfg(test)]
mod tests;
