//! Turning health on in a workspace: the scope's tables the owner may read, each probed as them
//! for a row filter or column mask (a job running as the service principal would read past
//! either, so such tables are left out and named), become the scope's Databricks job.

use super::jobs::{HealthJobSpec, HealthJobs, RUNS_AS_SERVICE_PRINCIPAL};
use super::view_of;
use crate::model::health::view::HealthScopeView;
use crate::model::registry::Scope;
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::workspace::Workspace;
use futures::StreamExt;

/// Tables probed for access controls at once.
const PROBES_AT_ONCE: usize = 8;

/// Of `tables`, those the job may observe, and the others with why not, probed as `caller`.
pub async fn observable(
    workspace: &dyn Workspace,
    caller: &Caller,
    tables: &[String],
) -> Result<(Vec<String>, Vec<String>), AppError> {
    let probed: Vec<(String, Result<Option<String>, AppError>)> =
        futures::stream::iter(tables.iter().cloned())
            .map(|table| async move {
                let why_not = match TableName::parse(&table) {
                    Ok(name) => workspace.access_controls(caller, &name).await.map(|c| {
                        if let Some(filter) = c.row_filter {
                            Some(format!("{table} (row filter {filter})"))
                        } else if !c.masked_columns.is_empty() {
                            Some(format!("{table} (masked {})", c.masked_columns.join(", ")))
                        } else {
                            None
                        }
                    }),
                    Err(e) => Err(AppError::BadRequest(e.to_string())),
                };
                (table, why_not)
            })
            .buffered(PROBES_AT_ONCE)
            .collect()
            .await;
    let (mut observed, mut skipped) = (Vec::new(), Vec::new());
    for (table, why_not) in probed {
        match why_not? {
            None => observed.push(table),
            Some(why) => skipped.push(why),
        }
    }
    Ok((observed, skipped))
}

/// Turns health on (or off) for `scope` as its job, for `caller`, who owns it.
pub async fn set_scope(
    workspace: &dyn Workspace,
    jobs: &HealthJobs,
    caller: &Caller,
    scope: Scope,
    enabled: bool,
    (tables, truncated): (Vec<String>, bool),
    now: chrono::NaiveDateTime,
) -> Result<HealthScopeView, AppError> {
    let (observed, skipped) = observable(workspace, caller, &tables).await?;
    if enabled && observed.is_empty() {
        return Err(AppError::BadRequest(format!(
            "every table the scope covers has a row filter or column mask ({}); health's job runs as the app's service principal, which would read past them, so it observes none of them",
            skipped.join(", ")
        )));
    }
    let spec = HealthJobSpec {
        scope_id: crate::model::health::view::scope_id(&scope),
        scope: serde_json::to_string(&scope)
            .map_err(|e| AppError::internal("writing the scope", e))?,
        owner: caller.email.clone(),
        enabled,
        tables: observed,
    };
    jobs.put(&spec).await?;
    let stored = super::store::StoredScope {
        scope_id: spec.scope_id,
        scope: spec.scope,
        owner: spec.owner,
        enabled,
        created_at: now,
        updated_at: now,
        last_observed_at: None,
        running_until: None,
        claimed_by: None,
        last_error: None,
    };
    let mut view = view_of(&stored, scope, tables, truncated);
    view.runs_as = Some(RUNS_AS_SERVICE_PRINCIPAL.to_string());
    view.not_observed = skipped;
    Ok(view)
}

/// Brings an enabled scope's job up to what its owner may read now, when the owner looks at it:
/// tables created since (and free of row filters and masks) join, tables no longer covered
/// leave. Nothing is called when nothing changed.
pub async fn refresh_for_owner(
    workspace: &dyn Workspace,
    jobs: &HealthJobs,
    owner: &Caller,
    stored: &super::store::StoredScope,
    covered: &[String],
    observed: &[String],
) -> Result<Option<Vec<String>>, AppError> {
    let added: Vec<String> = covered
        .iter()
        .filter(|t| !observed.iter().any(|o| o.eq_ignore_ascii_case(t)))
        .cloned()
        .collect();
    let kept: Vec<String> = observed
        .iter()
        .filter(|o| covered.iter().any(|t| t.eq_ignore_ascii_case(o)))
        .cloned()
        .collect();
    let (joining, _) = observable(workspace, owner, &added).await?;
    if joining.is_empty() && kept.len() == observed.len() {
        return Ok(None);
    }
    let mut tables = kept;
    tables.extend(joining);
    tables.sort();
    let spec = HealthJobSpec {
        scope_id: stored.scope_id.clone(),
        scope: stored.scope.clone(),
        owner: stored.owner.clone(),
        enabled: stored.enabled,
        tables: tables.clone(),
    };
    jobs.put(&spec).await?;
    Ok(Some(tables))
}
