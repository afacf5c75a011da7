//! One local run's record: who owns it, its state machine (pending → running → completed |
//! failed | canceled, and never out of a terminal state), its phase and progress, and its result.

use crate::model::results::ValidationResult;
use crate::model::runs::{GenerationResult, Progress, RunKind, RunState, RunStatus, RunSummary};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::task::AbortHandle;

/// What a finished job produced.
pub enum Output {
    Generation(Box<GenerationResult>),
    Validation(Box<ValidationResult>),
    Impact(Box<crate::model::review::ImpactPreview>),
}

struct Inner {
    state: RunState,
    phase: String,
    /// Rows the current phase will go through, when known.
    total_rows: Option<u64>,
    message: Option<String>,
    ended: Option<Instant>,
    output: Option<Output>,
    abort: Option<AbortHandle>,
}

/// A run, shared between the runner's registry and the task doing the work.
pub struct RunRecord {
    pub id: String,
    pub owner: String,
    pub kind: RunKind,
    pub table: String,
    pub rule_set_version: Option<i32>,
    started: Instant,
    started_at: String,
    /// Rows processed so far by the current phase.
    pub rows_done: Arc<AtomicU64>,
    /// The id of remote work in progress (a warehouse statement), to cancel with the run.
    pub remote_id: Arc<Mutex<Option<String>>>,
    /// Where the run reads the data, in words, when it is not the embedded engine.
    pub runs_on: Option<String>,
    /// The rules a validation run checks, kept for its triage.
    pub rules: Vec<serde_json::Value>,
    inner: Mutex<Inner>,
}

impl RunRecord {
    pub fn new(
        id: String,
        owner: String,
        kind: RunKind,
        table: String,
        rule_set_version: Option<i32>,
    ) -> Self {
        Self {
            id,
            owner,
            kind,
            table,
            rule_set_version,
            started: Instant::now(),
            started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            rows_done: Arc::new(AtomicU64::new(0)),
            remote_id: Arc::new(Mutex::new(None)),
            runs_on: None,
            rules: Vec::new(),
            inner: Mutex::new(Inner {
                state: RunState::Pending,
                phase: "queued".into(),
                total_rows: None,
                message: None,
                ended: None,
                output: None,
                abort: None,
            }),
        }
    }

    /// The lock is never held across an await; a poisoned one still holds consistent data.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn state(&self) -> RunState {
        self.lock().state
    }

    pub fn set_abort(&self, handle: AbortHandle) {
        let mut inner = self.lock();
        if inner.state.is_terminal() {
            handle.abort();
        } else {
            inner.abort = Some(handle);
        }
    }

    /// Enters `phase` (running), unless the run has ended; returns whether it may go on.
    pub fn enter(&self, phase: &str, total_rows: Option<u64>) -> bool {
        let mut inner = self.lock();
        if inner.state.is_terminal() {
            return false;
        }
        inner.state = RunState::Running;
        inner.phase = phase.to_string();
        inner.total_rows = total_rows;
        self.rows_done.store(0, Ordering::Relaxed);
        true
    }

    /// Ends the run with `state`, unless it has already ended.
    fn end(&self, state: RunState, message: Option<String>, output: Option<Output>) {
        let mut inner = self.lock();
        if inner.state.is_terminal() {
            return;
        }
        inner.state = state;
        inner.phase = match state {
            RunState::Completed => "done",
            RunState::Canceled => "canceled",
            _ => "failed",
        }
        .into();
        inner.message = message;
        inner.output = output;
        inner.ended = Some(Instant::now());
        inner.total_rows = None;
        if let Some(handle) = inner.abort.take()
            && state == RunState::Canceled
        {
            handle.abort();
        }
    }

    pub fn complete(&self, output: Output) {
        self.end(RunState::Completed, None, Some(output));
    }

    pub fn fail(&self, message: String) {
        self.end(RunState::Failed, Some(message), None);
    }

    pub fn cancel(&self, by: &str) {
        self.end(RunState::Canceled, Some(format!("canceled by {by}")), None);
    }

    pub fn summary(&self) -> RunSummary {
        let inner = self.lock();
        self.summary_of(&inner)
    }

    fn summary_of(&self, inner: &Inner) -> RunSummary {
        let until = inner.ended.unwrap_or_else(Instant::now);
        RunSummary {
            run_id: self.id.clone(),
            kind: self.kind,
            table_name: self.table.clone(),
            state: inner.state,
            started_at: self.started_at.clone(),
            elapsed_ms: until.duration_since(self.started).as_millis() as u64,
            message: inner.message.clone(),
        }
    }

    pub fn status(&self) -> RunStatus {
        let inner = self.lock();
        let progress = (inner.state == RunState::Running).then(|| Progress {
            done: self.rows_done.load(Ordering::Relaxed),
            total: inner.total_rows,
            unit: "rows".into(),
        });
        let (generation, validation, impact) = match &inner.output {
            Some(Output::Generation(g)) => (Some((**g).clone()), None, None),
            Some(Output::Validation(v)) => (None, Some((**v).clone()), None),
            Some(Output::Impact(p)) => (None, None, Some((**p).clone())),
            None => (None, None, None),
        };
        RunStatus {
            summary: self.summary_of(&inner),
            phase: inner.phase.clone(),
            progress,
            generation,
            validation,
            truncated: false,
            rule_set_version: self.rule_set_version,
            runs_on: self.runs_on.clone(),
            impact,
            cross_table: None,
        }
    }

    /// When the run ended, for evicting old runs.
    pub fn ended(&self) -> Option<Instant> {
        self.lock().ended
    }

    pub fn started(&self) -> Instant {
        self.started
    }
}
