//! The engine against a hand-made table whose answers follow DQX's semantics (dqx-semantics.md):
//! NULL passes all but the null checks, inclusive ranges, list literals quoted, dataset checks
//! per key and per group, filters, skipped rules, valid/invalid split.

use datafusion::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::execution::context::{SessionConfig, SessionContext};
use dqx_manager::engine::evaluate::{EvalOptions, Evaluation, evaluate};
use dqx_manager::model::results::RuleStatus;
use dqx_manager::model::rules::validate::validate_rule_set;
use serde_json::{Value, json};
use std::sync::Arc;

/// 2025-01-31 as days since the epoch.
const JAN_31: i32 = 20_119;

fn table() -> SessionContext {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("status", DataType::Utf8, true),
        Field::new("amount", DataType::Float64, true),
        Field::new("ip", DataType::Utf8, true),
        Field::new("grp", DataType::Utf8, true),
        Field::new("d", DataType::Date32, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(vec![1, 2, 3, 4, 5, 6, 7, 8])),
        Arc::new(StringArray::from(vec![
            Some("a"),
            None,
            Some(""),
            Some("  "),
            Some("b"),
            Some("c"),
            Some("d"),
            Some("a"),
        ])),
        Arc::new(StringArray::from(vec![
            Some("new"),
            Some("shipped"),
            Some("bad"),
            None,
            Some("NEW"),
            Some("new"),
            Some("shipped"),
            Some("new"),
        ])),
        Arc::new(Float64Array::from(vec![
            Some(10.0),
            Some(-5.0),
            Some(0.0),
            None,
            Some(100.0),
            Some(50.5),
            Some(1000.0),
            Some(7.0),
        ])),
        Arc::new(StringArray::from(vec![
            Some("1.2.3.4"),
            Some("256.1.1.1"),
            Some("01.2.3.4"),
            None,
            Some("10.0.0.1"),
            Some("1.2.3"),
            Some("192.168.0.255"),
            Some("1.2.3.4\n"),
        ])),
        Arc::new(StringArray::from(vec![
            Some("x"),
            Some("x"),
            Some("y"),
            Some("y"),
            Some("y"),
            Some("z"),
            None,
            None,
        ])),
        Arc::new(Date32Array::from(vec![
            Some(JAN_31),
            Some(JAN_31 - 1),
            Some(JAN_31 - 2),
            Some(JAN_31 - 3),
            Some(JAN_31 + 1),
            None,
            Some(JAN_31 - 400),
            Some(JAN_31 + 30),
        ])),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let config = SessionConfig::new().set_str("datafusion.sql_parser.dialect", "databricks");
    let ctx = SessionContext::new_with_config(config);
    ctx.register_table(
        "t",
        Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap()),
    )
    .unwrap();
    ctx
}

async fn run(rules: Value) -> Evaluation {
    let validation = validate_rule_set(&rules, None);
    assert!(validation.is_valid(), "{:?}", validation.problems);
    let options = EvalOptions {
        now: Some("2025-01-31T12:00:00".to_string()),
        collect_rows: true,
        ..Default::default()
    };
    evaluate(&table(), "t", "t", &validation.rules, &options)
        .await
        .unwrap()
}

/// Violation count of the only rule in `rule`.
async fn count(rule: Value) -> u64 {
    let evaluation = run(json!([rule])).await;
    evaluation.result.rule_results[0].violation_count
}

fn check(function: &str, arguments: Value) -> Value {
    json!({"check": {"function": function, "arguments": arguments}})
}

#[tokio::test]
async fn null_and_empty_checks() {
    assert_eq!(
        count(check("is_not_null", json!({"column": "name"}))).await,
        1
    );
    assert_eq!(count(check("is_null", json!({"column": "name"}))).await, 7);
    assert_eq!(
        count(check("is_not_empty", json!({"column": "name"}))).await,
        1
    );
    assert_eq!(
        count(check(
            "is_not_empty",
            json!({"column": "name", "trim_strings": true})
        ))
        .await,
        2
    );
    assert_eq!(count(check("is_empty", json!({"column": "name"}))).await, 6);
    assert_eq!(
        count(check(
            "is_not_null_and_not_empty",
            json!({"column": "name"})
        ))
        .await,
        2
    );
    assert_eq!(
        count(check("is_null_or_empty", json!({"column": "name"}))).await,
        6
    );
    // A number is never empty.
    assert_eq!(
        count(check("is_not_empty", json!({"column": "amount"}))).await,
        0
    );
}

