//! DQX 0.17's statistical dataset checks in the embedded engine, on hand-made tables whose answers
//! follow DQX's definitions. `spark_parity.rs` runs the same functions on Spark.

use crate::common::engine::{add_table, counts, evaluate_rules, first_message as message};
use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::execution::context::SessionContext;
use dqx_manager::model::results::ValidationResult;
use serde_json::{Value, json};
use std::sync::Arc;

async fn run(fields: Vec<Field>, arrays: Vec<ArrayRef>, rules: Value) -> ValidationResult {
    run_at(fields, arrays, rules, None).await
}

async fn run_at(
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
    rules: Value,
    now: Option<&str>,
) -> ValidationResult {
    let ctx = SessionContext::new();
    add_table(&ctx, "d", fields, arrays);
    evaluate_rules(&ctx, "d", &rules, now).await
}

/// A rule named `name` of `function`, its `base` arguments overridden by `extra`.
fn named(name: &str, function: &str, mut base: Value, extra: Value) -> Value {
    if let (Some(a), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    json!({"name": name, "check": {"function": function, "arguments": base}})
}

fn outliers(column: &str) -> Value {
    json!({"check": {"function": "has_no_outliers", "arguments": {"column": column}}})
}

#[tokio::test]
async fn outliers_lie_outside_the_mad_band() {
    // 1..9 and 100: median 5, MAD 2, band [-2, 12]. Even count 1, 2, 4, 8, 9, 16: the lower
    // middle 4 (not 6), MAD 3, band [-6.5, 14.5], so 16 is an outlier (an interpolated median
    // would give [-6.25, 18.25] and pass it).
    let mut odd: Vec<Option<i64>> = (1..=9).map(Some).collect();
    odd.extend([Some(100), None]);
    let mut even: Vec<Option<f64>> = [1.0, 2.0, 4.0, 8.0, 9.0, 16.0].map(Some).to_vec();
    even.extend([None, None, None, None, None]);
    let r = run(
        vec![
            Field::new("v", DataType::Int64, true),
            Field::new("w", DataType::Float64, true),
        ],
        vec![
            Arc::new(Int64Array::from(odd)),
            Arc::new(Float64Array::from(even)),
        ],
        json!([outliers("v"), outliers("w")]),
    )
    .await;
    assert_eq!(r.rule_results[0].rule_name, "v_has_outliers");
    assert_eq!(counts(&r), [1, 1]);
    assert_eq!(
        r.rule_results[0].sample_violations[0]["_message"].as_str(),
        Some("Value '100' in Column 'v' is an outlier as per MAD.")
    );
    assert_eq!(
        r.rule_results[1].sample_violations[0]["w"].as_str(),
        Some("16.0")
    );
}

#[tokio::test]
async fn outliers_with_a_filter_and_without_values() {
    // Group a: 10, 11, 12, 13, 1000 (median 12, MAD 1, band [8.5, 15.5]); group b: 1000, 1000.
    // Unfiltered: median 13, MAD 3, band [2.5, 23.5], so the three 1000s fail.
    let grp = StringArray::from(vec!["a", "a", "a", "a", "a", "b", "b"]);
    let v = Int64Array::from(vec![10, 11, 12, 13, 1000, 1000, 1000]);
    let none = Int64Array::from(vec![None::<i64>; 7]);
    let text = StringArray::from(vec!["1"; 7]);
    let r = run(
        vec![
            Field::new("grp", DataType::Utf8, false),
            Field::new("v", DataType::Int64, false),
            Field::new("none", DataType::Int64, true),
            Field::new("text", DataType::Utf8, false),
        ],
        vec![
            Arc::new(grp),
            Arc::new(v),
            Arc::new(none),
            Arc::new(text),
        ],
        json!([
            {"name": "a_only", "filter": "grp = 'a'", "check": {"function": "has_no_outliers", "arguments": {"column": "v"}}},
            {"name": "a_arg", "check": {"function": "has_no_outliers", "arguments": {"column": "v", "row_filter": "grp = 'a'"}}},
            outliers("v"),
            outliers("none"),
            outliers("text"),
        ]),
    )
    .await;
    assert_eq!(counts(&r)[..4], [1, 1, 3, 0]);
    // A text column is skipped with DQX's error, on every row.
    assert_eq!(counts(&r)[4], 7);
    assert!(
        r.rule_results[4]
            .message
            .contains("must be of numeric type to perform outlier detection using MAD method, but got type 'string'"),
        "{}",
        r.rule_results[4].message
    );
}

#[tokio::test]
async fn data_freshness_per_window_counts_rows_up_to_now() {
    // Hourly windows, at least 2 rows each, now 2025-01-31 12:00: 09:00 has 2, 10:00 one,
    // 11:00 two, 12:00 one (now itself counts; 12:30 is in the future and neither counts nor
    // fails), and the day before one. Five windows of lookback (from 07:00) leave that one out.
    let ts = StringArray::from(vec![
        Some("2025-01-31 09:10:00"),
        Some("2025-01-31 09:50:00"),
        Some("2025-01-31 10:30:00"),
        Some("2025-01-31 11:05:00"),
        Some("2025-01-31 11:59:00"),
        Some("2025-01-31 12:30:00"),
        Some("2025-01-31 12:00:00"),
        Some("2025-01-30 08:00:00"),
        None,
    ]);
    let base = json!({"column": "ts", "window_minutes": 60, "min_records_per_window": 2});
    let unnamed =
        json!({"check": {"function": "is_data_fresh_per_time_window", "arguments": base}});
    let with_lookback = named(
        "ts_recent",
        "is_data_fresh_per_time_window",
        base.clone(),
        json!({"lookback_windows": 5}),
    );
    let r = run_at(
        vec![Field::new("ts", DataType::Utf8, true)],
        vec![Arc::new(ts)],
        json!([unnamed, with_lookback]),
        Some("2025-01-31T12:00:00"),
    )
    .await;
    assert_eq!(
        r.rule_results[0].rule_name,
        "ts_is_data_fresh_per_time_window"
    );
    assert_eq!(counts(&r), [3, 2]);
    assert_eq!(
        message(&r, 0),
        Some(
            "Data arrival completeness check failed: only 1 records found in 60-minute interval starting at 2025-01-31 10:00:00 and ending at 2025-01-31 11:00:00, expected at least 2 records"
        )
    );
}

#[tokio::test]
async fn gaps_between_windows_flag_the_window_before_the_gap() {
    // Hourly windows 00:00 (two rows), 01:00, 04:00 and 05:00: the gap after 01:00 flags its row;
    // with trailing_gap (now 12:00) the last window, 05:00, is flagged too. Per group: a has
    // 00:00 and 04:00 (two rows flagged), b has 01:00 and 05:00 (one).
    let ts = StringArray::from(vec![
        Some("2025-01-31 00:10:00"),
        Some("2025-01-31 00:50:00"),
        Some("2025-01-31 01:20:00"),
        Some("2025-01-31 04:00:00"),
        Some("2025-01-31 05:30:00"),
        None,
    ]);
    let g = StringArray::from(vec!["a", "a", "b", "a", "b", "a"]);
    let r = run_at(
        vec![
            Field::new("ts", DataType::Utf8, true),
            Field::new("g", DataType::Utf8, false),
        ],
        vec![Arc::new(ts), Arc::new(g)],
        json!([
            {"check": {"function": "has_no_gaps_per_time_window", "arguments": {"column": "ts", "window_minutes": 60}}},
            {"name": "trailing", "check": {"function": "has_no_gaps_per_time_window", "arguments": {"column": "ts", "window_minutes": 60, "trailing_gap": true}}},
            {"name": "per_group", "check": {"function": "has_no_gaps_per_time_window", "arguments": {"column": "ts", "window_minutes": 60, "group_by": ["g"]}}},
        ]),
        Some("2025-01-31T12:00:00"),
    )
    .await;
    assert_eq!(
        r.rule_results[0].rule_name,
        "ts_has_no_gaps_per_time_window"
    );
    assert_eq!(counts(&r), [1, 2, 3]);
    assert_eq!(
        message(&r, 0),
        Some(
            "Gap in time series: no data between the window starting at 2025-01-31 01:00:00 and the next present window starting at 2025-01-31 04:00:00"
        )
    );
    let trailing: Vec<&str> = r.rule_results[1]
        .sample_violations
        .iter()
        .filter_map(|s| s["_message"].as_str())
        .collect();
    assert!(
        trailing.contains(
            &"Gap in time series: no data between the window starting at 2025-01-31 05:00:00 and the current time; the current window starts at 2025-01-31 12:00:00"
        ),
        "{trailing:?}"
    );
}

#[tokio::test]
async fn aggregates_match_a_reference_table() {
    // Checked: grp a, a, b, NULL with amounts 1, 2, 3, 4. Reference: g a, b, b, c with 1, 2, 1, 9.
    let ctx = SessionContext::new();
    add_table(
        &ctx,
        "d",
        vec![
            Field::new("grp", DataType::Utf8, true),
            Field::new("amount", DataType::Int64, false),
        ],
        vec![
            Arc::new(StringArray::from(vec![
                Some("a"),
                Some("a"),
                Some("b"),
                None,
            ])),
            Arc::new(Int64Array::from(vec![1, 2, 3, 4])),
        ],
    );
    add_table(
        &ctx,
        "reference",
        vec![
            Field::new("g", DataType::Utf8, false),
            Field::new("amt", DataType::Int64, false),
        ],
        vec![
            Arc::new(StringArray::from(vec!["a", "b", "b", "c"])),
            Arc::new(Int64Array::from(vec![1, 2, 1, 9])),
        ],
    );
    let rule = |name: &str, extra: Value| {
        named(
            name,
            "aggr_matches_dataset",
            json!({"column": "amount", "ref_table": "reference", "ref_column": "amt"}),
            extra,
        )
    };
    let rules = json!([
        {"check": {"function": "aggr_matches_dataset", "arguments": {"column": "amount", "ref_table": "reference", "ref_column": "amt"}}},
        rule("sums", json!({"aggr_type": "sum"})),
        rule("sums_per_group", json!({"aggr_type": "sum", "group_by": ["grp"], "ref_group_by": ["g"]})),
        rule("small_counts_within_one", json!({"ref_row_filter": "amt < 5", "abs_tolerance": 1})),
        rule("small_counts", json!({"ref_row_filter": "amt < 5"})),
        rule("no_ref_groups", json!({"ref_group_by": ["g"]})),
    ]);
    let r = evaluate_rules(&ctx, "d", &rules, None).await;
    assert_eq!(
        r.rule_results[0].rule_name,
        "amount_count_not_equal_to_upstream_limit"
    );
    // Counts 4 and 4 match; sums 10 and 13 do not (every row); per group a (3 vs 1) fails and
    // the NULL group, which the reference lacks, fails; b (3 vs 3) passes. The reference's
    // filtered count is 3: within 1 of 4, but not equal to it. ref_group_by without group_by
    // is DQX's error.
    assert_eq!(counts(&r), [0, 4, 3, 0, 4, 4]);
    assert_eq!(
        message(&r, 1),
        Some(
            "Sum value 10 in column 'amount' is not equal to table 'reference' column 'amt' limit: 13"
        )
    );
    assert!(
        r.rule_results[5]
            .message
            .contains("'ref_group_by' was provided without 'group_by'")
    );
}

#[tokio::test]
async fn aggregate_outliers_compare_the_latest_bucket_with_its_history() {
    // Daily sums of v for group a: 10, 12, 11, 13, 10, 12, 11, 13, then 30 (mean 11.5, population
    // stddev 1.118: 30 is 18.5 away, more than 3 x 1.118). Group b is 5 every day (stddev 0).
    let mut values = Vec::new();
    let history = [10, 12, 11, 13, 10, 12, 11, 13, 30];
    for (day, v) in history.iter().enumerate() {
        values.push(format!(
            "(TIMESTAMP '2025-01-{:02} 08:00:00', {v}, 'a')",
            day + 1
        ));
        values.push(format!(
            "(TIMESTAMP '2025-01-{:02} 09:00:00', 5, 'b')",
            day + 1
        ));
    }
    let ctx = SessionContext::new();
    ctx.sql(&format!(
        "CREATE TABLE d AS SELECT column1 AS ts, CAST(column2 AS BIGINT) AS v, column3 AS g FROM (VALUES {})",
        values.join(", ")
    ))
    .await
    .unwrap();
    let rule = |name: &str, extra: Value| {
        named(
            name,
            "has_no_aggr_outliers",
            json!({"column": "v", "time_column": "ts", "aggr_type": "sum"}),
            extra,
        )
    };
    let rules = json!([
        {"check": {"function": "has_no_aggr_outliers", "arguments": {"column": "v", "time_column": "ts", "aggr_type": "sum", "group_by": ["g"]}}},
        rule("too_little_history", json!({"group_by": ["g"], "warmup_num_intervals": 9})),
        rule("wide_band", json!({"group_by": ["g"], "sigma": 20.0})),
        rule("short_lookback", json!({"group_by": ["g"], "lookback_num_intervals": 2, "warmup_num_intervals": 2})),
        rule("whole_table", json!({})),
        rule("text_time", json!({"time_column": "g"})),
    ]);
    let r = evaluate_rules(&ctx, "d", &rules, None).await;
    assert_eq!(r.rule_results[0].rule_name, "v_sum_outlier_group_by_g");
    // Every row of group a fails; b never does. Eight earlier days are fewer than a warm-up of
    // nine; 20 x 1.118 is wider than 18.5; the last two days (11, 13) give mean 12, stddev 1.
    // The whole table's daily sums (15 to 18, then 35) flag all 18 rows. A text time column is
    // DQX's error.
    assert_eq!(counts(&r), [9, 0, 0, 9, 18, 18]);
    let m = message(&r, 0).unwrap_or_default();
    assert!(
        m.starts_with("sum(v): current=30")
            && m.ends_with(" exceeds 3.0 x stddev (lookback=14 intervals)"),
        "{m}"
    );
    assert!(
        r.rule_results[5]
            .message
            .contains("must be of date or timestamp type")
    );
}

#[tokio::test]
async fn value_shares_against_an_expected_distribution() {
    // a five times, b three, c twice, two NULLs (not counted).
    let mut status: Vec<Option<&str>> = [vec!["a"; 5], vec!["b"; 3], vec!["c"; 2]]
        .concat()
        .into_iter()
        .map(Some)
        .collect();
    status.extend([None, None]);
    let share = Float64Array::from(vec![0.5; 12]);
    let rule = |name: &str, distribution: Value, distance: f64, extra: Value| {
        let base = json!({"column": "status", "distribution": distribution, "distance": distance});
        named(name, "is_in_distribution", base, extra)
    };
    let r = run(
        vec![
            Field::new("status", DataType::Utf8, true),
            Field::new("share", DataType::Float64, false),
        ],
        vec![Arc::new(StringArray::from(status)), Arc::new(share)],
        json!([
            {"check": {"function": "is_in_distribution", "arguments": {"column": "status", "distribution": {"a": 0.5, "b": 0.3, "c": 0.2}, "distance": 0.0}}},
            rule("two_keys", json!({"a": 0.6, "b": 0.4}), 0.1, json!({})),
            rule("at_the_limit", json!({"a": 0.6, "b": 0.4}), 0.2, json!({})),
            rule("any_case", json!({"A": 0.5, "B": 0.3, "C": 0.2}), 0.0, json!({"case_sensitive": false})),
            rule("wrong_case", json!({"A": 0.5, "B": 0.3, "C": 0.2}), 0.0, json!({})),
            rule("only_b", json!({"b": 1.0}), 0.0, json!({"row_filter": "status = 'b'"})),
            {"name": "doubles", "check": {"function": "is_in_distribution", "arguments": {"column": "share", "distribution": {"0.5": 1.0}, "distance": 0.0}}},
        ]),
    )
    .await;
    assert_eq!(r.rule_results[0].rule_name, "status_is_not_in_distribution");
    // TVD 0; 0.5 x (0.1 + 0.1 + 0.2) = 0.2 > 0.1 (every row); 0.2 at 0.2 passes; lower-cased
    // keys match; upper-case keys leave all the mass in the residual (TVD 1); the filter keeps
    // only b; a DOUBLE column is DQX's error.
    assert_eq!(counts(&r), [0, 12, 0, 0, 12, 0, 12]);
    assert_eq!(
        message(&r, 1),
        Some(
            "Column 'status' actual distribution deviates from expected by TVD=0.200000, which exceeds the allowed distance=0.1."
        )
    );
    assert!(
        r.rule_results[6]
            .message
            .contains("unsupported type 'double'"),
        "{}",
        r.rule_results[6].message
    );
}
