//! Server function `analyze_rules`: an analysis of the rules for a table the caller may read,
//! data-aware (columns, profile, the last validation when given) and cached per rule-set content.

use crate::model::analysis::Analysis;
use crate::model::error::ApiError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde_json::Value;

/// `POST /api/analyze_rules` with `{table, rules, user_prompt?, validation_run_id?}`.
#[server(prefix = "/api", endpoint = "analyze_rules", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "analyze_rules", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn analyze_rules(
    table: String,
    rules: Vec<Value>,
    user_prompt: Option<String>,
    validation_run_id: Option<String>,
) -> Result<Analysis, ApiError> {
    use crate::server::assistant::request::{AnalysisRequest, analyze_for};
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let name = crate::model::table_name::TableName::parse(&table)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    let request = AnalysisRequest {
        table: &name,
        rules: ctx.rules_in(rules)?,
        user_prompt: {
            ctx.notes_in(user_prompt.as_deref(), &None, &None)?;
            user_prompt
        },
        validation_run_id: validation_run_id.as_deref(),
    };
    let analysis = analyze_for(&ctx.state, &ctx.caller, request).await;
    ctx.respond(analysis)
}
