//! Server entry point and command line: `dqx-manager` serves the app; `dqx-manager sample-data`
//! writes the sample workspace.

use clap::{Parser, Subcommand};
use dqx_manager::bench::BenchPart;
use dqx_manager::cli::{self, Output};
use dqx_manager::model::rules::RulesFormat;
use dqx_manager::server::config::Config;
use dqx_manager::server::routes::router;
use dqx_manager::server::state::AppState;
use dqx_manager::server::telemetry;
use dqx_manager::server::workspace::local::sample_data::write_sample_workspace;
use leptos::config::{LeptosOptions, get_configuration};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "dqx-manager", version, about = "DQX Data Quality Manager")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Write the deterministic sample workspace (with planted defects) into a folder.
    SampleData {
        /// Folder to write `catalog/schema/table.parquet` into.
        #[arg(long, default_value = "data/workspace")]
        out: PathBuf,
        /// Rows per table (default: the standard sizes, 1,000 / 10,000 / 500 / 100,000).
        #[arg(long)]
        rows: Option<u64>,
    },
    /// Validate a data file against a DQX rule set and print the result.
    Validate {
        /// The data: .parquet, .csv (with a header) or newline-delimited .json.
        #[arg(long)]
        data: PathBuf,
        /// The rules: .json or .yaml (DQX metadata format).
        #[arg(long)]
        rules: PathBuf,
        /// Also print every row's `_errors` and `_warnings`.
        #[arg(long)]
        rows: bool,
        /// Fix "now" for time-relative checks, e.g. 2025-01-31T12:00:00 (UTC).
        #[arg(long)]
        now: Option<String>,
        #[arg(long, value_enum, default_value = "json")]
        output: Output,
        /// Register another table, NAME=FILE (repeatable), for rules that read a second table.
        #[arg(long = "ref")]
        refs: Vec<String>,
        /// Exit with 3 when any row has an error.
        #[arg(long)]
        fail_on_error: bool,
    },
    /// Profile a data file: per-column counts, nulls, distinct values, ranges, top values, formats.
    Profile {
        #[arg(long)]
        data: PathBuf,
        /// Profile at most this many rows.
        #[arg(long)]
        sample_limit: Option<u64>,
    },
    /// Propose DQX rules for a data file from its profile.
    Generate {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        sample_limit: Option<u64>,
        /// Output format of the rules.
        #[arg(long, value_enum, default_value = "json")]
        format: RulesFormatArg,
    },
    /// Benchmark the engine: 20 checks three ways over generated data, and profiling.
    Bench {
        /// Rows to generate (and validate).
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// Folder for the generated data (reused between runs).
        #[arg(long, default_value = "target/bench-data")]
        dir: PathBuf,
        /// Run one measurement alone (for a clean peak-memory reading).
        #[arg(long, value_enum, default_value = "all")]
        only: BenchPart,
        /// Runs per measurement; the median is reported.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Benchmark over CSV instead of Parquet.
        #[arg(long)]
        csv: bool,
    },
    /// Load-benchmark the cheap calls (catalogs, describe, previews, check_rules, a page) on a
    /// server it starts (local mode, sample workspace) or on --url: steady rate, bursts, closed
    /// loop; p50/p90/p99, errors and the server's peak RSS, as a Markdown table.
    BenchServer {
        /// Drive this app instead of starting one.
        #[arg(long)]
        url: Option<String>,
        /// Requests per second of the steady phase.
        #[arg(long, default_value_t = 200)]
        rate: u32,
        /// Seconds of the steady and the closed-loop phase.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Requests sent at the same moment in a burst.
        #[arg(long, default_value_t = 200)]
        burst: usize,
        /// Bursts per call, one a second.
        #[arg(long, default_value_t = 3)]
        bursts: usize,
        /// Connections of the closed loop.
        #[arg(long, default_value_t = 50)]
        connections: usize,
        /// Only the calls whose name contains this.
        #[arg(long)]
        only: Option<String>,
        /// Write tables of this many rows and keep validating one of them meanwhile.
        #[arg(long)]
        busy_rows: Option<u64>,
    },
    /// Fetch a table's approved rules from a running app as a DQX file (for CI pipelines): exit
    /// 0 when written, 2 when the table has no approved version (or VERSION is not approved).
    Pull {
        /// The app's URL (a Databricks App's, or http://127.0.0.1:3000 locally).
        #[arg(long)]
        app: String,
        /// catalog.schema.table
        #[arg(long)]
        table: String,
        /// A saved version (default: the active one); it must be approved.
        #[arg(long)]
        version: Option<i32>,
        #[arg(long, value_enum, default_value = "yaml")]
        format: RulesFormatArg,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Local mode: act as the local user with this token (DATABRICKS_TOKEN is used otherwise).
        #[arg(long)]
        local_token: Option<String>,
    },
    /// Check a rule set without data: exit 0 when valid, 1 with every problem listed.
    CheckRules {
        #[arg(long)]
        rules: PathBuf,
        /// The table's columns (comma-separated), to catch unquoted literals and unknown columns.
        #[arg(long)]
        columns: Option<String>,
    },
}

