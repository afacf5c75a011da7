//! The in-process job runner: runs are tokio tasks in this process, at most `max_concurrent` at
//! once (the rest queue), each doing its work as its caller — on the embedded workspace locally
//! (`work::LocalWork`), on the SQL warehouse with the caller's token in a workspace
//! (`jobs::warehouse::WarehouseWork`). Runs live in memory and are forgotten on restart; each
//! user keeps their most recent runs.

pub mod record;
pub mod work;

use super::{JobRequest, JobRunner, run_not_found};
use crate::model::runs::{RunKind, RunStatus, RunSummary};
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use record::{Output, RunRecord};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Semaphore;

use super::RunBounds;

/// What a run does, as its caller, wherever it reads the data.
#[async_trait::async_trait]
pub trait RunWork: Send + Sync {
    /// The prefix of this work's run ids (`local-`, `wh-`), so a router can tell runs apart.
    fn id_prefix(&self) -> &'static str;
    /// Proves as the caller that the table may be read, before a run is created.
    async fn probe(&self, caller: &Caller, table: &TableName) -> Result<(), AppError>;
    /// Does the work, reporting phases on `record`; `None` when the run was canceled.
    async fn run(
        &self,
        caller: &Caller,
        record: &RunRecord,
        request: JobRequest,
    ) -> Result<Option<Output>, AppError>;
    /// Where runs of this work read the data, in words (`None`: the embedded engine).
    fn runs_on(&self) -> Option<String> {
        None
    }
    /// Stops what a canceled run left running elsewhere (a warehouse statement).
    async fn cancel_remote(&self, _caller: &Caller, _record: &RunRecord) {}
}

/// Runs generation and validation jobs in this process.
pub struct InProcessRunner {
    work: Arc<dyn RunWork>,
    permits: Arc<Semaphore>,
    runs: Mutex<HashMap<String, Arc<RunRecord>>>,
    bounds: RunBounds,
}

/// The local mode's runner: in-process runs on the embedded workspace.
pub type LocalJobRunner = InProcessRunner;

impl InProcessRunner {
    /// The local mode's runner over `workspace` (with a model for AI-assisted generation, when
    /// one is configured).
    pub fn new(
        workspace: Arc<crate::server::workspace::local::LocalWorkspace>,
        max_concurrent: usize,
        assistant: Option<Arc<dyn crate::server::assistant::Assistant>>,
    ) -> Self {
        Self::with_work(
            Arc::new(work::LocalWork {
                workspace,
                assistant,
            }),
            max_concurrent,
        )
    }

    /// A runner doing `work`, at most `max_concurrent` runs at once.
    pub fn with_work(work: Arc<dyn RunWork>, max_concurrent: usize) -> Self {
        Self {
            work,
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            runs: Mutex::new(HashMap::new()),
            bounds: RunBounds::default(),
        }
    }

    /// The same runner with other per-user bounds.
    pub fn with_bounds(mut self, bounds: RunBounds) -> Self {
        self.bounds = bounds;
        self
    }

    /// Whether `run_id` is one of this runner's.
    pub fn owns_id(&self, run_id: &str) -> bool {
        run_id.starts_with(self.work.id_prefix())
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

    /// Forgets ended runs past their time to live, then the oldest ended runs of `owner` beyond
    /// the per-user number kept.
    fn evict(&self, runs: &mut HashMap<String, Arc<RunRecord>>, owner: &str) {
        runs.retain(|_, r| r.ended().is_none_or(|at| at.elapsed() < self.bounds.ttl));
        let mut ended: Vec<(std::time::Instant, String)> = runs
            .values()
            .filter(|r| r.owner == owner)
            .filter_map(|r| r.ended().map(|at| (at, r.id.clone())))
            .collect();
        let owned = runs.values().filter(|r| r.owner == owner).count();
        if owned <= self.bounds.kept_per_user {
            return;
        }
        ended.sort();
        for (_, id) in ended.into_iter().take(owned - self.bounds.kept_per_user) {
            runs.remove(&id);
        }
    }
}

#[async_trait::async_trait]
impl JobRunner for InProcessRunner {
    async fn start(&self, caller: &Caller, request: JobRequest) -> Result<RunSummary, AppError> {
        let table = request.table().clone();
        let active = self
            .runs()
            .values()
            .filter(|r| r.owner == caller.email && !r.state().is_terminal())
            .count();
        self.bounds.admit(active)?;
        // As the caller, before anything runs.
        self.work.probe(caller, &table).await?;
        let (kind, version) = match &request {
            JobRequest::Generation { .. } => (RunKind::Generation, None),
            JobRequest::Validation {
                rule_set_version, ..
            } => (RunKind::Validation, *rule_set_version),
            JobRequest::Impact { version, .. } => (RunKind::Impact, Some(*version)),
        };
        let id = format!("{}{}", self.work.id_prefix(), uuid::Uuid::new_v4().simple());
        let mut record = RunRecord::new(
            id.clone(),
            caller.email.clone(),
            kind,
            table.to_string(),
            version,
        );
        record.runs_on = self.work.runs_on();
        if let JobRequest::Validation { rules, .. } = &request {
            record.rules = rules.clone();
        }
        let record = Arc::new(record);
        {
            let mut runs = self.runs();
            runs.insert(id.clone(), record.clone());
            self.evict(&mut runs, &caller.email);
        }
        tracing::info!(run_id = %id, kind = kind.label(), %table, user = %caller.email, request_id = %caller.request_id, "run queued");

        let permits = self.permits.clone();
        let work = self.work.clone();
        let caller = caller.clone();
        let task_record = record.clone();
        // On the jobs runtime: an evaluation never holds the workers that answer requests, nor
        // those of the queries requests wait for.
        let handle = crate::server::runtime::spawn_job(async move {
            let record = task_record;
            let Ok(_permit) = permits.acquire_owned().await else {
                record.fail("the job runner is shutting down".into());
                return;
            };
            if record.state().is_terminal() {
                return;
            }
            match work.run(&caller, &record, request).await {
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
        })
        .inspect_err(|e| record.fail(format!("the run could not start: {e}")))
        .map_err(|e| AppError::internal("starting the run", e))?;
        record.set_abort(handle);
        Ok(record.summary())
    }

    async fn status(&self, caller: &Caller, run_id: &str) -> Result<RunStatus, AppError> {
        Ok(self.owned(caller, run_id)?.status())
    }

    async fn validated_rules(
        &self,
        caller: &Caller,
        run_id: &str,
    ) -> Result<Vec<serde_json::Value>, AppError> {
        Ok(self.owned(caller, run_id)?.rules.clone())
    }

    async fn cancel(&self, caller: &Caller, run_id: &str) -> Result<RunStatus, AppError> {
        let record = self.owned(caller, run_id)?;
        let was_running = !record.state().is_terminal();
        record.cancel(&caller.email);
        if was_running {
            self.work.cancel_remote(caller, &record).await;
        }
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
