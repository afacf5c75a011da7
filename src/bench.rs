//! `dqx-manager bench`: validates 20 mixed checks over generated customers data three ways in
//! one run — the one-pass evaluator, one SQL query per rule (the older app's approach), and a
//! single aggregate query computing only the counts (the practical lower bound) — checks that all
//! three agree, and reports rows/s and ratios. Also times profiling.

use crate::engine::compile::{CompileContext, CompiledRule, Join, compile, joined_from};
use crate::engine::evaluate::{EvalOptions, evaluate};
use crate::engine::files::{cli_session, register_file};
use crate::engine::profile::profile_table;
use crate::engine::sql::Dialect;
use crate::model::rules::ResolvedRule;
use crate::model::rules::validate::validate_rule_set;
use crate::server::workspace::local::sample_data::customers::Customers;
use crate::server::workspace::local::sample_data::write_one_table;
use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::execution::context::SessionContext;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Which measurements to run (`all`, or one of them alone for a clean peak-RSS reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchPart {
    All,
    OnePass,
    PerRule,
    HandWritten,
    Profile,
}

/// The 20 checks: 18 row-level of many kinds, 2 dataset-level.
pub fn bench_rules(rows: u64) -> Value {
    let countries = json!([
        "'US'", "'GB'", "'DE'", "'FR'", "'NL'", "'ES'", "'IT'", "'SE'", "'JP'", "'BR'"
    ]);
    let c = |function: &str, arguments: Value| json!({"check": {"function": function, "arguments": arguments}});
    json!([
        c("is_not_null", json!({"column": "customer_id"})),
        c("is_not_null", json!({"column": "email"})),
        c("is_not_null_and_not_empty", json!({"column": "full_name"})),
        {"name": "email_format", "check": {"function": "regex_match", "arguments": {"column": "email", "regex": "^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}$"}}},
        c("is_in_list", json!({"column": "country", "allowed": countries})),
        c("is_in_range", json!({"column": "lifetime_value", "min_limit": 0, "max_limit": 20000})),
        c("is_not_less_than", json!({"column": "lifetime_value", "limit": 0})),
        c("is_valid_ipv4_address", json!({"column": "ip_address"})),
        c("is_not_in_future", json!({"column": "signup_date"})),
        c("is_not_null", json!({"column": "signup_date"})),
        c("is_not_empty", json!({"column": "country"})),
        c("is_not_null_and_is_in_list", json!({"column": "country", "allowed": countries})),
        c("is_not_greater_than", json!({"column": "lifetime_value", "limit": 15000})),
        c("is_older_than_n_days", json!({"column": "signup_date", "days": 1})),
        {"name": "name_long_enough", "check": {"function": "sql_expression", "arguments": {"expression": "character_length(full_name) > 3"}}},
        c("is_not_in_list", json!({"column": "country", "forbidden": ["'XX'"]})),
        {"name": "signup_in_window", "check": {"function": "is_in_range", "arguments": {"column": "signup_date", "min_limit": "2019-01-01", "max_limit": "2030-01-01"}}},
        {"name": "name_capitalised", "check": {"function": "regex_match", "arguments": {"column": "full_name", "regex": "^[A-Z]"}}},
        c("is_unique", json!({"columns": ["customer_id"]})),
        c("is_aggr_not_greater_than", json!({"column": "customer_id", "limit": rows * 2})),
    ])
}

fn single_i64(batches: &[RecordBatch], column: usize) -> Result<i64, String> {
    let batch = batches.first().ok_or("no result")?;
    let array = cast(batch.column(column), &DataType::Int64).map_err(|e| e.to_string())?;
    Ok(array.as_primitive::<Int64Type>().value(0))
}

async fn sql(ctx: &SessionContext, text: &str) -> Result<Vec<RecordBatch>, String> {
    ctx.sql(text)
        .await
        .map_err(|e| format!("{e}: {text}"))?
        .collect()
        .await
        .map_err(|e| e.to_string())
}

/// Median wall time of `repeat` runs of `f`, with the result of the last run.
async fn timed<T, F, Fut>(repeat: usize, mut f: F) -> Result<(f64, T), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut times = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        last = Some(f().await?);
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let value = last.ok_or("no run")?;
    Ok((times[times.len() / 2], value))
}

