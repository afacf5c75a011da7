//! The async runtimes. The server (and the CLI) runs on one; queries of the embedded engine and
//! local jobs run on a second, the engine runtime, so a long, CPU-bound evaluation never holds
//! the workers that answer cheap requests: the operating system shares the cores between the
//! two runtimes' threads instead of queueing requests behind the query. Worker threads get a
//! large stack: the SQL planner and optimiser recurse once per nested join, and a rule set may
//! hold up to `DQX_MAX_DATASET_RULES` dataset checks, each one join; on the default 2 MiB stack
//! a single request could overflow it and abort the process for everyone.

use std::future::Future;
use std::sync::OnceLock;

/// Stack of every runtime thread (workers and blocking threads).
pub const THREAD_STACK_BYTES: usize = 32 * 1024 * 1024;

/// A multi-threaded runtime with `THREAD_STACK_BYTES` stacks, I/O and timers enabled.
pub fn build() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK_BYTES)
        .build()
}

/// The engine runtime: as many workers as cores, built on first use and kept for the process.
fn engine() -> Result<&'static tokio::runtime::Runtime, String> {
    static ENGINE: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("dqx-engine")
                .thread_stack_size(THREAD_STACK_BYTES)
                .build()
                .map_err(|e| format!("starting the engine runtime: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A task on the engine runtime, aborted when the handle is dropped (a request that is given up
/// stops its query).
pub struct EngineTask<T> {
    handle: tokio::task::JoinHandle<T>,
}

impl<T> Drop for EngineTask<T> {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl<T> EngineTask<T> {
    /// A handle that aborts the task without waiting for it (for cancelling a run).
    pub fn abort_handle(&self) -> tokio::task::AbortHandle {
        self.handle.abort_handle()
    }

    /// Waits for the task's output; `Err` when it panicked or was aborted.
    pub async fn join(mut self) -> Result<T, String> {
        (&mut self.handle)
            .await
            .map_err(|e| format!("the engine task did not finish: {e}"))
    }
}

/// Starts `work` on the engine runtime.
pub fn spawn_on_engine<F>(work: F) -> Result<EngineTask<F::Output>, String>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Ok(EngineTask {
        handle: engine()?.spawn(work),
    })
}

/// Starts `work` on the engine runtime, detached (it runs to its end unless aborted through the
/// handle returned).
pub fn spawn_detached_on_engine<F>(work: F) -> Result<tokio::task::AbortHandle, String>
where
    F: Future<Output = ()> + Send + 'static,
{
    Ok(engine()?.spawn(work).abort_handle())
}

/// Runs `work` on the engine runtime and waits for it; dropping the returned future stops it.
pub async fn on_engine<F>(work: F) -> Result<F::Output, String>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_on_engine(work)?.join().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn engine_work_runs_on_its_own_threads_and_stops_when_given_up() {
        let name = on_engine(async { std::thread::current().name().map(str::to_string) })
            .await
            .ok()
            .flatten();
        assert_eq!(name.as_deref(), Some("dqx-engine"));

        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = spawn_on_engine(async move {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            let _ = tx.send(());
        });
        drop(task);
        // The sender is dropped with the aborted task, so the receiver ends at once.
        let ended = tokio::time::timeout(std::time::Duration::from_secs(5), rx).await;
        assert!(matches!(ended, Ok(Err(_))), "the task was not aborted");
    }
}
