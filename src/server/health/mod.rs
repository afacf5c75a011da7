//! Health monitoring without rules (issue 32): a user turns health on for a scope (a schema's
//! pattern, named tables or a registry tag scope); every table in it they may read is observed
//! (`observe`) on the embedded scheduler (`ticker`) as them, each observation kept as rows of
//! DQX's metrics schema (`store`); freshness, volume, schema and column drift are read from a
//! table's observations against its own history (`model::health`). Every viewer sees only the
//! tables they may read.

pub mod job_scopes;
pub mod jobs;
pub mod observe;
pub mod store;
pub mod ticker;

use crate::model::health::metrics::from_rows;
use crate::model::health::view::{
    HealthScopeView, MAX_HEALTH_SCOPES, MAX_POINTS, ScopeHealth, TableHealth, TableHealthDetail,
    scope_id, worst_first,
};
use crate::model::health::{Observation, signals, worst};
use crate::model::metrics::MetricRow;
use crate::model::registry::Scope;
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::registry::{Parts as Coverage, coverage};
use crate::server::review::readable::ReadableCache;
use crate::server::store::RuleStore;
use crate::server::workspace::Workspace;
use std::collections::BTreeMap;
use std::sync::Arc;
use store::{HealthStore, StoredScope};

/// Where health lives in this mode.
pub enum Health {
    /// Kept in the store and observed by the embedded scheduler as each scope's owner.
    Embedded(Arc<dyn HealthStore>),
    /// In a workspace: one Databricks job per scope, writing DQX's metrics table, which each
    /// viewer reads as themselves.
    Jobs(Arc<jobs::HealthJobs>),
    /// Not available here, and why.
    Unavailable(String),
}

impl Health {
    fn store(&self) -> Result<&dyn HealthStore, AppError> {
        match self {
            Health::Embedded(store) => Ok(store.as_ref()),
            Health::Jobs(_) => Err(AppError::internal(
                "reading health",
                "the embedded store is not used in a workspace",
            )),
            Health::Unavailable(why) => Err(AppError::Unavailable(why.clone())),
        }
    }

    /// Every scope (at most the bound) with, in a workspace, the tables its job observes.
    async fn scopes(
        &self,
        now: chrono::NaiveDateTime,
    ) -> Result<Vec<(StoredScope, Option<Vec<String>>)>, AppError> {
        match self {
            Health::Jobs(jobs) => Ok(jobs
                .all(now)
                .await?
                .into_iter()
                .take(MAX_HEALTH_SCOPES)
                .map(|(s, t)| (s, Some(t)))
                .collect()),
            _ => Ok(self
                .store()?
                .scopes(MAX_HEALTH_SCOPES)
                .await?
                .into_iter()
                .map(|s| (s, None))
                .collect()),
        }
    }

    /// Where `viewer` reads a table's observations.
    fn observed<'a>(
        &'a self,
        workspace: &'a dyn Workspace,
        viewer: &'a Caller,
    ) -> Result<Observed<'a>, AppError> {
        match self {
            Health::Jobs(jobs) => Ok(Observed::Metrics {
                workspace,
                viewer,
                metrics: &jobs.metrics_table,
            }),
            _ => Ok(Observed::Store(self.store()?)),
        }
    }
}

/// Where a table's observations are read: the app's store, or DQX's metrics table as the viewer.
pub(crate) enum Observed<'a> {
    Store(&'a dyn HealthStore),
    Metrics {
        workspace: &'a dyn Workspace,
        viewer: &'a Caller,
        metrics: &'a TableName,
    },
}

impl Observed<'_> {
    /// The rows of the newest `runs` observations of `table`, oldest first (every metric, or
    /// those in `only`).
    async fn rows(
        &self,
        table: &str,
        runs: usize,
        only: Option<&[&str]>,
    ) -> Result<Vec<MetricRow>, AppError> {
        match self {
            Observed::Store(store) => store.observations(table, runs, only).await,
            Observed::Metrics {
                workspace,
                viewer,
                metrics,
            } => {
                workspace
                    .health_rows(viewer, metrics, table, runs, only)
                    .await
            }
        }
    }
}

