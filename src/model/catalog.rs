//! What the workspace shows a user: catalogs, schemas, tables, columns and sample rows.

use serde::{Deserialize, Serialize};

/// A catalog the caller may use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogInfo {
    pub name: String,
    pub comment: Option<String>,
}

/// A schema the caller may use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaInfo {
    pub catalog: String,
    pub name: String,
    pub comment: Option<String>,
}

/// A table the caller may read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableInfo {
    pub catalog: String,
    pub schema: String,
    pub name: String,
    /// `catalog.schema.table`.
    pub full_name: String,
    /// Storage kind as the workspace reports it (`PARQUET`, `CSV`, `MANAGED`, ...).
    pub table_type: String,
    pub comment: Option<String>,
}

/// One column with its type in Unity Catalog's spelling (`bigint`, `string`, `decimal(10,2)`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnInfo {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
}

impl ColumnInfo {
    /// Whether values of this column are numbers (the UI right-aligns them).
    pub fn is_numeric(&self) -> bool {
        is_numeric_type(&self.data_type)
    }
}

/// Whether a Unity Catalog type name denotes a number.
pub fn is_numeric_type(data_type: &str) -> bool {
    let base = data_type
        .split('(')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(
        base.as_str(),
        "tinyint" | "smallint" | "int" | "bigint" | "float" | "double" | "decimal"
    )
}

/// A table's columns and, where cheap to know, its row count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDescription {
    pub table: TableInfo,
    pub columns: Vec<ColumnInfo>,
    pub row_count: Option<u64>,
}

/// The first rows of a table, values rendered as text; `None` is SQL NULL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRows {
    pub table: String,
    pub columns: Vec<ColumnInfo>,
    pub rows: Vec<Vec<Option<String>>>,
    /// The row limit that was applied.
    pub limit: u32,
}

/// Rows shown when a sample is asked for without a limit.
pub const DEFAULT_SAMPLE_LIMIT: u32 = 100;
/// The largest sample a caller may ask for.
pub const MAX_SAMPLE_LIMIT: u32 = 1_000;

/// Applies the default and the cap to a requested sample size.
pub fn effective_sample_limit(requested: Option<u32>) -> Result<u32, String> {
    match requested {
        None => Ok(DEFAULT_SAMPLE_LIMIT),
        Some(0) => Err("the sample limit must be at least 1 row".to_string()),
        Some(n) => Ok(n.min(MAX_SAMPLE_LIMIT)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_types_are_recognised() {
        assert!(is_numeric_type("bigint"));
        assert!(is_numeric_type("decimal(10,2)"));
        assert!(is_numeric_type("DOUBLE"));
        assert!(!is_numeric_type("string"));
        assert!(!is_numeric_type("date"));
    }

    #[test]
    fn sample_limit_defaults_and_caps() {
        assert_eq!(effective_sample_limit(None), Ok(100));
        assert_eq!(effective_sample_limit(Some(5)), Ok(5));
        assert_eq!(effective_sample_limit(Some(50_000)), Ok(1_000));
        assert!(effective_sample_limit(Some(0)).is_err());
    }
}