/// `--format` of `generate`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum RulesFormatArg {
    Json,
    Yaml,
}

impl From<RulesFormatArg> for RulesFormat {
    fn from(value: RulesFormatArg) -> Self {
        match value {
            RulesFormatArg::Json => RulesFormat::Json,
            RulesFormatArg::Yaml => RulesFormat::Yaml,
        }
    }
}

fn main() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().map(|()| 0),
        Command::SampleData { out, rows } => sample_data(out, rows).map(|()| 0),
        Command::Profile { data, sample_limit } => run_async(cli::profile(&data, sample_limit)),
        Command::Generate {
            data,
            sample_limit,
            format,
        } => run_async(cli::generate(&data, sample_limit, format.into())),
        Command::Bench {
            rows,
            dir,
            only,
            repeat,
            csv,
        } => run_async(async move {
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("creating {}: {e}", dir.display()))?;
            dqx_manager::bench::run(rows, &dir, only, repeat, csv)
                .await
                .map(|()| 0)
        }),
        Command::BenchServer {
            url,
            rate,
            seconds,
            burst,
            bursts,
            connections,
            only,
            busy_rows,
        } => run_async(async move {
            dqx_manager::bench_server::run(dqx_manager::bench_server::BenchServerArgs {
                url,
                rate,
                seconds,
                burst,
                bursts,
                connections,
                only,
                busy_rows,
            })
            .await
            .map(|()| 0)
        }),
        Command::CheckRules { rules, columns } => cli::check_rules(&rules, columns.as_deref()),
        Command::Pull {
            app,
            table,
            version,
            format,
            out,
            local_token,
        } => run_async(pull(
            dqx_manager::pull::PullArgs {
                app,
                table,
                version,
                format: format.into(),
                databricks_token: std::env::var("DATABRICKS_TOKEN")
                    .ok()
                    .filter(|t| !t.is_empty()),
                local_token,
            },
            out,
        )),
        Command::Validate {
            data,
            rules,
            rows,
            now,
            output,
            refs,
            fail_on_error,
        } => run_async(cli::validate(cli::ValidateArgs {
            data: &data,
            rules: &rules,
            rows,
            now,
            output,
            refs: &refs,
            fail_on_error,
        })),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("dqx-manager: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `pull`: the approved rules to a file or standard output, or exit 2 saying why there are none.
async fn pull(args: dqx_manager::pull::PullArgs, out: Option<PathBuf>) -> Result<u8, String> {
    match dqx_manager::pull::pull(&args).await? {
        dqx_manager::pull::Pulled::NotApproved(why) => {
            eprintln!("dqx-manager: no approved version of {}: {why}", args.table);
            Ok(dqx_manager::pull::NO_APPROVED_VERSION)
        }
        dqx_manager::pull::Pulled::Rules { text, version } => {
            match out {
                Some(path) => {
                    std::fs::write(&path, &text)
                        .map_err(|e| format!("writing {}: {e}", path.display()))?;
                    eprintln!(
                        "{} version {version} written to {}",
                        args.table,
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
            Ok(0)
        }
    }
}

/// Runs a command's future on a fresh runtime.
fn run_async<T>(future: impl std::future::Future<Output = Result<T, String>>) -> Result<T, String> {
    dqx_manager::server::runtime::build()
        .map_err(|e| format!("starting the runtime: {e}"))?
        .block_on(future)
}

fn sample_data(out: PathBuf, rows: Option<u64>) -> Result<(), String> {
    if rows == Some(0) {
        return Err("--rows must be at least 1".to_string());
    }
    let written = write_sample_workspace(&out, rows).map_err(|e| e.to_string())?;
    for (table, count) in written {
        println!("{table}\t{count} rows");
    }
    Ok(())
}

fn serve() -> Result<(), String> {
    let runtime =
        dqx_manager::server::runtime::build().map_err(|e| format!("starting the runtime: {e}"))?;
    runtime.block_on(async {
        let config = Config::from_env().map_err(|e| format!("configuration error: {e}"))?;
        let mut options = leptos_options()?;
        if let Some(addr) = config.listen_addr {
            options.site_addr = addr;
        }
        let addr = options.site_addr;
        let state = AppState::build(config, options)
            .await
            .map_err(|e| e.to_string())?;
        let _scheduler = state.start_scheduler();
        let app = router(state);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        tracing::info!("listening on http://{addr}");
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| format!("server error: {e}"))
    })
}

/// Leptos options from `LEPTOS_*` variables (set by cargo-leptos or `app.yaml`), defaulting the
/// output name when the binary was built without cargo-leptos.
fn leptos_options() -> Result<LeptosOptions, String> {
    match get_configuration(None) {
        Ok(conf) => Ok(conf.leptos_options),
        Err(_) if std::env::var("LEPTOS_OUTPUT_NAME").is_err() => {
            let site_root =
                std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".to_string());
            Ok(LeptosOptions::builder()
                .output_name("dqx-manager")
                .site_root(site_root)
                .build())
        }
        Err(e) => Err(format!("Leptos configuration: {e}")),
    }
}

/// Resolves on Ctrl-C or SIGTERM (Databricks Apps stop apps with SIGTERM).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
