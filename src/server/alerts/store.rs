//! Where alerts live: DQX's actions table shape (`action_json`, `run_config_name` = the table,
//! `created_at`, plus the owner), the events of their evaluations (once per run and alert, which
//! de-duplicates deliveries across processes) and the log of delivery attempts; in the local
//! SQLite store or a Postgres reached as the tables' owner.

use crate::server::error::AppError;
use crate::server::schedule::store::PgOwnerStore;
use crate::server::store::sqlite::SqliteStore;
use chrono::NaiveDateTime;
use serde_json::Value;

/// An alert as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    pub table: String,
    pub name: String,
    pub action_json: Value,
    pub created_at: NaiveDateTime,
    pub owner: String,
}

/// One evaluation of an alert for a run (DQX's `AlertEvent`, trimmed).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvent {
    pub run_id: String,
    pub table: String,
    pub name: String,
    pub condition: String,
    pub fired: bool,
    /// DQX's `ActionStatus`: `healthy`, `unhealthy`, `config_error`.
    pub status: String,
    pub run_time: NaiveDateTime,
}

/// What the alert's earlier evaluations left: when it last fired, and its last status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertState {
    pub last_fired: Option<NaiveDateTime>,
    pub last_status: Option<String>,
}

/// One delivery attempt as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeliveryRow {
    pub run_id: String,
    pub table_name: String,
    pub action_name: String,
    pub destination: String,
    pub outcome: String,
    pub attempt: i64,
    pub reason: Option<String>,
    pub at: NaiveDateTime,
}

