//! Server function `start_validation`: check DQX rules against a table the caller may read, in
//! one pass, as a run the caller can watch with `run_status`.

use crate::model::error::ApiError;
use crate::model::runs::RunSummary;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Most problems named in one refusal; the editor shows all of them.
#[cfg(feature = "ssr")]
const PROBLEMS_SHOWN: usize = 3;

/// `POST /api/start_validation` with `{"table": "main.sales.customers", "rules": [DQX checks]}`.
/// Rules are validated against the table's columns first; invalid rules are refused (400) with
/// the validator's messages, and nothing runs.
#[server(prefix = "/api", endpoint = "start_validation", input = Json)]
pub async fn start_validation(
    table: String,
    rules: serde_json::Value,
) -> Result<RunSummary, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let table = crate::model::table_name::TableName::parse(&table)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    let described = ctx
        .state
        .workspace
        .describe_table(&ctx.caller, &table)
        .await;
    let description = ctx.respond(described)?;
    let columns: Vec<String> = description.columns.into_iter().map(|c| c.name).collect();
    let validation = crate::model::rules::validate::validate_rule_set(&rules, Some(&columns));
    if !validation.is_valid() {
        let errors: Vec<String> = validation.errors().map(|p| p.located()).collect();
        let mut message = format!(
            "the rules have {} problem(s); nothing was run: {}",
            errors.len(),
            errors
                .iter()
                .take(PROBLEMS_SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        );
        if errors.len() > PROBLEMS_SHOWN {
            message.push_str(&format!("; and {} more", errors.len() - PROBLEMS_SHOWN));
        }
        return Err(ctx.bad_request(message));
    }
    let rules = match rules {
        serde_json::Value::Array(items) => items,
        _ => return Err(ctx.bad_request("rules must be a list of DQX checks")),
    };
    let request = crate::server::jobs::JobRequest::Validation { table, rules };
    let started = ctx.state.jobs.start(&ctx.caller, request).await;
    ctx.respond(started)
}
