//! `TextQuery`: run one read-only SQL statement and get its rows as text — the one thing the
//! profiler needs from an engine, so the same two passes run on the embedded DataFusion session
//! and, as the caller, on a Databricks SQL warehouse.

use super::sql::read_only_options;
use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::execution::context::SessionContext;

/// A statement's answer: column names and rows of text cells (SQL NULL is `None`).
#[derive(Debug, Clone, Default)]
pub struct TextRows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl TextRows {
    /// The cell of `column` in the first row.
    pub fn first(&self, column: &str) -> Option<&str> {
        let i = self.columns.iter().position(|c| c == column)?;
        self.rows.first()?.get(i)?.as_deref()
    }
}

/// Runs read-only SQL and returns text rows.
#[async_trait::async_trait]
pub trait TextQuery: Send + Sync {
    async fn query(&self, sql: &str) -> Result<TextRows, String>;
}

/// The embedded engine as a `TextQuery` (DDL, DML and statements refused).
pub struct DataFusionText<'a>(pub &'a SessionContext);

#[async_trait::async_trait]
impl TextQuery for DataFusionText<'_> {
    async fn query(&self, sql: &str) -> Result<TextRows, String> {
        let frame = self
            .0
            .sql_with_options(sql, read_only_options())
            .await
            .map_err(|e| e.to_string())?;
        let columns = frame
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let batches = frame.collect().await.map_err(|e| e.to_string())?;
        let rows = rows_as_text(&batches).map_err(|e| e.to_string())?;
        Ok(TextRows { columns, rows })
    }
}

/// Every row of `batches` as text cells; SQL NULL becomes `None`.
pub fn rows_as_text(batches: &[RecordBatch]) -> Result<Vec<Vec<Option<String>>>, ArrowError> {
    let options = FormatOptions::default();
    let mut rows = Vec::new();
    for batch in batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|array| ArrayFormatter::try_new(array.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            let cells = batch
                .columns()
                .iter()
                .zip(&formatters)
                .map(|(array, formatter)| {
                    if array.is_null(row) {
                        None
                    } else {
                        Some(formatter.value(row).to_string())
                    }
                })
                .collect();
            rows.push(cells);
        }
    }
    Ok(rows)
}
