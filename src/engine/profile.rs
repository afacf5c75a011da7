//! Profiling a table in two passes: one aggregate query for every column's counts, nulls,
//! approximate distinct count, range, mean/stddev, lengths and format matches; then one
//! grouping-sets query for the value counts of low-cardinality columns.

use super::sql::{Dialect, read_only_options};
use crate::model::profile::{ColumnProfile, FormatMatch, TableProfile, ValueFormat};
use crate::model::table_name::quote_identifier;
use crate::server::workspace::local::values::uc_type_name;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Numeric,
    Temporal,
    Text,
    Other,
}

fn kind_of(data_type: &DataType) -> Kind {
    match data_type {
        t if t.is_numeric() => Kind::Numeric,
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) => Kind::Temporal,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Kind::Text,
        _ => Kind::Other,
    }
}

async fn query(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, String> {
    ctx.sql_with_options(sql, read_only_options())
        .await
        .map_err(|e| e.to_string())?
        .collect()
        .await
        .map_err(|e| e.to_string())
}

/// Reads column `name` of the single-row result as i64 / f64 / text.
struct Row<'a>(&'a RecordBatch);

impl Row<'_> {
    fn i64(&self, name: &str) -> Option<i64> {
        let column = self.0.column_by_name(name)?;
        let column = cast(column, &DataType::Int64).ok()?;
        let array = column.as_primitive::<Int64Type>();
        (!array.is_null(0)).then(|| array.value(0))
    }

    fn f64(&self, name: &str) -> Option<f64> {
        let column = self.0.column_by_name(name)?;
        let column = cast(column, &DataType::Float64).ok()?;
        let array = column.as_primitive::<Float64Type>();
        (!array.is_null(0))
            .then(|| array.value(0))
            .filter(|v| v.is_finite())
    }

    fn text(&self, name: &str) -> Option<String> {
        let column = self.0.column_by_name(name)?;
        let column = cast(column, &DataType::Utf8).ok()?;
        let array = column.as_string::<i32>();
        (!array.is_null(0)).then(|| array.value(0).to_string())
    }
}

