//! Profiling a table in two passes: one aggregate query for every column's counts, nulls,
//! approximate distinct count, range, mean/stddev, lengths and format matches; then one
//! grouping-sets query for the value counts of low-cardinality columns. The passes are plain SQL
//! in either dialect, run through a `TextQuery`: the embedded session locally, the SQL warehouse
//! as the caller in a workspace.

use super::sql::Dialect;
use super::text_query::{DataFusionText, TextQuery, TextRows};
use super::types::{TypeKind as Kind, kind_of_uc_type, uc_type_name};
use crate::model::profile::{ColumnProfile, FormatMatch, TableProfile, ValueFormat};
use crate::model::table_name::quote_identifier;
use datafusion::execution::context::SessionContext;

/// Columns with at most this many distinct values get value counts.
pub const TOP_VALUES_MAX_DISTINCT: u64 = 20;

/// Why a table could not be profiled.
#[derive(Debug, thiserror::Error)]
#[error("profiling {table}: {message}")]
pub struct ProfileError {
    pub table: String,
    pub message: String,
}

/// Reads column `name` of a single-row answer as i64 / f64 / text.
struct Row<'a>(&'a TextRows);

impl Row<'_> {
    fn i64(&self, name: &str) -> Option<i64> {
        let text = self.0.first(name)?.trim();
        text.parse::<i64>()
            .ok()
            .or_else(|| text.parse::<f64>().ok().map(|v| v as i64))
    }

    fn f64(&self, name: &str) -> Option<f64> {
        self.0
            .first(name)?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    }

    fn text(&self, name: &str) -> Option<String> {
        self.0.first(name).map(str::to_string)
    }
}

/// Profiles `table_sql` on the embedded engine, reading at most `sample_limit` rows when given.
pub async fn profile_table(
    ctx: &SessionContext,
    table_sql: &str,
    table_name: &str,
    sample_limit: Option<u64>,
) -> Result<TableProfile, ProfileError> {
    let frame = ctx
        .sql_with_options(
            &format!("SELECT * FROM {table_sql} LIMIT 0"),
            super::sql::read_only_options(),
        )
        .await
        .map_err(|e| ProfileError {
            table: table_name.to_string(),
            message: e.to_string(),
        })?;
    let fields: Vec<(String, String)> = frame
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), uc_type_name(f.data_type())))
        .collect();
    profile_with(
        &DataFusionText(ctx),
        Dialect::DataFusion,
        table_sql,
        table_name,
        &fields,
        sample_limit,
    )
    .await
}

/// Profiles `table_sql`, whose columns are `fields` (name, Unity Catalog type), in `dialect`
/// through `runner`, reading at most `sample_limit` rows when given.
pub async fn profile_with(
    runner: &dyn TextQuery,
    d: Dialect,
    table_sql: &str,
    table_name: &str,
    fields: &[(String, String)],
    sample_limit: Option<u64>,
) -> Result<TableProfile, ProfileError> {
    let fail = |message: String| ProfileError {
        table: table_name.to_string(),
        message,
    };
    let source = match sample_limit {
        Some(n) => format!("(SELECT * FROM {table_sql} LIMIT {n})"),
        None => format!("(SELECT * FROM {table_sql})"),
    };
    // Pass 1: everything that aggregates.
    let stats = runner
        .query(&format!(
            "SELECT {} FROM {source} __dqx_s",
            statistics_select(d, fields).join(", ")
        ))
        .await
        .map_err(fail)?;
    if stats.rows.is_empty() {
        return Err(fail("the statistics query returned nothing".into()));
    }
    let row = Row(&stats);
    let rows = row.i64("__rows").unwrap_or(0).max(0) as u64;
    let total_row_count = if sample_limit.is_some() {
        let counted = runner
            .query(&format!("SELECT count(*) AS n FROM {table_sql}"))
            .await
            .map_err(fail)?;
        Row(&counted).i64("n").unwrap_or(rows as i64).max(0) as u64
    } else {
        rows
    };
    let mut columns: Vec<ColumnProfile> = fields
        .iter()
        .enumerate()
        .map(|(i, (name, data_type))| column_profile(&row, i, name, data_type, rows))
        .collect();
    // Pass 2: value counts of low-cardinality columns, all in one grouping-sets query.
    add_top_values(runner, d, &source, fields, &mut columns)
        .await
        .map_err(fail)?;
    Ok(TableProfile {
        table_name: table_name.to_string(),
        row_count: rows,
        total_row_count,
        sample_limit,
        columns,
    })
}

