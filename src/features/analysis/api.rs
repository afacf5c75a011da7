//! Server function `analyze_rules`: an analysis of the rules for a table the caller may read,
//! data-aware (columns, profile, the last validation when given) and cached per rule-set content.

use crate::model::analysis::Analysis;
use crate::model::error::ApiError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde_json::Value;

/// `POST /api/analyze_rules` with `{table, rules, user_prompt?, validation_run_id?}`.
#[server(prefix = "/api", endpoint = "analyze_rules", input = Json)]
pub async fn analyze_rules(
    table: String,
    rules: Value,
    user_prompt: Option<String>,
    validation_run_id: Option<String>,
) -> Result<Analysis, ApiError> {
    use crate::server::assistant::{AnalysisInput, AnalysisService, analyze, today};
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let name = crate::model::table_name::TableName::parse(&table)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    let rules = ctx.rules_in(rules)?;
    let described = ctx.state.workspace.describe_table(&ctx.caller, &name).await;
    let description = ctx.respond(described)?;
    let validation = match validation_run_id.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(run) => {
            let status = ctx.respond(ctx.state.jobs.status(&ctx.caller, run).await)?;
            status
                .validation
                .filter(|v| v.table_name == name.to_string())
        }
    };
    let mut input = AnalysisInput {
        table: name.to_string(),
        columns: description
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.data_type.clone()))
            .collect(),
        profile: None,
        validation,
        rules,
        user_prompt: user_prompt.filter(|p| !p.trim().is_empty()),
    };
    let service = ctx.state.analysis.clone();
    let key = AnalysisService::key(&ctx.caller, &input, validation_run_id.as_deref());
    if let Some(hit) = service.cached(key) {
        return Ok(hit);
    }
    input.profile = ctx.respond(ctx.state.workspace.profile(&ctx.caller, &name).await)?;
    let analysis = analyze(service.assistant.as_ref(), &ctx.caller, &input, &today()).await;
    service.remember(key, &analysis);
    Ok(analysis)
}
