//! `dqx-manager bench-server`: the load benchmark of the cheap calls. It starts this binary's
//! server on a fresh data folder (local mode, the sample workspace) as a child process — or
//! drives `--url` — and measures, for each call and as several users at once: a steady open-loop
//! rate, bursts of simultaneous requests, and closed-loop throughput; it reports p50/p90/p99,
//! errors and (for a child server) its peak RSS. With `--busy-rows N` the tables hold N rows and
//! validations of one of them run back to back the whole time. Not a test: the figures go to
//! `docs/performance.md`.

pub mod busy;
pub mod calls;
pub mod load;

use calls::{CALLS, Call};
use load::{Latencies, burst, closed_loop, steady};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// What to run.
pub struct BenchServerArgs {
    /// An app to drive instead of starting one.
    pub url: Option<String>,
    /// Requests per second of the steady phase.
    pub rate: u32,
    /// Seconds of each steady and closed-loop phase.
    pub seconds: u64,
    /// Simultaneous requests per burst; bursts run once a second.
    pub burst: usize,
    pub bursts: usize,
    /// Connections (and workers) of the closed loop.
    pub connections: usize,
    /// Only the calls whose name contains this.
    pub only: Option<String>,
    /// Tables of this many rows, and validations of `main.sales.orders` running all along.
    pub busy_rows: Option<u64>,
}

/// The server this benchmark started, stopped when dropped.
struct ChildServer {
    child: Child,
    data: PathBuf,
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

impl ChildServer {
    fn start(port: u16, rows: Option<u64>) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| format!("finding this binary: {e}"))?;
        let data = std::env::temp_dir().join(format!(
            "dqx-bench-server-{}",
            uuid::Uuid::new_v4().simple()
        ));
        if let Some(rows) = rows {
            let written = Command::new(&exe)
                .arg("sample-data")
                .arg("--out")
                .arg(data.join("workspace"))
                .arg("--rows")
                .arg(rows.to_string())
                .stdout(Stdio::null())
                .status()
                .map_err(|e| format!("writing the {rows}-row tables: {e}"))?;
            if !written.success() {
                return Err(format!("writing the {rows}-row tables failed"));
            }
        }
        let child = Command::new(exe)
            .arg("serve")
            .env("DQX_DATA_DIR", &data)
            .env("DQX_LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "error")
            .env_remove("DATABRICKS_HOST")
            .env_remove("DATABRICKS_APP_PORT")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting the server: {e}"))?;
        Ok(Self { child, data })
    }

    /// Peak resident memory so far (Linux `VmHWM`), in MB.
    fn peak_rss_mb(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    }
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("finding a free port: {e}"))
}

async fn wait_healthy(client: &reqwest::Client, url: &str) -> Result<(), String> {
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{url}/healthz")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{url}/healthz did not answer within 30 s"))
}

fn cell(l: &Latencies) -> String {
    format!(
        "p50 {:.1} / p90 {:.1} / p99 {:.1} ms{}",
        l.percentile(50.0),
        l.percentile(90.0),
        l.percentile(99.0),
        if l.errors > 0 {
            format!(", {} errors", l.errors)
        } else {
            String::new()
        }
    )
}

/// Runs every phase for every call and prints a Markdown table.
pub async fn run(args: BenchServerArgs) -> Result<(), String> {
    let (url, server) = match &args.url {
        Some(url) => (url.trim_end_matches('/').to_string(), None),
        None => {
            let port = free_port()?;
            let server = ChildServer::start(port, args.busy_rows)?;
            (format!("http://127.0.0.1:{port}"), Some(server))
        }
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections.max(args.burst))
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("an HTTP client: {e}"))?;
    wait_healthy(&client, &url).await?;
    let busy = args
        .busy_rows
        .map(|_| busy::Busy::start(client.clone(), url.clone()));
    let calls: Vec<&Call> = CALLS
        .iter()
        .filter(|c| args.only.as_deref().is_none_or(|o| c.name.contains(o)))
        .collect();
    println!(
        "| call | one at a time | {} req/s steady, {} s | burst of {} at once (×{}) | closed loop, {} connections, {} s |",
        args.rate, args.seconds, args.burst, args.bursts, args.connections, args.seconds
    );
    println!("|---|---|---|---|---|");
    for call in calls {
        // Warm: the first request of a call opens what it needs.
        let _ = call.send(&client, &url, 0).await;
        let single = steady(&client, &url, call, 20, 20).await;
        let steady_run = steady(
            &client,
            &url,
            call,
            args.rate,
            args.rate as usize * args.seconds as usize,
        )
        .await;
        let mut bursts = Latencies::default();
        for _ in 0..args.bursts {
            bursts.merge(burst(&client, &url, call, args.burst).await);
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let (closed, throughput) = closed_loop(
            &client,
            &url,
            call,
            args.connections,
            Duration::from_secs(args.seconds),
        )
        .await;
        println!(
            "| {} | p50 {:.1} ms | {} | {} | {:.0} req/s, {} |",
            call.name,
            single.percentile(50.0),
            cell(&steady_run),
            cell(&bursts),
            throughput,
            cell(&closed)
        );
    }
    if let (Some(busy), Some(rows)) = (&busy, args.busy_rows) {
        println!(
            "\nbackground: {} validations of main.sales.orders ({rows} rows, 3 checks) finished meanwhile",
            busy.finished()
        );
    }
    if let Some(server) = &server {
        match server.peak_rss_mb() {
            Some(mb) => println!("\nserver peak RSS: {mb:.0} MB"),
            None => println!("\nserver peak RSS: not readable (no /proc)"),
        }
    }
    Ok(())
}
