//! The three load shapes and their latencies: a steady open-loop rate (each request timed from
//! when it was due, so a stalled server is not hidden), bursts of simultaneous requests, and a
//! closed loop of workers sending back to back.

use super::calls::Call;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Latencies in milliseconds, and failed requests.
#[derive(Debug, Default, Clone)]
pub struct Latencies {
    pub ms: Vec<f64>,
    pub errors: usize,
}

impl Latencies {
    /// The `p`th percentile (nearest rank); 0 when nothing was measured.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.ms.is_empty() {
            return 0.0;
        }
        let mut sorted = self.ms.clone();
        sorted.sort_by(f64::total_cmp);
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    pub fn merge(&mut self, other: Latencies) {
        self.ms.extend(other.ms);
        self.errors += other.errors;
    }

    fn record(&mut self, ok: bool, took: Duration) {
        self.ms.push(took.as_secs_f64() * 1000.0);
        if !ok {
            self.errors += 1;
        }
    }
}

/// Each request's outcome and latency; a task that did not finish counts as an error.
async fn gather(tasks: Vec<tokio::task::JoinHandle<(bool, Duration)>>) -> Latencies {
    let mut out = Latencies::default();
    for task in tasks {
        match task.await {
            Ok((ok, took)) => out.record(ok, took),
            Err(_) => out.errors += 1,
        }
    }
    out
}

/// `count` requests at `rate` per second, each timed from when it was due.
pub async fn steady(
    client: &reqwest::Client,
    url: &str,
    call: &'static Call,
    rate: u32,
    count: usize,
) -> Latencies {
    let gap = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for n in 0..count {
        let due = start + gap * n as u32;
        tokio::time::sleep_until(due.into()).await;
        let (client, url) = (client.clone(), url.to_string());
        tasks.push(tokio::spawn(async move {
            let ok = call.send(&client, &url, n).await;
            (ok, due.elapsed())
        }));
    }
    gather(tasks).await
}

/// `size` requests sent at the same moment.
pub async fn burst(
    client: &reqwest::Client,
    url: &str,
    call: &'static Call,
    size: usize,
) -> Latencies {
    let start = Instant::now();
    let tasks: Vec<_> = (0..size)
        .map(|n| {
            let (client, url) = (client.clone(), url.to_string());
            tokio::spawn(async move {
                let ok = call.send(&client, &url, n).await;
                (ok, start.elapsed())
            })
        })
        .collect();
    gather(tasks).await
}

/// `workers` loops sending back to back for `length`: their latencies and requests per second.
pub async fn closed_loop(
    client: &reqwest::Client,
    url: &str,
    call: &'static Call,
    workers: usize,
    length: Duration,
) -> (Latencies, f64) {
    let end = Instant::now() + length;
    let started = Instant::now();
    let url: Arc<str> = url.into();
    let tasks: Vec<_> = (0..workers)
        .map(|w| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                let mut mine = Latencies::default();
                let mut n = w;
                while Instant::now() < end {
                    let sent = Instant::now();
                    let ok = call.send(&client, &url, n).await;
                    mine.record(ok, sent.elapsed());
                    n += workers;
                }
                mine
            })
        })
        .collect();
    let mut out = Latencies::default();
    for task in tasks {
        if let Ok(mine) = task.await {
            out.merge(mine);
        }
    }
    let done = out.ms.len() as f64;
    (out, done / started.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let l = Latencies {
            ms: (1..=100).map(f64::from).collect(),
            errors: 0,
        };
        assert_eq!(l.percentile(50.0), 50.0);
        assert_eq!(l.percentile(99.0), 99.0);
        assert_eq!(l.percentile(100.0), 100.0);
        assert_eq!(Latencies::default().percentile(99.0), 0.0);
    }
}