/// Alerts, their events and deliveries.
#[async_trait::async_trait]
pub trait AlertStore: Send + Sync {
    /// Sets (or replaces) an alert.
    async fn put(&self, alert: &StoredAlert) -> Result<(), AppError>;
    /// The alerts of `table` (or of every table), at most `limit`, by table and name.
    async fn alerts(&self, table: Option<&str>, limit: usize)
    -> Result<Vec<StoredAlert>, AppError>;
    /// Deletes an alert; whether there was one.
    async fn delete(&self, table: &str, name: &str) -> Result<bool, AppError>;
    /// The alert's state before this evaluation.
    async fn state(&self, table: &str, name: &str) -> Result<AlertState, AppError>;
    /// Records an evaluation once per (run, alert): false when it was recorded already (another
    /// process, or a second reading of the same run), and then nothing is delivered.
    async fn record_event(&self, event: &AlertEvent) -> Result<bool, AppError>;
    /// Logs one delivery attempt.
    async fn log_delivery(&self, row: &DeliveryRow) -> Result<(), AppError>;
    /// Completes an evaluation `record_event` let through, once its deliveries ended (a store
    /// that logs each attempt as it happens has nothing left to do; DQX's events table takes
    /// the evaluation with its failed destinations in one row).
    async fn finish_event(
        &self,
        _event: &AlertEvent,
        _spec: &crate::model::alerts::AlertSpec,
        _metrics: &std::collections::BTreeMap<String, Value>,
    ) -> Result<(), AppError> {
        Ok(())
    }
    /// Delivery attempts of `table` (or of every table), newest first.
    async fn deliveries(
        &self,
        table: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, AppError>;
}

fn failed(context: &str, e: sqlx::Error) -> AppError {
    AppError::internal(context, e)
}

type AlertRow = (String, String, String, NaiveDateTime, String);

fn alert_of(row: AlertRow) -> StoredAlert {
    let (table, name, json, created_at, owner) = row;
    StoredAlert {
        table,
        name,
        action_json: serde_json::from_str(&json).unwrap_or(Value::Null),
        created_at,
        owner,
    }
}

const ALERT_COLUMNS: &str = "run_config_name, name, action_json, created_at, owner";
const DELIVERY_COLUMNS: &str = "run_id, table_name, action_name, destination, outcome, CAST(attempt AS BIGINT) AS attempt, reason, at";

macro_rules! alert_store {
    ($ty:ty, $row_id:expr) => {
        #[async_trait::async_trait]
        impl AlertStore for $ty {
            async fn put(&self, a: &StoredAlert) -> Result<(), AppError> {
                sqlx::query(
                    "INSERT INTO dq_actions (run_config_name, name, action_json, created_at, owner) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_config_name, name) DO UPDATE SET \
                     action_json = $3, created_at = $4, owner = $5",
                )
                .bind(&a.table)
                .bind(&a.name)
                .bind(a.action_json.to_string())
                .bind(a.created_at)
                .bind(&a.owner)
                .execute(self.pool())
                .await
                .map(|_| ())
                .map_err(|e| failed("saving the alert", e))
            }

            async fn alerts(
                &self,
                table: Option<&str>,
                limit: usize,
            ) -> Result<Vec<StoredAlert>, AppError> {
                sqlx::query_as::<_, AlertRow>(&format!(
                    "SELECT {ALERT_COLUMNS} FROM dq_actions WHERE (CAST($1 AS TEXT) IS NULL OR run_config_name = CAST($1 AS TEXT)) \
                     ORDER BY run_config_name, name LIMIT $2"
                ))
                .bind(table)
                .bind(limit as i64)
                .fetch_all(self.pool())
                .await
                .map(|rows| rows.into_iter().map(alert_of).collect())
                .map_err(|e| failed("reading the alerts", e))
            }

            async fn delete(&self, table: &str, name: &str) -> Result<bool, AppError> {
                sqlx::query("DELETE FROM dq_actions WHERE run_config_name = $1 AND name = $2")
                    .bind(table)
                    .bind(name)
                    .execute(self.pool())
                    .await
                    .map(|done| done.rows_affected() > 0)
                    .map_err(|e| failed("deleting the alert", e))
            }

            async fn state(&self, table: &str, name: &str) -> Result<AlertState, AppError> {
                let fired: Option<(NaiveDateTime,)> = sqlx::query_as(
                    "SELECT run_time FROM dq_alert_events WHERE table_name = $1 AND action_name = $2 \
                     AND fired ORDER BY run_time DESC LIMIT 1",
                )
                .bind(table)
                .bind(name)
                .fetch_optional(self.pool())
                .await
                .map_err(|e| failed("reading the alert's state", e))?;
                let status: Option<(String,)> = sqlx::query_as(
                    "SELECT status FROM dq_alert_events WHERE table_name = $1 AND action_name = $2 \
                     ORDER BY run_time DESC LIMIT 1",
                )
                .bind(table)
                .bind(name)
                .fetch_optional(self.pool())
                .await
                .map_err(|e| failed("reading the alert's state", e))?;
                Ok(AlertState {
                    last_fired: fired.map(|(at,)| at),
                    last_status: status.map(|(s,)| s),
                })
            }

            async fn record_event(&self, e: &AlertEvent) -> Result<bool, AppError> {
                sqlx::query(
                    "INSERT INTO dq_alert_events (run_id, table_name, action_name, condition, fired, status, run_time) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (run_id, table_name, action_name) DO NOTHING",
                )
                .bind(&e.run_id)
                .bind(&e.table)
                .bind(&e.name)
                .bind(&e.condition)
                .bind(e.fired)
                .bind(&e.status)
                .bind(e.run_time)
                .execute(self.pool())
                .await
                .map(|done| done.rows_affected() == 1)
                .map_err(|e| failed("recording the alert's evaluation", e))
            }

            async fn log_delivery(&self, r: &DeliveryRow) -> Result<(), AppError> {
                sqlx::query(
                    "INSERT INTO dq_alert_deliveries (id, run_id, table_name, action_name, destination, outcome, attempt, reason, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(($row_id)(uuid::Uuid::new_v4()))
                .bind(&r.run_id)
                .bind(&r.table_name)
                .bind(&r.action_name)
                .bind(&r.destination)
                .bind(&r.outcome)
                .bind(r.attempt as i32)
                .bind(&r.reason)
                .bind(r.at)
                .execute(self.pool())
                .await
                .map(|_| ())
                .map_err(|e| failed("logging an alert delivery", e))
            }

            async fn deliveries(
                &self,
                table: Option<&str>,
                limit: u32,
            ) -> Result<Vec<DeliveryRow>, AppError> {
                sqlx::query_as::<_, DeliveryRow>(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM dq_alert_deliveries WHERE (CAST($1 AS TEXT) IS NULL OR table_name = CAST($1 AS TEXT)) \
                     ORDER BY at DESC, attempt DESC LIMIT $2"
                ))
                .bind(table)
                .bind(i64::from(limit))
                .fetch_all(self.pool())
                .await
                .map_err(|e| failed("reading the alert deliveries", e))
            }
        }
    };
}

alert_store!(SqliteStore, |id: uuid::Uuid| id.to_string());
alert_store!(PgOwnerStore, |id: uuid::Uuid| id);
