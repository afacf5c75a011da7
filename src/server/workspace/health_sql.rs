//! What health reads on a SQL warehouse, as the caller: the table's recent Delta history (when
//! its data last changed, and the changes before) and one statement of column figures over a
//! bounded sample (null and distinct counts, numeric means), masked columns left out.

use crate::model::catalog::{ColumnInfo, is_numeric_type};
use crate::model::profile::{ColumnProfile, TableProfile};
use crate::model::table_name::{TableName, quote_identifier};
use crate::server::databricks::statements::Rows;

/// History entries read per observation (the newest first).
pub const HISTORY_ENTRIES: u32 = 30;

/// Rows one observation samples.
pub const SAMPLE_ROWS: u64 = 100_000;

/// Columns whose figures one observation computes at most (the first, in table order): three
/// aggregates each, so a very wide table stays one bounded statement.
pub const MAX_COLUMNS: usize = 200;

/// `DESCRIBE HISTORY` of `table`, newest first, bounded.
pub fn history_statement(table: &TableName) -> String {
    format!(
        "DESCRIBE HISTORY {} LIMIT {HISTORY_ENTRIES}",
        table.quoted()
    )
}

/// Delta operations that change no data (maintenance and metadata), which freshness ignores.
fn changes_no_data(operation: &str) -> bool {
    let op = operation.trim().to_ascii_uppercase();
    op.starts_with("OPTIMIZE")
        || op.starts_with("VACUUM")
        || op.starts_with("REORG")
        || op.starts_with("FSCK")
        || op.starts_with("UPGRADE")
        || op.contains("TBLPROPERTIES")
        || op.contains("COLUMN")
        || op.contains("CONSTRAINT")
        || op.contains("PROTOCOL")
        || op.starts_with("SET ")
        || op.starts_with("UNSET ")
        || op.starts_with("ALTER ")
        || op.starts_with("SET OWNER")
        || op == "COMPUTE STATISTICS"
        || op == "ANALYZE"
}

/// A warehouse timestamp (ISO-8601 with or without a zone, or `yyyy-mm-dd hh:mm:ss[.f]`, read
/// as UTC) as seconds since the epoch.
pub fn epoch_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp());
    }
    let naive = text.trim_end_matches('Z').replace('T', " ");
    chrono::NaiveDateTime::parse_from_str(&naive, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc().timestamp())
}

/// When the data last changed and every data change the history shows (oldest first), from
/// `DESCRIBE HISTORY`'s `timestamp` and `operation` columns.
pub fn change_times(rows: &Rows) -> (Option<i64>, Vec<i64>) {
    let at = |name: &str| {
        rows.columns
            .iter()
            .position(|(c, _)| c.eq_ignore_ascii_case(name))
    };
    let (Some(time), operation) = (at("timestamp"), at("operation")) else {
        return (None, Vec::new());
    };
    let mut changes: Vec<i64> = rows
        .rows
        .iter()
        .filter(|row| {
            operation
                .and_then(|i| row.get(i).cloned().flatten())
                .is_none_or(|op| !changes_no_data(&op))
        })
        .filter_map(|row| row.get(time).cloned().flatten())
        .filter_map(|t| epoch_seconds(&t))
        .collect();
    changes.sort_unstable();
    changes.dedup();
    (changes.last().copied(), changes)
}

/// The columns health measures: those not masked for the caller (a mask would measure the
/// mask, and could tell masked values apart), at most [`MAX_COLUMNS`].
pub fn measured<'a>(columns: &'a [ColumnInfo], masked: &[String]) -> Vec<&'a ColumnInfo> {
    columns
        .iter()
        .filter(|c| !masked.iter().any(|m| m.eq_ignore_ascii_case(&c.name)))
        .take(MAX_COLUMNS)
        .collect()
}

/// One statement of figures over the first [`SAMPLE_ROWS`] rows of `table`: the sample's size,
/// then per column its non-NULL count, approximate distinct count and (numbers) mean.
pub fn sample_statement(table: &TableName, columns: &[&ColumnInfo]) -> String {
    let mut figures = vec!["count(*) AS n".to_string()];
    let mut picked = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let q = quote_identifier(&c.name);
        picked.push(q.clone());
        figures.push(format!("count({q}) AS c{i}"));
        figures.push(format!("approx_count_distinct({q}) AS d{i}"));
        figures.push(if is_numeric_type(&c.data_type) {
            format!("avg(CAST({q} AS DOUBLE)) AS m{i}")
        } else {
            format!("CAST(NULL AS DOUBLE) AS m{i}")
        });
    }
    let projection = if picked.is_empty() {
        "1 AS one".to_string()
    } else {
        picked.join(", ")
    };
    format!(
        "SELECT {} FROM (SELECT {projection} FROM {} LIMIT {SAMPLE_ROWS}) AS s",
        figures.join(", "),
        table.quoted()
    )
}