/// Profiles `table_sql`, reading at most `sample_limit` rows when given.
pub async fn profile_table(
    ctx: &SessionContext,
    table_sql: &str,
    table_name: &str,
    sample_limit: Option<u64>,
) -> Result<TableProfile, ProfileError> {
    let fail = |message: String| ProfileError {
        table: table_name.to_string(),
        message,
    };
    let d = Dialect::DataFusion;
    let frame = ctx
        .sql_with_options(
            &format!("SELECT * FROM {table_sql} LIMIT 0"),
            read_only_options(),
        )
        .await
        .map_err(|e| fail(e.to_string()))?;
    let fields: Vec<(String, DataType)> = frame
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    let source = match sample_limit {
        Some(n) => format!("(SELECT * FROM {table_sql} LIMIT {n})"),
        None => format!("(SELECT * FROM {table_sql})"),
    };

    // Pass 1: everything that aggregates.
    let mut select = vec!["count(*) AS __rows".to_string()];
    for (i, (name, data_type)) in fields.iter().enumerate() {
        let c = quote_identifier(name);
        select.push(format!("count({c}) AS nn_{i}"));
        select.push(format!("approx_distinct({}) AS d_{i}", d.as_string(&c)));
        match kind_of(data_type) {
            Kind::Numeric => {
                select.push(format!("{} AS mn_{i}", d.as_string(&format!("min({c})"))));
                select.push(format!("{} AS mx_{i}", d.as_string(&format!("max({c})"))));
                select.push(format!("avg(CAST({c} AS DOUBLE)) AS avg_{i}"));
                select.push(format!("stddev(CAST({c} AS DOUBLE)) AS sd_{i}"));
            }
            Kind::Temporal => {
                select.push(format!("{} AS mn_{i}", d.as_string(&format!("min({c})"))));
                select.push(format!("{} AS mx_{i}", d.as_string(&format!("max({c})"))));
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
            Kind::Other => {}
        }
    }
    let batches = query(
        ctx,
        &format!("SELECT {} FROM {source} __dqx_s", select.join(", ")),
    )
    .await
    .map_err(fail)?;
    let batch = batches
        .first()
        .ok_or_else(|| fail("the statistics query returned nothing".into()))?;
    let row = Row(batch);
    let rows = row.i64("__rows").unwrap_or(0).max(0) as u64;
    let total_row_count = if sample_limit.is_some() {
        let counted = query(ctx, &format!("SELECT count(*) AS n FROM {table_sql}"))
            .await
            .map_err(fail)?;
        counted
            .first()
            .and_then(|b| Row(b).i64("n"))
            .unwrap_or(rows as i64)
            .max(0) as u64
    } else {
        rows
    };

    let mut columns: Vec<ColumnProfile> = fields
        .iter()
        .enumerate()
        .map(|(i, (name, data_type))| {
            let non_null = row.i64(&format!("nn_{i}")).unwrap_or(0).max(0) as u64;
            let kind = kind_of(data_type);
            let formats = if kind == Kind::Text {
                ValueFormat::ALL
                    .iter()
                    .enumerate()
                    .filter_map(|(k, format)| {
                        let matching = row.i64(&format!("f_{i}_{k}")).unwrap_or(0).max(0) as u64;
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
                name: name.clone(),
                data_type: uc_type_name(data_type),
                count: rows,
                null_count: rows.saturating_sub(non_null),
                empty_count: (kind == Kind::Text)
                    .then(|| row.i64(&format!("e_{i}")).unwrap_or(0).max(0) as u64),
                distinct_count: row.i64(&format!("d_{i}")).unwrap_or(0).max(0) as u64,
                min: row.text(&format!("mn_{i}")),
                max: row.text(&format!("mx_{i}")),
                mean: row.f64(&format!("avg_{i}")),
                stddev: row.f64(&format!("sd_{i}")),
                min_length: row.i64(&format!("ln_{i}")).map(|v| v.max(0) as u64),
                max_length: row.i64(&format!("lx_{i}")).map(|v| v.max(0) as u64),
                top_values: Vec::new(),
                formats,
            }
        })
        .collect();

    // Pass 2: value counts of low-cardinality columns, all in one grouping-sets query.
    let low: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            c.distinct_count > 0
                && c.distinct_count <= TOP_VALUES_MAX_DISTINCT
                && kind_of(&fields[*i].1) != Kind::Other
        })
        .map(|(i, _)| i)
        .collect();
    if !low.is_empty() {
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
        let batches = query(ctx, &sql).await.map_err(fail)?;
        for batch in &batches {
            let n = cast(
                batch
                    .column_by_name("n")
                    .ok_or_else(|| fail("missing count".into()))?,
                &DataType::Int64,
            )
            .map_err(|e| fail(e.to_string()))?;
            let n = n.as_primitive::<Int64Type>();
            for i in &low {
                let (Some(v), Some(g)) = (
                    batch.column_by_name(&format!("v_{i}")),
                    batch.column_by_name(&format!("g_{i}")),
                ) else {
                    continue;
                };
                let v = cast(v, &DataType::Utf8).map_err(|e| fail(e.to_string()))?;
                let v = v.as_string::<i32>();
                let g = cast(g, &DataType::Int64).map_err(|e| fail(e.to_string()))?;
                let g = g.as_primitive::<Int64Type>();
                for r in 0..batch.num_rows() {
                    // grouping() = 0: this row groups by this column; NULL values are not listed.
                    if g.value(r) == 0 && !v.is_null(r) {
                        columns[*i]
                            .top_values
                            .push((v.value(r).to_string(), n.value(r).max(0) as u64));
                    }
                }
            }
        }
        for i in &low {
            columns[*i]
                .top_values
                .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        }
    }

    Ok(TableProfile {
        table_name: table_name.to_string(),
        row_count: rows,
        total_row_count,
        sample_limit,
        columns,
    })
}
