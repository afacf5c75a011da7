//! docs/sample-data.md states the exact count of every planted defect; this runs each documented
//! query on the generated data and compares.

use crate::common;

use datafusion::arrow::array::{Array, Int64Array};
use dqx_manager::server::workspace::local::LocalWorkspace;
use dqx_manager::server::workspace::local::directory::LocalDirectory;
use std::sync::Arc;

/// `(table, what, count, query)` rows of the defects table in docs/sample-data.md.
fn documented_defects() -> Vec<(String, String, i64, String)> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-data.md"))
        .expect("docs/sample-data.md");
    let mut rows = Vec::new();
    for line in doc.lines() {
        let cells = split_markdown_row(line);
        if cells.len() != 4 || cells[0].matches('.').count() != 2 || !cells[3].starts_with('`') {
            continue;
        }
        let count = cells[2]
            .parse()
            .unwrap_or_else(|_| panic!("count in {line}"));
        let query = cells[3].trim_matches('`').to_string();
        rows.push((cells[0].clone(), cells[1].clone(), count, query));
    }
    rows
}

/// Splits a Markdown table row on unescaped `|`, turning `\|` back into `|`.
fn split_markdown_row(line: &str) -> Vec<String> {
    let line = line.trim();
    if !line.starts_with('|') || !line.ends_with('|') {
        return Vec::new();
    }
    let inner = &line[1..line.len() - 1];
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                cells.last_mut().unwrap().push('|');
            }
            '|' => cells.push(String::new()),
            other => cells.last_mut().unwrap().push(other),
        }
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

#[tokio::test]
async fn every_documented_defect_count_matches_the_data() {
    let directory = Arc::new(LocalDirectory::default_directory());
    let workspace = LocalWorkspace::open(common::sample_workspace(), directory)
        .await
        .unwrap();
    let alice = common::caller("alice@example.com");
    let defects = documented_defects();
    assert!(
        defects.len() >= 20,
        "expected the full defects table, found {}",
        defects.len()
    );
    let tables: std::collections::BTreeSet<&str> = defects.iter().map(|d| d.0.as_str()).collect();
    assert_eq!(tables.len(), 4, "every sample table is documented");

    let mut mismatches = Vec::new();
    for (table, what, expected, query) in &defects {
        let batches = workspace
            .query(&alice, query)
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        let column = batches[0].column(0);
        let actual = column
            .as_any()
            .downcast_ref::<Int64Array>()
            .map(|a| a.value(0))
            .unwrap_or_else(|| panic!("{query} did not return a count"));
        if actual != *expected {
            mismatches.push(format!(
                "{table} / {what}: documented {expected}, data has {actual}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn the_same_rows_are_written_every_time() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    dqx_manager::server::workspace::local::sample_data::write_sample_workspace(a.path(), Some(300))
        .unwrap();
    dqx_manager::server::workspace::local::sample_data::write_sample_workspace(b.path(), Some(300))
        .unwrap();
    for table in [
        "main/sales/customers.parquet",
        "finance/ledger/transactions.parquet",
    ] {
        let left = std::fs::read(a.path().join(table)).unwrap();
        let right = std::fs::read(b.path().join(table)).unwrap();
        assert_eq!(left, right, "{table} differs between two runs");
    }
}

#[tokio::test]
async fn any_scale_keeps_the_tables_and_their_row_counts() {
    let dir = tempfile::tempdir().unwrap();
    let written = dqx_manager::server::workspace::local::sample_data::write_sample_workspace(
        dir.path(),
        Some(2_345),
    )
    .unwrap();
    assert_eq!(written.len(), 4);
    let workspace = LocalWorkspace::open(dir.path(), Arc::new(LocalDirectory::default_directory()))
        .await
        .unwrap();
    let alice = common::caller("alice@example.com");
    for (table, rows) in written {
        assert_eq!(rows, 2_345);
        let batches = workspace
            .query(&alice, &format!("SELECT count(*) FROM {table}"))
            .await
            .unwrap();
        let count = batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap()
            .value(0);
        assert_eq!(count, 2_345, "{table}");
        assert!(!batches[0].column(0).is_null(0));
    }
}
