//! Finding the tables of the local workspace folder and opening them with DataFusion.

use crate::model::table_name::TableName;
use crate::server::error::AppError;
use datafusion::catalog::TableProvider;
use datafusion::execution::context::SessionContext;
use datafusion::execution::options::{CsvReadOptions, ParquetReadOptions};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// How a local table is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Parquet,
    Csv,
}

impl TableFormat {
    pub fn label(self) -> &'static str {
        match self {
            TableFormat::Parquet => "PARQUET",
            TableFormat::Csv => "CSV",
        }
    }

    fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "parquet" => Some(TableFormat::Parquet),
            "csv" => Some(TableFormat::Csv),
            _ => None,
        }
    }
}

/// One table of the local workspace, opened once at start-up.
#[derive(Clone)]
pub struct LocalTable {
    pub format: TableFormat,
    pub provider: Arc<dyn TableProvider>,
    /// The file it reads, to tell when it changed.
    pub path: std::path::PathBuf,
}

impl LocalTable {
    /// The file's size and modification time now (`None` when it cannot be read).
    pub fn stamp(&self) -> Option<(u64, std::time::SystemTime)> {
        let meta = std::fs::metadata(&self.path).ok()?;
        Some((meta.len(), meta.modified().ok()?))
    }
}

/// Scans `root/catalog/schema/table.{parquet,csv}`. Entries whose names Unity Catalog would
/// refuse are skipped with a warning; a file DataFusion cannot open is an error naming it.
pub async fn scan_workspace(root: &Path) -> Result<BTreeMap<TableName, LocalTable>, AppError> {
    let mut tables = BTreeMap::new();
    let opener = SessionContext::new();
    for catalog in sorted_entries(root)? {
        if !catalog.is_dir() {
            continue;
        }
        for schema in sorted_entries(&catalog)? {
            if !schema.is_dir() {
                continue;
            }
            for file in sorted_entries(&schema)? {
                let Some(format) = file
                    .extension()
                    .and_then(|e| e.to_str())
                    .and_then(TableFormat::from_extension)
                else {
                    continue;
                };
                let parts = [catalog.file_name(), schema.file_name(), file.file_stem()]
                    .map(|p| p.and_then(|s| s.to_str()).unwrap_or_default().to_string());
                let name = match TableName::new(&parts[0], &parts[1], &parts[2]) {
                    Ok(name) => name,
                    Err(err) => {
                        tracing::warn!(path = %file.display(), %err, "skipping a file whose name is not a valid table name");
                        continue;
                    }
                };
                if tables.contains_key(&name) {
                    tracing::warn!(path = %file.display(), table = %name, "skipping a second file for the same table");
                    continue;
                }
                let provider = open_table(&opener, &file, format).await?;
                tables.insert(
                    name,
                    LocalTable {
                        format,
                        provider,
                        path: file.clone(),
                    },
                );
            }
        }
    }
    Ok(tables)
}

async fn open_table(
    ctx: &SessionContext,
    file: &Path,
    format: TableFormat,
) -> Result<Arc<dyn TableProvider>, AppError> {
    let path = std::fs::canonicalize(file)
        .map_err(|e| AppError::internal(format!("opening {}", file.display()), e))?;
    let path = path.to_string_lossy().to_string();
    let context = || format!("opening {}", file.display());
    let frame = match format {
        TableFormat::Parquet => ctx.read_parquet(path, ParquetReadOptions::default()).await,
        TableFormat::Csv => {
            ctx.read_csv(path, CsvReadOptions::new().has_header(true))
                .await
        }
    }
    .map_err(|e| AppError::internal(context(), e))?;
    Ok(frame.into_view())
}

fn sorted_entries(dir: &Path) -> Result<Vec<std::path::PathBuf>, AppError> {
    let read = std::fs::read_dir(dir)
        .map_err(|e| AppError::internal(format!("reading folder {}", dir.display()), e))?;
    let mut entries: Vec<_> = read.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    Ok(entries)
}
