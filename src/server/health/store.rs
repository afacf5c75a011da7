//! Where health scopes and observations are kept: the local SQLite store, or a Postgres the
//! scheduler reaches with its own identity. Observations are rows in DQX's metrics schema. A
//! scope's observation pass is leased by a conditional update (under a per-scope advisory lock in
//! Postgres), so across processes sharing the store a pass never runs beside itself.

use crate::model::metrics::MetricRow;
use crate::server::error::AppError;
use crate::server::schedule::store::PgOwnerStore;
use crate::server::store::sqlite::SqliteStore;
use chrono::NaiveDateTime;
use std::collections::BTreeMap;

/// A health scope as stored (`scope` is the registry scope, as JSON).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredScope {
    pub scope_id: String,
    pub scope: String,
    pub owner: String,
    pub enabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_observed_at: Option<NaiveDateTime>,
    pub running_until: Option<NaiveDateTime>,
    pub claimed_by: Option<String>,
    pub last_error: Option<String>,
}

/// Health scopes and their observations.
#[async_trait::async_trait]
pub trait HealthStore: Send + Sync {
    /// Turns a scope on (adding it) or off, only where `scope.owner` owns it: decided on the row
    /// the write finds, so two users racing for a new scope never both own it. False when the
    /// scope is another user's (or, turning off, when there is none).
    async fn put_scope(&self, scope: &StoredScope) -> Result<bool, AppError>;
    /// Every scope (at most `limit`), by id.
    async fn scopes(&self, limit: usize) -> Result<Vec<StoredScope>, AppError>;
    /// Leases the scope's next observation pass for `holder` until `until`: true for one caller
    /// while no pass runs (or the last one's lease ran out), false otherwise or when it is off.
    async fn claim_pass(
        &self,
        scope_id: &str,
        now: NaiveDateTime,
        until: NaiveDateTime,
        holder: &str,
    ) -> Result<bool, AppError>;
    /// Ends the pass `holder` leased: when it observed, and what failed (if anything).
    async fn end_pass(
        &self,
        scope_id: &str,
        holder: &str,
        observed_at: NaiveDateTime,
        error: Option<&str>,
    ) -> Result<(), AppError>;
    /// Appends one observation's rows (a run id already kept writes nothing again).
    async fn append(&self, rows: &[MetricRow]) -> Result<(), AppError>;
    /// The rows of the newest `runs` observations of `table`, oldest first: every metric, or
    /// only those named in `only`.
    async fn observations(
        &self,
        table: &str,
        runs: usize,
        only: Option<&[&str]>,
    ) -> Result<Vec<MetricRow>, AppError>;
}

const SCOPE_COLUMNS: &str = "scope_id, scope, owner, enabled, created_at, updated_at, last_observed_at, running_until, claimed_by, last_error";

/// Adds a scope, or turns its owner's back on (another owner's row is left as it is).
const PUT_ON: &str = "INSERT INTO dq_health_scopes (scope_id, scope, owner, enabled, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope_id) DO UPDATE SET scope = $2, \
     enabled = $4, updated_at = $6, last_error = NULL \
     WHERE lower(dq_health_scopes.owner) = lower($3)";

/// Turns the owner's scope off.
const PUT_OFF: &str = "UPDATE dq_health_scopes SET enabled = FALSE, updated_at = $3 \
     WHERE scope_id = $1 AND lower(owner) = lower($2)";

const CLAIM: &str = "UPDATE dq_health_scopes SET running_until = $3, claimed_by = $4 \
     WHERE scope_id = $1 AND enabled AND (running_until IS NULL OR running_until < $2)";

const END: &str = "UPDATE dq_health_scopes SET running_until = NULL, last_observed_at = $3, last_error = $4 \
     WHERE scope_id = $1 AND claimed_by = $2";

const INSERT_ROW: &str = "INSERT INTO dq_health_metrics (run_id, run_name, input_location, metric_name, metric_value, run_time, user_metadata) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";

/// The newest `$2` runs of a table, oldest first.
const NEWEST: &str = "SELECT run_id, run_name, input_location, metric_name, metric_value, run_time, user_metadata \
     FROM dq_health_metrics WHERE input_location = $1 AND run_id IN ( \
       SELECT run_id FROM dq_health_metrics WHERE input_location = $1 \
       GROUP BY run_id ORDER BY max(run_time) DESC LIMIT $2) \
     ORDER BY run_time, run_id";

/// One stored metric row.
#[derive(sqlx::FromRow)]
struct Row {
    run_id: String,
    run_name: Option<String>,
    input_location: String,
    metric_name: String,
    metric_value: Option<String>,
    run_time: NaiveDateTime,
    user_metadata: Option<String>,
}

impl Row {
    fn into_metric(self) -> MetricRow {
        MetricRow {
            run_id: self.run_id,
            run_name: self.run_name,
            input_location: Some(self.input_location),
            output_location: None,
            quarantine_location: None,
            checks_location: None,
            rule_set_fingerprint: None,
            metric_name: self.metric_name,
            metric_value: self.metric_value.unwrap_or_default(),
            run_time: self
                .run_time
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            error_column_name: crate::model::metrics::ERROR_COLUMN.to_string(),
            warning_column_name: crate::model::metrics::WARNING_COLUMN.to_string(),
            user_metadata: self
                .user_metadata
                .and_then(|m| serde_json::from_str::<BTreeMap<String, String>>(&m).ok())
                .unwrap_or_default(),
        }
    }
}

