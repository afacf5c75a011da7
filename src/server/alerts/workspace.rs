//! Alerts in a Databricks workspace, kept where DQX keeps them: definitions in DQX's actions
//! table and evaluations in DQX's action-events table, both in Unity Catalog and read and written
//! as the caller on the SQL warehouse (Unity Catalog's grants decide who may set or see them).
//! The scheduled jobs and a team's pipelines load the same actions and append to the same
//! events, so frequency and notify-on state is shared, and the delivery log shows their firings
//! beside the app's.

use super::dqx_sql::{self, EventRow, FiredEvent, Sql};
use super::store::{AlertEvent, AlertState, AlertStore, DeliveryRow, StoredAlert};
use crate::model::alerts::{AlertSpec, DeliveryOutcome, MAX_ALERTS_PER_TABLE};
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::databricks::statements::{Rows, Statements};
use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one statement on these small tables may take.
const STATEMENT_LIMIT: Duration = Duration::from_secs(60);

/// DQX's actions and action-events tables on one SQL warehouse.
pub struct DqxTables {
    pub statements: Statements,
    /// `DQX_ACTIONS_TABLE`.
    pub actions: TableName,
    /// `DQX_ACTION_EVENTS_TABLE`.
    pub events: TableName,
}

impl DqxTables {
    /// The tables as `caller` reaches them (their own token; none refuses).
    pub fn as_caller(self: &Arc<Self>, caller: &Caller) -> Result<Arc<dyn AlertStore>, AppError> {
        let token = crate::server::databricks::user_token(caller)?.clone();
        Ok(Arc::new(AsCaller {
            tables: self.clone(),
            token,
            attempts: Mutex::default(),
        }))
    }
}

/// The tables as one caller, for one request or one run's evaluation: delivery attempts are
/// gathered and written with the evaluation's event, as DQX writes them.
struct AsCaller {
    tables: Arc<DqxTables>,
    token: SecretToken,
    attempts: Mutex<Vec<DeliveryRow>>,
}

impl AsCaller {
    async fn run(&self, sql: &Sql) -> Result<Rows, AppError> {
        self.tables
            .statements
            .run(&self.token, &sql.text, &sql.params, STATEMENT_LIMIT)
            .await
    }

    /// Runs `sql`; a missing table reads as no rows.
    async fn read(&self, sql: &Sql) -> Result<Rows, AppError> {
        match self.run(sql).await {
            Err(AppError::NotFound(_)) => Ok(Rows::default()),
            other => other,
        }
    }

    /// Runs a write; when the table is missing, creates it in DQX's schema and writes again.
    async fn write(&self, table: &TableName, schema: &str, sql: &Sql) -> Result<Rows, AppError> {
        match self.run(sql).await {
            Err(AppError::NotFound(_)) => {
                self.run(&dqx_sql::create(table, schema)).await?;
                self.run(sql).await
            }
            other => other,
        }
    }
}

#[async_trait::async_trait]
impl AlertStore for AsCaller {
    async fn put(&self, alert: &StoredAlert) -> Result<(), AppError> {
        let sql = dqx_sql::put_action(
            &self.tables.actions,
            &alert.table,
            &alert.name,
            &alert.action_json.to_string(),
            alert.created_at,
        );
        self.write(&self.tables.actions, dqx_sql::ACTIONS_SCHEMA, &sql)
            .await
            .map(|_| ())
    }

