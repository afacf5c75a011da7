//! The server's error type: each variant is a kind of failure the user can act on; internal
//! details go to the log under the request id and never into the response.

use crate::model::error::{ApiError, ErrorKind};
use std::fmt::Display;

/// A failure inside the server. The `String`s of the client-facing variants are written for users.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unavailable(String),
    /// A per-user bound was reached; the text says which and when to retry.
    #[error("{0}")]
    TooManyRequests(String),
    /// `context` says what we were doing (shown to the user); `detail` only goes to the log.
    #[error("{context}: {detail}")]
    Internal { context: String, detail: String },
}

impl AppError {
    /// An internal failure while doing `context`; `err` is logged, not shown.
    pub fn internal(context: impl Into<String>, err: impl Display) -> Self {
        AppError::Internal {
            context: context.into(),
            detail: err.to_string(),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            AppError::BadRequest(_) => ErrorKind::BadRequest,
            AppError::Unauthorized(_) => ErrorKind::Unauthorized,
            AppError::PermissionDenied(_) => ErrorKind::PermissionDenied,
            AppError::NotFound(_) => ErrorKind::NotFound,
            AppError::Conflict(_) => ErrorKind::Conflict,
            AppError::Unavailable(_) => ErrorKind::Unavailable,
            AppError::TooManyRequests(_) => ErrorKind::TooManyRequests,
            AppError::Internal { .. } => ErrorKind::Internal,
        }
    }

    /// The text the user sees.
    pub fn user_message(&self) -> String {
        match self {
            AppError::Internal { context, .. } => {
                format!("{context} failed on the server; the details are in the server log")
            }
            other => other.to_string(),
        }
    }

    /// The error as returned to the browser, tagged with the request id.
    pub fn to_api(&self, request_id: &str) -> ApiError {
        ApiError {
            kind: self.kind(),
            message: self.user_message(),
            request_id: Some(request_id.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_stay_out_of_the_user_message() {
        let err = AppError::internal(
            "reading the sample",
            "parquet footer corrupt at /srv/data/x",
        );
        let api = err.to_api("req-1");
        assert_eq!(api.kind, ErrorKind::Internal);
        assert!(api.message.contains("reading the sample"));
        assert!(!api.message.contains("/srv/data"));
        assert_eq!(api.request_id.as_deref(), Some("req-1"));
    }

    #[test]
    fn client_errors_keep_their_message() {
        let err = AppError::PermissionDenied("you don't have SELECT on main.hr.employees".into());
        assert_eq!(
            err.to_api("r").message,
            "you don't have SELECT on main.hr.employees"
        );
        assert_eq!(err.kind().status(), 403);
    }
}