/// The bench table's name in the session, and its columns as the compiler reads them.
const TABLE: &str = "customers";
const COLUMNS: [&str; 7] = [
    "customer_id",
    "email",
    "full_name",
    "country",
    "signup_date",
    "lifetime_value",
    "ip_address",
];
const TYPES: [&str; 7] = [
    "bigint", "string", "string", "string", "date", "double", "string",
];
const NULLABLE: [bool; 7] = [false, true, true, true, true, true, true];

/// What one method measured: its median wall time and every rule's violation count.
struct Measured {
    secs: f64,
    counts: Vec<i64>,
}

/// Runs the benchmark on `rows` generated rows in `dir` (reused when already there), as Parquet
/// or, with `csv`, as CSV; each measurement is the median of `repeat` runs.
pub async fn run(
    rows: u64,
    dir: &Path,
    part: BenchPart,
    repeat: usize,
    csv: bool,
) -> Result<(), String> {
    let file = bench_file(rows, dir, csv).await?;
    let ctx = cli_session(false);
    register_file(&ctx, TABLE, &file).await?;
    let validation = validate_rule_set(&bench_rules(rows), None);
    if !validation.is_valid() {
        return Err(format!("bench rules invalid: {:?}", validation.problems));
    }
    let rules = validation.rules;
    let compiled = compile_all(&rules)?;
    println!(
        "rows: {rows}, format: {}, rules: {} (18 row-level, 2 dataset-level), median of {repeat} runs",
        if csv { "CSV" } else { "Parquet" },
        rules.len()
    );
    let wants = |one: BenchPart| part == BenchPart::All || part == one;
    let one_pass = if wants(BenchPart::OnePass) {
        Some(one_pass(&ctx, &rules, repeat, rows).await?)
    } else {
        None
    };
    let per_rule = if wants(BenchPart::PerRule) {
        Some(per_rule(&ctx, &compiled, repeat, rows).await?)
    } else {
        None
    };
    let aggregate = if wants(BenchPart::HandWritten) {
        Some(single_aggregate(&ctx, &compiled, repeat, rows).await?)
    } else {
        None
    };
    compare(one_pass.as_ref(), per_rule.as_ref(), aggregate.as_ref())?;
    if wants(BenchPart::Profile) {
        profile(&ctx, rows).await?;
    }
    Ok(())
}

