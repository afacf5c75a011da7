//! Where schedules are kept for the embedded scheduler: in the local SQLite store, or in a
//! Postgres the scheduler reaches with its own identity. A due time is claimed by a conditional
//! update that only moves `last_due_at` forward (under a per-table advisory lock in Postgres), so
//! however many app processes share the store, each due time fires once.

use crate::model::results::ValidationResult;
use crate::server::error::AppError;
use crate::server::store::sqlite::SqliteStore;
use chrono::NaiveDateTime;
use sqlx::PgPool;

/// A schedule as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredSchedule {
    pub table_name: String,
    pub cron: String,
    pub timezone: String,
    pub enabled: bool,
    pub owner: String,
    /// It fires only for due times after this (when it was set or last changed).
    pub since: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_due_at: Option<NaiveDateTime>,
    pub claimed_by: Option<String>,
    pub last_run_id: Option<String>,
    pub last_error: Option<String>,
}

/// What a firing left: the run it started, or why it did not run.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Started(String),
    Failed(String),
}

/// The schedules of the embedded scheduler.
#[async_trait::async_trait]
pub trait ScheduleStore: Send + Sync {
    /// Sets (or replaces) the table's schedule; a changed schedule fires only after `since`.
    async fn put(&self, schedule: &StoredSchedule) -> Result<(), AppError>;
    /// Every schedule (at most `limit`), by table.
    async fn all(&self, limit: usize) -> Result<Vec<StoredSchedule>, AppError>;
    /// The table's schedule.
    async fn get(&self, table: &str) -> Result<Option<StoredSchedule>, AppError>;
    /// Deletes the table's schedule; whether there was one.
    async fn delete(&self, table: &str) -> Result<bool, AppError>;
    /// Claims due time `due` of the table's schedule for `holder`: true for exactly one caller
    /// per due time, whichever process asks first; false when it was claimed already, or the
    /// schedule is paused, gone, or was changed after `due`.
    async fn claim(&self, table: &str, due: NaiveDateTime, holder: &str) -> Result<bool, AppError>;
    /// Notes what the claimed firing did.
    async fn note(
        &self,
        table: &str,
        due: NaiveDateTime,
        outcome: &Outcome,
    ) -> Result<(), AppError>;
    /// Records a scheduled run's result (counts and messages only) as `owner`'s, once per run.
    async fn record_run(
        &self,
        owner: &str,
        run_id: &str,
        version: Option<i32>,
        result: &ValidationResult,
    ) -> Result<bool, AppError>;
}

const COLUMNS: &str = "table_name, cron, timezone, enabled, owner, since, updated_at, last_due_at, claimed_by, last_run_id, last_error";

const PUT: &str = "INSERT INTO dq_schedules (table_name, cron, timezone, enabled, owner, since, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (table_name) DO UPDATE SET cron = $2, timezone = $3, \
     enabled = $4, owner = $5, since = $6, updated_at = $7, last_error = NULL";

/// Moves `last_due_at` forward to `$2` if the schedule is enabled, was not changed after it, and
/// has not fired for it or a later time.
const CLAIM: &str = "UPDATE dq_schedules SET last_due_at = $2, claimed_by = $3 \
     WHERE table_name = $1 AND enabled AND since < $2 AND (last_due_at IS NULL OR last_due_at < $2)";

const NOTE: &str = "UPDATE dq_schedules SET last_run_id = $3, last_error = $4 \
     WHERE table_name = $1 AND last_due_at = $2";

fn failed(context: &str, e: sqlx::Error) -> AppError {
    AppError::internal(context, e)
}

fn outcome_columns(outcome: &Outcome) -> (Option<&str>, Option<&str>) {
    match outcome {
        Outcome::Started(run) => (Some(run.as_str()), None),
        Outcome::Failed(why) => (None, Some(why.as_str())),
    }
}