#[tokio::test]
async fn list_checks_read_quoted_literals_and_pass_null() {
    let allowed = json!(["'new'", "'shipped'"]);
    assert_eq!(
        count(check(
            "is_in_list",
            json!({"column": "status", "allowed": allowed})
        ))
        .await,
        2
    );
    assert_eq!(
        count(check(
            "is_in_list",
            json!({"column": "status", "allowed": allowed, "case_sensitive": false})
        ))
        .await,
        1
    );
    assert_eq!(
        count(check(
            "is_not_null_and_is_in_list",
            json!({"column": "status", "allowed": allowed})
        ))
        .await,
        3
    );
    assert_eq!(
        count(check(
            "is_not_in_list",
            json!({"column": "status", "forbidden": ["'bad'"]})
        ))
        .await,
        1
    );
    // A bare string is a column: `grp` equals status nowhere; rows where either side is NULL
    // compare as NULL and pass, so 8 rows - 1 NULL status - 2 NULL grp = 5 fail.
    assert_eq!(
        count(check(
            "is_in_list",
            json!({"column": "status", "allowed": ["grp"]})
        ))
        .await,
        5
    );
}

#[tokio::test]
async fn comparison_checks_are_inclusive_and_pass_null() {
    assert_eq!(
        count(check(
            "is_in_range",
            json!({"column": "amount", "min_limit": 0, "max_limit": 100})
        ))
        .await,
        2
    );
    assert_eq!(
        count(check(
            "is_not_in_range",
            json!({"column": "amount", "min_limit": 0, "max_limit": 100})
        ))
        .await,
        5
    );
    assert_eq!(
        count(check(
            "is_not_less_than",
            json!({"column": "amount", "limit": 0})
        ))
        .await,
        1
    );
    assert_eq!(
        count(check(
            "is_not_greater_than",
            json!({"column": "amount", "limit": "100"})
        ))
        .await,
        1
    );
    assert_eq!(
        count(check(
            "is_not_greater_than",
            json!({"column": "amount", "limit": "id * 100"})
        ))
        .await,
        1
    );
    assert_eq!(
        count(check(
            "is_equal_to",
            json!({"column": "amount", "value": 10})
        ))
        .await,
        6
    );
    assert_eq!(
        count(check(
            "is_equal_to",
            json!({"column": "amount", "value": 10, "abs_tolerance": 3})
        ))
        .await,
        5
    );
    assert_eq!(
        count(check(
            "is_not_equal_to",
            json!({"column": "amount", "value": 0})
        ))
        .await,
        1
    );
    // allow_nulls = false (DQX 0.17): NULL fails too.
    assert_eq!(
        count(check(
            "is_in_range",
            json!({"column": "amount", "min_limit": 0, "max_limit": 100, "allow_nulls": false})
        ))
        .await,
        3
    );
}

#[tokio::test]
async fn pattern_checks() {
    assert_eq!(
        count(check(
            "regex_match",
            json!({"column": "name", "regex": "^[a-z]$"})
        ))
        .await,
        2
    );
    assert_eq!(
        count(check(
            "regex_match",
            json!({"column": "name", "regex": "^[a-z]$", "negate": true})
        ))
        .await,
        5
    );
    // Leading zeros, out-of-range octets, too few parts and a trailing newline all fail.
    assert_eq!(
        count(check("is_valid_ipv4_address", json!({"column": "ip"}))).await,
        4
    );
}

#[tokio::test]
async fn time_checks_use_the_fixed_now() {
    // now = 2025-01-31 12:00; Feb 1 and Mar 2 are in the future, Jan 31 (midnight) is not.
    assert_eq!(
        count(check("is_not_in_future", json!({"column": "d"}))).await,
        2
    );
    // With a day of offset, Feb 1 (00:00) is within the allowance.
    assert_eq!(
        count(check(
            "is_not_in_future",
            json!({"column": "d", "offset": 86_400})
        ))
        .await,
        1
    );
    assert_eq!(
        count(check(
            "is_not_in_near_future",
            json!({"column": "d", "offset": 86_400})
        ))
        .await,
        1
    );
    // Passes only when strictly more than 2 days old: Jan 29, 30, 31 and the future dates fail.
    assert_eq!(
        count(check(
            "is_older_than_n_days",
            json!({"column": "d", "days": 2})
        ))
        .await,
        5
    );
    assert_eq!(
        count(check(
            "is_older_than_n_days",
            json!({"column": "d", "days": 2, "negate": true})
        ))
        .await,
        2
    );
    assert_eq!(
        count(check(
            "is_data_fresh",
            json!({"column": "d", "max_age_minutes": 1440})
        ))
        .await,
        4
    );
}