/// The generated data as Parquet, or as CSV copied from it; each written once per size.
async fn bench_file(rows: u64, dir: &Path, csv: bool) -> Result<PathBuf, String> {
    let parquet = dir.join(format!("customers_{rows}.parquet"));
    if !parquet.exists() {
        let started = Instant::now();
        write_one_table(&Customers { rows }, &parquet).map_err(|e| e.to_string())?;
        eprintln!(
            "generated {rows} rows in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    if !csv {
        return Ok(parquet);
    }
    let csv_file = dir.join(format!("customers_{rows}.csv"));
    if !csv_file.exists() {
        let scratch = cli_session(false);
        register_file(&scratch, "source", &parquet).await?;
        let target = csv_file.to_str().ok_or("non-UTF-8 path")?;
        let copy = format!(
            "COPY (SELECT * FROM source) TO '{target}' STORED AS CSV OPTIONS ('format.has_header' 'true')"
        );
        sql(&scratch, &copy).await?;
    }
    Ok(csv_file)
}

/// Every rule compiled to its condition and joins over the bench table.
fn compile_all(rules: &[ResolvedRule]) -> Result<Vec<CompiledRule>, String> {
    let columns = COLUMNS.map(String::from).to_vec();
    let types = TYPES.map(String::from).to_vec();
    let references = crate::engine::compile::References::new();
    rules
        .iter()
        .enumerate()
        .map(|(id, rule)| {
            let cx = CompileContext {
                dialect: Dialect::DataFusion,
                table_sql: TABLE,
                columns: &columns,
                column_types: &types,
                nullable: &NULLABLE,
                now: "CAST('2026-11-29 00:00:00' AS TIMESTAMP)".to_string(),
                id,
                references: &references,
            };
            compile(rule, &cx).map_err(|s| s.0)
        })
        .collect()
}

/// The bench table as the base every hand-written query reads.
fn base() -> String {
    format!("(SELECT * FROM {TABLE}) __dqx_base")
}

/// Ours: one query producing every rule's message per row, streamed once.
async fn one_pass(
    ctx: &SessionContext,
    rules: &[ResolvedRule],
    repeat: usize,
    rows: u64,
) -> Result<Measured, String> {
    let options = EvalOptions {
        now: Some("2026-11-29T00:00:00".into()),
        collect_rows: false,
        ..Default::default()
    };
    let (secs, e) = timed(repeat, || async {
        evaluate(ctx, TABLE, TABLE, rules, &options)
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    report(
        "one pass (ours: messages, samples, valid/invalid split)",
        rows,
        secs,
    );
    let counts = e
        .result
        .rule_results
        .iter()
        .map(|r| r.violation_count as i64)
        .collect();
    Ok(Measured { secs, counts })
}

/// The older app's approach: `SELECT count(*) ... WHERE <rule fails>` for each rule.
async fn per_rule(
    ctx: &SessionContext,
    compiled: &[CompiledRule],
    repeat: usize,
    rows: u64,
) -> Result<Measured, String> {
    let base = base();
    let (secs, counts) = timed(repeat, || async {
        let mut counts = Vec::new();
        for c in compiled {
            let joins: Vec<&Join> = c.joins.iter().collect();
            let query = format!(
                "SELECT count(*) FROM {} WHERE {}",
                joined_from(&base, &joins),
                c.condition
            );
            counts.push(single_i64(&sql(ctx, &query).await?, 0)?);
        }
        Ok(counts)
    })
    .await?;
    report("one query per rule (the older app's approach)", rows, secs);
    Ok(Measured { secs, counts })
}

/// One query computing only the counts (`sum(CASE ...)`): the practical lower bound.
async fn single_aggregate(
    ctx: &SessionContext,
    compiled: &[CompiledRule],
    repeat: usize,
    rows: u64,
) -> Result<Measured, String> {
    let sums: Vec<String> = compiled
        .iter()
        .map(|c| format!("sum(CASE WHEN {} THEN 1 ELSE 0 END)", c.condition))
        .collect();
    let joins: Vec<&Join> = compiled.iter().flat_map(|c| c.joins.iter()).collect();
    let query = format!(
        "SELECT {} FROM {}",
        sums.join(", "),
        joined_from(&base(), &joins)
    );
    let (secs, batches) = timed(repeat, || sql(ctx, &query)).await?;
    let counts = (0..compiled.len())
        .map(|i| single_i64(&batches, i))
        .collect::<Result<Vec<_>, _>>()?;
    report(
        "single aggregate query (counts only: the practical limit)",
        rows,
        secs,
    );
    Ok(Measured { secs, counts })
}

/// The ratios between the methods that ran, and an error when their counts differ.
fn compare(
    one_pass: Option<&Measured>,
    per_rule: Option<&Measured>,
    aggregate: Option<&Measured>,
) -> Result<(), String> {
    let Some(one) = one_pass else {
        return Ok(());
    };
    if let Some(per) = per_rule {
        println!(
            "  one pass is {:.2}x faster than one query per rule",
            per.secs / one.secs
        );
    }
    if let Some(hand) = aggregate {
        println!(
            "  one pass takes {:.2}x the time of the single aggregate query",
            one.secs / hand.secs
        );
    }
    for (label, other) in [("per-rule", per_rule), ("aggregate", aggregate)] {
        if let Some(other) = other.filter(|o| o.counts != one.counts) {
            return Err(format!(
                "counts differ: one pass {:?}, {label} {:?}",
                one.counts, other.counts
            ));
        }
    }
    if per_rule.is_some() || aggregate.is_some() {
        println!("  all methods agree on every rule's violation count");
    }
    Ok(())
}

/// Profiling every column (two passes).
async fn profile(ctx: &SessionContext, rows: u64) -> Result<(), String> {
    let started = Instant::now();
    let p = profile_table(ctx, TABLE, TABLE, None)
        .await
        .map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "profile ({} columns, 2 passes): {:.2} s, {:.0} rows/s",
        p.columns.len(),
        secs,
        rows as f64 / secs
    );
    Ok(())
}

fn report(label: &str, rows: u64, secs: f64) {
    println!("{label}: {secs:.2} s, {:.0} rows/s", rows as f64 / secs);
}