/// The parts of the app health reads.
pub struct Parts<'a> {
    pub health: &'a Health,
    pub workspace: &'a dyn Workspace,
    pub rules: &'a dyn RuleStore,
    pub readable: &'a ReadableCache,
    /// `DQX_MAX_HEALTH_TABLES`.
    pub max_tables: usize,
}

impl<'a> Parts<'a> {
    fn coverage(&self) -> Coverage<'a> {
        Coverage {
            workspace: self.workspace,
            rules: self.rules,
            readable: self.readable,
        }
    }

    /// The tables `scope` covers for `caller`, refused past the bound.
    async fn tables(
        &self,
        caller: &Caller,
        scope: &Scope,
    ) -> Result<(Vec<String>, bool), AppError> {
        let covered = coverage(&self.coverage(), caller, scope).await?;
        Ok((covered.tables, covered.truncated))
    }
}

/// Turns health on (or off) for `scope` as the caller, who becomes its owner: observations read
/// as them. Refused when it covers no table they may read, or more than the bound.
pub async fn set_scope(
    parts: &Parts<'_>,
    caller: &Caller,
    scope: Scope,
    enabled: bool,
    now: chrono::NaiveDateTime,
) -> Result<HealthScopeView, AppError> {
    if let Health::Unavailable(why) = parts.health {
        return Err(AppError::Unavailable(why.clone()));
    }
    scope.check().map_err(AppError::BadRequest)?;
    let (tables, truncated) = parts.tables(caller, &scope).await?;
    if enabled && tables.is_empty() {
        return Err(AppError::BadRequest(
            "the scope covers no table you may read; check the pattern, tag or names".into(),
        ));
    }
    if tables.len() > parts.max_tables || truncated {
        return Err(AppError::BadRequest(format!(
            "the scope covers {}{} tables, more than the {} health may watch in one scope (DQX_MAX_HEALTH_TABLES); narrow it to a schema or exclude tables",
            tables.len(),
            if truncated { " or more" } else { "" },
            parts.max_tables
        )));
    }
    if let Health::Jobs(jobs) = parts.health {
        return job_scopes::set_scope(
            parts.workspace,
            jobs,
            caller,
            scope,
            enabled,
            (tables, truncated),
            now,
        )
        .await;
    }
    let store = parts.health.store()?;
    let id = scope_id(&scope);
    let all = store.scopes(MAX_HEALTH_SCOPES).await?;
    let existing = all.iter().find(|s| s.scope_id == id).cloned();
    refuse_unless_owner(existing.as_ref(), caller, enabled)?;
    if existing.is_none() && all.len() >= MAX_HEALTH_SCOPES {
        return Err(AppError::BadRequest(format!(
            "health already watches {MAX_HEALTH_SCOPES} scopes; turn one off or widen one"
        )));
    }
    let stored = StoredScope {
        scope_id: id,
        scope: serde_json::to_string(&scope)
            .map_err(|e| AppError::internal("writing the scope", e))?,
        owner: caller.email.clone(),
        enabled,
        created_at: existing.as_ref().map_or(now, |e| e.created_at),
        updated_at: now,
        last_observed_at: existing.as_ref().and_then(|e| e.last_observed_at),
        running_until: None,
        claimed_by: None,
        last_error: None,
    };
    // The write itself decides ownership (another user may have set the scope since the read).
    if !store.put_scope(&stored).await? {
        let now_stored = store.scopes(MAX_HEALTH_SCOPES).await?;
        let current = now_stored.iter().find(|s| s.scope_id == stored.scope_id);
        refuse_unless_owner(current, caller, enabled)?;
        return Err(AppError::Conflict(
            "the health scope changed while it was being saved; try again".into(),
        ));
    }
    Ok(view_of(&stored, scope, tables, truncated))
}

