//! No other site may make the app act: every server-function call (`POST /api/...`) must carry a
//! JSON body (415 otherwise — a `text/plain` or form post needs no CORS preflight, so a hostile page
//! could send one) and come from the app's own origin (403 otherwise), judged by the browser's
//! `Sec-Fetch-Site` and `Origin` headers, with extra origins allowed by `DQX_ALLOWED_ORIGINS` for a
//! proxy. Both are refused before any work. Clients that send neither header (scripts, curl) are
//! not browsers acting for someone else and pass.

use crate::model::error::{ApiError, ErrorKind};
use crate::server::caller::HEADER_REQUEST_ID;
use crate::server::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Why a request was refused before it reached a server function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotJson(String),
    OtherOrigin(String),
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The authority (`host[:port]`) of an origin such as `https://app.example:8443`.
fn authority(origin: &str) -> Option<&str> {
    let (_, rest) = origin.split_once("://")?;
    Some(rest.trim_end_matches('/'))
}

/// Whether `origin` is the app's own (the host the request was sent to, directly or through the
/// proxy) or one of `allowed`.
fn origin_allowed(origin: &str, headers: &HeaderMap, allowed: &[String]) -> bool {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    if allowed.contains(&origin) {
        return true;
    }
    let Some(from) = authority(&origin) else {
        return false;
    };
    ["x-forwarded-host", header::HOST.as_str()]
        .iter()
        .filter_map(|h| header_text(headers, h))
        .flat_map(|v| v.split(','))
        .any(|host| host.trim().eq_ignore_ascii_case(from))
}

/// Checks one server-function call's headers.
pub fn check(method: &Method, headers: &HeaderMap, allowed: &[String]) -> Result<(), Refusal> {
    if method != Method::POST {
        return Ok(());
    }
    let content_type = header_text(headers, header::CONTENT_TYPE.as_str()).unwrap_or_default();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" {
        return Err(Refusal::NotJson(format!(
            "server functions take a JSON body (content-type: application/json), not '{}'",
            if content_type.is_empty() {
                "no content type"
            } else {
                content_type
            }
        )));
    }
    let origin = header_text(headers, header::ORIGIN.as_str());
    let site = header_text(headers, "sec-fetch-site").map(str::to_ascii_lowercase);
    let from_elsewhere = match (site.as_deref(), origin) {
        // The browser says it is this page's own request, or the user's own action.
        (Some("same-origin") | Some("none"), _) => false,
        (Some(_), Some(o)) => !origin_allowed(o, headers, allowed),
        (Some(_), None) => true,
        (None, Some(o)) => !origin_allowed(o, headers, allowed),
        (None, None) => false,
    };
    if from_elsewhere {
        return Err(Refusal::OtherOrigin(format!(
            "requests from {} may not act in this app; open the app itself (or add the origin to DQX_ALLOWED_ORIGINS if a proxy serves it)",
            origin.unwrap_or("another site")
        )));
    }
    Ok(())
}

/// The middleware: refuses before any work, with the app's error shape.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/api/") {
        let refused = check(
            request.method(),
            request.headers(),
            &state.config.limits.allowed_origins,
        );
        if let Err(refusal) = refused {
            let request_id = header_text(request.headers(), HEADER_REQUEST_ID)
                .unwrap_or("unknown")
                .to_string();
            let (status, kind, message) = match refusal {
                Refusal::NotJson(m) => (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    ErrorKind::UnsupportedMediaType,
                    m,
                ),
                Refusal::OtherOrigin(m) => (StatusCode::FORBIDDEN, ErrorKind::PermissionDenied, m),
            };
            tracing::warn!(request_id, path = request.uri().path(), %message, "request refused before any work");
            let body = ApiError {
                kind,
                message,
                request_id: Some(request_id),
            };
            return (status, axum::Json(body)).into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_json_from_the_apps_own_origin() {
        let json = ("content-type", "application/json; charset=utf-8");
        let host = ("host", "127.0.0.1:3000");
        let ok =
            |pairs: &[(&'static str, &'static str)]| check(&Method::POST, &headers(pairs), &[]);
        assert!(ok(&[json, host]).is_ok(), "curl sends neither header");
        assert!(
            ok(&[
                json,
                host,
                ("origin", "http://127.0.0.1:3000"),
                ("sec-fetch-site", "same-origin")
            ])
            .is_ok()
        );
        assert!(matches!(
            ok(&[("content-type", "text/plain"), host]),
            Err(Refusal::NotJson(_))
        ));
        assert!(matches!(ok(&[host]), Err(Refusal::NotJson(_))));
        assert!(matches!(
            ok(&[
                json,
                host,
                ("origin", "http://evil.example"),
                ("sec-fetch-site", "cross-site")
            ]),
            Err(Refusal::OtherOrigin(_))
        ));
        assert!(matches!(
            ok(&[json, host, ("origin", "http://evil.example")]),
            Err(Refusal::OtherOrigin(_))
        ));
        assert!(matches!(
            ok(&[json, host, ("sec-fetch-site", "same-site")]),
            Err(Refusal::OtherOrigin(_))
        ));
        assert!(
            ok(&[
                json,
                ("host", "internal:8000"),
                ("x-forwarded-host", "dqx.example.com"),
                ("origin", "https://dqx.example.com")
            ])
            .is_ok()
        );
        let allowed = vec!["https://proxy.example".to_string()];
        assert!(
            check(
                &Method::POST,
                &headers(&[
                    json,
                    host,
                    ("origin", "https://proxy.example"),
                    ("sec-fetch-site", "cross-site")
                ]),
                &allowed
            )
            .is_ok()
        );
        assert!(check(&Method::GET, &headers(&[]), &[]).is_ok());
    }
}
