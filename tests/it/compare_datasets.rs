//! `compare_datasets` in the embedded engine against answers DQX 0.17 gave on Spark for the same
//! two tables (`apply_checks_by_metadata`, one run per variant): pairing of duplicate keys by
//! position or (with a filter) by identical values first, NULL keys and values, tolerances,
//! excluded and one-sided columns, and the rows `check_missing_records` adds, with DQX's JSON
//! messages. `spark_parity.rs` runs the Spark SQL form of the same variants.

use crate::common::engine::{add_table, evaluate_rules};
use datafusion::arrow::array::{ArrayRef, Float64Array, Int32Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::execution::context::SessionContext;
use dqx_manager::model::results::ValidationResult;
use serde_json::{Value, json};
use std::sync::Arc;

/// `id, name, amount, tag` and a last column only one side has.
type Row<'a> = (Option<i32>, Option<&'a str>, Option<f64>, &'a str, &'a str);

fn table(ctx: &SessionContext, name: &str, last: &str, rows: &[Row<'_>]) {
    let fields = vec![
        Field::new("id", DataType::Int32, true),
        Field::new("name", DataType::Utf8, true),
        Field::new("amount", DataType::Float64, true),
        Field::new("tag", DataType::Utf8, true),
        Field::new(last, DataType::Utf8, true),
    ];
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        )),
        Arc::new(Float64Array::from(
            rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter().map(|r| Some(r.3)).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter().map(|r| Some(r.4)).collect::<Vec<_>>(),
        )),
    ];
    add_table(ctx, name, fields, arrays);
}

/// The checked table `src` and the reference `snapshot` (DQX's test data, as run on Spark).
fn context() -> SessionContext {
    let ctx = SessionContext::new();
    table(
        &ctx,
        "src",
        "only_src",
        &[
            (Some(1), Some("a"), Some(10.0), "t1", "s"),
            (Some(2), Some("b"), Some(20.0), "t2", "s"),
            (Some(3), Some("c"), Some(30.0), "t3", "s"),
            (None, Some("n"), Some(1.0), "t4", "s"),
            (Some(5), Some("x"), Some(1.0), "t5", "s"),
            (Some(5), Some("y"), Some(2.0), "t6", "s"),
            (Some(7), None, None, "t7", "s"),
        ],
    );
    table(
        &ctx,
        "snapshot",
        "only_ref",
        &[
            (Some(1), Some("a"), Some(10.0), "zz", "r"),
            (Some(2), Some("b"), Some(21.0), "t2", "r"),
            (None, Some("n"), Some(1.0), "t4", "r"),
            (Some(5), Some("y"), Some(2.0), "t6", "r"),
            (Some(5), Some("z"), Some(3.0), "t6", "r"),
            (Some(7), None, Some(5.0), "t7", "r"),
            (Some(8), Some("h"), Some(8.0), "t8", "r"),
            (Some(9), Some("i"), Some(9.0), "t9", "r"),
            (Some(9), Some("j"), Some(9.5), "t9", "r"),
        ],
    );
    ctx
}

async fn run(extra: Value) -> ValidationResult {
    let mut args = json!({"columns": ["id"], "ref_columns": ["id"], "ref_df_name": "snapshot"});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        args[k] = v;
    }
    let rules = json!([{"check": {"function": "compare_datasets", "arguments": args}}]);
    evaluate_rules(&context(), "src", &rules, None).await
}

/// Each failing row's message, sorted.
fn messages(r: &ValidationResult) -> Vec<String> {
    let mut m: Vec<String> = r.rule_results[0]
        .sample_violations
        .iter()
        .filter_map(|s| s["_message"].as_str().map(str::to_string))
        .collect();
    m.sort();
    m
}

const CHANGED_2: &str =
    r#"{"row_missing":false,"row_extra":false,"changed":{"amount":{"df":"20.0","ref":"21.0"}}}"#;
const EXTRA_3: &str = r#"{"row_missing":false,"row_extra":true,"changed":{"name":{"df":"c"},"amount":{"df":"30.0"}}}"#;
const POSITIONAL_5X: &str = r#"{"row_missing":false,"row_extra":false,"changed":{"name":{"df":"x","ref":"y"},"amount":{"df":"1.0","ref":"2.0"}}}"#;
const POSITIONAL_5Y: &str = r#"{"row_missing":false,"row_extra":false,"changed":{"name":{"df":"y","ref":"z"},"amount":{"df":"2.0","ref":"3.0"}}}"#;
const NULL_7: &str =
    r#"{"row_missing":false,"row_extra":false,"changed":{"amount":{"ref":"5.0"}}}"#;
