//! No other site may make the app act. Every request must name a host the app answers to (the
//! loopback names on a developer's machine; in Apps the host of `DATABRICKS_APP_URL`, plus
//! `DQX_ALLOWED_HOSTS` and `DQX_ALLOWED_ORIGINS` — so a rebound DNS name cannot reach it); every
//! server-function call (`POST /api/...`) must carry a JSON body (415 otherwise — a `text/plain`
//! or form post needs no CORS preflight, so a hostile page could send one) and come from the app's
//! own origin (403 otherwise): an `Origin` header, whenever present, must be the app's or one of
//! `DQX_ALLOWED_ORIGINS`, and without one the browser's `Sec-Fetch-Site` must not say another
//! site. All are refused before any work. Clients that send neither header (scripts, curl) are
//! not browsers acting for someone else and pass. Every response forbids framing (no
//! clickjacking of Approve).

use crate::model::error::{ApiError, ErrorKind};
use crate::model::session::Mode;
use crate::server::caller::HEADER_REQUEST_ID;
use crate::server::limits::host_of_authority;
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
    OtherHost(String),
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
    let from_elsewhere = match (origin, site.as_deref()) {
        // An Origin is judged whatever Sec-Fetch-Site says.
        (Some(o), _) => !origin_allowed(o, headers, allowed),
        // The browser says it is this page's own request, or the user's own action.
        (None, Some("same-origin") | Some("none")) => false,
        (None, Some(_)) => true,
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

/// Whether `host` (no port) is a loopback name.
fn loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks the hosts a request names. On a developer's machine (local and workspace-dev modes)
/// `Host` and any `X-Forwarded-Host` must be loopback names or allowed; in Apps, where the
/// platform's proxy sets `Host`, the `X-Forwarded-Host` it forwards must be allowed (when the app
/// knows its own URL or allowed hosts at all). A request without a host is no browser's.
pub fn check_host(mode: Mode, headers: &HeaderMap, allowed: &[String]) -> Result<(), Refusal> {
    let mut named: Vec<&str> = header_text(headers, "x-forwarded-host")
        .map(|v| v.split(',').collect())
        .unwrap_or_default();
    match mode {
        Mode::DatabricksApp if allowed.is_empty() => return Ok(()),
        Mode::DatabricksApp => {}
        Mode::Local | Mode::WorkspaceDev => {
            named.extend(header_text(headers, header::HOST.as_str()));
        }
    }
    for authority in named {
        let host = host_of_authority(authority).unwrap_or_default();
        let fine = allowed.contains(&host) || (mode != Mode::DatabricksApp && loopback(&host));
        if !fine {
            return Err(Refusal::OtherHost(format!(
                "this app does not answer to the host '{}'; open it at its own address, or add the name to DQX_ALLOWED_HOSTS",
                authority.trim()
            )));
        }
    }
    Ok(())
}

/// Headers every response carries: no page of the app may be framed by another.
fn forbid_framing(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("frame-ancestors 'none'"),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
}

/// The middleware: refuses before any work, with the app's error shape.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limits = &state.config.limits;
    let mut refused = check_host(state.config.mode, request.headers(), &limits.allowed_hosts);
    if refused.is_ok() && request.uri().path().starts_with("/api/") {
        refused = check(request.method(), request.headers(), &limits.allowed_origins);
    }
    let mut response = match refused {
        Ok(()) => next.run(request).await,
        Err(refusal) => refuse(&request, refusal),
    };
    forbid_framing(&mut response);
    response
}

/// The app's error shape for a refused request.
fn refuse(request: &Request, refusal: Refusal) -> Response {
    let request_id = header_text(request.headers(), HEADER_REQUEST_ID)
        .unwrap_or("unknown")
        .to_string();
    let (status, kind, message) = match refusal {
        Refusal::NotJson(m) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::UnsupportedMediaType,
            m,
        ),
        Refusal::OtherOrigin(m) | Refusal::OtherHost(m) => {
            (StatusCode::FORBIDDEN, ErrorKind::PermissionDenied, m)
        }
    };
    tracing::warn!(request_id, path = request.uri().path(), %message, "request refused before any work");
    let body = ApiError {
        kind,
        message,
        request_id: Some(request_id),
    };
    (status, axum::Json(body)).into_response()
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

    #[test]
    fn an_origin_is_judged_even_when_the_fetch_says_none() {
        let pairs = [
            ("content-type", "application/json"),
            ("host", "127.0.0.1:3000"),
            ("origin", "http://evil.example"),
            ("sec-fetch-site", "none"),
        ];
        assert!(matches!(
            check(&Method::POST, &headers(&pairs), &[]),
            Err(Refusal::OtherOrigin(_))
        ));
    }

    #[test]
    fn only_the_apps_own_hosts_are_answered() {
        let local =
            |pairs: &[(&'static str, &'static str)]| check_host(Mode::Local, &headers(pairs), &[]);
        for fine in [
            "127.0.0.1:3000",
            "localhost:3000",
            "[::1]:3000",
            "localhost",
        ] {
            assert!(local(&[("host", fine)]).is_ok(), "{fine}");
        }
        assert!(local(&[]).is_ok(), "no host: no browser");
        assert!(matches!(
            local(&[("host", "evil.example:3000")]),
            Err(Refusal::OtherHost(_))
        ));
        assert!(matches!(
            local(&[
                ("host", "127.0.0.1:3000"),
                ("x-forwarded-host", "evil.example")
            ]),
            Err(Refusal::OtherHost(_))
        ));
        let lan = vec!["box.lan".to_string()];
        assert!(check_host(Mode::Local, &headers(&[("host", "box.lan:3000")]), &lan).is_ok());
        let app = vec!["dqx-1.aws.databricksapps.com".to_string()];
        let apps = |pairs: &[(&'static str, &'static str)], allowed: &[String]| {
            check_host(Mode::DatabricksApp, &headers(pairs), allowed)
        };
        assert!(
            apps(
                &[
                    ("host", "10.0.0.5:8000"),
                    ("x-forwarded-host", "dqx-1.aws.databricksapps.com")
                ],
                &app
            )
            .is_ok()
        );
        assert!(matches!(
            apps(&[("x-forwarded-host", "evil.example")], &app),
            Err(Refusal::OtherHost(_))
        ));
        assert!(matches!(
            apps(&[("x-forwarded-host", "localhost")], &app),
            Err(Refusal::OtherHost(_))
        ));
        assert!(apps(&[("x-forwarded-host", "anything.example")], &[]).is_ok());
    }
}
