//! The one error type server functions return: a kind (mapped to an HTTP status), a message
//! written for users, and the request id for support. Details stay in the server log.

use leptos::server_fn::ServerFnError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What went wrong, in terms of what the user can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input was malformed or out of range.
    BadRequest,
    /// No acceptable identity came with the request.
    Unauthorized,
    /// The caller is known but may not do this.
    PermissionDenied,
    /// The named thing does not exist (or is not visible to the caller).
    NotFound,
    /// The request conflicts with the current state.
    Conflict,
    /// The body is not JSON (server functions take `application/json` only).
    UnsupportedMediaType,
    /// The caller has reached a bound (runs at once); the message says when to retry.
    TooManyRequests,
    /// A backend could not be reached or is not configured.
    Unavailable,
    /// A fault on our side; details are in the log under the request id.
    Internal,
}

impl ErrorKind {
    /// The HTTP status code for this kind.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::PermissionDenied => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::UnsupportedMediaType => 415,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::Unavailable => 503,
            ErrorKind::Internal => 500,
        }
    }

    /// A short heading for the UI.
    pub fn title(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "Invalid input",
            ErrorKind::Unauthorized => "Not signed in",
            ErrorKind::PermissionDenied => "Permission denied",
            ErrorKind::NotFound => "Not found",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::UnsupportedMediaType => "Not JSON",
            ErrorKind::TooManyRequests => "Too many requests",
            ErrorKind::Unavailable => "Service unavailable",
            ErrorKind::Internal => "Something went wrong",
        }
    }
}

/// An error as the browser (or a script calling `/api/...`) receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            request_id: None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.title(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // On the server, a payload that does not decode is the caller's mistake (400); in the
        // browser, a response that does not decode is ours.
        let undecodable = if cfg!(feature = "ssr") {
            ErrorKind::BadRequest
        } else {
            ErrorKind::Internal
        };
        let kind = match &value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => ErrorKind::BadRequest,
            ServerFnErrorErr::Deserialization(_) => undecodable,
            ServerFnErrorErr::Request(_) => ErrorKind::Unavailable,
            _ => ErrorKind::Internal,
        };
        let message = match &value {
            ServerFnErrorErr::Request(_) => {
                "the server could not be reached; check your connection and try again".to_string()
            }
            ServerFnErrorErr::Args(detail) | ServerFnErrorErr::Deserialization(detail)
                if kind == ErrorKind::BadRequest =>
            {
                format!("the request body is not valid: {detail}")
            }
            other => other.to_string(),
        };
        #[cfg(feature = "ssr")]
        set_response_status(kind);
        ApiError::new(kind, message)
    }
}

/// Sets the HTTP status of the current server-function response (no-op outside a request).
#[cfg(feature = "ssr")]
pub fn set_response_status(kind: ErrorKind) {
    use axum::http::StatusCode;
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            StatusCode::from_u16(kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
}

impl From<ServerFnError> for ApiError {
    fn from(value: ServerFnError) -> Self {
        ApiError::new(ErrorKind::Internal, value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_statuses() {
        assert_eq!(ErrorKind::Unauthorized.status(), 401);
        assert_eq!(ErrorKind::PermissionDenied.status(), 403);
        assert_eq!(ErrorKind::NotFound.status(), 404);
    }

    #[test]
    fn bad_arguments_are_bad_requests() {
        let err =
            ApiError::from_server_fn_error(ServerFnErrorErr::Args("missing field `table`".into()));
        assert_eq!(err.kind, ErrorKind::BadRequest);
        assert!(err.message.contains("table"));
    }

    #[test]
    fn serializes_as_plain_json() {
        let err = ApiError::new(ErrorKind::NotFound, "table main.x.y does not exist");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["kind"], "not_found");
        assert_eq!(json["message"], "table main.x.y does not exist");
    }
}
