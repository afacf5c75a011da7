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
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::server::request_guard::guard,
        ))
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

/// `GET /healthz`: `ok` or `degraded` for anyone (a load balancer, the platform); the mode and
/// each backend's details (hosts, warehouse, paths) only for a caller who signs in with a token.
async fn healthz(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Json<serde_json::Value> {
    let workspace = state.workspace.health().await;
    let ok = workspace.status == "ok";
    let mut body = json!({
        "status": if ok { "ok" } else { "degraded" },
        "version": env!("CARGO_PKG_VERSION"),
    });
    let signed_in = crate::server::caller::ForwardedHeaders::from_headers(&headers)
        .ok()
        .filter(|f| f.token.is_some())
        .and_then(|f| state.identity.resolve(&f, "healthz").ok())
        .is_some();
    if signed_in {
        body["mode"] = json!(state.config.mode);
        body["backends"] = json!({ "workspace": workspace });
    }
    Json(body)
}
