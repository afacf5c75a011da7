//! One rule of every DQX 0.17 function this app evaluates, written by us from the reference: the
//! set passes `dqx-manager check-rules`, runs with `dqx-manager validate` without a rule being
//! skipped, and DQX 0.17's own `validate_checks` (from PyPI, in the test venv) accepts it.

use dqx_manager::model::rules::functions::FUNCTIONS;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::process::Command;

/// Rows covering every column the rules read, written to Parquet by DataFusion.
const DATA: &str = "SELECT CAST(id AS BIGINT) AS id, email, uid, ip, ip6, doc, lat, lon, CAST(day AS DATE) AS day, \
    CAST(day2 AS DATE) AS day2, day_text, CAST(ts AS TIMESTAMP) AS ts, amount, country, currency, lang, sub, \
    words, url, ssn, tags, grp, CAST(blank AS VARCHAR) AS blank FROM (VALUES \
    (1, 'a@example.com', '123e4567-e89b-42d3-a456-426614174000', '10.0.0.1', '2001:db8::1', '{\"a\": 1}', 45.0, 120.0, '2024-01-01', '2024-01-05', '2024-01-01', '2025-01-30 10:00:00', 10.5, 'US', 'USD', 'en', 'US-CA', 'Hello World', 'https://example.com/a', '123-45-6789', make_array('x'), 'a', NULL), \
    (2, 'bad', 'nope', '10.1.2.300', '1::2::3', 'not json', 91.0, -181.0, '2024-06-15', '2024-06-01', '2024-13-01', '2025-01-31 11:00:00', -3.25, 'XK', 'EUR', 'xx', 'GB-XXX', 'hello world', 'example.com', '000-12-3456', make_array('y', 'z'), 'a', NULL), \
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1000.0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'b', NULL)\
    ) AS t(id, email, uid, ip, ip6, doc, lat, lon, day, day2, day_text, ts, amount, country, currency, lang, sub, words, url, ssn, tags, grp, blank)";

const REFERENCE: &str = "SELECT CAST(column1 AS BIGINT) AS id FROM (VALUES (1), (2))";

/// Writes the result of `query` to `path` as Parquet.
async fn write_parquet(query: &str, path: &std::path::Path) {
    let ctx = datafusion::execution::context::SessionContext::new();
    ctx.sql(&format!(
        "COPY ({query}) TO '{}' STORED AS PARQUET",
        path.display()
    ))
    .await
    .unwrap()
    .collect()
    .await
    .unwrap();
}