    async fn alerts(
        &self,
        table: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredAlert>, AppError> {
        let rows = self
            .read(&dqx_sql::actions(&self.tables.actions, table, limit))
            .await?;
        let mut out: Vec<StoredAlert> = Vec::new();
        for row in dqx_sql::by_name(&rows) {
            let cell = |k: &str| row.get(k).copied().flatten();
            let (Some(table), Some(json)) = (cell("run_config_name"), cell("action_json")) else {
                continue;
            };
            let Ok(action_json) = serde_json::from_str::<Value>(json) else {
                continue;
            };
            let Some(name) = action_json.get("name").and_then(Value::as_str) else {
                continue;
            };
            // A pipeline that appended the same action twice: the newest row stands.
            if out.iter().any(|a| a.table == table && a.name == name) {
                continue;
            }
            out.push(StoredAlert {
                table: table.to_string(),
                name: name.to_string(),
                created_at: dqx_sql::time_of(cell("created_at")).unwrap_or_default(),
                action_json,
                owner: String::new(),
            });
        }
        Ok(out)
    }

    async fn delete(&self, table: &str, name: &str) -> Result<bool, AppError> {
        let rows = match self
            .run(&dqx_sql::delete_action(&self.tables.actions, table, name))
            .await
        {
            Err(AppError::NotFound(_)) => return Ok(false),
            other => other?,
        };
        // A warehouse answers a DELETE with `num_affected_rows`; without it, assume it deleted.
        let affected = dqx_sql::by_name(&rows)
            .first()
            .and_then(|r| r.get("num_affected_rows").copied().flatten())
            .map(|n| n.parse::<i64>().unwrap_or(0));
        Ok(affected.is_none_or(|n| n > 0))
    }

    async fn state(&self, table: &str, name: &str) -> Result<AlertState, AppError> {
        let rows = self
            .read(&dqx_sql::state(&self.tables.events, table, name))
            .await?;
        let first = dqx_sql::by_name(&rows).into_iter().next();
        Ok(first
            .map(|row| AlertState {
                last_fired: dqx_sql::time_of(row.get("last_fired").copied().flatten()),
                last_status: row
                    .get("last_status")
                    .copied()
                    .flatten()
                    .map(str::to_string),
            })
            .unwrap_or_default())
    }

    async fn record_event(&self, event: &AlertEvent) -> Result<bool, AppError> {
        let sql = dqx_sql::evaluated(
            &self.tables.events,
            &event.table,
            &event.name,
            &event.run_id,
        );
        let rows = self.read(&sql).await?;
        let seen = dqx_sql::by_name(&rows)
            .first()
            .and_then(|r| r.get("n").copied().flatten())
            .and_then(|n| n.parse::<i64>().ok())
            .unwrap_or(0);
        Ok(seen == 0)
    }

    async fn log_delivery(&self, row: &DeliveryRow) -> Result<(), AppError> {
        self.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(row.clone());
        Ok(())
    }

    async fn finish_event(
        &self,
        event: &AlertEvent,
        spec: &AlertSpec,
        metrics: &BTreeMap<String, Value>,
    ) -> Result<(), AppError> {
        let attempts =
            std::mem::take(&mut *self.attempts.lock().unwrap_or_else(|p| p.into_inner()));
        let (destinations, delivery_errors) = failures(spec, &attempts).into_iter().unzip();
        let row = EventRow {
            action_name: event.name.clone(),
            condition: event.condition.clone(),
            fired: event.fired,
            status: event.status.clone(),
            observed_metrics: metrics
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect(),
            run_id: event.run_id.clone(),
            run_time: event.run_time,
            input_location: event.table.clone(),
            destinations,
            delivery_errors,
            run_config_name: event.table.clone(),
        };
        let sql = dqx_sql::append_event(&self.tables.events, &row);
        self.write(&self.tables.events, dqx_sql::EVENTS_SCHEMA, &sql)
            .await
            .map(|_| ())
    }

    async fn deliveries(
        &self,
        table: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, AppError> {
        let rows = self
            .read(&dqx_sql::fired_events(&self.tables.events, table, limit))
            .await?;
        let fired = dqx_sql::decode_fired(&rows);
        if fired.is_empty() {
            return Ok(Vec::new());
        }
        let most = crate::model::schedule::MAX_SCHEDULES * MAX_ALERTS_PER_TABLE;
        let defined = self.alerts(table, most).await?;
        let mut out: Vec<DeliveryRow> = fired
            .iter()
            .flat_map(|event| delivery_rows(event, &defined))
            .collect();
        out.truncate(limit as usize);
        Ok(out)
    }
}

/// The destinations whose last attempt failed (DQX's destination name) and why, with the
/// attempt it gave up on.
fn failures(spec: &AlertSpec, attempts: &[DeliveryRow]) -> Vec<(String, String)> {
    spec.destinations
        .iter()
        .zip(spec.destination_names())
        .filter_map(|(d, name)| {
            let shown = d.shown();
            let last = attempts.iter().rev().find(|a| a.destination == shown)?;
            (last.outcome != DeliveryOutcome::Sent.as_str()).then(|| {
                let reason = last
                    .reason
                    .clone()
                    .unwrap_or_else(|| "not delivered".into());
                (name, format!("attempt {}: {reason}", last.attempt))
            })
        })
        .collect()
}

/// One fired event as delivery-log rows: each destination of the alert as defined now, sent
/// unless DQX recorded its failure.
fn delivery_rows(event: &FiredEvent, defined: &[StoredAlert]) -> Vec<DeliveryRow> {
    let row = |destination: String, failure: Option<&String>| {
        let attempt = failure
            .and_then(|f| f.strip_prefix("attempt "))
            .and_then(|rest| rest.split(':').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        DeliveryRow {
            run_id: event.run_id.clone(),
            table_name: event.table.clone(),
            action_name: event.action_name.clone(),
            destination,
            outcome: if failure.is_some() { "failed" } else { "sent" }.to_string(),
            attempt,
            reason: failure.cloned(),
            at: event.run_time,
        }
    };
    let failed = |name: &str| {
        event
            .failed
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, why)| why)
    };
    let spec = defined
        .iter()
        .find(|a| a.table == event.table && a.name == event.action_name)
        .and_then(|a| AlertSpec::from_action_json(&a.table, &a.action_json));
    match spec {
        Some(spec) => spec
            .destinations
            .iter()
            .zip(spec.destination_names())
            .map(|(d, name)| row(d.shown(), failed(&name)))
            .collect(),
        // The alert was deleted (or is not the app's kind): what DQX recorded.
        None if event.failed.is_empty() => vec![row("its destinations".into(), None)],
        None => event
            .failed
            .iter()
            .map(|(name, why)| row(name.clone(), Some(why)))
            .collect(),
    }
}