/// The profile [`sample_statement`]'s one row gives (`total_rows` from the table's count).
pub fn profile_from(
    rows: &Rows,
    table: &TableName,
    columns: &[&ColumnInfo],
    total_rows: u64,
) -> TableProfile {
    let row = rows.rows.first();
    let cell = |i: usize| row.and_then(|r| r.get(i).cloned().flatten());
    let int = |i: usize| cell(i).and_then(|v| v.trim().parse::<u64>().ok());
    let sampled = int(0).unwrap_or(0);
    let profiles = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let non_null = int(1 + 3 * i).unwrap_or(0).min(sampled);
            ColumnProfile {
                name: c.name.clone(),
                data_type: c.data_type.clone(),
                count: sampled,
                null_count: sampled - non_null,
                distinct_count: int(2 + 3 * i).unwrap_or(0),
                mean: cell(3 + 3 * i).and_then(|v| v.trim().parse::<f64>().ok()),
                ..ColumnProfile::default()
            }
        })
        .collect();
    TableProfile {
        table_name: table.to_string(),
        row_count: sampled,
        total_row_count: total_rows,
        sample_limit: Some(SAMPLE_ROWS),
        columns: profiles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(columns: &[&str], data: Vec<Vec<Option<&str>>>) -> Rows {
        Rows {
            columns: columns
                .iter()
                .map(|c| (c.to_string(), "STRING".into()))
                .collect(),
            rows: data
                .into_iter()
                .map(|r| r.into_iter().map(|v| v.map(str::to_string)).collect())
                .collect(),
            truncated: false,
        }
    }

    #[test]
    fn history_keeps_data_changes_and_skips_maintenance() {
        let history = rows(
            &["version", "timestamp", "operation"],
            vec![
                vec![
                    Some("4"),
                    Some("2026-12-07T10:00:00.000Z"),
                    Some("OPTIMIZE"),
                ],
                vec![Some("3"), Some("2026-12-07 09:00:00"), Some("MERGE")],
                vec![
                    Some("2"),
                    Some("2026-12-07T08:00:00Z"),
                    Some("SET TBLPROPERTIES"),
                ],
                vec![Some("1"), Some("2026-12-07T07:00:00.5Z"), Some("WRITE")],
                vec![Some("0"), Some("not a time"), Some("CREATE TABLE")],
            ],
        );
        let (last, all) = change_times(&history);
        let nine = epoch_seconds("2026-12-07T09:00:00Z").unwrap();
        let seven = epoch_seconds("2026-12-07T07:00:00Z").unwrap();
        assert_eq!(last, Some(nine));
        assert_eq!(all, vec![seven, nine]);
        assert_eq!(change_times(&rows(&["version"], vec![])), (None, vec![]));
    }

    #[test]
    fn the_sample_statement_is_bounded_quoted_and_skips_masked_columns() {
        let table = TableName::parse("main.hr.employees").unwrap();
        let cols = [
            ColumnInfo {
                name: "salary".into(),
                data_type: "decimal(10,2)".into(),
                nullable: true,
            },
            ColumnInfo {
                name: "ssn".into(),
                data_type: "string".into(),
                nullable: true,
            },
            ColumnInfo {
                name: "na`me".into(),
                data_type: "string".into(),
                nullable: false,
            },
        ];
        let picked = measured(&cols, &["SSN".to_string()]);
        assert_eq!(picked.len(), 2);
        let sql = sample_statement(&table, &picked);
        assert!(!sql.contains("ssn"), "{sql}");
        assert!(sql.contains("avg(CAST(`salary` AS DOUBLE)) AS m0"), "{sql}");
        assert!(sql.contains("count(`na``me`) AS c1"), "{sql}");
        assert!(
            sql.ends_with("FROM `main`.`hr`.`employees` LIMIT 100000) AS s"),
            "{sql}"
        );
        let answer = rows(
            &["n", "c0", "d0", "m0", "c1", "d1", "m1"],
            vec![vec![
                Some("1000"),
                Some("600"),
                Some("300"),
                Some("52000.5"),
                Some("1000"),
                Some("990"),
                None,
            ]],
        );
        let profile = profile_from(&answer, &table, &picked, 5000);
        assert_eq!((profile.row_count, profile.total_row_count), (1000, 5000));
        assert_eq!(profile.columns[0].null_count, 400);
        assert_eq!(profile.columns[0].mean, Some(52000.5));
        assert_eq!(profile.columns[1].distinct_count, 990);
        assert_eq!(profile.columns[1].mean, None);
        let wide: Vec<ColumnInfo> = (0..500)
            .map(|i| ColumnInfo {
                name: format!("c{i}"),
                data_type: "int".into(),
                nullable: true,
            })
            .collect();
        assert_eq!(measured(&wide, &[]).len(), MAX_COLUMNS);
    }
}
