//! Compiler tests: quoting per dialect, skipped rules, and that every supported function compiles.

use super::*;
use crate::model::rules::validate::validate_rule_set;
use serde_json::json;

fn compile_one(rules: Value, dialect: Dialect) -> Result<CompiledRule> {
    let v = validate_rule_set(&rules, None);
    assert!(v.is_valid(), "{:?}", v.problems);
    let columns = vec!["a".to_string(), "b".to_string(), "t".to_string()];
    let types = vec![
        "bigint".to_string(),
        "string".to_string(),
        "timestamp".to_string(),
    ];
    let mut references = References::new();
    references.insert(
        "r".to_string(),
        Ok(RefShape {
            columns: vec!["a".into(), "b".into()],
            types: vec!["bigint".into(), "string".into()],
        }),
    );
    let cx = CompileContext {
        dialect,
        table_sql: "`t`",
        columns: &columns,
        column_types: &types,
        nullable: &[true, true, true],
        now: "now()".to_string(),
        id: 0,
        references: &references,
    };
    compile(&v.rules[0], &cx)
}

#[test]
fn every_supported_function_compiles() {
    use crate::model::rules::functions::{ArgKind, FUNCTIONS};
    for spec in FUNCTIONS.iter().filter(|f| f.supported) {
        let mut args = serde_json::Map::new();
        for p in spec.params.iter().filter(|p| p.required) {
            let value = match (p.kind, p.name) {
                (ArgKind::Column, _) => json!("a"),
                (ArgKind::ColumnList, _) => json!(["a"]),
                (ArgKind::Limit, _) | (ArgKind::Int, _) | (ArgKind::Float, _) => json!(1),
                (ArgKind::LimitList, _) => json!([1]),
                (ArgKind::Str, "cidr_block") if spec.name.contains("ipv6") => {
                    json!("2001:db8::/32")
                }
                (ArgKind::Str, "cidr_block") => json!("10.0.0.0/8"),
                (ArgKind::Str, "expression") => json!("a > 1"),
                (ArgKind::Str, "case") => json!("upper"),
                (ArgKind::Str, "schema") => json!("a INT, b STRING NOT NULL"),
                (ArgKind::Str, "time_column") => json!("t"),
                (ArgKind::Str, "query") => {
                    json!("SELECT TRUE AS condition FROM {{ input_view }}")
                }
                (ArgKind::Str, _) => json!("x"),
                (ArgKind::StrList, _) => json!(["k"]),
                (ArgKind::Bool, _) => json!(true),
                (ArgKind::Map, "distribution") => json!({"a": 1.0}),
                (ArgKind::Map, _) => json!({}),
            };
            args.insert(p.name.to_string(), value);
        }
        if ["foreign_key", "aggr_matches_dataset", "compare_datasets"].contains(&spec.name) {
            args.insert("ref_df_name".into(), json!("r"));
        }
        if spec.name == "has_valid_schema" {
            args.insert("expected_schema".into(), json!("a BIGINT"));
        }
        let rules = json!([{"check": {"function": spec.name, "arguments": args}}]);
        let result = compile_one(rules, Dialect::DataFusion);
        assert!(
            result.is_ok(),
            "{} does not compile: {:?}",
            spec.name,
            result.err()
        );
    }
}

#[test]
fn literals_in_lists_are_quoted_per_dialect() {
    let rules = json!([{"check": {"function": "is_in_list", "arguments": {"column": "a", "allowed": ["'it''s'", 3]}}}]);
    let df = compile_one(rules.clone(), Dialect::DataFusion).unwrap();
    assert!(
        df.condition.contains("NOT (`a` IN (('it''s'), 3))"),
        "{}",
        df.condition
    );
    let spark = compile_one(rules, Dialect::Spark).unwrap();
    assert!(
        spark.message.contains("CAST(`a` AS STRING)"),
        "{}",
        spark.message
    );
}

#[test]
fn missing_columns_skip_the_rule_like_dqx() {
    let skip = compile_one(
        json!([{"check": {"function": "is_not_null", "arguments": {"column": "nope"}}}]),
        Dialect::DataFusion,
    )
    .unwrap_err();
    assert_eq!(
        skip.0,
        "Check evaluation skipped due to invalid check columns: ['nope']"
    );
}

#[test]
fn sql_expressions_cannot_escape() {
    let skip = compile_one(
        json!([{"check": {"function": "sql_expression", "arguments": {"expression": "a > 1) OR (1=1"}}}]),
        Dialect::DataFusion,
    )
    .unwrap_err();
    assert!(skip.0.contains("invalid sql expression"));
}

#[test]
fn regex_literals_escape_backslashes_only_for_spark() {
    let rules = json!([{"check": {"function": "regex_match", "arguments": {"column": "a", "regex": "^\\d+'$"}}}]);
    let df = compile_one(rules.clone(), Dialect::DataFusion).unwrap();
    assert!(df.condition.contains(r"'^\d+''$'"), "{}", df.condition);
    let spark = compile_one(rules, Dialect::Spark).unwrap();
    assert!(
        spark.condition.contains(r"RLIKE '^\\d+\'$'"),
        "{}",
        spark.condition
    );
}

#[test]
fn the_compilers_and_the_catalogue_name_the_same_functions() {
    use crate::model::rules::functions::FUNCTIONS;
    for spec in FUNCTIONS {
        assert_eq!(
            compiles(spec.name),
            spec.supported,
            "{}: a supported function needs exactly a compiler, an unsupported one none",
            spec.name
        );
    }
    let registered = RULE_CHECKS
        .iter()
        .map(|(name, _)| *name)
        .chain(row::COLUMN_CHECKS.iter().map(|(name, _)| *name));
    let mut seen = std::collections::BTreeSet::new();
    for name in registered {
        assert!(seen.insert(name), "{name} has two compilers");
        assert!(
            FUNCTIONS.iter().any(|f| f.name == name),
            "{name} has a compiler but no catalogue row"
        );
    }
}
