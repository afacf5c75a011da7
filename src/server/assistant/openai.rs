//! Any OpenAI-compatible chat-completions endpoint (`AI_BASE_URL`, `AI_MODEL`, optional
//! `AI_API_KEY`), e.g. a model server on the same machine: for local mode.

use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use serde_json::{Value, json};
use std::time::Duration;

/// The endpoint and model.
pub struct OpenAiCompatible {
    http: reqwest::Client,
    base_url: String,
    /// `base_url` without any `user:password@`, for messages and logs.
    shown_url: String,
    pub model: String,
    key: Option<SecretToken>,
    timeout: Duration,
}

impl OpenAiCompatible {
    pub fn new(
        base_url: &str,
        model: &str,
        key: Option<SecretToken>,
        timeout: Duration,
    ) -> Result<Self, AppError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| AppError::internal("building the model client", e))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            shown_url: redact_url(base_url.trim_end_matches('/')),
            model: model.to_string(),
            key,
            timeout,
        })
    }

    /// The model's answer to `prompt`.
    pub async fn complete(&self, prompt: &str) -> Result<String, AppError> {
        let url = format!("{}/chat/completions", self.base_url);
        let body = json!({"model": self.model, "temperature": 0, "messages": [{"role": "user", "content": prompt}]});
        let mut request = self.http.post(&url).json(&body);
        if let Some(key) = &self.key {
            request = request.bearer_auth(key.expose());
        }
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                AppError::Unavailable(format!(
                    "the model at {} did not answer within {} s",
                    self.shown_url,
                    self.timeout.as_secs()
                ))
            } else {
                AppError::Unavailable(format!(
                    "cannot reach the model at {} ({})",
                    self.shown_url,
                    e.without_url()
                ))
            }
        })?;
        let status = response.status();
        let text = response.text().await.map_err(|e| {
            AppError::Unavailable(format!("reading the model's answer: {}", e.without_url()))
        })?;
        if !status.is_success() {
            // The body stays in the server log: some servers echo the request, key included.
            let logged: String = text.chars().take(500).collect();
            let logged = match &self.key {
                Some(key) if !key.expose().is_empty() => logged.replace(key.expose(), "***"),
                _ => logged,
            };
            tracing::warn!(status = status.as_u16(), body = %logged, "the model refused a request");
            return Err(match status.as_u16() {
                401 | 403 => AppError::PermissionDenied(format!(
                    "the model at {} refused the request (HTTP {status}); check AI_API_KEY",
                    self.shown_url
                )),
                404 => AppError::NotFound(format!(
                    "the model endpoint or model {} was not found at {} (HTTP 404); check AI_BASE_URL and AI_MODEL",
                    self.model, self.shown_url
                )),
                _ => AppError::Unavailable(format!(
                    "the model at {} failed (HTTP {status}); the server log has its answer",
                    self.shown_url
                )),
            });
        }
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| AppError::Unavailable(format!("the model's answer was not JSON: {e}")))?;
        v.pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                AppError::Unavailable("the model's answer had no message content".into())
            })
    }
}

/// `url` with any `user:password@` replaced by `***@`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_url_are_never_shown() {
        assert_eq!(
            redact_url("https://u:secret@models.example/v1"),
            "https://***@models.example/v1"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:8080/v1"),
            "http://127.0.0.1:8080/v1"
        );
    }

    #[tokio::test]
    async fn an_echoed_key_in_an_error_body_does_not_reach_the_user() {
        use axum::routing::post;
        let app = axum::Router::new().route(
            "/v1/chat/completions",
            post(|headers: axum::http::HeaderMap| async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                (
                    axum::http::StatusCode::BAD_REQUEST,
                    format!("{{\"error\": {{\"message\": \"bad request with {auth}\"}}}}"),
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        let model = OpenAiCompatible::new(
            &format!("http://user:pw@{addr}/v1"),
            "m",
            Some(SecretToken::new("sk-very-secret")),
            Duration::from_secs(5),
        )
        .unwrap();
        let error = model.complete("hi").await.unwrap_err().user_message();
        assert!(!error.contains("sk-very-secret"), "{error}");
        assert!(!error.contains("pw@"), "{error}");
    }
}
