//! Server functions over the caller's runs: `run_status`, `cancel_run`, `list_runs`. Another
//! user's run id is answered as not found. (The generated request type of `run_status` is
//! called `RunStatus`, so the model's status type is named by its path here.)

use crate::model::error::ApiError;
use crate::model::runs::RunSummary;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/run_status` with `{"run_id": "..."}`: state, phase, progress, elapsed time, the
/// platform's message, and the result once completed.
#[server(prefix = "/api", endpoint = "run_status", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "run_status", skip_all, fields(run_id = %crate::server::telemetry::field(&run_id))))]
pub async fn run_status(run_id: String) -> Result<crate::model::runs::RunStatus, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let previews = &ctx.state.review.previews;
    if let Some(cross_table) =
        crate::server::registry::impact::status(previews, &ctx.caller, run_id.trim())
    {
        return ctx.respond(cross_table);
    }
    let mut status = ctx.respond(ctx.state.jobs.status(&ctx.caller, run_id.trim()).await)?;
    crate::server::registry::effective::drop_inherited_proposals(
        &ctx.state,
        &ctx.caller,
        &mut status,
    )
    .await;
    let recorded =
        crate::server::jobs::results::keep_results(ctx.state.store.as_ref(), &ctx.caller, &status)
            .await;
    if let Some(result) = recorded {
        crate::server::jobs::results::after_recorded(&ctx.state, &ctx.caller, &status, result);
    }
    Ok(status)
}

/// `POST /api/cancel_run` with `{"run_id": "..."}`: cancels the caller's run if it has not ended.
#[server(prefix = "/api", endpoint = "cancel_run", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "cancel_run", skip_all, fields(run_id = %crate::server::telemetry::field(&run_id))))]
pub async fn cancel_run(run_id: String) -> Result<crate::model::runs::RunStatus, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let status = ctx.state.jobs.cancel(&ctx.caller, run_id.trim()).await;
    ctx.respond(status)
}

/// `POST /api/list_runs` with `{}`: the caller's recent runs, newest first.
#[server(prefix = "/api", endpoint = "list_runs", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "list_runs", skip_all))]
pub async fn list_runs() -> Result<Vec<RunSummary>, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let runs = ctx.state.jobs.list(&ctx.caller).await;
    ctx.respond(runs)
}
