//! Server functions for browsing, all acting as the caller: `list_catalogs`, `list_schemas`,
//! `list_tables`, `describe_table`, `sample_table` (JSON in and out at `/api/<name>`).

use crate::model::catalog::{CatalogInfo, SampleRows, SchemaInfo, TableDescription, TableInfo};
use crate::model::error::ApiError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/list_catalogs` with `{}`: catalogs the caller may use.
#[server(prefix = "/api", endpoint = "list_catalogs", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "list_catalogs", skip_all))]
pub async fn list_catalogs() -> Result<Vec<CatalogInfo>, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let result = ctx.state.workspace.list_catalogs(&ctx.caller).await;
    ctx.respond(result)
}

/// `POST /api/list_schemas` with `{"catalog": "main"}`: schemas the caller may use.
#[server(prefix = "/api", endpoint = "list_schemas", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "list_schemas", skip_all))]
pub async fn list_schemas(catalog: String) -> Result<Vec<SchemaInfo>, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    crate::model::table_name::validate_name("catalog", &catalog)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    let result = ctx
        .state
        .workspace
        .list_schemas(&ctx.caller, &catalog)
        .await;
    ctx.respond(result)
}

/// `POST /api/list_tables` with `{"catalog": "main", "schema": "sales"}`: tables the caller may read.
#[server(prefix = "/api", endpoint = "list_tables", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "list_tables", skip_all))]
pub async fn list_tables(catalog: String, schema: String) -> Result<Vec<TableInfo>, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    crate::model::table_name::validate_name("catalog", &catalog)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    crate::model::table_name::validate_name("schema", &schema)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    let result = ctx
        .state
        .workspace
        .list_tables(&ctx.caller, &catalog, &schema)
        .await;
    ctx.respond(result)
}

/// `POST /api/describe_table` with `{"table": "main.sales.customers"}`: columns and row count.
#[server(prefix = "/api", endpoint = "describe_table", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "describe_table", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn describe_table(table: String) -> Result<TableDescription, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let name = crate::model::table_name::TableName::parse(&table)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    let result = ctx.state.workspace.describe_table(&ctx.caller, &name).await;
    ctx.respond(result)
}

/// `POST /api/sample_table` with `{"table": "main.sales.customers", "limit": 100}`: the first rows.
/// `limit` defaults to 100 and is capped at 1,000.
#[server(prefix = "/api", endpoint = "sample_table", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "sample_table", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn sample_table(table: String, limit: Option<u32>) -> Result<SampleRows, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let name = crate::model::table_name::TableName::parse(&table)
        .map_err(|e| ctx.bad_request(e.to_string()))?;
    let limit =
        crate::model::catalog::effective_sample_limit(limit).map_err(|e| ctx.bad_request(e))?;
    let result = ctx
        .state
        .workspace
        .sample_table(&ctx.caller, &name, limit)
        .await;
    ctx.respond(result)
}