/// The same statements on either pool.
macro_rules! schedule_store {
    ($ty:ty, $pool:ident, $lock:expr, $row_id:expr) => {
        #[async_trait::async_trait]
        impl ScheduleStore for $ty {
            async fn put(&self, s: &StoredSchedule) -> Result<(), AppError> {
                sqlx::query(PUT)
                    .bind(&s.table_name)
                    .bind(&s.cron)
                    .bind(&s.timezone)
                    .bind(s.enabled)
                    .bind(&s.owner)
                    .bind(s.since)
                    .bind(s.updated_at)
                    .execute(self.$pool())
                    .await
                    .map(|_| ())
                    .map_err(|e| failed("saving the schedule", e))
            }

            async fn all(&self, limit: usize) -> Result<Vec<StoredSchedule>, AppError> {
                sqlx::query_as::<_, StoredSchedule>(&format!(
                    "SELECT {COLUMNS} FROM dq_schedules ORDER BY table_name LIMIT $1"
                ))
                .bind(limit as i64)
                .fetch_all(self.$pool())
                .await
                .map_err(|e| failed("reading the schedules", e))
            }

            async fn get(&self, table: &str) -> Result<Option<StoredSchedule>, AppError> {
                sqlx::query_as::<_, StoredSchedule>(&format!(
                    "SELECT {COLUMNS} FROM dq_schedules WHERE table_name = $1"
                ))
                .bind(table)
                .fetch_optional(self.$pool())
                .await
                .map_err(|e| failed("reading the schedule", e))
            }

            async fn delete(&self, table: &str) -> Result<bool, AppError> {
                sqlx::query("DELETE FROM dq_schedules WHERE table_name = $1")
                    .bind(table)
                    .execute(self.$pool())
                    .await
                    .map(|done| done.rows_affected() > 0)
                    .map_err(|e| failed("deleting the schedule", e))
            }

            async fn claim(
                &self,
                table: &str,
                due: NaiveDateTime,
                holder: &str,
            ) -> Result<bool, AppError> {
                let claim = async {
                    let mut tx = self.$pool().begin().await?;
                    let lock: Option<&str> = $lock;
                    if let Some(lock) = lock {
                        sqlx::query(lock).bind(table).execute(&mut *tx).await?;
                    }
                    let done = sqlx::query(CLAIM)
                        .bind(table)
                        .bind(due)
                        .bind(holder)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok::<bool, sqlx::Error>(done.rows_affected() == 1)
                };
                claim
                    .await
                    .map_err(|e| failed("claiming a scheduled run", e))
            }

            async fn note(
                &self,
                table: &str,
                due: NaiveDateTime,
                outcome: &Outcome,
            ) -> Result<(), AppError> {
                let (run, error) = outcome_columns(outcome);
                sqlx::query(NOTE)
                    .bind(table)
                    .bind(due)
                    .bind(run)
                    .bind(error)
                    .execute(self.$pool())
                    .await
                    .map(|_| ())
                    .map_err(|e| failed("noting a scheduled run", e))
            }

            async fn record_run(
                &self,
                owner: &str,
                run_id: &str,
                version: Option<i32>,
                result: &ValidationResult,
            ) -> Result<bool, AppError> {
                let id = ($row_id)(uuid::Uuid::new_v4());
                $crate::server::store::queries::record_validation!(
                    self.$pool(),
                    id,
                    owner,
                    run_id,
                    version,
                    result,
                    "schedule"
                )
                .map_err(|e| failed("recording a scheduled run", e))
            }
        }
    };
}

// Row ids are text in SQLite and UUIDs in Postgres.
schedule_store!(SqliteStore, pool, None, |id: uuid::Uuid| id.to_string());
schedule_store!(
    PgOwnerStore,
    pool,
    Some("SELECT pg_advisory_xact_lock(hashtext('dq_schedules:' || $1))"),
    |id: uuid::Uuid| id
);

/// Schedules and alerts in Postgres, reached with the app's own identity (the tables' owner),
/// for the embedded scheduler.
pub struct PgOwnerStore {
    pool: PgPool,
}

impl PgOwnerStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }
}
