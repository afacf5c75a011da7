//! Server function `start_validation`: check DQX rules against a table the caller may read, in
//! one pass, as a run the caller can watch with `run_status`.

use crate::model::error::ApiError;
use crate::model::runs::RunSummary;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/start_validation` with `{"table": "main.sales.customers", "rules": [DQX checks],
/// "rule_set_version": 3, "engine": "warehouse"}` (the version optional: which saved version
/// these rules are; `engine` optional, Databricks mode only: `warehouse` — the SQL warehouse as
/// you, the default — or `job`, a DQX job run by the app once every table the rules read was
/// probed as you). Rules are validated against the table's columns first; invalid rules are
/// refused (400) with the validator's messages, and nothing runs. The checks that registry
/// bindings in force give the table run with them (marked with their origin in
/// `user_metadata.dqx_origin`) unless `own_only` is true.
#[server(prefix = "/api", endpoint = "start_validation", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "start_validation", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn start_validation(
    table: String,
    rules: Vec<serde_json::Value>,
    rule_set_version: Option<i32>,
    #[server(default)] engine: Option<crate::model::runs::EngineChoice>,
    #[server(default)] own_only: bool,
) -> Result<RunSummary, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let table = crate::model::table_name::TableName::parse(&table)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    let described = ctx.state.workspace.columns(&ctx.caller, &table).await;
    let columns: Vec<String> = ctx
        .respond(described)?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let rules = ctx.rules_in(rules)?;
    crate::server::store::ops::refuse_invalid(&rules, Some(&columns), "nothing was run")
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    // A version is only recorded with the run when it is a saved version of this table holding
    // exactly these rules; anything else is dropped, not trusted.
    let rule_set_version = match rule_set_version {
        None => None,
        Some(v) => {
            let saved = ctx
                .state
                .store
                .get(&ctx.caller, &table.to_string(), Some(v))
                .await;
            match saved {
                Ok(set) if set.rules == rules => Some(v),
                _ => {
                    tracing::warn!(request_id = %ctx.caller.request_id, version = v, %table, "rule_set_version does not match a saved version's rules; not recorded");
                    None
                }
            }
        }
    };
    // The table's effective set: the rules given plus what bindings in force give the table.
    let rules = if own_only {
        rules
    } else {
        let inherited = crate::server::registry::effective::inherited(
            ctx.state.workspace.as_ref(),
            ctx.state.store.as_ref(),
            &ctx.caller,
            &table,
        )
        .await;
        let (inherited, _) = ctx.respond(inherited)?;
        crate::model::registry_effective::assemble(
            &table.to_string(),
            rules,
            rule_set_version,
            inherited,
        )
        .rules
    };
    let request = crate::server::jobs::JobRequest::Validation {
        table,
        rules,
        rule_set_version,
        engine: engine.unwrap_or_default(),
    };
    let started = ctx.state.jobs.start(&ctx.caller, request).await;
    ctx.respond(started)
}