/// (function, arguments) for every supported function, in catalogue order.
fn catalogue() -> Vec<(&'static str, Value)> {
    vec![
        ("is_not_null", json!({"column": "id"})),
        ("is_null", json!({"column": "blank"})),
        (
            "is_not_empty",
            json!({"column": "email", "trim_strings": true}),
        ),
        ("is_empty", json!({"column": "blank"})),
        ("is_not_null_and_not_empty", json!({"column": "email"})),
        ("is_null_or_empty", json!({"column": "blank"})),
        ("is_not_null_and_not_empty_array", json!({"column": "tags"})),
        (
            "is_in_list",
            json!({"column": "grp", "allowed": ["'a'", "'b'"]}),
        ),
        (
            "is_not_null_and_is_in_list",
            json!({"column": "grp", "allowed": ["'a'"], "case_sensitive": false}),
        ),
        (
            "is_not_in_list",
            json!({"column": "grp", "forbidden": ["'z'"]}),
        ),
        (
            "is_in_range",
            json!({"column": "amount", "min_limit": 0, "max_limit": 100}),
        ),
        (
            "is_not_in_range",
            json!({"column": "amount", "min_limit": 500, "max_limit": 600}),
        ),
        ("is_not_less_than", json!({"column": "amount", "limit": 0})),
        (
            "is_not_greater_than",
            json!({"column": "amount", "limit": 100, "allow_nulls": false}),
        ),
        (
            "is_equal_to",
            json!({"column": "amount", "value": 10.5, "abs_tolerance": 0.01}),
        ),
        ("is_not_equal_to", json!({"column": "id", "value": 0})),
        (
            "is_valid_date",
            json!({"column": "day_text", "date_format": "yyyy-MM-dd"}),
        ),
        ("is_valid_timestamp", json!({"column": "ts"})),
        ("is_not_in_future", json!({"column": "ts", "offset": 60})),
        (
            "is_not_in_near_future",
            json!({"column": "ts", "offset": 3600}),
        ),
        ("is_older_than_n_days", json!({"column": "day", "days": 30})),
        (
            "is_older_than_col2_for_n_days",
            json!({"column1": "day", "column2": "day2", "days": 1}),
        ),
        (
            "is_data_fresh",
            json!({"column": "ts", "max_age_minutes": 1440}),
        ),
        ("regex_match", json!({"column": "email", "regex": "@"})),
        ("is_valid_ipv4_address", json!({"column": "ip"})),
        ("is_valid_email", json!({"column": "email"})),
        ("is_valid_uuid", json!({"column": "uid", "strict": true})),
        (
            "is_ipv4_address_in_cidr",
            json!({"column": "ip", "cidr_block": "10.0.0.0/8"}),
        ),
        ("is_valid_ipv6_address", json!({"column": "ip6"})),
        (
            "is_ipv6_address_in_cidr",
            json!({"column": "ip6", "cidr_block": "2001:db8::/32"}),
        ),
        ("is_valid_json", json!({"column": "doc"})),
        ("is_latitude", json!({"column": "lat"})),
        ("is_longitude", json!({"column": "lon"})),
        ("has_json_keys", json!({"column": "doc", "keys": ["a"]})),
        (
            "has_valid_json_schema",
            json!({"column": "doc", "schema": "a INT NOT NULL, b STRUCT<c: STRING>"}),
        ),
        (
            "sql_expression",
            json!({"expression": "amount < 500", "msg": "amount too large"}),
        ),
        ("is_unique", json!({"columns": ["id"]})),
        (
            "is_aggr_not_greater_than",
            json!({"column": "amount", "limit": 2000, "aggr_type": "sum"}),
        ),
        (
            "is_aggr_not_less_than",
            json!({"column": "*", "limit": 1, "group_by": ["grp"]}),
        ),
        (
            "is_aggr_equal",
            json!({"column": "amount", "limit": 335, "aggr_type": "avg", "rel_tolerance": 0.1}),
        ),
        (
            "is_aggr_not_equal",
            json!({"column": "amount", "limit": 0, "aggr_type": "percentile", "aggr_params": {"percentile": 0.9}}),
        ),
        (
            "foreign_key",
            json!({"columns": ["id"], "ref_columns": ["id"], "ref_df_name": "reference"}),
        ),
        (
            "sql_query",
            json!({"query": "SELECT grp, count(*) > 2 AS condition FROM {{ input_view }} GROUP BY grp", "merge_columns": ["grp"], "condition_column": "condition", "msg": "too many"}),
        ),
        (
            "has_valid_schema",
            json!({"expected_schema": "id BIGINT, email STRING"}),
        ),
        ("is_valid_url", json!({"column": "url"})),
        (
            "is_valid_national_id",
            json!({"column": "ssn", "country": "US"}),
        ),
        ("is_valid_country_code", json!({"column": "country"})),
        (
            "is_valid_currency_code",
            json!({"column": "currency", "code_format": "alphabetic"}),
        ),
        (
            "is_valid_language_code",
            json!({"column": "lang", "case_sensitive": false}),
        ),
        (
            "is_valid_subdivision_code",
            json!({"column": "sub", "country_column": "country"}),
        ),
        (
            "has_valid_string_case",
            json!({"column": "words", "case": "title"}),
        ),
        (
            "has_num_decimal_places",
            json!({"column": "amount", "limit": 1}),
        ),
        ("has_no_outliers", json!({"column": "amount"})),
        (
            "is_in_distribution",
            json!({"column": "grp", "distribution": {"a": 0.7, "b": 0.3}, "distance": 0.1}),
        ),
        (
            "aggr_matches_dataset",
            json!({"column": "id", "ref_df_name": "reference", "aggr_type": "count"}),
        ),
        (
            "compare_datasets",
            json!({"columns": ["id"], "ref_columns": ["id"], "ref_df_name": "reference", "check_missing_records": true}),
        ),
        (
            "is_data_fresh_per_time_window",
            json!({"column": "ts", "window_minutes": 60, "min_records_per_window": 1}),
        ),
        (
            "has_no_gaps_per_time_window",
            json!({"column": "ts", "window_minutes": 60, "group_by": ["grp"]}),
        ),
        (
            "has_no_aggr_outliers",
            json!({"column": "amount", "time_column": "ts", "lookback_num_intervals": 2, "warmup_num_intervals": 1}),
        ),
    ]
}

fn rules() -> Value {
    let items: Vec<Value> = catalogue()
        .into_iter()
        .enumerate()
        .map(|(i, (function, arguments))| {
            json!({
                "name": format!("r{i:02}_{function}"),
                "criticality": if i % 2 == 0 { "error" } else { "warn" },
                "check": {"function": function, "arguments": arguments},
            })
        })
        .collect();
    Value::Array(items)
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dqx-manager"))
}

#[test]
fn the_catalogue_covers_every_supported_function() {
    let covered: BTreeSet<&str> = catalogue().iter().map(|(f, _)| *f).collect();
    let missing: Vec<&str> = FUNCTIONS
        .iter()
        .filter(|f| f.supported && !covered.contains(f.name))
        .map(|f| f.name)
        .collect();
    assert!(missing.is_empty(), "no catalogue rule for {missing:?}");
    assert_eq!(covered.len(), catalogue().len(), "one rule per function");
}

