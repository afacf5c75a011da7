//! The background load of `bench-server --busy-rows N`: validations of `main.sales.orders` (N
//! rows, a regex, a range and a uniqueness check) run back to back as bob while the cheap calls
//! are measured, so the figures show whether a long evaluation delays them.

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// The running background validations; stopped when dropped.
pub struct Busy {
    stop: Arc<AtomicBool>,
    finished: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.task.abort();
    }
}

impl Busy {
    /// Validations that finished so far.
    pub fn finished(&self) -> usize {
        self.finished.load(Ordering::Relaxed)
    }

    pub fn start(client: reqwest::Client, url: String) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let finished = Arc::new(AtomicUsize::new(0));
        let (s, f) = (stop.clone(), finished.clone());
        let task = tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                if validate_once(&client, &url).await.is_ok() {
                    f.fetch_add(1, Ordering::Relaxed);
                } else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
        Busy {
            stop,
            finished,
            task,
        }
    }
}

fn rules() -> Value {
    json!([
        {"criticality": "error", "check": {"function": "regex_match", "arguments": {"column": "currency", "regex": "^[A-Z]{3}$"}}},
        {"criticality": "warn", "check": {"function": "is_in_range", "arguments": {"column": "amount", "min_limit": 0, "max_limit": 10000}}},
        {"criticality": "error", "check": {"function": "is_unique", "arguments": {"columns": ["order_id"]}}}
    ])
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    path: &str,
    body: Value,
) -> Result<Value, String> {
    let response = client
        .post(format!("{url}{path}"))
        .header("x-forwarded-access-token", "local-bob")
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("{path}: {}", response.status()));
    }
    response.json().await.map_err(|e| e.to_string())
}

/// Starts one validation and waits for it to end.
async fn validate_once(client: &reqwest::Client, url: &str) -> Result<(), String> {
    let started = post(
        client,
        url,
        "/api/start_validation",
        json!({"table": "main.sales.orders", "rules": rules()}),
    )
    .await?;
    let run_id = started["run_id"].as_str().unwrap_or_default().to_string();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let status = post(client, url, "/api/run_status", json!({"run_id": run_id})).await?;
        match status.get("state").and_then(Value::as_str) {
            Some("completed") => return Ok(()),
            Some("failed" | "canceled") => return Err(format!("the run ended: {status}")),
            _ => {}
        }
    }
}
