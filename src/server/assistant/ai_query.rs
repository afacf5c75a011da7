//! `ai_query` on the SQL warehouse as the user: the endpoint and the prompt travel as named
//! parameters of a constant statement — the prompt is never spliced into SQL text.

use crate::server::caller::Caller;
use crate::server::databricks::statements::{Param, Statements};
use crate::server::databricks::user_token;
use crate::server::error::AppError;
use std::time::Duration;

/// The one statement ever sent.
pub const AI_QUERY_SQL: &str = "SELECT ai_query(:endpoint, :prompt) AS response";

/// A model serving endpoint reached through the warehouse.
pub struct AiQuery {
    pub statements: Statements,
    pub endpoint: String,
    pub timeout: Duration,
}

impl AiQuery {
    pub async fn complete(&self, caller: &Caller, prompt: &str) -> Result<String, AppError> {
        let params = [
            Param::text("endpoint", self.endpoint.clone()),
            Param::text("prompt", prompt),
        ];
        let rows = self
            .statements
            .run(user_token(caller)?, AI_QUERY_SQL, &params, self.timeout)
            .await
            .map_err(|e| match e {
                AppError::BadRequest(m) | AppError::PermissionDenied(m) | AppError::NotFound(m) => AppError::PermissionDenied(format!(
                    "your token cannot query the model endpoint {} ({m}); ask for CAN QUERY on it, or set MODEL_SERVING_ENDPOINT",
                    self.endpoint
                )),
                other => other,
            })?;
        rows.rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .ok_or_else(|| {
                AppError::Unavailable(format!(
                    "the model endpoint {} returned nothing",
                    self.endpoint
                ))
            })
    }
}
