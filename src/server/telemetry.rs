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
