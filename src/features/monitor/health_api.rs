//! Server functions of health monitoring (JSON at `/api/<name>`): `set_health_scope`,
//! `list_health_scopes`, `health_overview`, `table_health`.

use crate::model::error::ApiError;
use crate::model::health::view::{HealthScopeView, ScopeHealth, TableHealthDetail};
use crate::model::registry::Scope;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The health parts of the app state.
#[cfg(feature = "ssr")]
fn health_parts(state: &crate::server::state::AppState) -> crate::server::health::Parts<'_> {
    crate::server::health::Parts {
        health: state.health.as_ref(),
        workspace: state.workspace.as_ref(),
        rules: state.store.as_ref(),
        readable: &state.review.readable,
        max_tables: state.config.max_health_tables,
    }
}

/// `POST /api/set_health_scope` with `{scope: {pattern?: "main.sales.*", tables?, exclude?,
/// tag?}, enabled}`: turns health monitoring on (or off) for every table the scope covers that
/// you may read, tables created later included; you become its owner and observations read as
/// you. The first pass starts at once. Refused past `DQX_MAX_HEALTH_TABLES` tables.
#[server(prefix = "/api", endpoint = "set_health_scope", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "set_health_scope", skip_all)
)]
pub async fn set_health_scope(scope: Scope, enabled: bool) -> Result<HealthScopeView, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let set = crate::server::health::set_scope(
        &health_parts(&ctx.state),
        &ctx.caller,
        scope,
        enabled,
        chrono::Utc::now().naive_utc(),
    )
    .await;
    let set = ctx.respond(set)?;
    if set.enabled
        && let Some(ticker) = ctx.state.health_ticker()
    {
        // The first observation now, not at the next interval.
        tokio::spawn(async move {
            if let Err(error) = ticker.tick(chrono::Utc::now()).await {
                tracing::warn!(%error, "the first health pass did not run");
            }
        });
    }
    Ok(set)
}

/// `POST /api/list_health_scopes` with `{}`: the scopes you own or that cover a table you may
/// read, each with those tables, its owner and its last pass.
#[server(prefix = "/api", endpoint = "list_health_scopes", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "list_health_scopes", skip_all)
)]
pub async fn list_health_scopes() -> Result<Vec<HealthScopeView>, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let listed = crate::server::health::list_scopes(&health_parts(&ctx.state), &ctx.caller).await;
    ctx.respond(listed)
}

/// `POST /api/health_overview` with `{scope_id?}`: per scope, its tables you may read ×
/// signals (freshness, volume, schema, columns), each with its state and reason, worst first.
#[server(prefix = "/api", endpoint = "health_overview", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "health_overview", skip_all)
)]
pub async fn health_overview(
    #[server(default)] scope_id: Option<String>,
) -> Result<Vec<ScopeHealth>, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let overview = crate::server::health::overview(
        &health_parts(&ctx.state),
        &ctx.caller,
        scope_id.as_deref().map(str::trim),
        chrono::Utc::now().timestamp(),
    )
    .await;
    ctx.respond(overview)
}

/// `POST /api/table_health` with `{table}`: the table's signals and the observations behind
/// them (row count, minutes since its last change, null rate per column), oldest first. You must
/// read the table.
#[server(prefix = "/api", endpoint = "table_health", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "table_health", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn table_health(table: String) -> Result<TableHealthDetail, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let name = crate::model::table_name::TableName::parse(&table)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    let detail = crate::server::health::table_health(
        &health_parts(&ctx.state),
        &ctx.caller,
        &name,
        chrono::Utc::now().timestamp(),
    )
    .await;
    ctx.respond(detail)
}
