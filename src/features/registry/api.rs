//! Server functions of the rule registry (JSON at `/api/<name>`): `registry_scope_preview`.

use crate::model::error::ApiError;
use crate::model::registry::{Coverage, Scope};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/registry_scope_preview` with `{"scope": {"tables"?: [...], "pattern"?:
/// "main.sales.*", "exclude"?: ["main.sales.tmp_*"], "tag"?: {"key": "class", "value": "email",
/// "on": "column"}}}`: the tables the scope covers now, as you see the catalog (never a table you
/// may not read), with the columns carrying a column tag on each; `truncated` when a listing hit
/// its bound (narrow the pattern).
#[server(prefix = "/api", endpoint = "registry_scope_preview", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "registry_scope_preview", skip_all)
)]
pub async fn registry_scope_preview(scope: Scope) -> Result<Coverage, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let parts = crate::server::registry::Parts {
        workspace: ctx.state.workspace.as_ref(),
        rules: ctx.state.store.as_ref(),
        readable: &ctx.state.review.readable,
    };
    let covered = crate::server::registry::coverage(&parts, &ctx.caller, &scope).await;
    ctx.respond(covered)
}
