//! Server functions of monitoring (JSON at `/api/<name>`): `run_history`.

use crate::model::error::ApiError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/run_history` with `{table, limit?}`: the table's recorded runs, newest first,
/// whoever started them, each with DQX's summary metrics (`input_row_count`, `error_row_count`,
/// `warning_row_count`, `valid_row_count`, `check_metrics`): counts, never rows. The caller is
/// first proven, as themselves, to read the table.
#[server(prefix = "/api", endpoint = "run_history", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "run_history", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn run_history(
    table: String,
    #[server(default)] limit: Option<u32>,
) -> Result<crate::model::metrics::RunHistory, ApiError> {
    let (ctx, name) = crate::server::request::RequestContext::for_table(&table).await?;
    let max = crate::model::metrics::MAX_RUN_HISTORY;
    let limit = limit.unwrap_or(100);
    if limit == 0 || limit > max {
        return Err(ctx.bad_request(format!(
            "limit must be between 1 and {max}; ask for fewer runs"
        )));
    }
    let history = crate::server::monitor::run_history(
        ctx.state.store.as_ref(),
        &ctx.caller,
        &name.to_string(),
        limit,
    )
    .await;
    ctx.respond(history)
}
