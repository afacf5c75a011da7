//! One observation pass: every table a scope covers for its owner, observed as the owner (the
//! catalog's description and row count, when the table changed, and a profile of a bounded
//! sample), each kept as rows of DQX's metrics schema.

use super::store::{HealthStore, StoredScope};
use crate::model::health::Observation;
use crate::model::health::observe::{Stamps, from_profile};
use crate::model::registry::Scope;
use crate::model::table_name::TableName;
use crate::server::caller::{Caller, IdentitySource};
use crate::server::error::AppError;
use crate::server::workspace::Workspace;
use chrono::{DateTime, Utc};

/// `table` observed as `caller` at `now`.
pub async fn observe_table(
    workspace: &dyn Workspace,
    caller: &Caller,
    table: &TableName,
    now: DateTime<Utc>,
) -> Result<Observation, AppError> {
    let description = workspace.describe_table(caller, table).await?;
    let (last_change, changes) = workspace.change_times(caller, table).await?;
    let stamps = Stamps {
        observed_at: now.timestamp(),
        last_change,
        changes,
    };
    let profile = workspace.health_profile(caller, table).await?;
    Ok(match profile {
        Some(mut profile) => {
            if let Some(rows) = description.row_count {
                profile.total_row_count = rows;
            }
            from_profile(&profile, &description.columns, stamps)
        }
        None => from_profile(
            &crate::model::profile::TableProfile {
                table_name: table.to_string(),
                row_count: 0,
                total_row_count: description.row_count.unwrap_or(0),
                sample_limit: None,
                columns: Vec::new(),
            },
            &description.columns,
            stamps,
        ),
    })
}

/// The scope's owner acting without a request (local users need no token).
pub fn owner_caller(scope: &StoredScope, now: DateTime<Utc>) -> Caller {
    Caller {
        email: scope.owner.clone(),
        user_name: None,
        display_name: None,
        token: None,
        source: IdentitySource::DefaultLocalUser,
        request_id: format!(
            "health:{}@{}",
            scope.scope_id,
            now.format("%Y-%m-%dT%H:%MZ")
        ),
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassReport {
    pub observed: usize,
    /// Tables that could not be observed, with why.
    pub failed: Vec<(String, String)>,
}

impl PassReport {
    /// The failures in words, when there were any.
    pub fn error(&self) -> Option<String> {
        let (table, why) = self.failed.first()?;
        Some(if self.failed.len() == 1 {
            format!("{table}: {why}")
        } else {
            format!("{table}: {why} (and {} more tables)", self.failed.len() - 1)
        })
    }
}

/// Observes every table `scope` covers for its owner (at most `max_tables`) at `now`.
pub async fn observe_scope(
    parts: &super::Parts<'_>,
    store: &dyn HealthStore,
    scope: &StoredScope,
    now: DateTime<Utc>,
    alerts: Option<&crate::server::alerts::Alerts>,
) -> Result<PassReport, AppError> {
    let owner = owner_caller(scope, now);
    let definition: Scope = serde_json::from_str(&scope.scope)
        .map_err(|e| AppError::internal("reading the health scope", e))?;
    let (tables, _) = parts.tables(&owner, &definition).await?;
    let run_id = format!("health-{}-{}", scope.scope_id, now.timestamp());
    let run_time = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut report = PassReport::default();
    for table in tables.into_iter().take(parts.max_tables) {
        let observed = match TableName::parse(&table) {
            Ok(name) => observe_table(parts.workspace, &owner, &name, now).await,
            Err(e) => Err(AppError::BadRequest(e.to_string())),
        };
        match observed {
            Ok(observation) => {
                let rows =
                    crate::model::health::metrics::rows(&table, &observation, &run_id, &run_time);
                store.append(&rows).await?;
                report.observed += 1;
                if let Some(alerts) = alerts {
                    alert_on(alerts, store, &owner, &table, &observation, (&run_id, now)).await;
                }
            }
            Err(error) => report.failed.push((table, error.user_message())),
        }
    }
    Ok(report)
}

/// Evaluates the table's health alerts over what this pass found.
async fn alert_on(
    alerts: &crate::server::alerts::Alerts,
    store: &dyn HealthStore,
    owner: &Caller,
    table: &str,
    observation: &Observation,
    (run_id, now): (&str, DateTime<Utc>),
) {
    let found = match super::table_row(&super::Observed::Store(store), table, now.timestamp()).await
    {
        Ok((health, _)) => health.signals,
        Err(error) => {
            tracing::warn!(%table, %error, "health alerts not evaluated: the observations could not be read");
            return;
        }
    };
    let variables = crate::model::health::alerting::variables(observation, &found);
    let pass = crate::server::alerts::Fired {
        run_id,
        run_time: now,
    };
    crate::server::alerts::after_health(alerts, table, &pass, &variables, Some(owner)).await;
}
