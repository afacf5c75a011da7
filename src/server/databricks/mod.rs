//! The Databricks REST client: one HTTP client, and every call made with an explicit token (the
//! user's or the service principal's — never an ambient one). Calls are retried on 429 and 503
//! (honouring `Retry-After`, else backoff with jitter) and on connection failures, within a total
//! retry budget and a per-call timeout. Errors never include a token.

pub mod auth;
pub mod error;
pub mod job_settings;
pub mod job_wire;
pub mod jobs;
pub mod scim;
pub mod statement_wire;
pub mod statements;
pub mod uc_wire;
pub mod unity;

use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use error::{ApiFailure, CallSite, Principal, to_app_error};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::{Duration, Instant};

/// How calls are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Total time spent waiting between attempts, at most.
    pub budget: Duration,
    /// One attempt's time limit.
    pub call_timeout: Duration,
    /// The wait when `Retry-After` is absent grows with attempts up to this.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            budget: Duration::from_secs(120),
            call_timeout: Duration::from_secs(60),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// A failed call: the HTTP failure (for callers that look at it) or a transport error.
#[derive(Debug)]
pub enum CallError {
    Api(ApiFailure),
    Transport(String),
}

impl CallError {
    /// The user-facing error for a call by `who` while `doing`.
    pub fn to_app(&self, who: Principal, doing: &str, site: &CallSite) -> AppError {
        match self {
            CallError::Api(failure) => to_app_error(failure, who, doing, site),
            CallError::Transport(detail) => {
                tracing::warn!(host = %site.host, %detail, "Databricks unreachable");
                AppError::Unavailable(format!(
                    "cannot reach the Databricks workspace at {} while {doing}; check DATABRICKS_HOST and the network",
                    site.host
                ))
            }
        }
    }
}

/// The client for one workspace.
#[derive(Clone)]
pub struct DatabricksClient {
    http: reqwest::Client,
    pub host: String,
    pub retry: RetryPolicy,
}

fn jitter(max_ms: u64) -> Duration {
    // Not for security: spreads retries of concurrent callers.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    Duration::from_millis(nanos % max_ms.max(1))
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

impl DatabricksClient {
    pub fn new(host: &str, retry: RetryPolicy) -> Result<Self, AppError> {
        let http = reqwest::Client::builder()
            .timeout(retry.call_timeout)
            .user_agent(concat!("dqx-manager/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AppError::internal("building the HTTP client", e))?;
        Ok(Self {
            http,
            host: host.trim_end_matches('/').to_string(),
            retry,
        })
    }

    pub fn site(&self) -> CallSite {
        CallSite {
            host: self.host.clone(),
            ..Default::default()
        }
    }

    /// Sends one request with retries; returns the JSON body (or `{}` when empty).
    pub async fn call(
        &self,
        method: Method,
        path_and_query: &str,
        token: &SecretToken,
        body: Option<&Value>,
    ) -> Result<Value, CallError> {
        self.send(method, path_and_query, token, |r| match body {
            Some(b) => r.json(b),
            None => r,
        })
        .await
    }

    /// Sends a form-encoded request with basic auth (the OAuth token endpoint).
    pub async fn call_form(
        &self,
        path: &str,
        user: &str,
        password: &SecretToken,
        form: &[(&str, &str)],
    ) -> Result<Value, CallError> {
        let url = format!("{}{path}", self.host);
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let sent = self
                .http
                .post(&url)
                .basic_auth(user, Some(password.expose()))
                .form(form)
                .send()
                .await;
            match self.outcome(sent).await {
                Ok(v) => return Ok(v),
                Err((e, wait)) => match self.next_wait(&e, wait, attempt, started) {
                    Some(w) => tokio::time::sleep(w).await,
                    None => return Err(e),
                },
            }
        }
    }

    /// Sends raw bytes (or nothing) and returns the raw answer, with the same retries as `call`
    /// (the Files API: uploads and downloads of rule files).
    pub async fn call_bytes(
        &self,
        method: Method,
        path_and_query: &str,
        token: &SecretToken,
        body: Option<&[u8]>,
    ) -> Result<String, CallError> {
        let url = format!("{}{path_and_query}", self.host);
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(token.expose());
            if let Some(bytes) = body {
                request = request
                    .header("content-type", "application/octet-stream")
                    .body(bytes.to_vec());
            }
            match self.outcome_text(request.send().await).await {
                Ok(text) => return Ok(text),
                Err((e, wait)) => match self.next_wait(&e, wait, attempt, started) {
                    Some(w) => tokio::time::sleep(w).await,
                    None => return Err(e),
                },
            }
        }
    }

    /// The answer's text on success, or the error with the server's `Retry-After`.
    async fn outcome_text(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<String, (CallError, Option<Duration>)> {
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Err((CallError::Transport(e.without_url().to_string()), None)),
        };
        let status = response.status();
        let wait = retry_after(response.headers());
        let text = response
            .text()
            .await
            .map_err(|e| (CallError::Transport(e.without_url().to_string()), None))?;
        if status.is_success() {
            return Ok(text);
        }
        Err((
            CallError::Api(ApiFailure::parse(status.as_u16(), &text)),
            wait,
        ))
    }

    async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        token: &SecretToken,
        build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<Value, CallError> {
        let url = format!("{}{path_and_query}", self.host);
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let request = build(
                self.http
                    .request(method.clone(), &url)
                    .bearer_auth(token.expose()),
            );
            let sent = request.send().await;
            match self.outcome(sent).await {
                Ok(v) => return Ok(v),
                Err((e, wait)) => match self.next_wait(&e, wait, attempt, started) {
                    Some(w) => {
                        tracing::debug!(
                            path = path_and_query,
                            attempt,
                            wait_ms = w.as_millis() as u64,
                            "retrying a Databricks call"
                        );
                        tokio::time::sleep(w).await
                    }
                    None => return Err(e),
                },
            }
        }
    }

    /// The body as JSON (`{}` when empty), or the error with the server's `Retry-After`.
    async fn outcome(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<Value, (CallError, Option<Duration>)> {
        let text = self.outcome_text(sent).await?;
        if text.trim().is_empty() {
            return Ok(Value::Object(Default::default()));
        }
        serde_json::from_str(&text).map_err(|e| {
            (
                CallError::Transport(format!("the workspace answered with unreadable JSON: {e}")),
                None,
            )
        })
    }

    /// How long to wait before another attempt, or `None` to give up.
    fn next_wait(
        &self,
        error: &CallError,
        retry_after: Option<Duration>,
        attempt: u32,
        started: Instant,
    ) -> Option<Duration> {
        let retryable = match error {
            CallError::Transport(_) => true,
            CallError::Api(f) => {
                f.status == StatusCode::TOO_MANY_REQUESTS.as_u16()
                    || f.status == StatusCode::SERVICE_UNAVAILABLE.as_u16()
            }
        };
        if !retryable {
            return None;
        }
        let wait = match retry_after {
            Some(w) => w + jitter(250),
            None => {
                let backoff = Duration::from_millis(250 * 2u64.saturating_pow(attempt.min(8)));
                backoff.min(self.retry.max_backoff) + jitter(250)
            }
        };
        (started.elapsed() + wait <= self.retry.budget).then_some(wait)
    }
}

/// The user's token for a call, or 401 (never a fallback to another identity).
pub fn user_token(caller: &crate::server::caller::Caller) -> Result<&SecretToken, AppError> {
    caller.token.as_ref().ok_or_else(|| {
        AppError::Unauthorized(
            "no user token: the request did not carry one, so nothing is read on your behalf"
                .into(),
        )
    })
}