#[tokio::test]
async fn coordinates() {
    // amount: 10, -5, 0, NULL, 100, 50.5, 1000, 7 — 100 and 1000 are no latitude, 1000 no longitude.
    assert_eq!(
        count(check("is_latitude", json!({"column": "amount"}))).await,
        2
    );
    assert_eq!(
        count(check("is_longitude", json!({"column": "amount"}))).await,
        1
    );
    let e = run(json!([check("is_longitude", json!({"column": "amount"}))])).await;
    assert_eq!(
        e.result.rule_results[0].rule_name,
        "amount_is_not_valid_longitude"
    );
    assert_eq!(
        e.result.rule_results[0].sample_violations[0]["_message"],
        "value `1000.0` in column `amount` is not a valid longitude (must be between -180 and 180)"
    );
    // Text that is no number is not flagged (try_cast gives NULL, which passes).
    assert_eq!(
        count(check("is_latitude", json!({"column": "name"}))).await,
        0
    );
}

#[tokio::test]
async fn sql_expression_fails_where_false() {
    assert_eq!(
        count(check(
            "sql_expression",
            json!({"expression": "amount >= 0"})
        ))
        .await,
        1
    );
    assert_eq!(
        count(check(
            "sql_expression",
            json!({"expression": "amount >= 0", "negate": true})
        ))
        .await,
        6
    );
}

#[tokio::test]
async fn uniqueness_is_per_key_with_sql_null_semantics() {
    assert_eq!(
        count(check("is_unique", json!({"columns": ["grp"]}))).await,
        5
    );
    assert_eq!(
        count(check(
            "is_unique",
            json!({"columns": ["grp"], "nulls_distinct": false})
        ))
        .await,
        7
    );
    assert_eq!(
        count(check("is_unique", json!({"columns": ["grp", "status"]}))).await,
        0
    );
    assert_eq!(
        count(check("is_unique", json!({"columns": ["id"]}))).await,
        0
    );
    // The rule filter is pushed down: only filtered rows are counted and reported.
    let filtered = json!({"filter": "id >= 3", "check": {"function": "is_unique", "arguments": {"columns": ["grp"]}}});
    assert_eq!(count(filtered).await, 3);
}

#[tokio::test]
async fn aggregates_whole_table_and_per_group() {
    assert_eq!(
        count(check(
            "is_aggr_not_greater_than",
            json!({"column": "id", "limit": 7})
        ))
        .await,
        8
    );
    assert_eq!(
        count(check(
            "is_aggr_not_greater_than",
            json!({"column": "*", "limit": 8})
        ))
        .await,
        0
    );
    assert_eq!(
        count(check(
            "is_aggr_not_less_than",
            json!({"column": "amount", "aggr_type": "sum", "group_by": ["grp"], "limit": 60})
        ))
        .await,
        3
    );
    assert_eq!(
        count(check(
            "is_aggr_equal",
            json!({"column": "amount", "aggr_type": "max", "limit": 1000})
        ))
        .await,
        0
    );
    assert_eq!(
        count(check(
            "is_aggr_not_equal",
            json!({"column": "amount", "aggr_type": "min", "limit": -5})
        ))
        .await,
        8
    );
}

