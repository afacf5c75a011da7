//! The HTTP router: Leptos pages and server functions, `/healthz`, static files, and the layers
//! every request passes (request id, tracing, body limit).

use crate::app::{App, shell};
use crate::server::state::AppState;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderName;
use axum::routing::get;
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde_json::json;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Builds the app's router over `state`.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let request_id = HeaderName::from_static("x-request-id");
    let max_body = state.config.max_body_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(crate::server::telemetry::request_span),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(RequestBodyLimitLayer::new(max_body)),
        )
        .with_state(state)
}

/// `GET /healthz`: the mode and each backend's status, as JSON.
async fn healthz(State(state): State<AppState>) -> Json<serde_json::Value> {
    let workspace = state.workspace.health().await;
    let ok = workspace.status == "ok";
    Json(json!({
        "status": if ok { "ok" } else { "degraded" },
        "version": env!("CARGO_PKG_VERSION"),
        "mode": state.config.mode,
        "backends": { "workspace": workspace },
    }))
}
