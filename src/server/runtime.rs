//! The async runtime the server (and the CLI) runs on. Worker threads get a large stack: the
//! SQL planner and optimiser recurse once per nested join, and a rule set may hold up to
//! `DQX_MAX_DATASET_RULES` dataset checks, each one join; on the default 2 MiB stack a single
//! request could overflow it and abort the process for everyone.

/// Stack of every runtime thread (workers and blocking threads).
pub const THREAD_STACK_BYTES: usize = 32 * 1024 * 1024;

/// A multi-threaded runtime with `THREAD_STACK_BYTES` stacks, I/O and timers enabled.
pub fn build() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK_BYTES)
        .build()
}
