//! JSON, IPv6, CIDR, date/timestamp and foreign-key checks against a hand-made table, with
//! answers from DQX's semantics (VARIANT JSON parser, Python ipaddress, try_to_timestamp).

use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::execution::context::{SessionConfig, SessionContext};
use dqx_manager::engine::evaluate::{EvalOptions, evaluate};
use dqx_manager::model::results::RuleStatus;
use dqx_manager::model::rules::validate::validate_rule_set;
use serde_json::{Value, json};
use std::sync::Arc;

fn strings(values: [Option<&str>; 8]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn session() -> SessionContext {
    let schema = Arc::new(Schema::new(vec![
        Field::new("j", DataType::Utf8, true),
        Field::new("ip6", DataType::Utf8, true),
        Field::new("ip4", DataType::Utf8, true),
        Field::new("ds", DataType::Utf8, true),
        Field::new("fk", DataType::Int64, true),
    ]));
    let columns = vec![
        strings([
            Some("{\"a\":1}"),
            Some("[1,2]"),
            Some("123"),
            Some(""),
            Some("{a:1}"),
            None,
            Some("{\"a\":1,\"b\":2}"),
            Some("null"),
        ]),
        strings([
            Some("2001:db8::1"),
            Some("::1"),
            Some("gggg::1"),
            Some("1.2.3.4"),
            None,
            Some("fe80::1"),
            Some("2001:db8:0:0:0:0:0:1"),
            Some(""),
        ]),
        strings([
            Some("10.1.2.3"),
            Some("11.0.0.1"),
            Some("10.0.0.256"),
            None,
            Some("10.255.255.255"),
            Some("9.9.9.9"),
            Some("010.0.0.1"),
            Some("10.0.0.1"),
        ]),
        strings([
            Some("2024-01-01"),
            Some("2024-02-30"),
            Some("not a date"),
            None,
            Some("2024-01-01 10:00:00"),
            Some("01/31/2024"),
            Some("2024-12-31"),
            Some(""),
        ]),
        Arc::new(Int64Array::from(vec![
            Some(1),
            Some(2),
            Some(3),
            None,
            Some(99),
            Some(1),
            Some(2),
            Some(100),
        ])),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let ctx = SessionContext::new_with_config(
        SessionConfig::new().set_str("datafusion.sql_parser.dialect", "databricks"),
    );
    ctx.register_table(
        "t",
        Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap()),
    )
    .unwrap();
    let ref_schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
    let ref_batch = RecordBatch::try_new(
        ref_schema.clone(),
        vec![Arc::new(Int64Array::from(vec![1, 2, 3, 3]))],
    )
    .unwrap();
    ctx.register_table(
        "ref",
        Arc::new(MemTable::try_new(ref_schema, vec![vec![ref_batch]]).unwrap()),
    )
    .unwrap();
    ctx
}

async fn outcome(function: &str, arguments: Value) -> (u64, RuleStatus, Vec<String>) {
    let rules = json!([{"check": {"function": function, "arguments": arguments}}]);
    let v = validate_rule_set(&rules, None);
    assert!(v.is_valid(), "{:?}", v.problems);
    let e = evaluate(&session(), "t", "t", &v.rules, &EvalOptions::default())
        .await
        .unwrap();
    let r = &e.result.rule_results[0];
    let messages = r
        .sample_violations
        .iter()
        .map(|s| s["_message"].as_str().unwrap().to_string())
        .collect();
    (r.violation_count, r.status, messages)
}

async fn count(function: &str, arguments: Value) -> u64 {
    outcome(function, arguments).await.0
}

#[tokio::test]
async fn json_checks() {
    assert_eq!(count("is_valid_json", json!({"column": "j"})).await, 2);
    let (n, _, messages) =
        outcome("has_json_keys", json!({"column": "j", "keys": ["a", "b"]})).await;
    assert_eq!(
        n, 3,
        "a missing key and two invalid documents; arrays, scalars and null pass"
    );
    assert!(messages.contains(
        &"Value '{\"a\":1}' in Column 'j' is missing keys in the list: [a, b]".to_string()
    ));
    assert!(messages.contains(&"Value '' in Column 'j' is not a valid JSON string".to_string()));
    assert_eq!(
        count(
            "has_json_keys",
            json!({"column": "j", "keys": ["a", "b"], "require_all": false})
        )
        .await,
        2
    );
}

#[tokio::test]
async fn address_checks() {
    assert_eq!(
        count("is_valid_ipv6_address", json!({"column": "ip6"})).await,
        3
    );
    assert_eq!(
        count(
            "is_ipv6_address_in_cidr",
            json!({"column": "ip6", "cidr_block": "2001:db8::/32"})
        )
        .await,
        5
    );
    let (n, _, messages) = outcome(
        "is_ipv4_address_in_cidr",
        json!({"column": "ip4", "cidr_block": "10.0.0.0/8"}),
    )
    .await;
    assert_eq!(n, 4);
    assert!(messages.contains(
        &"Value '11.0.0.1' in Column 'ip4' is not in the CIDR block '10.0.0.0/8'".to_string()
    ));
    assert!(messages.contains(
        &"Value '010.0.0.1' in Column 'ip4' does not match pattern 'IPV4_ADDRESS'".to_string()
    ));
    let (_, status, _) = outcome(
        "is_ipv4_address_in_cidr",
        json!({"column": "ip4", "cidr_block": "10.0.0.0/40"}),
    )
    .await;
    assert_eq!(
        status,
        RuleStatus::Error,
        "an invalid CIDR block is reported, not ignored"
    );
}

#[tokio::test]
async fn date_and_timestamp_parsing() {
    assert_eq!(count("is_valid_date", json!({"column": "ds"})).await, 4);
    assert_eq!(
        count("is_valid_timestamp", json!({"column": "ds"})).await,
        4
    );
    let (n, _, messages) = outcome(
        "is_valid_date",
        json!({"column": "ds", "date_format": "MM/dd/yyyy"}),
    )
    .await;
    assert_eq!(n, 6);
    assert!(
        messages[0].ends_with("is not a valid date with format 'MM/dd/yyyy'"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn foreign_keys() {
    let args = |extra: Value| {
        let mut base = json!({"columns": ["fk"], "ref_columns": ["id"], "ref_df_name": "ref"});
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        base
    };
    let (n, _, messages) = outcome("foreign_key", args(json!({}))).await;
    assert_eq!(n, 2);
    assert!(
        messages
            .contains(&"Value '99' in column 'fk' not found in reference column 'id'".to_string())
    );
    assert_eq!(
        count("foreign_key", args(json!({"null_safe": true}))).await,
        3
    );
    assert_eq!(count("foreign_key", args(json!({"negate": true}))).await, 5);
    // The reference's duplicate ids do not duplicate rows.
    let rules = json!([{"check": {"function": "foreign_key", "arguments": args(json!({}))}}]);
    let v = validate_rule_set(&rules, None);
    let e = evaluate(&session(), "t", "t", &v.rules, &EvalOptions::default())
        .await
        .unwrap();
    assert_eq!(e.result.total_rows, 8);
}

#[tokio::test]
async fn sql_query_merges_per_key_or_applies_to_all_rows() {
    let merged = json!({"query": "SELECT fk, fk > 50 AS condition FROM {{ input_view }}", "merge_columns": ["fk"]});
    let (n, _, messages) = outcome("sql_query", merged).await;
    assert_eq!(
        n, 2,
        "fk 99 and 100; the NULL key's condition is NULL and passes"
    );
    assert!(
        messages[0].starts_with("Value is not matching query: 'SELECT fk"),
        "{messages:?}"
    );
    let whole = json!({"query": "SELECT count(*) > 5 AS condition FROM {{input_view}}"});
    assert_eq!(count("sql_query", whole.clone()).await, 8);
    let mut negated = whole;
    negated["negate"] = json!(true);
    assert_eq!(count("sql_query", negated).await, 0);
    let (_, status, _) = outcome(
        "sql_query",
        json!({"query": "SELECT 1 AS condition; DROP TABLE t"}),
    )
    .await;
    assert_eq!(status, RuleStatus::Error);
}

#[tokio::test]
async fn schema_checks_against_ddl() {
    assert_eq!(
        count(
            "has_valid_schema",
            json!({"expected_schema": "j STRING, fk BIGINT"})
        )
        .await,
        0
    );
    let (n, _, messages) = outcome(
        "has_valid_schema",
        json!({"expected_schema": "fk STRING, missing INT"}),
    )
    .await;
    assert_eq!(n, 8);
    assert_eq!(
        messages[0],
        "Schema validation failed: Column 'fk' has incompatible type, expected 'string', got 'bigint'; \
         Column 'missing' in expected schema not present in checked data"
    );
    let strict = json!({"expected_schema": "j STRING, ip6 STRING", "strict": true});
    let (n, _, messages) = outcome("has_valid_schema", strict).await;
    assert_eq!(n, 8);
    assert!(
        messages[0].contains("Column 'ip4' in checked data not present in expected schema"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn empty_and_null_arrays_fail() {
    use datafusion::arrow::array::{Array, ListArray};
    use datafusion::arrow::datatypes::Int32Type;
    let tags = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(1), Some(2)]),
        Some(vec![]),
        None,
        Some(vec![None]),
    ]);
    let schema = Arc::new(Schema::new(vec![Field::new(
        "tags",
        tags.data_type().clone(),
        true,
    )]));
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(tags)]).unwrap();
    let ctx = SessionContext::new_with_config(
        SessionConfig::new().set_str("datafusion.sql_parser.dialect", "databricks"),
    );
    ctx.register_table(
        "arr",
        Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap()),
    )
    .unwrap();
    let rules = json!([{"check": {"function": "is_not_null_and_not_empty_array", "arguments": {"column": "tags"}}}]);
    let v = validate_rule_set(&rules, None);
    let e = evaluate(&ctx, "arr", "arr", &v.rules, &EvalOptions::default())
        .await
        .unwrap();
    let r = &e.result.rule_results[0];
    assert_eq!(
        r.violation_count, 2,
        "the empty array and the NULL; [NULL] has one element"
    );
    assert_eq!(r.rule_name, "tags_is_null_or_empty_array");
    assert_eq!(
        r.sample_violations[0]["_message"],
        "Column 'tags' is null or empty array"
    );
}
