//! Server function `triage_run`: why a finished validation's failing rules fail, computed as
//! the caller where the data is.

use crate::model::error::ApiError;
use crate::model::triage::Triage;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/triage_run` with `{"run_id": "local-…", "rule_name": "currency_is_null"}`
/// (`rule_name` optional: every failing rule, at most 20): per rule, the segments where its
/// failures concentrate and whether they cluster in time.
#[server(prefix = "/api", endpoint = "triage_run", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "triage_run", skip_all))]
pub async fn triage_run(run_id: String, rule_name: Option<String>) -> Result<Triage, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let run_id = run_id.trim().to_string();
    if run_id.is_empty() || run_id.len() > 100 {
        return Err(ctx.bad_request("give the id of one of your validation runs"));
    }
    let rule_name = rule_name.filter(|n| !n.trim().is_empty());
    let triaged =
        crate::server::triage::triage_for(&ctx.state, &ctx.caller, &run_id, rule_name.as_deref())
            .await;
    ctx.respond(triaged)
}