/// The first pass's select list: the row count, then per column (by position `i`) non-NULL and
/// distinct counts, and by kind min/max, mean/stddev, empties, lengths and format matches.
fn statistics_select(d: Dialect, fields: &[(String, String)]) -> Vec<String> {
    let mut select = vec!["count(*) AS __rows".to_string()];
    for (i, (name, data_type)) in fields.iter().enumerate() {
        let c = quote_identifier(name);
        select.push(format!("count({c}) AS nn_{i}"));
        select.push(format!(
            "{}({}) AS d_{i}",
            d.approx_distinct(),
            d.as_string(&c)
        ));
        let kind = kind_of_uc_type(data_type);
        if matches!(kind, Kind::Numeric | Kind::Temporal) {
            select.push(format!("{} AS mn_{i}", d.as_string(&format!("min({c})"))));
            select.push(format!("{} AS mx_{i}", d.as_string(&format!("max({c})"))));
        }
        if kind == Kind::Temporal {
            select.push(format!(
                "sum(CASE WHEN {} > {} THEN 1 ELSE 0 END) AS fu_{i}",
                d.epoch_seconds(&c),
                d.epoch_seconds(d.now())
            ));
        }
        match kind {
            Kind::Numeric => {
                select.push(format!("avg(CAST({c} AS DOUBLE)) AS avg_{i}"));
                select.push(format!("stddev(CAST({c} AS DOUBLE)) AS sd_{i}"));
            }
            Kind::Text => {
                select.push(format!(
                    "sum(CASE WHEN trim({c}) = '' THEN 1 ELSE 0 END) AS e_{i}"
                ));
                select.push(format!("min(character_length({c})) AS ln_{i}"));
                select.push(format!("max(character_length({c})) AS lx_{i}"));
                for (k, format) in ValueFormat::ALL.iter().enumerate() {
                    select.push(format!(
                        "sum(CASE WHEN {} THEN 1 ELSE 0 END) AS f_{i}_{k}",
                        d.regex_like(&c, format.pattern())
                    ));
                }
            }
            Kind::Temporal | Kind::Other => {}
        }
    }
    select
}

/// Column `i`'s profile read from the first pass's row (top values come later).
fn column_profile(
    row: &Row<'_>,
    i: usize,
    name: &str,
    data_type: &str,
    rows: u64,
) -> ColumnProfile {
    let count = |key: String| row.i64(&key).unwrap_or(0).max(0) as u64;
    let non_null = count(format!("nn_{i}"));
    let kind = kind_of_uc_type(data_type);
    let formats = if kind == Kind::Text {
        ValueFormat::ALL
            .iter()
            .enumerate()
            .filter_map(|(k, format)| {
                let matching = count(format!("f_{i}_{k}"));
                (matching > 0).then_some(FormatMatch {
                    format: *format,
                    matching,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    ColumnProfile {
        name: name.to_string(),
        data_type: data_type.to_string(),
        count: rows,
        null_count: rows.saturating_sub(non_null),
        empty_count: (kind == Kind::Text).then(|| count(format!("e_{i}"))),
        distinct_count: count(format!("d_{i}")),
        min: row.text(&format!("mn_{i}")),
        max: row.text(&format!("mx_{i}")),
        mean: row.f64(&format!("avg_{i}")),
        stddev: row.f64(&format!("sd_{i}")),
        min_length: row.i64(&format!("ln_{i}")).map(|v| v.max(0) as u64),
        max_length: row.i64(&format!("lx_{i}")).map(|v| v.max(0) as u64),
        top_values: Vec::new(),
        formats,
        future_count: (kind == Kind::Temporal).then(|| count(format!("fu_{i}"))),
    }
}

/// The second pass: value counts of every low-cardinality column in one grouping-sets query,
/// most frequent first (NULLs are not listed).
async fn add_top_values(
    runner: &dyn TextQuery,
    d: Dialect,
    source: &str,
    fields: &[(String, String)],
    columns: &mut [ColumnProfile],
) -> Result<(), String> {
    let low: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            c.distinct_count > 0
                && c.distinct_count <= TOP_VALUES_MAX_DISTINCT
                && kind_of_uc_type(&fields[*i].1) != Kind::Other
        })
        .map(|(i, _)| i)
        .collect();
    if low.is_empty() {
        return Ok(());
    }
    let keys: Vec<String> = low
        .iter()
        .map(|i| quote_identifier(&fields[*i].0))
        .collect();
    let values: Vec<String> = low
        .iter()
        .zip(&keys)
        .map(|(i, k)| format!("{} AS v_{i}, grouping({k}) AS g_{i}", d.as_string(k)))
        .collect();
    let sets: Vec<String> = keys.iter().map(|k| format!("({k})")).collect();
    let sql = format!(
        "SELECT {}, count(*) AS n FROM {source} __dqx_s GROUP BY GROUPING SETS ({})",
        values.join(", "),
        sets.join(", ")
    );
    let counted = runner.query(&sql).await?;
    let at = |name: &str| counted.columns.iter().position(|c| c == name);
    let n_at = at("n").ok_or_else(|| "missing count".to_string())?;
    for i in &low {
        let (Some(v_at), Some(g_at)) = (at(&format!("v_{i}")), at(&format!("g_{i}"))) else {
            continue;
        };
        let top = &mut columns[*i].top_values;
        for r in &counted.rows {
            let cell = |k: usize| r.get(k).cloned().flatten();
            let grouped = cell(g_at).and_then(|g| g.trim().parse::<i64>().ok()) == Some(0);
            let n = cell(n_at)
                .and_then(|n| n.trim().parse::<i64>().ok())
                .unwrap_or(0)
                .max(0) as u64;
            // grouping() = 0: this row groups by this column; NULL values are not listed.
            if let (true, Some(v)) = (grouped, cell(v_at)) {
                top.push((v, n));
            }
        }
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    Ok(())
}