#[tokio::test]
async fn every_function_checks_runs_and_dqx_accepts_it() {
    let dir = tempfile::tempdir().unwrap();
    let rules_path = dir.path().join("rules.json");
    std::fs::write(&rules_path, serde_json::to_string_pretty(&rules()).unwrap()).unwrap();
    let data = dir.path().join("data.parquet");
    write_parquet(DATA, &data).await;
    let reference = dir.path().join("reference.parquet");
    write_parquet(REFERENCE, &reference).await;

    let out = bin()
        .args(["check-rules", "--rules"])
        .arg(&rules_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check-rules refused the catalogue: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let validate = |rules: &std::path::Path| {
        bin()
            .args(["validate", "--data"])
            .arg(&data)
            .arg("--rules")
            .arg(rules)
            .arg("--ref")
            .arg(format!("reference={}", reference.display()))
            .args(["--now", "2025-01-31T12:00:00"])
            .output()
            .unwrap()
    };
    let out = validate(&rules_path);
    if !out.status.success() {
        // Name the functions that fail on their own.
        let mut failing = Vec::new();
        for rule in rules().as_array().unwrap() {
            let one = dir.path().join("one.json");
            std::fs::write(&one, serde_json::to_string(&json!([rule])).unwrap()).unwrap();
            let single = validate(&one);
            if !single.status.success() {
                failing.push(format!(
                    "{}: {}",
                    rule["check"]["function"],
                    String::from_utf8_lossy(&single.stderr).trim()
                ));
            }
        }
        panic!(
            "validate failed: {}\nfailing on their own: {failing:#?}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["rule_results"].as_array().unwrap();
    assert_eq!(results.len(), catalogue().len());
    let skipped: Vec<String> = results
        .iter()
        .filter(|r| r["status"] == "error")
        .map(|r| format!("{}: {}", r["rule_name"], r["message"]))
        .collect();
    assert!(skipped.is_empty(), "rules that did not run: {skipped:#?}");
    assert!(
        results
            .iter()
            .any(|r| r["violation_count"].as_u64() > Some(0)),
        "the bad row fails something"
    );

    let Some(python) = crate::common::spark::spark_python("DQX's validate_checks on the catalogue")
    else {
        return;
    };
    let manifest = dir.path().join("manifest.json");
    let rules_text = std::fs::read_to_string(&rules_path).unwrap();
    let entry = json!([{"label": "catalogue", "kind": "json", "value": rules_text}]);
    std::fs::write(&manifest, entry.to_string()).unwrap();
    let verdicts = crate::common::spark::run_json(
        &python,
        crate::common::spark::script("validate_all.py"),
        &[&manifest],
    );
    let status = &verdicts["catalogue"];
    assert_eq!(
        status["has_errors"], false,
        "DQX refused: {}",
        status["errors"]
    );
}

/// Every rule of the catalogue, and the whole set, has DQX 0.17's own fingerprint: DQX computes
/// `rule_fingerprint` per (expanded) rule and `compute_rule_set_fingerprint_by_metadata` for the
/// set, and the app's `model::rules::fingerprint` must give the same hex digests.
#[test]
fn every_rule_and_the_set_have_dqxs_own_fingerprints() {
    use dqx_manager::model::rules::fingerprint::{rule_fingerprint, rule_set_fingerprint};
    let Some(python) = crate::common::spark::spark_python("DQX's fingerprints of the catalogue")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rules = rules();
    let rules_path = dir.path().join("rules.json");
    std::fs::write(&rules_path, rules.to_string()).unwrap();
    let script = dir.path().join("fingerprints.py");
    std::fs::write(
        &script,
        "import json, sys\n\
         from pyspark.sql import SparkSession\n\
         spark = SparkSession.builder.master('local[1]').config('spark.ui.enabled', 'false').getOrCreate()\n\
         from databricks.labs.dqx.checks_serializer import deserialize_checks\n\
         from databricks.labs.dqx.rule_fingerprint import compute_rule_set_fingerprint_by_metadata\n\
         checks = json.load(open(sys.argv[1]))\n\
         rules = [[r.name, r.rule_fingerprint] for r in deserialize_checks(checks)]\n\
         print(json.dumps({'rules': rules, 'set': compute_rule_set_fingerprint_by_metadata(checks)}))\n",
    )
    .unwrap();
    let dqx = crate::common::spark::run_json(&python, &script, &[&rules_path]);
    let ours = dqx_manager::model::rules::validate::validate_rule_set(&rules, None).rules;
    let theirs = dqx["rules"].as_array().unwrap();
    assert_eq!(ours.len(), theirs.len(), "expanded rules");
    let mismatched: Vec<String> = ours
        .iter()
        .zip(theirs)
        .filter(|(r, t)| t[1] != rule_fingerprint(r).as_str() || t[0] != r.name.as_str())
        .map(|(r, t)| format!("{} ({}): DQX says {} {}", r.name, r.function, t[0], t[1]))
        .collect();
    assert!(mismatched.is_empty(), "{mismatched:#?}");
    assert_eq!(dqx["set"], rule_set_fingerprint(&ours).as_str());
}
