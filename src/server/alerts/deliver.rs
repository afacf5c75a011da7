//! Delivering an alert: DQX's message (`StandardMessageBuilder`) rendered as each destination
//! type renders it (the canonical JSON for a webhook, Slack blocks, a Teams card), posted to the
//! address the guard checked, at least once: failures that may pass (network errors, 429, 5xx)
//! are retried with doubling backoff; each attempt is logged with its outcome and reason, and
//! never with the URL.

use super::guard;
use crate::model::alerts::{DeliveryOutcome, DestinationKind};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct Sender {
    /// `DQX_WEBHOOK_ALLOW_LOOPBACK`: loopback destinations (and http to them) are allowed.
    pub allow_loopback: bool,
    /// Attempts per destination (the first and the retries).
    pub attempts: u32,
    /// Wait before the first retry; doubled before each next one.
    pub backoff: Duration,
    /// Longest wait for one answer.
    pub timeout: Duration,
}

impl Default for Sender {
    fn default() -> Self {
        Self {
            allow_loopback: false,
            attempts: 4,
            backoff: Duration::from_secs(2),
            timeout: Duration::from_secs(10),
        }
    }
}

/// What an alert says (DQX's `AlertMessage`).
#[derive(Debug, Clone)]
pub struct Message {
    pub action_name: String,
    pub condition: String,
    pub table: String,
    pub run_id: String,
    pub run_time: DateTime<Utc>,
    pub severity: String,
    pub metrics: BTreeMap<String, Value>,
}

impl Message {
    fn title(&self) -> String {
        format!("DQX alert: {}", self.action_name)
    }

    fn summary(&self) -> String {
        format!(
            "Action '{}' triggered on table '{}'. Condition: {}.",
            self.action_name, self.table, self.condition
        )
    }

    /// Python's `str()` of a value, as DQX's fields hold them.
    fn text(value: &Value) -> String {
        match value {
            Value::String(s) => s.clone(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            other => other.to_string(),
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = self
            .metrics
            .iter()
            .map(|(k, v)| (format!("metric.{k}"), Self::text(v)))
            .collect();
        fields.push(("condition".into(), self.condition.clone()));
        fields.push(("run_id".into(), self.run_id.clone()));
        fields.push((
            "run_time".into(),
            self.run_time.format("%Y-%m-%d %H:%M:%S%:z").to_string(),
        ));
        fields.push(("table".into(), self.table.clone()));
        fields
    }

    /// The body a destination of `kind` receives.
    pub fn payload(&self, kind: DestinationKind) -> Value {
        match kind {
            DestinationKind::Webhook => json!({
                "title": self.title(),
                "summary": self.summary(),
                "condition": self.condition,
                "table": self.table,
                "run_id": self.run_id,
                "run_time": self.run_time.to_rfc3339(),
                "severity": self.severity,
                "observed_metrics": self.metrics,
                "fields": self.fields().into_iter().map(|(k, v)| (k, Value::String(v)))
                    .collect::<serde_json::Map<String, Value>>(),
            }),
            DestinationKind::Slack => {
                let metrics: Vec<String> = self
                    .metrics
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", Self::text(v)))
                    .collect();
                json!({"blocks": [
                    {"type": "header", "text": {"type": "plain_text", "text": self.title(), "emoji": true}},
                    {"type": "section", "text": {"type": "mrkdwn", "text": self.summary()}},
                    {"type": "section", "fields": [
                        {"type": "mrkdwn", "text": format!("*Condition:*\n{}", self.condition)},
                        {"type": "mrkdwn", "text": format!("*Table:*\n{}", self.table)},
                        {"type": "mrkdwn", "text": format!("*Run ID:*\n{}", self.run_id)},
                        {"type": "mrkdwn", "text": format!("*Severity:*\n{}", self.severity)},
                    ]},
                    {"type": "section", "text": {"type": "mrkdwn", "text": format!("*Metrics:*\n{}", metrics.join(", "))}},
                ]})
            }
            DestinationKind::Teams => {
                let facts: Vec<Value> = self
                    .fields()
                    .into_iter()
                    .map(|(name, value)| json!({"name": name, "value": value}))
                    .collect();
                json!({
                    "@type": "MessageCard",
                    "@context": "http://schema.org/extensions",
                    "summary": self.summary(),
                    "sections": [{"activityTitle": self.title(), "facts": facts}],
                })
            }
        }
    }
}

/// One attempt's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub attempt: u32,
    pub outcome: DeliveryOutcome,
    pub reason: Option<String>,
}

impl Sender {
    /// Delivers `message` to one destination, calling `log` after each attempt; the last
    /// attempt's outcome.
    pub async fn deliver<F, Fut>(
        &self,
        kind: DestinationKind,
        url: &str,
        message: &Message,
        mut log: F,
    ) -> Attempt
    where
        F: FnMut(Attempt) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let checked = match guard::check(kind, url, self.allow_loopback).await {
            Ok(checked) => checked,
            Err(why) => {
                let refused = Attempt {
                    attempt: 1,
                    outcome: DeliveryOutcome::Failed,
                    reason: Some(format!("not sent: {why}")),
                };
                log(refused.clone()).await;
                return refused;
            }
        };
        let body = message.payload(kind);
        let mut wait = self.backoff;
        let attempts = self.attempts.max(1);
        for attempt in 1..=attempts {
            let (outcome, reason) = match self.post(&checked, &body).await {
                Ok(()) => (DeliveryOutcome::Sent, None),
                Err((why, may_pass)) if may_pass && attempt < attempts => {
                    (DeliveryOutcome::Retried, Some(why))
                }
                Err((why, _)) => (DeliveryOutcome::Failed, Some(why)),
            };
            let done = Attempt {
                attempt,
                outcome,
                reason,
            };
            log(done.clone()).await;
            if outcome != DeliveryOutcome::Retried {
                return done;
            }
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
        }
        Attempt {
            attempt: attempts,
            outcome: DeliveryOutcome::Failed,
            reason: Some("no attempt was made".into()),
        }
    }

    /// One POST to the checked address; the error in words and whether a retry may pass.
    async fn post(&self, to: &guard::Checked, body: &Value) -> Result<(), (String, bool)> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .resolve(&to.host, to.addr)
            .build()
            .map_err(|e| (format!("the HTTP client could not be built ({e})"), false))?;
        let sent = client.post(to.url.clone()).json(body).send().await;
        match sent {
            Ok(reply) if reply.status().is_success() => Ok(()),
            Ok(reply) => {
                let status = reply.status();
                let may_pass = status.is_server_error() || status.as_u16() == 429;
                Err((
                    format!("the destination answered HTTP {}", status.as_u16()),
                    may_pass,
                ))
            }
            Err(e) if e.is_timeout() => Err((
                format!("no answer within {} s", self.timeout.as_secs()),
                true,
            )),
            Err(e) if e.is_connect() => Err(("the destination could not be reached".into(), true)),
            Err(_) => Err(("the request failed before an answer".into(), true)),
        }
    }
}
