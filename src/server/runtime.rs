//! The async runtimes. The server (and the CLI) runs on one; the embedded engine's work runs on
//! two more, so CPU-bound work never holds the workers that answer cheap requests: the
//! operating system shares the cores between the runtimes' threads instead of queueing requests
//! behind a query. The **query runtime** (threads `dqx-query`) runs the queries a request waits
//! for (previews, probes, profiles); the **jobs runtime** (threads `dqx-jobs`) runs in-process
//! runs, which can take minutes, so a preview never waits behind a validation either. Worker
//! threads get a large stack: the SQL planner and optimiser recurse once per nested join, and a
//! rule set may hold up to `DQX_MAX_DATASET_RULES` dataset checks, each one join; on the default
//! 2 MiB stack a single request could overflow it and abort the process for everyone.

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

/// Which engine runtime work goes to.
#[derive(Debug, Clone, Copy)]
enum Engine {
    Queries,
    Jobs,
}

/// An engine runtime: as many workers as cores, built on first use and kept for the process.
fn engine(which: Engine) -> Result<&'static tokio::runtime::Runtime, String> {
    static QUERIES: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    static JOBS: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    let (cell, name) = match which {
        Engine::Queries => (&QUERIES, "dqx-query"),
        Engine::Jobs => (&JOBS, "dqx-jobs"),
    };
    cell.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name(name)
            .thread_stack_size(THREAD_STACK_BYTES)
            .build()
            .map_err(|e| format!("starting the {name} runtime: {e}"))
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// A task on the query runtime, aborted when the handle is dropped (a request that is given up
/// stops its query).
pub struct QueryTask<T> {
    handle: tokio::task::JoinHandle<T>,
}

impl<T> Drop for QueryTask<T> {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl<T> QueryTask<T> {
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

/// Starts `work` on the query runtime.
pub fn spawn_query<F>(work: F) -> Result<QueryTask<F::Output>, String>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Ok(QueryTask {
        handle: engine(Engine::Queries)?.spawn(work),
    })
}

/// Starts a run's `work` on the jobs runtime, detached (it runs to its end unless aborted through
/// the handle returned).
pub fn spawn_job<F>(work: F) -> Result<tokio::task::AbortHandle, String>
where
    F: Future<Output = ()> + Send + 'static,
{
    Ok(engine(Engine::Jobs)?.spawn(work).abort_handle())
}

/// Runs `work` on the query runtime and waits for it; dropping the returned future stops it.
pub async fn on_query_runtime<F>(work: F) -> Result<F::Output, String>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_query(work)?.join().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn queries_and_runs_have_their_own_threads_and_a_given_up_query_stops() {
        let name = on_query_runtime(async { std::thread::current().name().map(str::to_string) })
            .await
            .ok()
            .flatten();
        assert_eq!(name.as_deref(), Some("dqx-query"));
        let (tx, rx) = tokio::sync::oneshot::channel();
        spawn_job(async move {
            let _ = tx.send(std::thread::current().name().map(str::to_string));
        })
        .ok();
        assert_eq!(rx.await.ok().flatten().as_deref(), Some("dqx-jobs"));

        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = spawn_query(async move {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            let _ = tx.send(());
        });
        drop(task);
        // The sender is dropped with the aborted task, so the receiver ends at once.
        let ended = tokio::time::timeout(std::time::Duration::from_secs(5), rx).await;
        assert!(matches!(ended, Ok(Err(_))), "the task was not aborted");
    }
}
