//! Server function `run_examples`: the examples kept with rules, run against a table's columns
//! on the embedded engine (no table's data is read).

use crate::model::error::ApiError;
use crate::model::examples::ExampleRun;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde_json::Value;

/// `POST /api/run_examples` with `{"table": "main.sales.orders", "rules": [...]}`: per rule
/// with examples (`user_metadata.examples`, JSON text `{"pass": [{…}], "fail": [{…}]}`), per
/// example, the verdict expected and the one given.
#[server(prefix = "/api", endpoint = "run_examples", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "run_examples", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn run_examples(table: String, rules: Vec<Value>) -> Result<ExampleRun, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let name = crate::model::table_name::TableName::parse(&table)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    let rules = ctx.rules_in(rules)?;
    let run = crate::server::examples::examples_for(&ctx.state, &ctx.caller, &name, &rules).await;
    ctx.respond(run)
}
