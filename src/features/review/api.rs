//! Server functions of review (JSON at `/api/<name>`, names stable for scripts):
//! `submit_rule_set`, `approve_rule_set`, `reject_rule_set`, `comment_rule_set`, `review_queue`,
//! `review_detail`, `impact_preview` (a run: poll it with `run_status`) and `my_roles`. Every one
//! that names a table first proves, as the caller, that the caller may read it; a role never
//! stands in for that.

use crate::model::error::ApiError;
use crate::model::review::{ReviewQueueItem, Roles, VersionReview};
use crate::model::rulesets::RuleSetSummary;
use crate::model::runs::RunSummary;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/submit_rule_set` with `{table, version}`: a draft goes to review (pending).
#[server(prefix = "/api", endpoint = "submit_rule_set", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "submit_rule_set", skip_all, fields(table = %crate::server::telemetry::field(&table), version = ?version)))]
pub async fn submit_rule_set(table: String, version: i32) -> Result<RuleSetSummary, ApiError> {
    let (ctx, name) = crate::server::request::RequestContext::for_table(&table).await?;
    let roles = ctx.respond(ctx.state.review.roles(&ctx.caller, Some(&name)).await)?;
    // A version's rules never change: a rule whose example gives the wrong verdict is refused
    // here, before the transition.
    let set = ctx.respond(
        ctx.state
            .store
            .get(&ctx.caller, &name.to_string(), Some(version))
            .await,
    )?;
    let examples = ctx.respond(
        crate::server::examples::examples_for(&ctx.state, &ctx.caller, &name, &set.rules).await,
    )?;
    ctx.respond(crate::server::examples::refuse_wrong(
        &examples,
        "submitting for review",
    ))?;
    let done = crate::server::review::service::submit(
        ctx.state.store.as_ref(),
        &ctx.caller,
        &roles,
        &name.to_string(),
        version,
    )
    .await;
    ctx.respond(done)
}

/// `POST /api/approve_rule_set` with `{table, version, expected_status}`: the version becomes the
/// active one (the previous one stays in history). Not by its author (four-eyes), and only if it
/// still has the status the caller saw (else 409, saying who moved it and when).
#[server(prefix = "/api", endpoint = "approve_rule_set", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "approve_rule_set", skip_all, fields(table = %crate::server::telemetry::field(&table), version = ?version)))]
pub async fn approve_rule_set(
    table: String,
    version: i32,
    expected_status: String,
) -> Result<RuleSetSummary, ApiError> {
    decide(table, version, expected_status, None).await
}

/// `POST /api/reject_rule_set` with `{table, version, reason, expected_status}`: the version is
/// rejected with the reason (required).
#[server(prefix = "/api", endpoint = "reject_rule_set", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "reject_rule_set", skip_all, fields(table = %crate::server::telemetry::field(&table), version = ?version)))]
pub async fn reject_rule_set(
    table: String,
    version: i32,
    reason: String,
    expected_status: String,
) -> Result<RuleSetSummary, ApiError> {
    decide(table, version, expected_status, Some(reason)).await
}

#[cfg(feature = "ssr")]
async fn decide(
    table: String,
    version: i32,
    expected_status: String,
    reason: Option<String>,
) -> Result<RuleSetSummary, ApiError> {
    use crate::server::review::service;
    let (ctx, name) = crate::server::request::RequestContext::for_table(&table).await?;
    let expected = crate::model::review::parse_status(&expected_status)
        .map_err(|e| ctx.bad_request(format!("expected_status: {e}")))?;
    let reason = match reason {
        Some(text) => Some(ctx.respond(service::bounded_text("a rejection reason", &text))?),
        None => None,
    };
    let roles = ctx.respond(ctx.state.review.roles(&ctx.caller, Some(&name)).await)?;
    let table = name.to_string();
    let done = service::decide(
        ctx.state.store.as_ref(),
        &ctx.caller,
        &roles,
        &table,
        version,
        expected,
        reason,
    )
    .await;
    let done = ctx.respond(done)?;
    if done.is_active {
        ctx.state
            .publisher
            .publish_active(
                ctx.state.store.as_ref(),
                &ctx.caller,
                &table,
                crate::server::registry::effective::inherited_in_app(
                    &ctx.state,
                    &ctx.caller,
                    &table,
                )
                .await,
            )
            .await;
    }
    Ok(done)
}

/// `POST /api/comment_rule_set` with `{table, version, text}`: adds to the version's thread.
#[server(prefix = "/api", endpoint = "comment_rule_set", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "comment_rule_set", skip_all, fields(table = %crate::server::telemetry::field(&table), version = ?version)))]
pub async fn comment_rule_set(table: String, version: i32, text: String) -> Result<(), ApiError> {
    let (ctx, name) = crate::server::request::RequestContext::for_table(&table).await?;
    let done = crate::server::review::service::comment(
        ctx.state.store.as_ref(),
        &ctx.caller,
        &name.to_string(),
        version,
        &text,
    )
    .await;
    ctx.respond(done)
}

/// `POST /api/review_queue` with `{}`: pending versions of tables the caller may read and
/// approve (or wrote), oldest submission first, each saying whether the caller may approve it.
#[server(prefix = "/api", endpoint = "review_queue", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "review_queue", skip_all))]
pub async fn review_queue() -> Result<Vec<ReviewQueueItem>, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let queue = crate::server::review::service::queue(
        ctx.state.store.as_ref(),
        ctx.state.workspace.as_ref(),
        &ctx.state.review,
        &ctx.caller,
    )
    .await;
    ctx.respond(queue)
}

/// `POST /api/review_detail` with `{table, version}`: the version, its diff against the active
/// one, its thread, its newest impact preview and what the caller may do with it.
#[server(prefix = "/api", endpoint = "review_detail", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "review_detail", skip_all, fields(table = %crate::server::telemetry::field(&table), version = ?version)))]
pub async fn review_detail(table: String, version: i32) -> Result<VersionReview, ApiError> {
    let (ctx, name) = crate::server::request::RequestContext::for_table(&table).await?;
    let roles = ctx.respond(ctx.state.review.roles(&ctx.caller, Some(&name)).await)?;
    let detail = crate::server::review::service::detail(
        ctx.state.store.as_ref(),
        ctx.state.workspace.as_ref(),
        &ctx.state.review,
        &ctx.caller,
        roles,
        &name.to_string(),
        version,
    )
    .await;
    ctx.respond(detail)
}

/// `POST /api/impact_preview` with `{table, version, sample_rows?}` (default 10,000): starts a
/// run that checks the version and the active one on the same fixed sample, as the caller; poll
/// it with `run_status` (its `impact` field), and it is kept with the review.
#[server(prefix = "/api", endpoint = "impact_preview", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "impact_preview", skip_all, fields(table = %crate::server::telemetry::field(&table), version = ?version)))]
pub async fn impact_preview(
    table: String,
    version: i32,
    sample_rows: Option<u64>,
) -> Result<RunSummary, ApiError> {
    use crate::model::review::{DEFAULT_PREVIEW_ROWS, MAX_PREVIEW_ROWS};
    let (ctx, name) = crate::server::request::RequestContext::for_table(&table).await?;
    let rows = sample_rows.unwrap_or(DEFAULT_PREVIEW_ROWS);
    if rows == 0 || rows > MAX_PREVIEW_ROWS {
        return Err(ctx.bad_request(format!(
            "sample_rows must be between 1 and {MAX_PREVIEW_ROWS} (the default is {DEFAULT_PREVIEW_ROWS})"
        )));
    }
    let request = crate::server::review::service::impact_request(
        ctx.state.store.as_ref(),
        &ctx.caller,
        &name,
        version,
        rows,
    )
    .await;
    let request = ctx.respond(request)?;
    let started = ctx.state.jobs.start(&ctx.caller, request).await;
    ctx.respond(started)
}

/// `POST /api/my_roles` with `{table?}`: the caller's groups and roles (for the table, after
/// proving they may read it; else in general).
#[server(prefix = "/api", endpoint = "my_roles", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "my_roles", skip_all, fields(table = ?table.as_deref().map(crate::server::telemetry::field))))]
pub async fn my_roles(table: Option<String>) -> Result<Roles, ApiError> {
    match table.filter(|t| !t.trim().is_empty()) {
        Some(table) => {
            let (ctx, name) = crate::server::request::RequestContext::for_table(&table).await?;
            let roles = ctx.state.review.roles(&ctx.caller, Some(&name)).await;
            ctx.respond(roles)
        }
        None => {
            let ctx = crate::server::request::RequestContext::resolve().await?;
            let roles = ctx.state.review.roles(&ctx.caller, None).await;
            ctx.respond(roles)
        }
    }
}
