//! Following a run from a page: start it, poll `run_status` until it ends, cancel it. Only the
//! newest watch of a page updates its signals, so an abandoned poll cannot overwrite a new run.

use super::api::{cancel_run, run_status};
use crate::model::error::ApiError;
use crate::model::runs::{RunStatus, RunSummary};
use leptos::prelude::*;
use std::future::Future;

/// How often a running job is polled, in milliseconds.
const POLL_MS: u64 = 400;

/// A run being watched by a page.
#[derive(Clone, Copy)]
pub struct RunWatch {
    pub status: RwSignal<Option<RunStatus>>,
    pub error: RwSignal<Option<ApiError>>,
    /// Starting, queued or running.
    pub busy: RwSignal<bool>,
    pub canceling: RwSignal<bool>,
    generation: StoredValue<u64>,
}

impl RunWatch {
    pub fn new() -> Self {
        Self {
            status: RwSignal::new(None),
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
            canceling: RwSignal::new(false),
            generation: StoredValue::new(0),
        }
    }

    fn next_generation(&self) -> u64 {
        let n = self.generation.get_value() + 1;
        self.generation.set_value(n);
        n
    }

    /// Starts a run with `start`; `on_started` gets its id (for the URL).
    pub fn start<F>(&self, start: F, on_started: impl Fn(String) + 'static)
    where
        F: Future<Output = Result<RunSummary, ApiError>> + 'static,
    {
        let watch = *self;
        let generation = self.next_generation();
        watch.busy.set(true);
        watch.error.set(None);
        watch.status.set(None);
        watch.canceling.set(false);
        leptos::task::spawn_local(async move {
            match start.await {
                Ok(summary) => {
                    on_started(summary.run_id.clone());
                    watch.poll(summary.run_id, generation).await;
                }
                Err(error) => {
                    if watch.generation.get_value() == generation {
                        watch.error.set(Some(error));
                        watch.busy.set(false);
                    }
                }
            }
        });
    }

    /// Follows an existing run (from the URL).
    pub fn follow(&self, run_id: String) {
        let watch = *self;
        let generation = self.next_generation();
        watch.busy.set(true);
        watch.error.set(None);
        leptos::task::spawn_local(async move { watch.poll(run_id, generation).await });
    }

    async fn poll(self, run_id: String, generation: u64) {
        loop {
            let reply = run_status(run_id.clone()).await;
            if self.generation.get_value() != generation {
                return;
            }
            match reply {
                Ok(status) => {
                    let ended = status.summary.state.is_terminal();
                    self.status.set(Some(status));
                    if ended {
                        self.busy.set(false);
                        self.canceling.set(false);
                        return;
                    }
                }
                Err(error) => {
                    self.error.set(Some(error));
                    self.busy.set(false);
                    return;
                }
            }
            crate::ui::timer::sleep(POLL_MS).await;
        }
    }

    /// Asks the server to cancel the watched run; the poll sees it end.
    pub fn cancel(&self) {
        let Some(run_id) = self
            .status
            .with_untracked(|s| s.as_ref().map(|s| s.summary.run_id.clone()))
        else {
            return;
        };
        let watch = *self;
        watch.canceling.set(true);
        leptos::task::spawn_local(async move {
            if let Err(error) = cancel_run(run_id).await {
                watch.error.set(Some(error));
                watch.canceling.set(false);
            }
        });
    }
}

impl Default for RunWatch {
    fn default() -> Self {
        Self::new()
    }
}
