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
pub async fn run_status(run_id: String) -> Result<crate::model::runs::RunStatus, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let status = ctx.respond(ctx.state.jobs.status(&ctx.caller, run_id.trim()).await)?;
    if let Some(result) = &status.validation {
        record_validation(
            &ctx,
            &status.summary.run_id,
            status.rule_set_version,
            result,
        )
        .await;
    }
    if let Some(preview) = &status.impact {
        keep_preview(&ctx, &status.summary.run_id, preview).await;
    }
    Ok(status)
}

/// Keeps a finished impact preview with its version's review (once per run, counts only) and
/// audits it; a failure is logged and the preview is still shown to the user.
#[cfg(feature = "ssr")]
async fn keep_preview(
    ctx: &crate::server::request::RequestContext,
    run_id: &str,
    preview: &crate::model::review::ImpactPreview,
) {
    use crate::server::store::{AuditAction, ops::audit_quietly};
    let store = ctx.state.store.as_ref();
    let kept = crate::server::review::service::kept_preview(preview);
    match store.save_preview(&ctx.caller, run_id, &kept).await {
        Ok(true) => {
            let detail = serde_json::json!({
                "run_id": run_id,
                "against_version": preview.against_version,
                "rows_checked": preview.rows_checked,
                "invalid_before": preview.invalid_before,
                "invalid_after": preview.invalid_after,
            });
            audit_quietly(
                store,
                &ctx.caller,
                AuditAction::Preview,
                &preview.table_name,
                Some(preview.version),
                Some(detail),
            )
            .await;
        }
        Ok(false) => {}
        Err(error) => {
            tracing::warn!(request_id = %ctx.caller.request_id, %error, run_id, "impact preview not kept")
        }
    }
}

/// Keeps a finished validation in the store (once per run) with an audit entry; a store that is
/// not configured or fails does not hide the result from the user.
#[cfg(feature = "ssr")]
async fn record_validation(
    ctx: &crate::server::request::RequestContext,
    run_id: &str,
    version: Option<i32>,
    result: &crate::model::results::ValidationResult,
) {
    use crate::server::store::{AuditAction, ops::audit_quietly};
    let store = ctx.state.store.as_ref();
    // Counts and messages are kept; row values are not (whoever reads the store later may not
    // be allowed to see them).
    let mut kept = result.clone();
    for rule in &mut kept.rule_results {
        rule.sample_violations.clear();
    }
    match store
        .record_validation(&ctx.caller, run_id, version, &kept)
        .await
    {
        Ok(true) => {
            let detail = serde_json::json!({"run_id": run_id, "invalid_rows": result.invalid_rows, "total_rows": result.total_rows});
            audit_quietly(
                store,
                &ctx.caller,
                AuditAction::Validate,
                &result.table_name,
                version,
                Some(detail),
            )
            .await;
        }
        Ok(false) => {}
        Err(error) => {
            tracing::warn!(request_id = %ctx.caller.request_id, %error, run_id, "validation run not recorded")
        }
    }
}

/// `POST /api/cancel_run` with `{"run_id": "..."}`: cancels the caller's run if it has not ended.
#[server(prefix = "/api", endpoint = "cancel_run", input = Json)]
pub async fn cancel_run(run_id: String) -> Result<crate::model::runs::RunStatus, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let status = ctx.state.jobs.cancel(&ctx.caller, run_id.trim()).await;
    ctx.respond(status)
}

/// `POST /api/list_runs` with `{}`: the caller's recent runs, newest first.
#[server(prefix = "/api", endpoint = "list_runs", input = Json)]
pub async fn list_runs() -> Result<Vec<RunSummary>, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let runs = ctx.state.jobs.list(&ctx.caller).await;
    ctx.respond(runs)
}