/// Only a scope's owner changes it: observations read as them, so another user could otherwise
/// narrow or stop what they see. Turning off a scope that is not on is a 404.
fn refuse_unless_owner(
    existing: Option<&StoredScope>,
    caller: &Caller,
    enabled: bool,
) -> Result<(), AppError> {
    match existing {
        Some(other) if !other.owner.eq_ignore_ascii_case(&caller.email) => {
            Err(AppError::PermissionDenied(format!(
                "health for this scope is {}'s, observed as them; only they may turn it on or off (ask them, or watch a narrower scope of your own)",
                other.owner
            )))
        }
        None if !enabled => Err(AppError::NotFound(
            "health is not on for this scope, so there is nothing to turn off".into(),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn view_of(
    stored: &StoredScope,
    scope: Scope,
    tables: Vec<String>,
    truncated: bool,
) -> HealthScopeView {
    HealthScopeView {
        scope_id: stored.scope_id.clone(),
        scope,
        owner: stored.owner.clone(),
        enabled: stored.enabled,
        tables,
        truncated,
        last_observed_at: stored.last_observed_at.map(|t| {
            t.and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        }),
        last_error: stored.last_error.clone(),
        runs_as: None,
        not_observed: Vec::new(),
    }
}

/// The scopes the viewer owns or that cover a table they may read, each with those tables.
pub async fn list_scopes(
    parts: &Parts<'_>,
    viewer: &Caller,
) -> Result<Vec<HealthScopeView>, AppError> {
    let mut out = Vec::new();
    let now = chrono::Utc::now().naive_utc();
    for (stored, observed) in parts.health.scopes(now).await? {
        let Ok(scope) = serde_json::from_str::<Scope>(&stored.scope) else {
            continue;
        };
        let (tables, truncated) = match parts.tables(viewer, &scope).await {
            Ok(t) => t,
            Err(error) => {
                tracing::warn!(request_id = %viewer.request_id, %error, scope = %stored.scope_id, "a health scope's tables could not be listed");
                (Vec::new(), false)
            }
        };
        if tables.is_empty() && !stored.owner.eq_ignore_ascii_case(&viewer.email) {
            continue;
        }
        let mut observed = observed;
        if let (Health::Jobs(jobs), Some(current)) = (parts.health, observed.as_ref())
            && stored.enabled
            && !truncated
            && stored.owner.eq_ignore_ascii_case(&viewer.email)
        {
            // The owner's visit is when tables created since can join: probed as them.
            match job_scopes::refresh_for_owner(
                parts.workspace,
                jobs,
                viewer,
                &stored,
                &tables,
                current,
            )
            .await
            {
                Ok(Some(now_observed)) => observed = Some(now_observed),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(request_id = %viewer.request_id, %error, scope = %stored.scope_id, "a health scope's job could not take its new tables");
                }
            }
        }
        let mut view = view_of(&stored, scope, tables, truncated);
        if let Some(observed) = observed {
            // Only tables this viewer may read are named, observed or not.
            view.not_observed = view
                .tables
                .iter()
                .filter(|t| !observed.iter().any(|o| o.eq_ignore_ascii_case(t)))
                .map(|t| format!("{t} (not in the job's tables: a row filter or mask, or added after the owner last turned it on)"))
                .collect();
            view.tables
                .retain(|t| observed.iter().any(|o| o.eq_ignore_ascii_case(t)));
            view.runs_as = Some(jobs::RUNS_AS_SERVICE_PRINCIPAL.to_string());
        }
        out.push(view);
    }
    Ok(out)
}

/// A table's observations (oldest first) from its rows.
pub fn observations_of(rows: Vec<MetricRow>) -> Vec<Observation> {
    let mut by_run: BTreeMap<(String, String), Vec<MetricRow>> = BTreeMap::new();
    for row in rows {
        by_run
            .entry((row.run_time.clone(), row.run_id.clone()))
            .or_default()
            .push(row);
    }
    by_run
        .into_iter()
        .filter_map(|((time, _), rows)| {
            let at = chrono::DateTime::parse_from_rfc3339(&time)
                .ok()?
                .timestamp();
            from_rows(&rows, at)
        })
        .collect()
}

/// Tables whose observations one overview reads at once.
const TABLES_AT_ONCE: usize = 4;

/// Observations whose row count and change times freshness and volume read (a long series:
/// a table observed hourly that changes daily shows a change in one observation of 24).
pub const MAX_SERIES: usize = 2000;

/// A table's health from its kept observations at `now`, and its recent whole observations.
pub(crate) async fn table_row(
    observed: &Observed<'_>,
    table: &str,
    now: i64,
) -> Result<(TableHealth, Vec<Observation>), AppError> {
    use crate::model::health::metrics::{CHANGES, LAST_CHANGE, ROW_COUNT};
    let history = observations_of(observed.rows(table, MAX_POINTS, None).await?);
    let series = observations_of(
        observed
            .rows(table, MAX_SERIES, Some(&[ROW_COUNT, LAST_CHANGE, CHANGES]))
            .await?,
    );
    let found = signals(&series, &history, now);
    let health = TableHealth {
        table: table.to_string(),
        worst: if history.is_empty() {
            crate::model::health::SignalState::NotEnoughHistory
        } else {
            worst(&found)
        },
        signals: if history.is_empty() {
            Vec::new()
        } else {
            found
        },
        observations: history.len(),
        observed_at: history.last().map(|o| o.observed_at),
    };
    Ok((health, history))
}

/// Every scope the viewer sees (or the one named), each with its tables' health, worst first.
pub async fn overview(
    parts: &Parts<'_>,
    viewer: &Caller,
    only: Option<&str>,
    now: i64,
) -> Result<Vec<ScopeHealth>, AppError> {
    let observed = parts.health.observed(parts.workspace, viewer)?;
    let mut out = Vec::new();
    for scope in list_scopes(parts, viewer).await? {
        if only.is_some_and(|id| id != scope.scope_id) {
            continue;
        }
        // A viewer may see more of a tag scope than its owner did: the same bound applies. In a
        // workspace each table is two statements on the warehouse, so a few run at once.
        use futures::StreamExt;
        let read: Vec<Result<(TableHealth, Vec<Observation>), AppError>> =
            futures::stream::iter(scope.tables.iter().take(parts.max_tables).cloned())
                .map(|table| {
                    let observed = &observed;
                    async move { table_row(observed, &table, now).await }
                })
                .buffered(TABLES_AT_ONCE)
                .collect()
                .await;
        let mut tables = Vec::with_capacity(read.len());
        for row in read {
            tables.push(row?.0);
        }
        worst_first(&mut tables);
        let mut scope = scope;
        if scope.last_observed_at.is_none() {
            // A job's passes are known by the observations they wrote.
            scope.last_observed_at = tables
                .iter()
                .filter_map(|t| t.observed_at)
                .max()
                .and_then(|at| chrono::DateTime::from_timestamp(at, 0))
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
        out.push(ScopeHealth { scope, tables });
    }
    if let Some(id) = only
        && out.is_empty()
    {
        return Err(AppError::NotFound(format!(
            "there is no health scope {id} you may see"
        )));
    }
    Ok(out)
}

/// One table's health, with the points behind it, for a viewer proven to read it.
pub async fn table_health(
    parts: &Parts<'_>,
    viewer: &Caller,
    table: &TableName,
    now: i64,
) -> Result<TableHealthDetail, AppError> {
    let observed = parts.health.observed(parts.workspace, viewer)?;
    let name = table.to_string().to_lowercase();
    let readable = parts
        .readable
        .readable(parts.workspace, viewer, [name.clone()])
        .await;
    if readable.get(&name) != Some(&true) {
        return Err(AppError::NotFound(format!(
            "{name} does not exist or you may not read it"
        )));
    }
    let (health, history) = table_row(&observed, &name, now).await?;
    let points = crate::model::health::view::points(&history);
    Ok(TableHealthDetail { health, points })
}
