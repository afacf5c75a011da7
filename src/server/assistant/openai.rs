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
                    self.base_url,
                    self.timeout.as_secs()
                ))
            } else {
                AppError::Unavailable(format!(
                    "cannot reach the model at {} ({})",
                    self.base_url,
                    e.without_url()
                ))
            }
        })?;
        let status = response.status();
        let text = response.text().await.map_err(|e| {
            AppError::Unavailable(format!("reading the model's answer: {}", e.without_url()))
        })?;
        if !status.is_success() {
            let message: String = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| {
                    v.pointer("/error/message")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| text.chars().take(200).collect());
            return Err(match status.as_u16() {
                401 | 403 => AppError::PermissionDenied(format!(
                    "the model at {} refused the request: {message}; check AI_API_KEY",
                    self.base_url
                )),
                404 => AppError::NotFound(format!(
                    "the model endpoint or model {} was not found at {}: {message}",
                    self.model, self.base_url
                )),
                _ => AppError::Unavailable(format!(
                    "the model at {} failed (HTTP {status}): {message}",
                    self.base_url
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
