//! Server function `whoami`: who the app believes the caller is, and in which mode it runs.

use crate::model::error::ApiError;
use crate::model::session::WhoAmI;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/whoami` with `{}`: the caller's email, display name, the mode and how the
/// identity was established. Refused (401) when the request carries no acceptable identity.
#[server(prefix = "/api", endpoint = "whoami", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "whoami", skip_all))]
pub async fn whoami() -> Result<WhoAmI, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let mut me = ctx.caller.who_am_i(ctx.state.identity.mode());
    me.engines = ctx.state.jobs.engines();
    Ok(me)
}