#[tokio::test]
async fn messages_match_dqx() {
    let e = run(json!([
        check("is_not_null", json!({"column": "name"})),
        check(
            "is_in_list",
            json!({"column": "status", "allowed": ["'new'", "'shipped'"]})
        ),
        check(
            "is_in_range",
            json!({"column": "amount", "min_limit": 0, "max_limit": 100})
        ),
        check("is_unique", json!({"columns": ["grp"]})),
        check(
            "is_aggr_not_greater_than",
            json!({"column": "id", "limit": 7})
        ),
    ]))
    .await;
    let first = |i: usize| {
        e.result.rule_results[i].sample_violations[0]["_message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(first(0), "Column 'name' value is null");
    assert_eq!(
        first(1),
        "Value 'bad' in Column 'status' is not in the allowed list: [new, shipped]"
    );
    assert_eq!(
        first(2),
        "Value '-5.0' in Column 'amount' not in range: [0, 100]"
    );
    assert_eq!(
        first(3),
        "Value 'x' in column 'grp' is not unique, found 2 duplicates"
    );
    assert_eq!(
        first(4),
        "Count value 8 in column 'id' is greater than limit: 7"
    );
    assert_eq!(e.result.rule_results[0].rule_name, "name_is_null");
}

#[tokio::test]
async fn filters_apply_and_warnings_keep_rows_valid() {
    let e = run(json!([
        {"name": "name_set", "filter": "id > 2", "check": {"function": "is_not_null", "arguments": {"column": "name"}}},
        {"name": "no_negative", "check": {"function": "is_not_less_than", "arguments": {"column": "amount", "limit": 0}}},
        {"name": "small", "criticality": "warn", "check": {"function": "is_not_greater_than", "arguments": {"column": "amount", "limit": 100}}},
    ]))
    .await;
    let r = &e.result;
    assert_eq!(
        r.rule_results[0].violation_count, 0,
        "the NULL name is outside the filter"
    );
    assert_eq!(r.rule_results[0].status, RuleStatus::Pass);
    assert_eq!(r.rule_results[1].status, RuleStatus::Fail);
    assert_eq!(r.rule_results[2].status, RuleStatus::Warn);
    assert_eq!(r.total_rows, 8);
    assert_eq!(r.invalid_rows, 1);
    assert_eq!(r.valid_rows, 7);
    assert_eq!(r.rows_with_warnings, 1);
    assert_eq!(r.pass_rate, 87.5);
    assert_eq!((r.passed, r.failed, r.warnings), (1, 1, 1));
    // Per-row results in input order, as DQX's result columns.
    let rows = e.rows.unwrap();
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[1].row, 1);
    assert_eq!(rows[1].errors.as_ref().unwrap()[0].name, "no_negative");
    assert!(rows[0].errors.is_none() && rows[0].warnings.is_none());
    assert_eq!(
        rows[6].warnings.as_ref().unwrap()[0].function,
        "is_not_greater_than"
    );
}

#[tokio::test]
async fn rules_that_cannot_run_are_skipped_on_every_row() {
    let e = run(json!([
        check("is_not_null", json!({"column": "missing"})),
        check(
            "sql_expression",
            json!({"expression": "no_such_column > 1"})
        ),
        check("is_not_null", json!({"column": "id"})),
    ]))
    .await;
    let r = &e.result;
    assert_eq!(r.rule_results[0].status, RuleStatus::Error);
    assert_eq!(r.rule_results[0].violation_count, 8);
    assert_eq!(
        r.rule_results[0].message,
        "Check evaluation skipped due to invalid check columns: ['missing']"
    );
    assert_eq!(r.rule_results[1].status, RuleStatus::Error);
    assert_eq!(r.rule_results[2].status, RuleStatus::Pass);
    assert_eq!(r.invalid_rows, 8);
}

#[tokio::test]
async fn hostile_literals_stay_literals() {
    for value in [
        "'); DROP TABLE t; --",
        "it's",
        "back\\slash",
        "-- comment",
        "😀 ünïcode",
        "/* x */",
    ] {
        let quoted = format!("'{}'", value.replace('\'', "''"));
        let n = count(check(
            "is_in_list",
            json!({"column": "status", "allowed": [quoted]}),
        ))
        .await;
        assert_eq!(n, 7, "{value:?} must be compared as text");
    }
    // As regex patterns, the same strings are patterns (none matches a status) or, when not a
    // valid pattern, a skipped rule; never SQL.
    for value in ["it's", "back\\slash", "-- comment", "😀 ünïcode", "/* x */"] {
        let e = run(json!([check(
            "regex_match",
            json!({"column": "status", "regex": value})
        )]))
        .await;
        assert_eq!(e.result.rule_results[0].violation_count, 7, "{value:?}");
        assert_eq!(e.result.rule_results[0].status, RuleStatus::Fail);
    }
    let e = run(json!([check(
        "regex_match",
        json!({"column": "status", "regex": "'); DROP TABLE t; --"})
    )]))
    .await;
    assert_eq!(e.result.rule_results[0].status, RuleStatus::Error);
    assert!(e.result.rule_results[0].message.contains("invalid regex"));
}

/// A list value with a quote or a backslash (as the prompt reader writes it) means the same to
/// the embedded engine as to Spark: `O'Brien` is allowed and matched, nothing breaks.
#[tokio::test]
async fn list_values_with_quotes_and_backslashes_are_read_as_written() {
    use dqx_manager::engine::sql::portable_literal;
    let ctx = SessionContext::new();
    ctx.sql(
        "CREATE VIEW people AS SELECT * FROM (VALUES ('O''Brien'), ('a\\b'), ('Smith')) AS t(name)",
    )
    .await
    .unwrap();
    let rules = json!([check(
        "is_in_list",
        json!({"column": "name", "allowed": [portable_literal("O'Brien"), portable_literal("a\\b")]})
    )]);
    let validation = validate_rule_set(&rules, None);
    assert!(validation.is_valid(), "{:?}", validation.problems);
    let result = evaluate(
        &ctx,
        "people",
        "people",
        &validation.rules,
        &EvalOptions::default(),
    )
    .await
    .unwrap()
    .result;
    assert_eq!(
        result.rule_results[0].status,
        RuleStatus::Fail,
        "{:?}",
        result.rule_results[0]
    );
    assert_eq!(
        result.rule_results[0].violation_count, 1,
        "only Smith is outside the list"
    );
}

/// `aggr_type` beyond count/sum/avg/min/max, with answers worked out from the table by hand:
/// amount's non-NULL values are -5, 0, 7, 10, 50.5, 100, 1000 (n = 7, sum 1162.5); grp has
/// x twice, y three times, z once and two NULLs.
#[tokio::test]
async fn every_dqx_aggregate_type() {
    let aggr = |function: &str, column: &str, aggr_type: &str, limit: Value| {
        check(
            function,
            json!({"column": column, "aggr_type": aggr_type, "limit": limit}),
        )
    };
    let ngt = "is_aggr_not_greater_than";
    let nlt = "is_aggr_not_less_than";
    let eq = "is_aggr_equal";
    // (rule, rows flagged): every row when the whole-table metric fails, none when it passes.
    let cases = [
        (aggr(ngt, "grp", "count_distinct", json!(2)), 8),
        (aggr(ngt, "grp", "count_distinct", json!(3)), 0),
        (aggr(ngt, "grp", "approx_count_distinct", json!(2)), 8),
        (aggr(ngt, "grp", "approx_count_distinct", json!(3)), 0),
        (aggr(ngt, "amount > 20", "count_if", json!(2)), 8),
        (aggr(ngt, "amount > 20", "count_if", json!(3)), 0),
        (aggr(eq, "amount", "median", json!(10)), 0),
        (aggr(nlt, "amount", "median", json!(11)), 8),
        (aggr(eq, "grp", "mode", json!("'y'")), 0),
        (aggr(eq, "grp", "mode", json!("'x'")), 8),
        (aggr(ngt, "amount", "stddev", json!(369.7)), 0),
        (aggr(ngt, "amount", "stddev_samp", json!(369.6)), 8),
        (aggr(ngt, "amount", "stddev_pop", json!(342.2)), 0),
        (aggr(nlt, "amount", "stddev_pop", json!(342.2)), 8),
        (aggr(ngt, "amount", "variance", json!(136611.1)), 0),
        (aggr(ngt, "amount", "var_samp", json!(136611.0)), 8),
        (aggr(ngt, "amount", "var_pop", json!(117095.2)), 0),
        (aggr(nlt, "amount", "var_pop", json!(117095.2)), 8),
        (aggr(ngt, "amount", "skewness", json!(2.0)), 0),
        (aggr(ngt, "amount", "skewness", json!(1.99)), 8),
        (aggr(ngt, "amount", "kurtosis", json!(2.08)), 0),
        (aggr(ngt, "amount", "kurtosis", json!(2.07)), 8),
    ];
    for (rule, expected) in cases {
        let function = rule["check"]["arguments"]["aggr_type"].clone();
        assert_eq!(count(rule.clone()).await, expected, "{function}: {rule}");
    }
}

#[tokio::test]
async fn percentiles_take_aggr_params_and_name_them() {
    let pct = |p: Value, limit: f64| {
        check(
            "is_aggr_equal",
            json!({"column": "amount", "aggr_type": "percentile", "aggr_params": {"percentile": p}, "limit": limit}),
        )
    };
    // Linear interpolation between the 2nd and 3rd of the seven values: 0 + 0.5 * 7.
    assert_eq!(count(pct(json!(0.25), 3.5)).await, 0);
    assert_eq!(count(pct(json!(0.5), 10.0)).await, 0);
    let e = run(json!([pct(json!(0.5), 11.0)])).await;
    let rule = &e.result.rule_results[0];
    assert_eq!(rule.violation_count, 8);
    assert_eq!(
        rule.sample_violations[0]["_message"].as_str(),
        Some(
            "Percentile (percentile=0.5) value 10.0 in column 'amount' is not equal to limit: 11.0"
        )
    );
    // Without its parameter DQX refuses the check: every row carries the skip.
    let missing = check(
        "is_aggr_equal",
        json!({"column": "amount", "aggr_type": "percentile", "limit": 1}),
    );
    let e = run(json!([missing])).await;
    assert_eq!(e.result.rule_results[0].status, RuleStatus::Error);
    assert_eq!(e.result.rule_results[0].violation_count, 8);
}

#[tokio::test]
async fn aggregate_equality_with_tolerances() {
    let sum = |extra: Value| {
        let mut args = json!({"column": "amount", "aggr_type": "sum", "limit": 1160});
        if let (Some(a), Some(e)) = (args.as_object_mut(), extra.as_object()) {
            a.extend(e.clone());
        }
        check("is_aggr_equal", args)
    };
    // The sum is 1162.5: 2.5 away from the limit.
    assert_eq!(count(sum(json!({}))).await, 8);
    assert_eq!(count(sum(json!({"abs_tolerance": 5}))).await, 0);
    assert_eq!(count(sum(json!({"abs_tolerance": 1}))).await, 8);
    assert_eq!(count(sum(json!({"rel_tolerance": 0.01}))).await, 0);
    assert_eq!(count(sum(json!({"rel_tolerance": 0.001}))).await, 8);
    let not_equal = check(
        "is_aggr_not_equal",
        json!({"column": "amount", "aggr_type": "sum", "limit": 1160, "abs_tolerance": 5}),
    );
    assert_eq!(count(not_equal).await, 8);
}

#[tokio::test]
async fn aggregate_types_per_group() {
    // Distinct statuses per grp: x {new, shipped} = 2, y {bad, NEW} = 2, z {new} = 1, and the
    // NULL group {shipped, new} = 2.
    let rule = check(
        "is_aggr_not_greater_than",
        json!({"column": "status", "aggr_type": "count_distinct", "group_by": ["grp"], "limit": 1}),
    );
    assert_eq!(count(rule).await, 7);
    // Median amount per grp: x 2.5, y 50, z 50.5, NULL 503.5.
    let rule = check(
        "is_aggr_not_greater_than",
        json!({"column": "amount", "aggr_type": "median", "group_by": ["grp"], "limit": 50.25}),
    );
    assert_eq!(count(rule).await, 3);
    // Mode of status per grp, NULLs ignored, ties to the smallest: x 'new' (over 'shipped'),
    // y 'NEW' (over 'bad'), z 'new', NULL group 'new': only y's three rows differ from 'new'.
    let rule = check(
        "is_aggr_equal",
        json!({"column": "status", "aggr_type": "mode", "group_by": ["grp"], "limit": "'new'"}),
    );
    assert_eq!(count(rule).await, 3);
}

#[tokio::test]
async fn future_checks_compare_string_columns_as_text_like_spark() {
    // DQX compares with from_unixtime(now + offset), a 'yyyy-MM-dd HH:mm:ss' string: only
    // '256.1.1.1' sorts after '2025-01-31 12:00:00' (and after '2027-…', so it is not in the near
    // future either). The run must not fail on the string type.
    assert_eq!(
        count(check("is_not_in_future", json!({"column": "ip"}))).await,
        1
    );
    assert_eq!(
        count(check(
            "is_not_in_near_future",
            json!({"column": "ip", "offset": 86400 * 365 * 2})
        ))
        .await,
        0
    );
    assert_eq!(
        count(check("is_not_in_future", json!({"column": "name"}))).await,
        5
    );
}

/// With the table's columns known (as every run knows them), a rule on a column the table lacks
/// is a warning, not a refusal: DQX runs it skipped, on every row, under its own criticality.
#[tokio::test]
async fn rules_on_missing_columns_are_kept_and_skipped_with_their_criticality() {
    let rules = json!([
        {"name": "gone_is_null", "criticality": "warn", "check": {"function": "is_null", "arguments": {"column": "gone"}}},
        {"name": "gone_null_or_empty", "check": {"function": "is_null_or_empty", "arguments": {"column": "gone"}}},
        {"name": "id_present", "check": {"function": "is_not_null", "arguments": {"column": "id"}}},
    ]);
    let columns: Vec<String> = ["id", "name", "status", "amount", "ip", "grp", "d"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    let validation = validate_rule_set(&rules, Some(&columns));
    assert!(validation.is_valid(), "{:?}", validation.problems);
    assert_eq!(validation.problems.len(), 2, "{:?}", validation.problems);
    assert_eq!(validation.rules.len(), 3);
    let options = EvalOptions::default();
    let e = evaluate(&table(), "t", "t", &validation.rules, &options)
        .await
        .unwrap();
    let r = &e.result;
    assert_eq!(r.total_rules, 3);
    assert_eq!(r.rule_results[0].rule_name, "gone_is_null");
    assert_eq!(r.rule_results[0].violation_count, 8);
    assert_eq!(r.rule_results[0].criticality, "warn");
    assert_eq!(r.rule_results[1].violation_count, 8);
    assert_eq!(r.rule_results[1].criticality, "error");
    assert_eq!(r.rule_results[2].status, RuleStatus::Pass);
    // The error rule makes every row invalid, so no row has warnings only.
    assert_eq!(r.invalid_rows, 8);
    assert_eq!(r.rows_with_warnings, 0);
}

/// `is_valid_email` and `is_valid_uuid` on values whose answers follow DQX 0.17's patterns.
#[tokio::test]
async fn email_and_uuid_patterns() {
    let values = [
        (
            Some("a@example.com"),
            true,
            Some("123e4567-e89b-42d3-a456-426614174000"),
        ),
        (
            Some("\"john@doe\"@example.com"),
            true,
            Some("00000000-0000-0000-0000-000000000000"),
        ),
        (
            Some("x@[10.0.0.1]"),
            true,
            Some("123E4567-E89B-42D3-A456-426614174000"),
        ),
        (Some("a@b"), false, Some("123e4567e89b42d3a456426614174000")),
        (
            Some("a..b@example.com"),
            false,
            Some("123e4567-e89b-92d3-a456-426614174000"),
        ),
        (
            Some("a@example.com\n"),
            false,
            Some("123e4567-e89b-42d3-a456-42661417400"),
        ),
        (None, true, None),
    ];
    let long_local = format!("{}@example.com", "a".repeat(65));
    let schema = Arc::new(Schema::new(vec![
        Field::new("email", DataType::Utf8, true),
        Field::new("id", DataType::Utf8, true),
    ]));
    let mut emails: Vec<Option<&str>> = values.iter().map(|v| v.0).collect();
    emails.push(Some(&long_local));
    let mut ids: Vec<Option<&str>> = values.iter().map(|v| v.2).collect();
    ids.push(None);
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(emails)),
            Arc::new(StringArray::from(ids)),
        ],
    )
    .unwrap();
    let ctx = SessionContext::new();
    ctx.register_table(
        "p",
        Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap()),
    )
    .unwrap();
    let rules = json!([
        check("is_valid_email", json!({"column": "email"})),
        check("is_valid_uuid", json!({"column": "id"})),
        check("is_valid_uuid", json!({"column": "id", "strict": true})),
    ]);
    let validation = validate_rule_set(&rules, None);
    assert!(validation.is_valid(), "{:?}", validation.problems);
    let names: Vec<&str> = validation.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "email_does_not_match_pattern_email_address",
            "id_does_not_match_pattern_uuid",
            "id_does_not_match_pattern_uuid_strict"
        ]
    );
    let e = evaluate(&ctx, "p", "p", &validation.rules, &EvalOptions::default())
        .await
        .unwrap();
    let counts: Vec<u64> = e
        .result
        .rule_results
        .iter()
        .map(|r| r.violation_count)
        .collect();
    // E-mail: a@b, a..b@…, the trailing newline and the 65-character local part.
    // UUID: no hyphens and one digit short; strict also refuses Nil and version 9.
    assert_eq!(counts, [4, 2, 4]);
    assert_eq!(
        e.result.rule_results[0].sample_violations[0]["_message"].as_str(),
        Some("Value 'a@b' in Column 'email' does not match pattern 'EMAIL_ADDRESS'")
    );
}
