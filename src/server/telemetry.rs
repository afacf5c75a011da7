//! Logging with `tracing`: an `EnvFilter` (`RUST_LOG`), and one span per request carrying the
//! request id and path. Headers are never logged (they carry tokens).

use axum::http::Request;
use tracing::Span;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: `RUST_LOG` if set, else info for us and warnings for the rest.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,dqx_manager=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// The span for one HTTP request: method, path (no query string) and request id.
pub fn request_span<B>(request: &Request<B>) -> Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    )
}

/// Longest text a log field carries from a request (a table name, a run id); longer input is cut.
pub const FIELD_MAX_CHARS: usize = 200;

/// `text` as a log field: at most [`FIELD_MAX_CHARS`] characters, so a hostile input cannot
/// flood the log.
pub fn field(text: &str) -> &str {
    match text.char_indices().nth(FIELD_MAX_CHARS) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_cut_at_a_character_boundary() {
        assert_eq!(field("main.sales.orders"), "main.sales.orders");
        let long = "é".repeat(FIELD_MAX_CHARS + 5);
        assert_eq!(field(&long).chars().count(), FIELD_MAX_CHARS);
    }
}
