//! SQL through the Statement Execution API as the caller: submit (values only as named
//! parameters), poll until terminal, follow result chunks, cancel when the time limit passes.
//! Failed statements (HTTP 200, state FAILED) are classified by SQLSTATE.

use super::DatabricksClient;
use super::error::{CallSite, Principal, statement_error};
use super::statement_wire::{ResultChunk, StatementResponse};
use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

/// A named parameter (`:name` in the statement); `None` is SQL NULL.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub value: Option<String>,
}

impl Param {
    pub fn text(name: &str, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: Some(value.into()),
        }
    }
}

/// A statement's result: columns (name, Databricks `type_name`) and rows of text values.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<Option<String>>>,
    pub truncated: bool,
}

impl From<Rows> for crate::engine::text_query::TextRows {
    fn from(rows: Rows) -> Self {
        Self {
            columns: rows.columns.into_iter().map(|(name, _)| name).collect(),
            rows: rows.rows,
        }
    }
}

/// Runs statements on one SQL warehouse.
#[derive(Clone)]
pub struct Statements {
    pub client: DatabricksClient,
    pub warehouse: String,
}

impl Statements {
    fn site(&self) -> CallSite {
        CallSite {
            host: self.client.host.clone(),
            warehouse: Some(self.warehouse.clone()),
            job: None,
        }
    }

    /// Runs `sql` as the holder of `token`, waiting at most `limit`.
    pub async fn run(
        &self,
        token: &SecretToken,
        sql: &str,
        params: &[Param],
        limit: Duration,
    ) -> Result<Rows, AppError> {
        self.run_tracked(token, sql, params, limit, None).await
    }

    /// Cancels statement `id` (best effort: a statement that already ended stays as it is).
    pub async fn cancel(&self, token: &SecretToken, id: &str) {
        let path = format!("/api/2.0/sql/statements/{id}/cancel");
        if let Err(error) = self.client.call(Method::POST, &path, token, None).await {
            let error = error.to_app(Principal::User, "cancelling a statement", &self.site());
            tracing::warn!(statement_id = id, %error, "cancelling a statement failed");
        }
    }

    /// `run`, keeping the statement's id in `tracker` while it runs (so a canceled run can
    /// cancel it too).
    pub async fn run_tracked(
        &self,
        token: &SecretToken,
        sql: &str,
        params: &[Param],
        limit: Duration,
        tracker: Option<&std::sync::Mutex<Option<String>>>,
    ) -> Result<Rows, AppError> {
        let doing = format!("running SQL on warehouse {}", self.warehouse);
        let site = self.site();
        let started = Instant::now();
        let body = json!({
            "warehouse_id": self.warehouse,
            "statement": sql,
            "parameters": params.iter().map(|p| json!({"name": p.name, "value": p.value})).collect::<Vec<_>>(),
            "wait_timeout": "10s",
            "on_wait_timeout": "CONTINUE",
            "disposition": "INLINE",
            "format": "JSON_ARRAY",
        });
        let response = self
            .client
            .call(Method::POST, "/api/2.0/sql/statements", token, Some(&body))
            .await
            .map_err(|e| e.to_app(Principal::User, &doing, &site))?;
        let response =
            StatementResponse::parse(response).map_err(|e| AppError::internal(&doing, e))?;
        let id = response.statement_id.clone().unwrap_or_default();
        let track = |value: Option<String>| {
            if let Some(slot) = tracker {
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = value;
            }
        };
        track((!id.is_empty()).then(|| id.clone()));
        let outcome = self
            .poll(token, &id, response, started, limit, &doing)
            .await;
        track(None);
        outcome
    }

    async fn poll(
        &self,
        token: &SecretToken,
        id: &str,
        mut response: StatementResponse,
        started: Instant,
        limit: Duration,
        doing: &str,
    ) -> Result<Rows, AppError> {
        let site = self.site();
        let mut pause = Duration::from_millis(200);
        loop {
            let state = response.state().to_string();
            match state.as_str() {
                "SUCCEEDED" => return self.collect(token, id, response, doing).await,
                "FAILED" => {
                    let status = &response.status;
                    let message = status
                        .error
                        .as_ref()
                        .and_then(|e| e.message.as_deref())
                        .unwrap_or("the statement failed");
                    return Err(statement_error(status.sql_state.as_deref(), message, doing));
                }
                "CANCELED" | "CLOSED" => {
                    return Err(AppError::Unavailable(format!(
                        "the statement was {} on warehouse {}",
                        state.to_lowercase(),
                        self.warehouse
                    )));
                }
                _ => {}
            }
            if id.is_empty() {
                return Err(AppError::internal(
                    doing,
                    "the workspace returned no statement id",
                ));
            }
            if started.elapsed() >= limit {
                self.cancel(token, id).await;
                return Err(AppError::Unavailable(format!(
                    "the query did not finish within {} s on warehouse {} and was canceled; the warehouse may be starting — try again",
                    limit.as_secs(),
                    self.warehouse
                )));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
            let polled = self
                .client
                .call(
                    Method::GET,
                    &format!("/api/2.0/sql/statements/{id}"),
                    token,
                    None,
                )
                .await
                .map_err(|e| e.to_app(Principal::User, doing, &site))?;
            response =
                StatementResponse::parse(polled).map_err(|e| AppError::internal(doing, e))?;
        }
    }

    /// The rows of a succeeded statement: chunk 0 from the response, then every linked chunk.
    async fn collect(
        &self,
        token: &SecretToken,
        id: &str,
        response: StatementResponse,
        doing: &str,
    ) -> Result<Rows, AppError> {
        let columns = response.columns();
        let truncated = response.manifest.truncated;
        let first = response.result.unwrap_or_default();
        let mut rows = first.cells();
        let mut next = first.next_chunk_internal_link;
        let site = self.site();
        while let Some(link) = next {
            if !link.starts_with(&format!("/api/2.0/sql/statements/{id}/")) {
                return Err(AppError::internal(
                    doing,
                    "a result chunk link pointed elsewhere",
                ));
            }
            let chunk = self
                .client
                .call(Method::GET, &link, token, None)
                .await
                .map_err(|e| e.to_app(Principal::User, doing, &site))?;
            let chunk = ResultChunk::parse(chunk).map_err(|e| AppError::internal(doing, e))?;
            rows.extend(chunk.cells());
            next = chunk.next_chunk_internal_link;
        }
        Ok(Rows {
            columns,
            rows,
            truncated,
        })
    }
}
