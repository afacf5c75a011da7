//! Server functions of monitoring (JSON at `/api/<name>`): `run_history`, `set_schedule`,
//! `list_schedules`, `delete_schedule`, `set_alert`, `list_alerts`, `delete_alert`,
//! `alert_deliveries`, `monitor_overview`.

use crate::model::error::ApiError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/run_history` with `{table, limit?}`: the table's recorded runs, newest first,
/// whoever started them, each with DQX's summary metrics (`input_row_count`, `error_row_count`,
/// `warning_row_count`, `valid_row_count`, `check_metrics`): counts, never rows. The caller is
/// first proven, as themselves, to read the table.
#[server(prefix = "/api", endpoint = "run_history", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "run_history", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn run_history(
    table: String,
    #[server(default)] limit: Option<u32>,
) -> Result<crate::model::metrics::RunHistory, ApiError> {
    let (ctx, name) = crate::server::request::RequestContext::for_table(&table).await?;
    let max = crate::model::metrics::MAX_RUN_HISTORY;
    let limit = limit.unwrap_or(100);
    if limit == 0 || limit > max {
        return Err(ctx.bad_request(format!(
            "limit must be between 1 and {max}; ask for fewer runs"
        )));
    }
    let history = crate::server::monitor::run_history(
        ctx.state.store.as_ref(),
        pipelines(&ctx.state),
        &ctx.caller,
        &name.to_string(),
        limit,
    )
    .await;
    ctx.respond(history)
}

/// DQX's metrics table, read through the workspace as the caller.
#[cfg(feature = "ssr")]
fn pipelines(state: &crate::server::state::AppState) -> crate::server::monitor::Pipelines<'_> {
    crate::server::monitor::Pipelines {
        workspace: state.workspace.as_ref(),
        metrics: state.config.metrics_table.as_ref(),
    }
}

/// The schedule parts of the app state.
#[cfg(feature = "ssr")]
fn schedule_parts(state: &crate::server::state::AppState) -> crate::server::schedule::Parts<'_> {
    crate::server::schedule::Parts {
        schedules: state.schedules.as_ref(),
        rules: state.store.as_ref(),
        workspace: state.workspace.as_ref(),
        readable: &state.review.readable,
    }
}

/// `POST /api/set_schedule` with `{table, cron, timezone, enabled}`: runs the table's active
/// (approved) rule set on a standard 5-field cron (`* * * * *` is every minute; `@hourly`,
/// `@daily`, `@weekly` too) in an IANA time zone, paused when `enabled` is false. The caller must
/// read the table and every table its active rules read (probed as them) and becomes the
/// schedule's owner. Answers `{next_run_at, schedule}`.
#[server(prefix = "/api", endpoint = "set_schedule", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "set_schedule", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn set_schedule(
    table: String,
    cron: String,
    timezone: String,
    #[server(default)] enabled: Option<bool>,
) -> Result<crate::model::schedule::ScheduleSet, ApiError> {
    let (ctx, name) = crate::server::request::RequestContext::for_table(&table).await?;
    let request = crate::server::schedule::ScheduleRequest {
        cron,
        timezone,
        enabled: enabled.unwrap_or(true),
    };
    let set = crate::server::schedule::set(
        &schedule_parts(&ctx.state),
        &ctx.caller,
        &name,
        request,
        chrono::Utc::now(),
    )
    .await;
    ctx.respond(set)
}

/// `POST /api/list_schedules` with `{}`: the schedules of every table the caller may read, each
/// with its next run.
#[server(prefix = "/api", endpoint = "list_schedules", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "list_schedules", skip_all)
)]
pub async fn list_schedules() -> Result<crate::model::schedule::ScheduleList, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let list =
        crate::server::schedule::list(&schedule_parts(&ctx.state), &ctx.caller, chrono::Utc::now())
            .await;
    ctx.respond(list)
}

/// `POST /api/delete_schedule` with `{table}`: stops scheduling the table (runs already recorded
/// stay in its history).
#[server(prefix = "/api", endpoint = "delete_schedule", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "delete_schedule", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn delete_schedule(table: String) -> Result<(), ApiError> {
    let (ctx, name) = crate::server::request::RequestContext::for_table(&table).await?;
    let deleted =
        crate::server::schedule::delete(&schedule_parts(&ctx.state), &ctx.caller, &name).await;
    ctx.respond(deleted)
}

/// The alert parts of the app state.
#[cfg(feature = "ssr")]
fn alert_parts(state: &crate::server::state::AppState) -> crate::server::alerts::Parts<'_> {
    crate::server::alerts::Parts {
        alerts: state.alerts.as_ref(),
        rules: state.store.as_ref(),
        workspace: state.workspace.as_ref(),
        readable: &state.review.readable,
    }
}

/// `POST /api/set_alert` with `{table, name, condition, destinations: [{kind: "webhook" |
/// "slack" | "teams", url}], frequency?, notify_on?, severity?}`: an alert in DQX's form (a
/// `DQAlert` bound to a condition over DQX's run metrics, e.g. `error_row_count > 0`), stored as
/// DQX stores actions, evaluated after every run the app makes of the table. Destinations must be
/// https and public (checked now, and again before each delivery). The caller must read the table.
#[server(prefix = "/api", endpoint = "set_alert", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "set_alert", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn set_alert(
    table: String,
    name: String,
    condition: String,
    destinations: Vec<crate::model::alerts::Destination>,
    #[server(default)] frequency: Option<crate::model::alerts::Frequency>,
    #[server(default)] notify_on: Option<crate::model::alerts::NotifyOn>,
    #[server(default)] severity: Option<String>,
) -> Result<crate::model::alerts::Alert, ApiError> {
    let (ctx, table) = crate::server::request::RequestContext::for_table(&table).await?;
    let spec = crate::model::alerts::AlertSpec {
        table: table.to_string(),
        name: name.trim().to_string(),
        condition,
        destinations,
        frequency: frequency.unwrap_or_default(),
        notify_on: notify_on.unwrap_or_default(),
        severity: severity.unwrap_or_else(|| "error".into()),
    };
    let set = crate::server::alerts::set(
        &alert_parts(&ctx.state),
        &ctx.caller,
        spec,
        chrono::Utc::now(),
    )
    .await;
    ctx.respond(set)
}

/// `POST /api/list_alerts` with `{table?}`: the alerts of the table, or of every table the caller
/// may read; destination URLs show their host only.
#[server(prefix = "/api", endpoint = "list_alerts", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "list_alerts", skip_all))]
pub async fn list_alerts(
    #[server(default)] table: Option<String>,
) -> Result<crate::model::alerts::AlertList, ApiError> {
    let (ctx, table) = crate::server::request::RequestContext::for_optional_table(table).await?;
    let table = table.map(|t| t.to_string());
    let list =
        crate::server::alerts::list(&alert_parts(&ctx.state), &ctx.caller, table.as_deref()).await;
    ctx.respond(list)
}

/// `POST /api/delete_alert` with `{table, name}`.
#[server(prefix = "/api", endpoint = "delete_alert", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "delete_alert", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn delete_alert(table: String, name: String) -> Result<(), ApiError> {
    let (ctx, table) = crate::server::request::RequestContext::for_table(&table).await?;
    let deleted = crate::server::alerts::delete(
        &alert_parts(&ctx.state),
        &ctx.caller,
        &table.to_string(),
        name.trim(),
    )
    .await;
    ctx.respond(deleted)
}

/// `POST /api/alert_deliveries` with `{table?, limit?}`: each delivery attempt of the alerts of
/// the table (or of every table the caller may read), newest first: which run, which alert,
/// where (host only), sent / retried / failed and why.
#[server(prefix = "/api", endpoint = "alert_deliveries", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "alert_deliveries", skip_all)
)]
pub async fn alert_deliveries(
    #[server(default)] table: Option<String>,
    #[server(default)] limit: Option<u32>,
) -> Result<crate::model::alerts::DeliveryList, ApiError> {
    let (ctx, table) = crate::server::request::RequestContext::for_optional_table(table).await?;
    let table = table.map(|t| t.to_string());
    let max = crate::model::alerts::MAX_DELIVERIES;
    let limit = limit.unwrap_or(100);
    if limit == 0 || limit > max {
        return Err(ctx.bad_request(format!(
            "limit must be between 1 and {max}; ask for fewer deliveries"
        )));
    }
    let list = crate::server::alerts::deliveries(
        &alert_parts(&ctx.state),
        &ctx.caller,
        table.as_deref(),
        limit,
    )
    .await;
    ctx.respond(list)
}

/// `POST /api/monitor_overview` with `{}`: every table the caller may read that has runs or a
/// schedule, with its last runs (pass rate, errors, version, trigger), the rules failing in its
/// last run and its next scheduled run.
#[server(prefix = "/api", endpoint = "monitor_overview", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "monitor_overview", skip_all)
)]
pub async fn monitor_overview() -> Result<crate::model::trends::MonitorOverview, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let state = &ctx.state;
    let overview = crate::server::monitor::overview(
        state.store.as_ref(),
        pipelines(state),
        &state.review.readable,
        state.schedules.as_ref(),
        &ctx.caller,
        chrono::Utc::now(),
    )
    .await;
    ctx.respond(overview)
}
