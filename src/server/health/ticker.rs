//! Health on the embedded scheduler: once a minute (on the scheduler's clock) each enabled scope
//! whose last pass is older than the interval (`DQX_HEALTH_INTERVAL_MINUTES`, hourly by default)
//! is leased and observed as its owner; the lease keeps a scope's passes from overlapping across
//! processes sharing the store, and runs out if a process dies mid-pass.

use super::observe::{PassReport, observe_scope};
use super::store::HealthStore;
use crate::model::health::view::MAX_HEALTH_SCOPES;
use crate::server::error::AppError;
use crate::server::review::readable::ReadableCache;
use crate::server::schedule::scheduler::Clock;
use crate::server::store::RuleStore;
use crate::server::workspace::Workspace;
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// How long one pass may hold its lease.
pub const LEASE_MINUTES: i64 = 30;

/// Observes due scopes.
pub struct HealthTicker {
    pub store: Arc<dyn HealthStore>,
    pub workspace: Arc<dyn Workspace>,
    pub rules: Arc<dyn RuleStore>,
    pub readable: ReadableCache,
    pub max_tables: usize,
    pub interval: Duration,
    /// Who leases (this process).
    pub holder: String,
    /// The tables' alerts, evaluated after each table's observation.
    pub alerts: Option<Arc<crate::server::alerts::Alerts>>,
}

impl HealthTicker {
    /// Observes every enabled scope due at `now` that this process leases: each scope's report.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<Vec<(String, PassReport)>, AppError> {
        let parts = super::Parts {
            health: &super::Health::Unavailable(String::new()),
            workspace: self.workspace.as_ref(),
            rules: self.rules.as_ref(),
            readable: &self.readable,
            max_tables: self.max_tables,
        };
        let mut done = Vec::new();
        for scope in self.store.scopes(MAX_HEALTH_SCOPES).await? {
            let due = scope
                .last_observed_at
                .is_none_or(|last| last.and_utc() + self.interval <= now);
            if !scope.enabled || !due {
                continue;
            }
            let until = now + Duration::minutes(LEASE_MINUTES);
            if !self
                .store
                .claim_pass(
                    &scope.scope_id,
                    now.naive_utc(),
                    until.naive_utc(),
                    &self.holder,
                )
                .await?
            {
                continue;
            }
            let report = match observe_scope(
                &parts,
                self.store.as_ref(),
                &scope,
                now,
                self.alerts.as_deref(),
            )
            .await
            {
                Ok(report) => report,
                Err(error) => PassReport {
                    observed: 0,
                    failed: vec![(String::from("the scope"), error.user_message())],
                },
            };
            let error = report.error();
            if let Err(e) = self
                .store
                .end_pass(
                    &scope.scope_id,
                    &self.holder,
                    now.naive_utc(),
                    error.as_deref(),
                )
                .await
            {
                tracing::warn!(scope = %scope.scope_id, error = %e, "a health pass was not noted");
            }
            tracing::info!(scope = %scope.scope_id, observed = report.observed, failed = report.failed.len(), "health pass");
            done.push((scope.scope_id, report));
        }
        Ok(done)
    }

    /// Ticks at the start of every minute of `clock` until the process ends.
    pub fn spawn(self: Arc<Self>, clock: Arc<dyn Clock>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let now = clock.now();
                let into_minute = u64::from(chrono::Timelike::second(&now));
                let wait = 61u64.saturating_sub(into_minute).clamp(1, 61);
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                if let Err(error) = self.tick(clock.now()).await {
                    tracing::warn!(%error, "health could not read its scopes");
                }
            }
        })
    }
}