const MISSING_8: &str = r#"{"row_missing":true,"row_extra":false,"changed":{"name":{"ref":"h"},"amount":{"ref":"8.0"}}}"#;
const MISSING_9I: &str = r#"{"row_missing":true,"row_extra":false,"changed":{"name":{"ref":"i"},"amount":{"ref":"9.0"}}}"#;
const MISSING_9J: &str = r#"{"row_missing":true,"row_extra":false,"changed":{"name":{"ref":"j"},"amount":{"ref":"9.5"}}}"#;
const EXACT_5X: &str = r#"{"row_missing":false,"row_extra":false,"changed":{"name":{"df":"x","ref":"z"},"amount":{"df":"1.0","ref":"3.0"}}}"#;

fn sorted(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn rows_pair_by_key_and_position_as_in_dqx() {
    let r = run(json!({})).await;
    assert_eq!(r.rule_results[0].rule_name, "datasets_diff_pk_id_ref_id");
    // Every compared column counts: tag differs on row 1 too.
    assert_eq!((r.total_rows, r.rule_results[0].violation_count), (7, 6));
    let r = run(json!({"exclude_columns": ["tag"]})).await;
    assert_eq!((r.total_rows, r.rule_results[0].violation_count), (7, 5));
    assert_eq!(
        messages(&r),
        sorted(&[CHANGED_2, EXTRA_3, POSITIONAL_5X, POSITIONAL_5Y, NULL_7])
    );
}

#[tokio::test]
async fn missing_records_are_added_as_failing_rows() {
    let r = run(json!({"exclude_columns": ["tag"], "check_missing_records": true})).await;
    assert_eq!((r.total_rows, r.rule_results[0].violation_count), (10, 8));
    assert_eq!(
        messages(&r),
        sorted(&[
            CHANGED_2,
            EXTRA_3,
            POSITIONAL_5X,
            POSITIONAL_5Y,
            NULL_7,
            MISSING_8,
            MISSING_9I,
            MISSING_9J
        ])
    );
    // Without null-safe row matching the NULL keys pair with nothing: an extra and a missing row.
    let r = run(json!({"exclude_columns": ["tag"], "check_missing_records": true, "null_safe_row_matching": false})).await;
    assert_eq!((r.total_rows, r.rule_results[0].violation_count), (11, 10));
    let m = messages(&r);
    assert!(m.contains(&r#"{"row_missing":true,"row_extra":false,"changed":{"name":{"ref":"n"},"amount":{"ref":"1.0"}}}"#.to_string()), "{m:?}");
    assert!(m.contains(&r#"{"row_missing":false,"row_extra":true,"changed":{"name":{"df":"n"},"amount":{"df":"1.0"}}}"#.to_string()), "{m:?}");
}

#[tokio::test]
async fn tolerances_and_null_values_follow_dqx() {
    let r = run(json!({"exclude_columns": ["tag"], "abs_tolerance": 2.0})).await;
    assert_eq!(r.rule_results[0].violation_count, 4);
    assert!(
        messages(&r).contains(
            &r#"{"row_missing":false,"row_extra":false,"changed":{"name":{"df":"x","ref":"y"}}}"#
                .to_string()
        )
    );
    let r = run(json!({"exclude_columns": ["tag"], "rel_tolerance": 0.1})).await;
    assert_eq!(r.rule_results[0].violation_count, 4);
    // Without null-safe value matching a NULL side never differs: row 7 passes, and the extra
    // row lists no change.
    let r =
        run(json!({"exclude_columns": ["tag"], "null_safe_column_value_matching": false})).await;
    assert_eq!(
        messages(&r),
        sorted(&[
            CHANGED_2,
            r#"{"row_missing":false,"row_extra":true,"changed":{}}"#,
            POSITIONAL_5X,
            POSITIONAL_5Y
        ])
    );
}

#[tokio::test]
async fn a_filter_pairs_identical_values_first_and_keeps_excluded_rows_quiet() {
    let r = run(json!({"exclude_columns": ["tag"], "row_filter": "id <> 2"})).await;
    // Key 5: y pairs with y, x with the rest (z); row 2 is outside the filter.
    assert_eq!(messages(&r), sorted(&[EXTRA_3, EXACT_5X, NULL_7]));
    let r = run(json!({"exclude_columns": ["tag"], "row_filter": "id <> 9 AND id <> 2", "check_missing_records": true})).await;
    // Row 2 is outside the filter, but its key has no in-scope row, so it takes reference 2.
    assert_eq!((r.total_rows, r.rule_results[0].violation_count), (10, 6));
    assert_eq!(
        messages(&r),
        sorted(&[EXTRA_3, EXACT_5X, NULL_7, MISSING_8, MISSING_9I, MISSING_9J])
    );
}
