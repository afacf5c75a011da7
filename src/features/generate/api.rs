//! Server function `start_generation`: profile a table the caller may read and propose rules,
//! reading the prompt, as a run the caller can watch with `run_status`.

use crate::model::error::ApiError;
use crate::model::runs::RunSummary;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/start_generation` with `{"table": "main.sales.customers", "prompt": "emails must be
/// valid", "sample_limit": 10000, "engine": "warehouse"}` (`sample_limit` optional:
/// `SAMPLE_DATA_LIMIT`; `engine` optional, Databricks mode only: `warehouse` — profiling as you on
/// the SQL warehouse, the default — or `job`, the DQX generation job).
#[server(prefix = "/api", endpoint = "start_generation", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "start_generation", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn start_generation(
    table: String,
    prompt: String,
    sample_limit: Option<u64>,
    #[server(default)] engine: Option<crate::model::runs::EngineChoice>,
) -> Result<RunSummary, ApiError> {
    use crate::model::runs::{MAX_GENERATION_SAMPLE, MAX_PROMPT_CHARS, MIN_GENERATION_SAMPLE};
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let table = crate::model::table_name::TableName::parse(&table)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    let prompt = prompt.trim().to_string();
    if prompt.is_empty() {
        return Err(ctx.bad_request(
            "describe in a few words what good data means for this table, for example \"emails must be valid and customer ids unique\"",
        ));
    }
    if prompt.chars().count() > MAX_PROMPT_CHARS {
        return Err(ctx.bad_request(format!(
            "the prompt is longer than {MAX_PROMPT_CHARS} characters; shorten it"
        )));
    }
    let sample_limit = sample_limit.unwrap_or(ctx.state.config.sample_data_limit);
    if !(MIN_GENERATION_SAMPLE..=MAX_GENERATION_SAMPLE).contains(&sample_limit) {
        return Err(ctx.bad_request(format!(
            "the sample size must be between {MIN_GENERATION_SAMPLE} and {MAX_GENERATION_SAMPLE} rows, not {sample_limit}"
        )));
    }
    let request = crate::server::jobs::JobRequest::Generation {
        table,
        prompt,
        sample_limit,
        engine: engine.unwrap_or_default(),
    };
    let started = ctx.state.jobs.start(&ctx.caller, request).await;
    ctx.respond(started)
}
