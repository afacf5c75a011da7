//! The small helper every server function starts with: the app state, the resolved caller and
//! the request id; and the one place errors become responses (logged, status set, no details).

use crate::model::error::{ApiError, ErrorKind};
use crate::server::caller::{Caller, ForwardedHeaders, HEADER_REQUEST_ID};
use crate::server::error::AppError;
use crate::server::state::AppState;
use axum::http::HeaderMap;
use leptos::prelude::use_context;

/// What a server function needs to act for its caller.
pub struct RequestContext {
    pub state: AppState,
    pub caller: Caller,
}

impl RequestContext {
    /// Resolves the caller of the current request, or refuses it (401) under the mode's policy.
    pub async fn resolve() -> Result<Self, ApiError> {
        let headers: HeaderMap = leptos_axum::extract().await.map_err(|e| {
            reject(
                &AppError::internal("reading the request headers", e),
                "unknown",
            )
        })?;
        let request_id = headers
            .get(HEADER_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("unknown")
            .to_string();
        let state = use_context::<AppState>().ok_or_else(|| {
            reject(
                &AppError::internal("loading the app state", "AppState missing from context"),
                &request_id,
            )
        })?;
        let mut caller = ForwardedHeaders::from_headers(&headers)
            .and_then(|forwarded| state.identity.resolve(&forwarded, &request_id))
            .map_err(|e| reject(&e, &request_id))?;
        // No e-mail forwarded: ask the workspace who the token belongs to (SCIM Me, as the user).
        if caller.email.is_empty() {
            let (Some(client), Some(token)) = (&state.databricks, &caller.token) else {
                return Err(reject(
                    &AppError::Unauthorized("the request did not say who you are".into()),
                    &request_id,
                ));
            };
            let info = state
                .identities
                .me(client, token)
                .await
                .map_err(|e| reject(&e, &request_id))?;
            caller.email = info.email;
            caller.display_name = caller.display_name.or(info.display_name);
        }
        Ok(Self { state, caller })
    }

    /// Resolves the caller and proves, as the caller, that they may read `table` (its canonical
    /// name is returned); a bad name is a 400, an unreadable table the workspace's refusal.
    pub async fn for_table(
        table: &str,
    ) -> Result<(Self, crate::model::table_name::TableName), ApiError> {
        let ctx = Self::resolve().await?;
        let name = crate::model::table_name::TableName::parse(table)
            .map_err(|e| ctx.bad_request(e.to_string()))?;
        let probed = ctx.state.workspace.probe_read(&ctx.caller, &name).await;
        ctx.respond(probed)?;
        ctx.prove_reader(&name).await?;
        Ok((ctx, name))
    }

    /// [`Self::for_table`] when a table is named, else [`Self::resolve`] (for lists that cover
    /// one table or every table the caller may read).
    pub async fn for_optional_table(
        table: Option<String>,
    ) -> Result<(Self, Option<crate::model::table_name::TableName>), ApiError> {
        match table {
            Some(t) => {
                let (ctx, name) = Self::for_table(&t).await?;
                Ok((ctx, Some(name)))
            }
            None => Ok((Self::resolve().await?, None)),
        }
    }

    /// Tells the rule store the caller was just proven to read `table` (in Lakebase user mode
    /// their connection shows a table's rows only then).
    async fn prove_reader(
        &self,
        table: &crate::model::table_name::TableName,
    ) -> Result<(), ApiError> {
        let proven = self
            .state
            .store
            .prove_reader(&self.caller, &table.to_string())
            .await;
        self.respond(proven)
    }

    /// Resolves the caller and reads, as the caller, the columns of `table` (to check rules
    /// against); a bad name is a 400, an unreadable table the workspace's refusal.
    pub async fn for_table_columns(
        table: &str,
    ) -> Result<(Self, crate::model::table_name::TableName, Vec<String>), ApiError> {
        let ctx = Self::resolve().await?;
        let name = crate::model::table_name::TableName::parse(table)
            .map_err(|e| ctx.bad_request(e.to_string()))?;
        let columns = ctx.table_columns(&name).await?;
        ctx.prove_reader(&name).await?;
        Ok((ctx, name, columns))
    }

    /// The names of `table`'s columns, read as the caller.
    pub async fn table_columns(
        &self,
        table: &crate::model::table_name::TableName,
    ) -> Result<Vec<String>, ApiError> {
        let described = self
            .state
            .workspace
            .describe_table(&self.caller, table)
            .await;
        let description = self.respond(described)?;
        Ok(description.columns.into_iter().map(|c| c.name).collect())
    }

    /// Maps a backend result to the server function's result.
    pub fn respond<T>(&self, result: Result<T, AppError>) -> Result<T, ApiError> {
        result.map_err(|e| reject(&e, &self.caller.request_id))
    }

    /// A request's rule list, within the configured bounds (rules per set, dataset-level rules
    /// per pass). The list is typed in the server function, so anything but a list is already a
    /// 400 from the request's decoding.
    pub fn rules_in(
        &self,
        rules: Vec<serde_json::Value>,
    ) -> Result<Vec<serde_json::Value>, ApiError> {
        self.respond(self.state.config.limits.check_rules(&rules))?;
        Ok(rules)
    }

    /// A version's prompt and notes, within their bounds.
    pub fn notes_in(
        &self,
        user_prompt: Option<&str>,
        ai_summary: &Option<serde_json::Value>,
        metadata: &Option<serde_json::Value>,
    ) -> Result<(), ApiError> {
        use crate::server::limits::{check_note, check_prompt};
        self.respond(check_prompt(user_prompt))?;
        self.respond(check_note("ai_summary", ai_summary.as_ref()))?;
        self.respond(check_note("metadata", metadata.as_ref()))
    }

    /// Rule-set text (JSON or YAML) parsed within the bounds on its size and on the rules it
    /// holds.
    pub fn rules_from_text(
        &self,
        text: &str,
        format: crate::model::rules::RulesFormat,
    ) -> Result<serde_json::Value, ApiError> {
        self.respond(self.state.config.limits.check_text(text))?;
        let value =
            crate::model::rules::parse_rules_text(text, format).map_err(|e| self.bad_request(e))?;
        if let serde_json::Value::Array(items) = &value {
            self.respond(self.state.config.limits.check_rules(items))?;
        }
        Ok(value)
    }

    /// A bad-input error for this request.
    pub fn bad_request(&self, message: impl Into<String>) -> ApiError {
        reject(
            &AppError::BadRequest(message.into()),
            &self.caller.request_id,
        )
    }
}

/// Logs an error with its details, sets the response status, and returns what the user sees.
pub fn reject(err: &AppError, request_id: &str) -> ApiError {
    let api = err.to_api(request_id);
    match api.kind {
        ErrorKind::Internal | ErrorKind::Unavailable => {
            tracing::error!(request_id, error = %err, "request failed")
        }
        _ => tracing::warn!(request_id, error = %err, "request refused"),
    }
    set_response_status(api.kind);
    api
}

pub use crate::model::error::set_response_status;