/// A metric row's `run_time` as a timestamp (now, when it cannot be read).
fn run_time(row: &MetricRow) -> NaiveDateTime {
    chrono::DateTime::parse_from_rfc3339(&row.run_time)
        .map(|t| t.naive_utc())
        .unwrap_or_else(|_| chrono::Utc::now().naive_utc())
}

fn failed(context: &str, e: sqlx::Error) -> AppError {
    AppError::internal(context, e)
}

/// The same statements on either pool.
macro_rules! health_store {
    ($ty:ty, $lock:expr) => {
        #[async_trait::async_trait]
        impl HealthStore for $ty {
            async fn put_scope(&self, s: &StoredScope) -> Result<bool, AppError> {
                let written = if s.enabled {
                    sqlx::query(PUT_ON)
                        .bind(&s.scope_id)
                        .bind(&s.scope)
                        .bind(&s.owner)
                        .bind(s.enabled)
                        .bind(s.created_at)
                        .bind(s.updated_at)
                        .execute(self.pool())
                        .await
                } else {
                    sqlx::query(PUT_OFF)
                        .bind(&s.scope_id)
                        .bind(&s.owner)
                        .bind(s.updated_at)
                        .execute(self.pool())
                        .await
                };
                written
                    .map(|done| done.rows_affected() == 1)
                    .map_err(|e| failed("saving the health scope", e))
            }

            async fn scopes(&self, limit: usize) -> Result<Vec<StoredScope>, AppError> {
                sqlx::query_as::<_, StoredScope>(&format!(
                    "SELECT {SCOPE_COLUMNS} FROM dq_health_scopes ORDER BY scope_id LIMIT $1"
                ))
                .bind(limit as i64)
                .fetch_all(self.pool())
                .await
                .map_err(|e| failed("reading the health scopes", e))
            }

            async fn claim_pass(
                &self,
                scope_id: &str,
                now: NaiveDateTime,
                until: NaiveDateTime,
                holder: &str,
            ) -> Result<bool, AppError> {
                let claim = async {
                    let mut tx = self.pool().begin().await?;
                    let lock: Option<&str> = $lock;
                    if let Some(lock) = lock {
                        sqlx::query(lock).bind(scope_id).execute(&mut *tx).await?;
                    }
                    let done = sqlx::query(CLAIM)
                        .bind(scope_id)
                        .bind(now)
                        .bind(until)
                        .bind(holder)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok::<bool, sqlx::Error>(done.rows_affected() == 1)
                };
                claim
                    .await
                    .map_err(|e| failed("claiming a health observation pass", e))
            }

            async fn end_pass(
                &self,
                scope_id: &str,
                holder: &str,
                observed_at: NaiveDateTime,
                error: Option<&str>,
            ) -> Result<(), AppError> {
                sqlx::query(END)
                    .bind(scope_id)
                    .bind(holder)
                    .bind(observed_at)
                    .bind(error)
                    .execute(self.pool())
                    .await
                    .map(|_| ())
                    .map_err(|e| failed("ending a health observation pass", e))
            }

            async fn append(&self, rows: &[MetricRow]) -> Result<(), AppError> {
                let write = async {
                    let mut tx = self.pool().begin().await?;
                    for row in rows {
                        sqlx::query(INSERT_ROW)
                            .bind(&row.run_id)
                            .bind(&row.run_name)
                            .bind(row.input_location.as_deref().unwrap_or_default())
                            .bind(&row.metric_name)
                            .bind(&row.metric_value)
                            .bind(run_time(row))
                            .bind(serde_json::to_string(&row.user_metadata).ok())
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await
                };
                write
                    .await
                    .map_err(|e| failed("keeping a health observation", e))
            }

            async fn observations(
                &self,
                table: &str,
                runs: usize,
                only: Option<&[&str]>,
            ) -> Result<Vec<MetricRow>, AppError> {
                // The names are the app's own constants, bound as parameters all the same.
                let names = only.unwrap_or_default();
                let filter = if names.is_empty() {
                    String::new()
                } else {
                    let marks: Vec<String> =
                        (0..names.len()).map(|i| format!("${}", i + 3)).collect();
                    format!(" AND metric_name IN ({})", marks.join(", "))
                };
                let sql = NEWEST.replace(
                    "ORDER BY run_time, run_id",
                    &format!("{filter} ORDER BY run_time, run_id"),
                );
                let mut query = sqlx::query_as::<_, Row>(&sql).bind(table).bind(runs as i64);
                for name in names {
                    query = query.bind(*name);
                }
                query
                    .fetch_all(self.pool())
                    .await
                    .map(|rows| rows.into_iter().map(Row::into_metric).collect())
                    .map_err(|e| failed("reading health observations", e))
            }
        }
    };
}

health_store!(SqliteStore, None);
health_store!(
    PgOwnerStore,
    Some("SELECT pg_advisory_xact_lock(hashtext('dq_health_scopes:' || $1))")
);
