//! The query sessions of the local workspace. Every session shares one DataFusion runtime, so
//! Parquet footers, file listings and statistics are read once and reused by every request; and
//! each user's read-only session (previews, descriptions, probes) is built once and reused. The
//! tables and the grants are fixed while the app runs (both are read at start-up), so a cached
//! session never outlives what it was built from. The answers of the fixed statements (a
//! preview's `SELECT * … LIMIT n`, a description's count, a probe) are kept with the size and
//! modification time of the table's file and served again while the file is unchanged: the
//! caller's grants are checked on every request before, and local tables have no row filters or
//! masks, so every reader gets the same rows. (Physical plans are not kept: executing one again
//! grows its metrics without bound.) Jobs that register tables of their own get a fresh session
//! each time.

use datafusion::arrow::array::RecordBatch;
use datafusion::execution::context::SessionContext;
use datafusion::execution::runtime_env::RuntimeEnv;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Rows a preview or a probe decodes at a time (the default 8,192 decodes far more than a
/// 100-row preview returns).
pub const READ_BATCH_ROWS: usize = 1024;

/// Answers kept at most; past it the cache starts again (statements are few: tables × limits,
/// and a preview holds at most `MAX_SAMPLE_LIMIT` rows).
pub const MAX_ANSWERS: usize = 512;

/// A file's size and modification time.
pub type Stamp = (u64, SystemTime);

/// The shared runtime, the per-user read-only sessions and the kept answers.
#[derive(Default)]
pub struct Sessions {
    pub runtime: Arc<RuntimeEnv>,
    read_only: Mutex<HashMap<String, SessionContext>>,
    answers: Mutex<HashMap<String, (Stamp, Vec<RecordBatch>)>>,
}

impl Sessions {
    /// `user`'s cached read-only session, built with `build` the first time.
    pub fn read_only<E>(
        &self,
        user: &str,
        build: impl FnOnce() -> Result<SessionContext, E>,
    ) -> Result<SessionContext, E> {
        if let Some(found) = self.lock().get(user) {
            return Ok(found.clone());
        }
        // Built outside the lock: two first requests may both build; one is kept.
        let built = build()?;
        Ok(self.lock().entry(user.to_string()).or_insert(built).clone())
    }

    /// The kept answer of `sql`, when the file still has `stamp`.
    pub fn answer(&self, sql: &str, stamp: Stamp) -> Option<Vec<RecordBatch>> {
        let answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        answers
            .get(sql)
            .filter(|(kept, _)| *kept == stamp)
            .map(|(_, batches)| batches.clone())
    }

    /// Keeps the answer of `sql` read from a file with `stamp`.
    pub fn keep_answer(&self, sql: &str, stamp: Stamp, batches: &[RecordBatch]) {
        let mut answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        if answers.len() >= MAX_ANSWERS {
            answers.clear();
        }
        answers.insert(sql.to_string(), (stamp, batches.to_vec()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SessionContext>> {
        self.read_only.lock().unwrap_or_else(|p| p.into_inner())
    }
}
