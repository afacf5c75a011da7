//! The deterministic sample workspace with planted defects (documented, with exact counts, in
//! `docs/sample-data.md`). Written on first start into an empty workspace folder, and at any scale
//! by `dqx-manager sample-data`.

pub mod customers;
pub mod employees;
pub mod names;
pub mod orders;
pub mod rng;
pub mod transactions;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Rows written per batch, so memory stays bounded at any scale.
const CHUNK_ROWS: u64 = 65_536;

/// Rows per Parquet row group of the sample workspace: a preview reads and decodes only the
/// first group, so a 100-row look at a 100,000-row table costs what a look at a small one does.
pub const WORKSPACE_ROW_GROUP_ROWS: usize = 8_192;

/// The Parquet writer's default (the benchmark's large scans keep it).
const LARGE_ROW_GROUP_ROWS: usize = 1024 * 1024;

/// A table the sample workspace contains; any row range can be generated on its own.
pub trait SampleTable {
    /// `catalog.schema.table`.
    fn name(&self) -> &'static str;
    fn rows(&self) -> u64;
    fn schema(&self) -> SchemaRef;
    fn batch(&self, range: Range<u64>) -> Result<RecordBatch, ArrowError>;
}

/// Why the sample data could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SampleDataError {
    #[error("writing {path}: {message}")]
    Write { path: String, message: String },
}

/// The sample tables: standard sizes, or `rows` rows each.
pub fn sample_tables(rows: Option<u64>) -> Vec<Box<dyn SampleTable>> {
    let customers = rows.unwrap_or(1_000);
    vec![
        Box::new(customers::Customers { rows: customers }),
        Box::new(orders::Orders {
            rows: rows.unwrap_or(10_000),
            customer_rows: customers,
        }),
        Box::new(employees::Employees {
            rows: rows.unwrap_or(500),
        }),
        Box::new(transactions::Transactions {
            rows: rows.unwrap_or(100_000),
        }),
    ]
}

/// Writes the sample tables under `root` as `catalog/schema/table.parquet`; returns each table's
/// name and row count. Each file is written beside its final name and renamed when complete.
pub fn write_sample_workspace(
    root: &Path,
    rows: Option<u64>,
) -> Result<Vec<(String, u64)>, SampleDataError> {
    let mut written = Vec::new();
    for table in sample_tables(rows) {
        let path = table_path(root, table.name());
        write_table(table.as_ref(), &path, WORKSPACE_ROW_GROUP_ROWS)?;
        written.push((table.name().to_string(), table.rows()));
    }
    Ok(written)
}

fn table_path(root: &Path, name: &str) -> PathBuf {
    let mut path = root.to_path_buf();
    let parts: Vec<&str> = name.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        path.push(part);
    }
    path.push(format!("{}.parquet", parts[parts.len() - 1]));
    path
}

/// Writes one sample table to `path` (used by the benchmark).
pub fn write_one_table(table: &dyn SampleTable, path: &Path) -> Result<(), SampleDataError> {
    write_table(table, path, LARGE_ROW_GROUP_ROWS)
}

fn write_table(
    table: &dyn SampleTable,
    path: &Path,
    row_group_rows: usize,
) -> Result<(), SampleDataError> {
    let fail = |message: String| SampleDataError::Write {
        path: path.display().to_string(),
        message,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
    }
    let partial = path.with_extension("parquet.partial");
    let file = std::fs::File::create(&partial).map_err(|e| fail(e.to_string()))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_size(row_group_rows)
        .build();
    let mut writer =
        ArrowWriter::try_new(file, table.schema(), Some(props)).map_err(|e| fail(e.to_string()))?;
    let mut start = 0;
    while start < table.rows() {
        let end = (start + CHUNK_ROWS).min(table.rows());
        let batch = table.batch(start..end).map_err(|e| fail(e.to_string()))?;
        writer.write(&batch).map_err(|e| fail(e.to_string()))?;
        start = end;
    }
    writer.close().map_err(|e| fail(e.to_string()))?;
    std::fs::rename(&partial, path).map_err(|e| fail(e.to_string()))?;
    Ok(())
}

/// Whether `root` holds no table files yet (missing counts as empty).
pub fn workspace_is_empty(root: &Path) -> bool {
    match std::fs::read_dir(root) {
        Err(_) => true,
        Ok(mut entries) => entries.next().is_none(),
    }
}
