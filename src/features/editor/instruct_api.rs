//! Server function `propose_edit`: an instruction in words against the caller's rules for a
//! table they may read, answered as hunks to accept or reject one by one.

use crate::model::edits::ProposedEdit;
use crate::model::error::ApiError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde_json::Value;

/// `POST /api/propose_edit` with `{"table": "main.sales.orders", "rules": [...], "instruction":
/// "make the amount check a warning and allow up to 20000"}`: `{changes: [{kind, rule_name,
/// before?, after?, clause}], not_understood, notes, reader}`. Nothing is saved.
#[server(prefix = "/api", endpoint = "propose_edit", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "propose_edit", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn propose_edit(
    table: String,
    rules: Vec<Value>,
    instruction: String,
) -> Result<ProposedEdit, ApiError> {
    use crate::model::edits::MAX_INSTRUCTION_CHARS;
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let name = crate::model::table_name::TableName::parse(&table)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    let rules = ctx.rules_in(rules)?;
    let instruction = instruction.trim();
    if instruction.is_empty() {
        return Err(ctx.bad_request(
            "say what to change, for example \"make the amount check a warning and allow up to 20000\"",
        ));
    }
    let length = instruction.chars().count();
    if length > MAX_INSTRUCTION_CHARS {
        return Err(ctx.bad_request(format!(
            "the instruction is {length} characters, more than the {MAX_INSTRUCTION_CHARS} read; split it into shorter ones"
        )));
    }
    let proposed = crate::server::assistant::edit::propose_for(
        &ctx.state,
        &ctx.caller,
        &name,
        &rules,
        instruction,
    )
    .await;
    ctx.respond(proposed)
}
