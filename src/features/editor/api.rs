//! Server function `check_rules`: parse rule-set text (JSON or YAML) and validate it, against the
//! table's columns when a table is named (read as the caller).

use crate::model::error::ApiError;
use crate::model::rules::RulesFormat;
use crate::model::rules::validate::Validation;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/check_rules` with `{"text": "...", "format": "yaml", "table": "main.sales.orders"}`
/// (`table` optional): every problem with its place, and the resolved rules when valid. Text that
/// does not parse is a 400 naming the format's error.
#[server(prefix = "/api", endpoint = "check_rules", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "check_rules", skip_all, fields(table = ?table.as_deref().map(crate::server::telemetry::field))))]
pub async fn check_rules(
    text: String,
    format: RulesFormat,
    table: Option<String>,
) -> Result<Validation, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let value = ctx.rules_from_text(&text, format)?;
    let columns = match table.filter(|t| !t.trim().is_empty()) {
        None => None,
        Some(table) => {
            let name = crate::model::table_name::TableName::parse(&table)
                .map_err(|e| ctx.bad_request(e.to_string()))?;
            Some(ctx.table_columns(&name).await?)
        }
    };
    Ok(crate::model::rules::validate::validate_rule_set(
        &value,
        columns.as_deref(),
    ))
}
