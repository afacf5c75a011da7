//! Server function of the overview: `list_rule_tables` (JSON at `/api/rule_tables`).

use crate::model::error::ApiError;
use crate::model::rulesets::RuleTables;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/rule_tables` with `{}`: the tables with saved rules that the caller may read
/// (asked as the caller), most recently changed first, each with its active version, newest
/// version's status, last validation and pending reviews.
#[server(prefix = "/api", endpoint = "rule_tables", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "rule_tables", skip_all))]
pub async fn list_rule_tables() -> Result<RuleTables, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let listed = crate::server::overview::rule_tables(
        ctx.state.store.as_ref(),
        ctx.state.workspace.as_ref(),
        &ctx.state.review.readable,
        &ctx.caller,
    )
    .await;
    ctx.respond(listed)
}
