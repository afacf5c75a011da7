//! Registering data files (Parquet, CSV with a header, newline-delimited JSON) as tables of a
//! read-only DataFusion session, for the command line.

use datafusion::execution::context::{SessionConfig, SessionContext};
use datafusion::execution::options::{CsvReadOptions, NdJsonReadOptions, ParquetReadOptions};
use std::path::Path;

/// A session in the Databricks parser dialect. `ordered` keeps input order (one partition), which
/// per-row output needs.
pub fn cli_session(ordered: bool) -> SessionContext {
    let mut config = SessionConfig::new().set_str("datafusion.sql_parser.dialect", "databricks");
    if ordered {
        config = config.with_target_partitions(1);
    }
    SessionContext::new_with_config(config)
}

/// Registers `file` under `name` (a plain identifier such as `data` or `customers`).
pub async fn register_file(ctx: &SessionContext, name: &str, file: &Path) -> Result<(), String> {
    let path = file
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", file.display()))?;
    if !file.exists() {
        return Err(format!("{path} does not exist"));
    }
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let result = match ext.as_str() {
        "parquet" => {
            ctx.register_parquet(name, path, ParquetReadOptions::default())
                .await
        }
        "csv" => {
            ctx.register_csv(name, path, CsvReadOptions::new().has_header(true))
                .await
        }
        "json" | "jsonl" | "ndjson" => {
            ctx.register_json(
                name,
                path,
                NdJsonReadOptions::default().file_extension(&format!(".{ext}")),
            )
            .await
        }
        other => {
            return Err(format!(
                "{path}: unsupported file type '.{other}' (use .parquet, .csv or newline-delimited .json)"
            ));
        }
    };
    result.map_err(|e| format!("reading {path}: {e}"))
}
