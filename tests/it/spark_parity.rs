//! The warehouse's Spark SQL against real Apache Spark: hand-made tables are built both in the
//! embedded engine and in a local Spark session (ANSI mode, UTC, as a SQL warehouse runs), every
//! supported check is compiled by the warehouse plan, run on Spark, read back by the same code the
//! app uses, and must give the embedded engine's per-rule counts, statuses and row splits.
//!
//! Needs a Python with pyspark: `DQX_SPARK_PYTHON` (set by scripts/test.sh from the cached venv).
//! Without it the test fails under CI and says how to get it elsewhere.

use datafusion::catalog::{CatalogProvider, MemoryCatalogProvider, MemorySchemaProvider};
use datafusion::execution::context::SessionContext;
use dqx_manager::engine::evaluate::{EvalOptions, evaluate, read_references};
use dqx_manager::engine::spark_plan::{Counts, SparkPlan, TableShape, spark_now};
use dqx_manager::engine::types::uc_type_name;
use dqx_manager::model::results::ValidationResult;
use dqx_manager::model::rules::validate::validate_rule_set;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

const NOW: &str = "2025-01-31T12:00:00";

/// A cell: SQL text valid in both dialects, a string (quoted here; it holds no quote or
/// backslash, which the dialects escape differently), or an array of strings (spelled per
/// dialect).
enum Cell {
    Sql(&'static str),
    Text(&'static str),
    Strings(&'static [&'static str]),
}

use Cell::{Sql, Strings, Text};

struct Table {
    name: &'static str,
    columns: &'static [(&'static str, &'static str)],
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// `SELECT CAST(c AS T) AS c, ... FROM (VALUES ...) AS t(c, ...)` for `spark` or DataFusion.
    fn select(&self, spark: bool) -> String {
        let rows: Vec<String> = self
            .rows
            .iter()
            .map(|r| {
                let cells: Vec<String> = r
                    .iter()
                    .map(|c| match c {
                        Sql(s) => s.to_string(),
                        Text(s) => format!("'{s}'"),
                        Strings(items) => {
                            let quoted: Vec<String> =
                                items.iter().map(|i| format!("'{i}'")).collect();
                            match (spark, quoted.is_empty()) {
                                (true, _) => format!("array({})", quoted.join(", ")),
                                (false, true) => "CAST(make_array() AS VARCHAR[])".to_string(),
                                (false, false) => format!("make_array({})", quoted.join(", ")),
                            }
                        }
                    })
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        let names: Vec<&str> = self.columns.iter().map(|(n, _)| *n).collect();
        let casts: Vec<String> = self
            .columns
            .iter()
            .map(|(n, t)| {
                let t = match (*t, spark) {
                    ("STRING", false) => "VARCHAR",
                    ("ARRAY<STRING>", false) => "VARCHAR[]",
                    (t, _) => t,
                };
                format!("CAST({n} AS {t}) AS {n}")
            })
            .collect();
        format!(
            "SELECT {} FROM (VALUES {}) AS __t({})",
            casts.join(", "),
            rows.join(", "),
            names.join(", ")
        )
    }
}

fn customers() -> Table {
    Table {
        name: "customers",
        columns: &[
            ("id", "BIGINT"),
            ("email", "STRING"),
            ("country", "STRING"),
            ("age", "INT"),
            ("score", "DOUBLE"),
            ("signup", "DATE"),
            ("seen", "TIMESTAMP"),
            ("ip", "STRING"),
            ("ip6", "STRING"),
            ("doc", "STRING"),
            ("lat", "DOUBLE"),
            ("day_text", "STRING"),
            ("tags", "ARRAY<STRING>"),
            ("uid", "STRING"),
        ],
        rows: vec![
            vec![
                Sql("1"),
                Sql("'a@x.com'"),
                Sql("'US'"),
                Sql("30"),
                Sql("10.5"),
                Sql("'2024-01-01'"),
                Sql("'2025-01-30 10:00:00'"),
                Sql("'10.0.0.1'"),
                Sql("'2001:db8::1'"),
                Sql("'{\"a\": 1, \"b\": 2}'"),
                Sql("45.0"),
                Sql("'2024-01-01'"),
                Strings(&["x"]),
                Sql("'123e4567-e89b-42d3-a456-426614174000'"),
            ],
            vec![
                Sql("2"),
                Sql("'bad-email'"),
                Sql("'DE'"),
                Sql("-1"),
                Sql("0.0"),
                Sql("'2025-02-05'"),
                Sql("'2025-02-03 00:00:00'"),
                Sql("'10.1.2.3'"),
                Sql("'::ffff:10.0.0.1'"),
                Sql("'{\"a\": 1}'"),
                Sql("91.0"),
                Sql("'2024-13-01'"),
                Strings(&[]),
                Sql("'00000000-0000-0000-0000-000000000000'"),
            ],
            vec![
                Sql("3"),
                Sql("NULL"),
                Sql("'FR'"),
                Sql("NULL"),
                Sql("NULL"),
                Sql("NULL"),
                Sql("NULL"),
                Sql("'192.168.1.300'"),
                Sql("'2001:db9::'"),
                Sql("'[1, 2]'"),
                Sql("NULL"),
                Sql("'not a date'"),
                Sql("NULL"),
                Sql("NULL"),
            ],
            vec![
                Sql("3"),
                Sql("''"),
                Sql("'us'"),
                Sql("120"),
                Sql("99.9"),
                Sql("'2023-06-15'"),
                Sql("'2025-01-31 11:59:00'"),
                Sql("'01.2.3.4'"),
                Sql("'fe80::1:2:3:4:5:6:7'"),
                Sql("'not json'"),
                Sql("-90.0"),
                Sql("'2024-02-29'"),
                Strings(&["a", "b"]),
                Sql("'123E4567-E89B-42D3-A456-426614174000'"),
            ],
            vec![
                Sql("5"),
                Sql("'  '"),
                Sql("NULL"),
                Sql("45"),
                Sql("50.0"),
                Sql("'2020-01-01'"),
                Sql("'2020-01-01 00:00:00'"),
                Sql("NULL"),
                Sql("NULL"),
                Sql("NULL"),
                Sql("180.5"),
                Sql("NULL"),
                Strings(&["c"]),
                Sql("'123e4567e89b42d3a456426614174000'"),
            ],
            vec![
                Sql("6"),
                Sql("'e@y.org'"),
                Sql("'GB'"),
                Sql("18"),
                Sql("100.0"),
                Sql("'2025-01-31'"),
                Sql("'2025-01-31 12:00:00'"),
                Sql("'172.16.0.1'"),
                Sql("'2001:0db8:0000:0000:0000:0000:0000:00ff'"),
                Sql("'123'"),
                Sql("0.0"),
                Sql("'2025-01-31'"),
                Strings(&["d", "e"]),
                Sql("'123e4567-e89b-92d3-a456-426614174000'"),
            ],
            vec![
                Sql("7"),
                Sql("'f@z.net'"),
                Sql("'JP'"),
                Sql("65"),
                Sql("-3.5"),
                Sql("'2024-12-31'"),
                Sql("'2025-01-01 00:00:00'"),
                Sql("'10.255.255.255'"),
                Sql("'1::2::3'"),
                Sql("'{\"b\": null}'"),
                Sql("12.5"),
                Sql("'2024-06-30'"),
                Strings(&["f"]),
                Sql("'123e4567-e89b-42d3-c456-426614174000'"),
            ],
            vec![
                Sql("NULL"),
                Sql("'g@w.io'"),
                Sql("'US'"),
                Sql("40"),
                Sql("20.0"),
                Sql("'2024-05-05'"),
                Sql("'2024-05-05 05:05:05'"),
                Sql("'11.0.0.1'"),
                Sql("'2001:db8:8000::'"),
                Sql("''"),
                Sql("30.0"),
                Sql("'05/05/2024'"),
                Strings(&["g"]),
                Sql("'not-a-uuid'"),
            ],
        ],
    }
}

fn orders() -> Table {
    Table {
        name: "orders",
        columns: &[
            ("order_id", "BIGINT"),
            ("customer_id", "BIGINT"),
            ("amount", "DOUBLE"),
            ("status", "STRING"),
            ("ordered", "DATE"),
            ("shipped", "DATE"),
        ],
        rows: vec![
            vec![
                Sql("100"),
                Sql("1"),
                Sql("10.0"),
                Sql("'new'"),
                Sql("'2025-01-01'"),
                Sql("'2025-01-03'"),
            ],
            vec![
                Sql("101"),
                Sql("2"),
                Sql("-5.0"),
                Sql("'paid'"),
                Sql("'2025-01-02'"),
                Sql("'2025-01-20'"),
            ],
            vec![
                Sql("102"),
                Sql("9"),
                Sql("250.0"),
                Sql("'shipped'"),
                Sql("'2025-01-05'"),
                Sql("NULL"),
            ],
            vec![
                Sql("103"),
                Sql("NULL"),
                Sql("NULL"),
                Sql("'bogus'"),
                Sql("NULL"),
                Sql("'2025-01-01'"),
            ],
            vec![
                Sql("104"),
                Sql("3"),
                Sql("75.5"),
                Sql("'new'"),
                Sql("'2025-01-10'"),
                Sql("'2025-01-09'"),
            ],
            vec![
                Sql("104"),
                Sql("5"),
                Sql("1000.0"),
                Sql("'paid'"),
                Sql("'2025-01-11'"),
                Sql("'2025-01-30'"),
            ],
            vec![
                Sql("106"),
                Sql("1"),
                Sql("0.0"),
                Sql("NULL"),
                Sql("'2025-01-12'"),
                Sql("'2025-01-12'"),
            ],
        ],
    }
}

fn customer_rules() -> Value {
    json!([
        {"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "id"}}},
        {"criticality": "warn", "check": {"function": "is_null", "arguments": {"column": "ip6"}}},
        {"check": {"function": "is_not_empty", "arguments": {"column": "email"}}},
        {"check": {"function": "is_not_null", "arguments": {"column": "email"}}, "name": "message_null_on_odd", "message_expr": "CASE WHEN id % 2 = 0 THEN concat('even ', id) END"},
        {"check": {"function": "is_in_list", "arguments": {"column": "country", "allowed": ["'US'"]}}, "name": "message_of_country", "message_expr": "concat(country, repeat('x', 600))"},
        {"check": {"function": "is_not_empty", "arguments": {"column": "email", "trim_strings": true}}, "name": "email_not_blank"},
        {"check": {"function": "is_empty", "arguments": {"column": "doc"}}, "criticality": "warn"},
        {"check": {"function": "is_not_null_and_not_empty", "arguments": {"column": "email"}}},
        {"check": {"function": "is_null_or_empty", "arguments": {"column": "country"}}, "criticality": "warn"},
        {"check": {"function": "is_not_null_and_not_empty_array", "arguments": {"column": "tags"}}},
        {"check": {"function": "is_in_list", "arguments": {"column": "country", "allowed": ["'US'", "'DE'", "'FR'", "'GB'"]}}},
        {"check": {"function": "is_in_list", "arguments": {"column": "country", "allowed": ["'us'", "'de'"], "case_sensitive": false}}, "name": "country_ci"},
        {"check": {"function": "is_not_null_and_is_in_list", "arguments": {"column": "country", "allowed": ["'US'", "'DE'"]}}},
        {"check": {"function": "is_not_in_list", "arguments": {"column": "country", "forbidden": ["'JP'"]}}},
        {"check": {"function": "is_in_range", "arguments": {"column": "age", "min_limit": 0, "max_limit": 100}}},
        {"check": {"function": "is_in_range", "arguments": {"column": "age", "min_limit": 0, "max_limit": 100, "allow_nulls": false}}, "name": "age_range_no_nulls"},
        {"check": {"function": "is_not_in_range", "arguments": {"column": "score", "min_limit": 10, "max_limit": 50}}},
        {"check": {"function": "is_not_less_than", "arguments": {"column": "score", "limit": 0}}},
        {"check": {"function": "is_not_greater_than", "arguments": {"column": "signup", "limit": "2025-01-31"}}},
        {"check": {"function": "is_equal_to", "arguments": {"column": "score", "value": 10, "abs_tolerance": 0.5}}, "criticality": "warn"},
        {"check": {"function": "is_not_equal_to", "arguments": {"column": "age", "value": 18}}},
        {"check": {"function": "is_valid_date", "arguments": {"column": "day_text"}}},
        {"check": {"function": "is_valid_date", "arguments": {"column": "day_text", "date_format": "yyyy-MM-dd"}}, "name": "day_iso"},
        {"check": {"function": "is_valid_timestamp", "arguments": {"column": "day_text", "timestamp_format": "MM/dd/yyyy"}}},
        {"check": {"function": "is_not_in_future", "arguments": {"column": "seen"}}},
        {"check": {"function": "is_not_in_future", "arguments": {"column": "signup", "offset": 86400}}, "name": "signup_future_1d"},
        {"check": {"function": "is_not_in_near_future", "arguments": {"column": "seen", "offset": 172800}}},
        {"check": {"function": "is_not_in_future", "arguments": {"column": "day_text"}}, "name": "day_text_not_future"},
        {"check": {"function": "is_not_in_near_future", "arguments": {"column": "day_text", "offset": 31536000}}, "name": "day_text_not_near_future"},
        {"check": {"function": "is_older_than_n_days", "arguments": {"column": "signup", "days": 365}}},
        {"check": {"function": "is_data_fresh", "arguments": {"column": "seen", "max_age_minutes": 1440}}},
        {"check": {"function": "regex_match", "arguments": {"column": "email", "regex": "^[^@ ]+@[^@ ]+[.][a-z]+$"}}},
        {"check": {"function": "regex_match", "arguments": {"column": "email", "regex": "@x[.]com$", "negate": true}}, "name": "not_x_com"},
        {"check": {"function": "is_valid_ipv4_address", "arguments": {"column": "ip"}}},
        {"check": {"function": "is_valid_email", "arguments": {"column": "email"}}},
        {"check": {"function": "is_valid_uuid", "arguments": {"column": "uid"}}},
        {"check": {"function": "is_valid_uuid", "arguments": {"column": "uid", "strict": true}}},
        {"check": {"function": "is_ipv4_address_in_cidr", "arguments": {"column": "ip", "cidr_block": "10.0.0.0/8"}}},
        {"check": {"function": "is_ipv4_address_in_cidr", "arguments": {"column": "ip", "cidr_block": "10.1.0.0/23"}}, "name": "ip_in_small_block"},
        {"check": {"function": "is_valid_ipv6_address", "arguments": {"column": "ip6"}}},
        {"check": {"function": "is_ipv6_address_in_cidr", "arguments": {"column": "ip6", "cidr_block": "2001:db8::/32"}}},
        {"check": {"function": "is_ipv6_address_in_cidr", "arguments": {"column": "ip6", "cidr_block": "2001:db8:8000::/33"}}, "name": "ip6_upper_half"},
        {"check": {"function": "is_valid_json", "arguments": {"column": "doc"}}},
        {"check": {"function": "has_json_keys", "arguments": {"column": "doc", "keys": ["a", "b"]}}},
        {"check": {"function": "has_json_keys", "arguments": {"column": "doc", "keys": ["a", "b"], "require_all": false}}, "name": "doc_any_key"},
        {"check": {"function": "is_latitude", "arguments": {"column": "lat"}}},
        {"check": {"function": "is_longitude", "arguments": {"column": "lat"}}},
        {"check": {"function": "sql_expression", "arguments": {"expression": "age >= 18 OR age IS NULL", "msg": "too young"}}, "name": "adult"},
        {"check": {"function": "sql_expression", "arguments": {"expression": "score > 90", "negate": true}}, "name": "score_not_high"},
        {"check": {"function": "is_unique", "arguments": {"columns": ["id"]}}},
        {"check": {"function": "is_unique", "arguments": {"columns": ["country"], "nulls_distinct": false}}, "name": "country_unique"},
        {"check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "id", "aggr_type": "count", "limit": 7}}},
        {"check": {"function": "is_aggr_not_less_than", "arguments": {"column": "score", "aggr_type": "avg", "limit": 30, "group_by": ["country"]}}},
        {"check": {"function": "is_aggr_equal", "arguments": {"column": "age", "aggr_type": "max", "limit": 120}}},
        {"check": {"function": "is_aggr_not_equal", "arguments": {"column": "score", "aggr_type": "sum", "limit": 0, "group_by": ["country"]}}},
        {"check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "country", "aggr_type": "count_distinct", "limit": 3}}, "name": "few_countries"},
        {"check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "country", "aggr_type": "approx_count_distinct", "limit": 3}}, "name": "few_countries_approx"},
        {"check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "email", "aggr_type": "count_distinct", "group_by": ["country"], "limit": 0}}, "name": "emails_per_country"},
        {"check": {"function": "is_aggr_not_less_than", "arguments": {"column": "score > 20", "aggr_type": "count_if", "limit": 2}}, "name": "some_high_scores"},
        {"check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "score", "aggr_type": "median", "group_by": ["country"], "limit": 50}}, "name": "median_score_per_country"},
        {"check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "score", "aggr_type": "stddev", "limit": 10}}, "name": "score_spread"},
        {"check": {"function": "is_aggr_not_less_than", "arguments": {"column": "age", "aggr_type": "var_pop", "limit": 10}}, "name": "age_variance"},
        {"check": {"function": "is_aggr_equal", "arguments": {"column": "id", "aggr_type": "mode", "limit": 3}}, "name": "id_mode"},
        {"check": {"function": "is_aggr_equal", "arguments": {"column": "country", "aggr_type": "mode", "group_by": ["age"], "limit": "'US'"}}, "name": "country_mode_per_age"},
        {"check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "score", "aggr_type": "percentile", "aggr_params": {"percentile": 0.9}, "limit": 95}}, "name": "score_p90"},
        {"check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "score", "aggr_type": "approx_percentile", "aggr_params": {"percentile": 0.5}, "limit": 60}}, "name": "score_p50_approx"},
        {"check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "score", "aggr_type": "skewness", "limit": 0}}, "name": "score_skew"},
        {"check": {"function": "is_aggr_not_less_than", "arguments": {"column": "score", "aggr_type": "kurtosis", "limit": 0}}, "name": "score_kurtosis"},
        {"check": {"function": "is_aggr_equal", "arguments": {"column": "age", "aggr_type": "sum", "limit": 200, "abs_tolerance": 50}}, "name": "age_sum_near"},
        {"check": {"function": "is_aggr_not_equal", "arguments": {"column": "age", "aggr_type": "sum", "limit": 200, "rel_tolerance": 0.5}}, "name": "age_sum_not_near"},
        {"check": {"function": "sql_query", "arguments": {"query": "SELECT country, count(*) > 1 AS condition FROM {{ input_view }} GROUP BY country", "merge_columns": ["country"], "condition_column": "condition", "msg": "country repeats"}}, "name": "country_repeats"},
        {"check": {"function": "sql_query", "arguments": {"query": "SELECT count(*) > 100 AS condition FROM {{ input_view }}", "condition_column": "condition"}}, "name": "too_many_rows"},
        {"check": {"function": "has_valid_schema", "arguments": {"expected_schema": "id BIGINT, email STRING"}}},
        {"check": {"function": "has_valid_schema", "arguments": {"expected_schema": "id BIGINT, email STRING", "strict": true}}, "name": "schema_strict"},
        {"check": {"function": "is_not_null", "arguments": {"column": "no_such_column"}}, "name": "missing_column"},
        {"check": {"function": "is_not_null", "for_each_column": ["email", "country"]}, "criticality": "warn"},
        {"check": {"function": "is_not_null", "arguments": {"column": "email"}}, "filter": "country = 'US'", "name": "email_when_us"},
        {"check": {"function": "is_unique", "arguments": {"columns": ["country"]}}, "filter": "age > 20", "name": "country_unique_adults"},
        {"check": {"function": "has_no_outliers", "arguments": {"column": "age"}}},
        {"check": {"function": "is_in_distribution", "arguments": {"column": "country", "distribution": {"US": 0.4, "DE": 0.2, "FR": 0.2}, "distance": 0.1}}},
        {"check": {"function": "is_in_distribution", "arguments": {"column": "country", "distribution": {"us": 0.5}, "distance": 0.3, "case_sensitive": false}}, "name": "country_mostly_us"},
        {"check": {"function": "has_no_outliers", "arguments": {"column": "score"}}, "filter": "age > 0"},
        {"check": {"function": "has_no_outliers", "arguments": {"column": "id", "row_filter": "country <> 'US'"}}, "name": "id_outliers_outside_us"},
        {"check": {"function": "is_data_fresh_per_time_window", "arguments": {"column": "seen", "window_minutes": 1440, "min_records_per_window": 2}}},
        {"check": {"function": "is_data_fresh_per_time_window", "arguments": {"column": "seen", "window_minutes": 60, "min_records_per_window": 1, "lookback_windows": 48, "row_filter": "age > 0"}}, "name": "seen_recent_adults"},
        {"check": {"function": "has_no_gaps_per_time_window", "arguments": {"column": "seen", "window_minutes": 1440}}},
        {"check": {"function": "has_no_aggr_outliers", "arguments": {"column": "score", "time_column": "seen", "lookback_num_intervals": 3, "warmup_num_intervals": 1, "sigma": 0.5}}},
        {"check": {"function": "has_no_aggr_outliers", "arguments": {"column": "*", "time_column": "signup", "aggr_type": "count", "time_interval": "month", "group_by": ["country"], "lookback_num_intervals": 2, "warmup_num_intervals": 1}}},
        {"check": {"function": "has_no_gaps_per_time_window", "arguments": {"column": "seen", "window_minutes": 1440, "trailing_gap": true, "group_by": ["country"]}}, "name": "seen_gaps_per_country"}
    ])
}

fn order_rules() -> Value {
    json!([
        {"check": {"function": "foreign_key", "arguments": {"columns": ["customer_id"], "ref_columns": ["id"], "ref_table": "spark_catalog.sales.customers"}}},
        {"check": {"function": "aggr_matches_dataset", "arguments": {"column": "customer_id", "ref_table": "spark_catalog.sales.customers", "ref_column": "id", "aggr_type": "count_distinct"}}},
        {"check": {"function": "aggr_matches_dataset", "arguments": {"column": "amount", "ref_table": "spark_catalog.sales.customers", "ref_column": "score", "aggr_type": "sum", "ref_row_filter": "age > 0", "rel_tolerance": 0.5}}, "name": "amount_like_scores"},
        {"check": {"function": "aggr_matches_dataset", "arguments": {"column": "*", "ref_table": "spark_catalog.sales.customers", "group_by": ["customer_id"], "ref_group_by": ["id"]}}, "name": "orders_per_customer"},
        {"check": {"function": "foreign_key", "arguments": {"columns": ["customer_id"], "ref_columns": ["id"], "ref_table": "spark_catalog.sales.customers", "negate": true}}, "name": "customer_listed"},
        {"check": {"function": "is_unique", "arguments": {"columns": ["order_id"]}}},
        {"check": {"function": "is_unique", "arguments": {"columns": ["order_id", "customer_id"]}}, "name": "order_customer_unique"},
        {"check": {"function": "is_in_list", "arguments": {"column": "status", "allowed": ["'new'", "'paid'", "'shipped'"]}}},
        {"check": {"function": "is_not_less_than", "arguments": {"column": "amount", "limit": 0}}, "criticality": "warn"},
        {"check": {"function": "is_older_than_col2_for_n_days", "arguments": {"column1": "shipped", "column2": "ordered", "days": 7}}},
        {"check": {"function": "is_not_greater_than", "arguments": {"column": "ordered", "limit": "shipped"}}, "name": "ordered_before_shipped"},
        {"check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "amount", "aggr_type": "sum", "limit": 1000, "group_by": ["status"]}}},
        {"check": {"function": "is_aggr_not_less_than", "arguments": {"column": "amount", "aggr_type": "min", "limit": 0, "row_filter": "status = 'paid'"}}},
        {"check": {"function": "sql_expression", "arguments": {"expression": "amount < (SELECT max(score) FROM spark_catalog.sales.customers) * 10"}}, "name": "amount_below_scores"}
    ])
}

/// Values for the format checks (national IDs, URLs, ISO codes, letter cases, decimal places).
fn formats() -> Table {
    let row = |cells: [&'static str; 12]| cells.iter().map(|c| Sql(c)).collect::<Vec<Cell>>();
    Table {
        name: "formats",
        columns: &[
            ("ssn", "STRING"),
            ("nino", "STRING"),
            ("pan", "STRING"),
            ("url", "STRING"),
            ("cc", "STRING"),
            ("cur", "STRING"),
            ("lang", "STRING"),
            ("sub", "STRING"),
            ("words", "STRING"),
            ("amount_text", "STRING"),
            ("amount", "DOUBLE"),
            ("price", "DECIMAL(10,4)"),
        ],
        rows: vec![
            row([
                "'123-45-6789'",
                "'AB123456C'",
                "'ABCPE1234F'",
                "'https://example.com/a?b=1#c'",
                "'US'",
                "'EUR'",
                "'en'",
                "'US-CA'",
                "'Hello World'",
                "'1.25'",
                "1.5",
                "1.5000",
            ]),
            row([
                "'123 45 6789'",
                "'AB 12 34 56 C'",
                "'ABCXE1234F'",
                "'example.com'",
                "'us'",
                "'eur'",
                "'EN'",
                "'us-ca'",
                "'hello world'",
                "'1.250'",
                "5.0",
                "2.1250",
            ]),
            row([
                "'123-45 6789'",
                "'BG123456C'",
                "'abcpe1234f'",
                "'mailto:a@example.com'",
                "'XK'",
                "'XYZ'",
                "'xx'",
                "'DE-BY'",
                "'HELLO WORLD'",
                "'100e-2'",
                "0.001",
                "0.0001",
            ]),
            row([
                "'000-12-3456'",
                "'DA123456C'",
                "'ABCPE123F'",
                "'http://exa mple.com'",
                "'USA'",
                "'978'",
                "'eng'",
                "'GB-XXX'",
                "'first. second'",
                "'abc'",
                "-2.75",
                "10.0000",
            ]),
            row([
                "'666-12-3456'",
                "'AO123456C'",
                "'ABCTZ0000A'",
                "'file:///etc/hosts'",
                "'GB'",
                "'840'",
                "'de'",
                "'GB-ENG'",
                "'First. second'",
                "'1.5e-3'",
                "0.0001",
                "NULL",
            ]),
            row([
                "'123456789'",
                "'CE123456D'",
                "'ABCPE12345'",
                "'https://example.com/%zz'",
                "'DE'",
                "'GBP'",
                "'deu'",
                "'FR-IDF'",
                "'First. Second'",
                "'.'",
                "123.0",
                "3.14",
            ]),
            row([
                "'900-12-3456'",
                "'ZZ123456A'",
                "NULL",
                "'urn:isbn:0451450523'",
                "NULL",
                "NULL",
                "NULL",
                "'DE-BY'",
                "'123 !?'",
                "'+1.'",
                "NULL",
                "7.125",
            ]),
            row([
                "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
                "NULL", "NULL",
            ]),
        ],
    }
}

fn format_rules() -> Value {
    json!([
        {"check": {"function": "is_valid_national_id", "arguments": {"column": "ssn"}}},
        {"check": {"function": "is_valid_national_id", "arguments": {"column": "nino", "country": "GB"}}},
        {"check": {"function": "is_valid_national_id", "arguments": {"column": "pan", "country": "in"}}},
        {"check": {"function": "is_valid_url", "arguments": {"column": "url"}}},
        {"check": {"function": "is_valid_country_code", "arguments": {"column": "cc"}}},
        {"check": {"function": "is_valid_country_code", "arguments": {"column": "cc", "case_sensitive": false}}, "name": "cc_any_case"},
        {"check": {"function": "is_valid_country_code", "arguments": {"column": "cc", "code_format": "alpha-3"}}, "name": "cc_alpha_3"},
        {"check": {"function": "is_valid_currency_code", "arguments": {"column": "cur"}}},
        {"check": {"function": "is_valid_currency_code", "arguments": {"column": "cur", "code_format": "numeric"}}, "name": "cur_numeric"},
        {"check": {"function": "is_valid_language_code", "arguments": {"column": "lang"}}},
        {"check": {"function": "is_valid_language_code", "arguments": {"column": "lang", "code_format": "alpha-3", "case_sensitive": false}}, "name": "lang_alpha_3"},
        {"check": {"function": "is_valid_subdivision_code", "arguments": {"column": "sub"}}},
        {"check": {"function": "is_valid_subdivision_code", "arguments": {"column": "sub", "country_column": "cc", "case_sensitive": false}}, "name": "sub_for_country"},
        {"check": {"function": "has_valid_string_case", "arguments": {"column": "words", "case": "upper"}}},
        {"check": {"function": "has_valid_string_case", "arguments": {"column": "words", "case": "lower"}}},
        {"check": {"function": "has_valid_string_case", "arguments": {"column": "words", "case": "title"}}},
        {"check": {"function": "has_valid_string_case", "arguments": {"column": "words", "case": "sentence"}}},
        {"check": {"function": "has_num_decimal_places", "arguments": {"column": "amount_text", "limit": 2}}},
        {"check": {"function": "has_num_decimal_places", "arguments": {"column": "amount", "limit": 1}}},
        {"check": {"function": "has_num_decimal_places", "arguments": {"column": "price", "limit": 2, "allow_nulls": false}}},
        {"check": {"function": "is_unique", "arguments": {"columns": ["sub"], "trim_strings": true}}, "name": "sub_unique_trimmed"},
        {"check": {"function": "is_not_null", "arguments": {"column": "cc"}}, "name": "cc_present", "filter": "ssn IS NOT NULL"},
        {"check": {"function": "is_not_null", "arguments": {"column": "cc"}}, "name": "cc_present", "criticality": "warn"}
    ])
}

/// JSON documents for `is_valid_json`, `has_json_keys` and `has_valid_json_schema`: one column
/// per schema, each with the edge cases observed on Spark (conversions, decimals, dates and
/// timestamps, nested required fields, root values that are no object, duplicate keys, text
/// after the first value).
fn json_docs() -> Table {
    let columns: [&[&'static str]; 5] = [
        &[
            r#"{"a":1,"b":"x"}"#,
            r#"{"a":"1"}"#,
            r#"{"a":1.0}"#,
            r#"{"a":2147483648}"#,
            r#"{"a":null}"#,
            "{}",
            "null",
            "123",
            "[]",
            r#"[{"a":1}]"#,
            r#"{"A":1}"#,
            r#"{"b":{"c":1}}"#,
            r#"{"t":255}"#,
            r#"{"t":256}"#,
            r#"{"s":32768}"#,
            r#"{"d":"NaN"}"#,
            r#"{"d":"INF"}"#,
            r#"{"d":"-Infinity"}"#,
            r#"{"d":"1.5"}"#,
            r#"{"bo":1}"#,
            r#"{"bin":"aGVsbG8="}"#,
            r#"{"bin":"aGVsbG8"}"#,
            r#"{"l":9223372036854775808}"#,
            r#"{"arr":[1,null,2]}"#,
            r#"{"arr":[1,"x"]}"#,
            r#"{"m":{"k":1}}"#,
            r#"{"m":{"k":"v"}}"#,
            r#"{"a":1}x"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a":01}"#,
        ],
        &[
            r#"{"c":"1,234.5"}"#,
            r#"{"c":""}"#,
            r#"{"c":" 12.5"}"#,
            r#"{"c":"+1.5"}"#,
            r#"{"c":"1e3"}"#,
            r#"{"c":9999.995}"#,
            r#"{"c":9999.994}"#,
            r#"{"c":-0.001}"#,
            r#"{"c":1e-10}"#,
            r#"{"c":"1e3000"}"#,
            r#"{"c":true}"#,
            r#"{"c":0.005}"#,
        ],
        &[
            r#"{"req":1}"#,
            "{}",
            r#"{"req":null}"#,
            r#"{"req":1,"o":null}"#,
            r#"{"req":1,"o":{}}"#,
            r#"{"req":1,"o":{"p":null}}"#,
            r#"{"req":1,"o":{"p":{}}}"#,
            r#"{"req":1,"o":{"p":{"q":1}}}"#,
            r#"{"req":"x","o":{"p":{"q":1}}}"#,
        ],
        &[
            r#"{"dt":"2024-1-5"}"#,
            r#"{"dt":"2024-01-01 junk"}"#,
            r#"{"dt":"2024-02-30"}"#,
            r#"{"dt":"2024/01/01"}"#,
            r#"{"dt":"+2024-01-01"}"#,
            r#"{"dt":"2024"}"#,
            r#"{"dt":20240101}"#,
            r#"{"ts":"2024-01-01T10:00"}"#,
            r#"{"ts":"10:00:00"}"#,
            r#"{"ts":"2024-01-01 10:00:00 UTC"}"#,
            r#"{"ts":"2024-01-01T25:00:00"}"#,
            r#"{"ts":1700000000}"#,
            r#"{"ts":1.5}"#,
            r#"{"ts":""}"#,
            r#"{"ts":"1700000000"}"#,
            r#"{"n":"2024-01-01 10:00:00"}"#,
            r#"{"n":"2024-01-01T10:00:00Z"}"#,
            r#"{"n":"10:00:00"}"#,
            r#"{"n":"2024"}"#,
            r#"{"n":2}"#,
        ],
        &[
            r#"{"a":1} {"b":2}"#,
            "1 2",
            "[1]]",
            "1x",
            "truex",
            "true false",
            "1,2",
            r#"{"a":{"b":1,"b":2}}"#,
            r#"{"a":1,"b":2}x"#,
            "-0",
            "01",
            "tru",
            "",
        ],
    ];
    let rows = columns.iter().map(|c| c.len()).max().unwrap_or(0);
    Table {
        name: "json_docs",
        columns: &[
            ("scalars", "STRING"),
            ("decimals", "STRING"),
            ("nested", "STRING"),
            ("times", "STRING"),
            ("loose", "STRING"),
        ],
        rows: (0..=rows)
            .map(|i| {
                columns
                    .iter()
                    .map(|c| c.get(i).map(|v| Text(v)).unwrap_or(Sql("NULL")))
                    .collect()
            })
            .collect(),
    }
}

fn json_rules() -> Value {
    let schema = |column: &str, schema: &str, name: &str| json!({"check": {"function": "has_valid_json_schema", "arguments": {"column": column, "schema": schema}}, "name": name});
    json!([
        schema("scalars", "a INT, b STRING, t TINYINT, s SMALLINT, d DOUBLE, bo BOOLEAN, l BIGINT, bin BINARY, arr ARRAY<INT>, m MAP<STRING, INT>", "scalar_types"),
        schema("decimals", "c DECIMAL(6,2)", "decimal_fit"),
        schema("nested", "req INT NOT NULL, o STRUCT<p: STRUCT<q: INT NOT NULL>>", "nested_required"),
        schema("nested", "struct<req:string>", "nested_as_struct"),
        schema("times", "dt DATE, ts TIMESTAMP, n TIMESTAMP_NTZ", "times"),
        schema("loose", "a INT", "loose_docs"),
        {"check": {"function": "is_valid_json", "arguments": {"column": "loose"}}},
        {"check": {"function": "is_valid_json", "arguments": {"column": "scalars"}}},
        {"check": {"function": "has_json_keys", "arguments": {"column": "loose", "keys": ["a"]}}},
        {"check": {"function": "has_json_keys", "arguments": {"column": "scalars", "keys": ["a", "b"], "require_all": false}}}
    ])
}

/// The two sides of `compare_datasets` (the data of `compare_datasets.rs`, whose answers DQX gave).
fn compare_tables() -> (Table, Table) {
    let row = |cells: [&'static str; 5]| cells.iter().map(|c| Sql(c)).collect::<Vec<Cell>>();
    let columns: &'static [(&'static str, &'static str)] = &[
        ("id", "INT"),
        ("name", "STRING"),
        ("amount", "DOUBLE"),
        ("tag", "STRING"),
        ("side", "STRING"),
    ];
    let source = Table {
        name: "cmp_src",
        columns,
        rows: vec![
            row(["1", "'a'", "10.0", "'t1'", "'s'"]),
            row(["2", "'b'", "20.0", "'t2'", "'s'"]),
            row(["3", "'c'", "30.0", "'t3'", "'s'"]),
            row(["NULL", "'n'", "1.0", "'t4'", "'s'"]),
            row(["5", "'x'", "1.0", "'t5'", "'s'"]),
            row(["5", "'y'", "2.0", "'t6'", "'s'"]),
            row(["7", "NULL", "NULL", "'t7'", "'s'"]),
        ],
    };
    let reference = Table {
        name: "cmp_ref",
        columns,
        rows: vec![
            row(["1", "'a'", "10.0", "'zz'", "'r'"]),
            row(["2", "'b'", "21.0", "'t2'", "'r'"]),
            row(["NULL", "'n'", "1.0", "'t4'", "'r'"]),
            row(["5", "'y'", "2.0", "'t6'", "'r'"]),
            row(["5", "'z'", "3.0", "'t6'", "'r'"]),
            row(["7", "NULL", "5.0", "'t7'", "'r'"]),
            row(["8", "'h'", "8.0", "'t8'", "'r'"]),
            row(["9", "'i'", "9.0", "'t9'", "'r'"]),
            row(["9", "'j'", "9.5", "'t9'", "'r'"]),
        ],
    };
    (source, reference)
}

fn compare_rules() -> Value {
    let rule = |name: &str, extra: Value| {
        let mut args = json!({"columns": ["id"], "ref_columns": ["id"], "ref_table": "spark_catalog.sales.cmp_ref", "exclude_columns": ["side"]});
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            args[k] = v;
        }
        json!({"check": {"function": "compare_datasets", "arguments": args}, "name": name})
    };
    json!([
        rule("cmp_plain", json!({})),
        rule("cmp_tolerance", json!({"abs_tolerance": 2.0, "exclude_columns": ["side", "tag"]})),
        rule("cmp_values_not_null_safe", json!({"null_safe_column_value_matching": false, "rel_tolerance": 0.1})),
        rule("cmp_filtered", json!({"row_filter": "id <> 2"})),
        rule("cmp_keys_not_null_safe", json!({"null_safe_row_matching": false})),
        rule("cmp_missing", json!({"check_missing_records": true})),
        rule("cmp_filtered_missing", json!({"row_filter": "id <> 9 AND id <> 2", "check_missing_records": true, "null_safe_row_matching": false})),
        {"check": {"function": "compare_datasets", "arguments": {"columns": ["id", "name"], "ref_columns": ["id", "name"], "ref_table": "spark_catalog.sales.cmp_ref"}}, "filter": "amount > 1"}
    ])
}

struct Case {
    table: Table,
    rules: Value,
}

fn run_spark(python: &str, setup: &[String], statements: &[String]) -> Vec<Value> {
    crate::common::spark::run_sql(python, setup, statements)
}

fn answer_rows(answer: &Value) -> Vec<Vec<Option<String>>> {
    if let Some(error) = answer.get("error") {
        panic!("Spark refused a statement: {error}");
    }
    answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().map(str::to_string))
                .collect()
        })
        .collect()
}

async fn local_context(tables: &[&Table]) -> SessionContext {
    let ctx = SessionContext::new();
    let catalog = Arc::new(MemoryCatalogProvider::new());
    catalog
        .register_schema("sales", Arc::new(MemorySchemaProvider::new()))
        .unwrap();
    ctx.register_catalog("spark_catalog", catalog);
    for t in tables {
        let frame = ctx.sql(&t.select(false)).await.unwrap();
        let batches = frame.collect().await.unwrap();
        let schema = batches[0].schema();
        let mem = datafusion::datasource::MemTable::try_new(schema, vec![batches]).unwrap();
        ctx.register_table(
            datafusion::sql::TableReference::full("spark_catalog", "sales", t.name),
            Arc::new(mem),
        )
        .unwrap();
    }
    ctx
}

fn compare(label: &str, local: &ValidationResult, spark: &ValidationResult) -> Vec<String> {
    let mut problems = Vec::new();
    let totals = |r: &ValidationResult| {
        (
            r.total_rows,
            r.valid_rows,
            r.invalid_rows,
            r.rows_with_warnings,
        )
    };
    if totals(local) != totals(spark) {
        problems.push(format!(
            "{label}: rows (total, valid, invalid, warning-only) local {:?} vs Spark {:?}",
            totals(local),
            totals(spark)
        ));
    }
    for (l, s) in local.rule_results.iter().zip(&spark.rule_results) {
        let expected_samples = l.violation_count.min(10) as usize;
        if l.violation_count != s.violation_count
            || l.status != s.status
            || s.sample_violations.len() != expected_samples
        {
            problems.push(format!(
                "{label}: {} ({}): local {} {:?}, Spark {} {:?} with {} samples; local message: {}; Spark message: {}",
                l.rule_name,
                l.function,
                l.violation_count,
                l.status,
                s.violation_count,
                s.status,
                s.sample_violations.len(),
                l.message,
                s.message
            ));
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_counts_the_same_on_spark_as_in_the_embedded_engine() {
    let Some(python) = crate::common::spark::spark_python("the Spark parity test") else {
        return;
    };
    let cases = [
        Case {
            table: customers(),
            rules: customer_rules(),
        },
        Case {
            table: orders(),
            rules: order_rules(),
        },
        Case {
            table: formats(),
            rules: format_rules(),
        },
        Case {
            table: json_docs(),
            rules: json_rules(),
        },
        Case {
            table: compare_tables().0,
            rules: compare_rules(),
        },
    ];
    let reference = compare_tables().1;
    let mut tables: Vec<&Table> = cases.iter().map(|c| &c.table).collect();
    tables.push(&reference);
    let ctx = local_context(&tables).await;
    let mut setup = vec!["CREATE DATABASE IF NOT EXISTS sales".to_string()];
    for t in &tables {
        setup.push(format!(
            "CREATE OR REPLACE VIEW spark_catalog.sales.{} AS {}",
            t.name,
            t.select(true)
        ));
    }

    let mut plans = Vec::new();
    let mut statements = Vec::new();
    let mut locals = Vec::new();
    let mut functions_seen = BTreeMap::new();
    for case in &cases {
        let table_sql = format!("`spark_catalog`.`sales`.`{}`", case.table.name);
        let table_name = format!("spark_catalog.sales.{}", case.table.name);
        let frame = ctx
            .sql(&format!("SELECT * FROM {table_sql} LIMIT 0"))
            .await
            .unwrap();
        let shape = TableShape {
            columns: frame
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect(),
            types: frame
                .schema()
                .fields()
                .iter()
                .map(|f| uc_type_name(f.data_type()))
                .collect(),
            nullable: frame
                .schema()
                .fields()
                .iter()
                .map(|f| f.is_nullable())
                .collect(),
            references: read_references(&ctx, &validate_rule_set(&case.rules, None).rules).await,
        };
        let checked = validate_rule_set(&case.rules, Some(&shape.columns));
        assert!(checked.errors().next().is_none(), "{:?}", checked.problems);
        for r in &checked.rules {
            *functions_seen.entry(r.function.clone()).or_insert(0) += 1;
        }
        let options = EvalOptions {
            now: Some(NOW.into()),
            ..Default::default()
        };
        let local = evaluate(&ctx, &table_sql, &table_name, &checked.rules, &options)
            .await
            .unwrap()
            .result;
        let now = spark_now(Some(NOW)).unwrap();
        let plan = SparkPlan::new(&table_sql, &table_name, &shape, &checked.rules, &now);
        statements.push(plan.counts_sql());
        let everything = Counts {
            per_rule: vec![1; plan.len()],
            ..Default::default()
        };
        statements.push(plan.samples_sql(&everything).unwrap());
        plans.push(plan);
        locals.push(local);
    }
    let answers = run_spark(&python, &setup, &statements);
    let mut problems = Vec::new();
    let mut report = Vec::new();
    for (i, (plan, local)) in plans.iter().zip(&locals).enumerate() {
        let counts_rows = answer_rows(&answers[2 * i]);
        let counts = plan.read_counts(&counts_rows[0]).unwrap();
        let samples = plan.read_samples(&answer_rows(&answers[2 * i + 1]));
        let spark = plan.result(&counts, samples, Instant::now());
        problems.extend(compare(&local.table_name, local, &spark));
        for r in &spark.rule_results {
            report.push(format!(
                "{:<40} {:<34} {:>3} {:?}",
                r.rule_name, r.function, r.violation_count, r.status
            ));
        }
    }
    println!("{}", report.join("\n"));
    println!("functions checked on Spark: {functions_seen:?}");
    let supported: Vec<&str> = dqx_manager::model::rules::functions::FUNCTIONS
        .iter()
        .filter(|f| f.supported)
        .map(|f| f.name)
        .collect();
    let missing: Vec<&&str> = supported
        .iter()
        .filter(|f| !functions_seen.contains_key(**f))
        .collect();
    assert!(
        missing.is_empty(),
        "functions without a Spark case: {missing:?}"
    );
    assert!(
        problems.is_empty(),
        "Spark disagrees:\n{}",
        problems.join("\n")
    );
}

/// The warehouse's impact preview on real Spark gives the embedded engine's answer: the same
/// counts before and after, the same rows starting and stopping to fail, per rule and overall
/// (the sample holds the whole table, so both engines see the same rows).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_impact_preview_counts_the_same_on_spark_as_in_the_embedded_engine() {
    use dqx_manager::engine::impact::{ImpactInput, preview};
    use dqx_manager::engine::spark_impact::{SparkImpact, SparkImpactInput};
    let Some(python) = crate::common::spark::spark_python("the Spark impact parity test") else {
        return;
    };
    let table = customers();
    let ctx = local_context(&[&table]).await;
    let table_sql = "`spark_catalog`.`sales`.`customers`";
    let table_name = "spark_catalog.sales.customers";
    let all = customer_rules();
    let all = all.as_array().unwrap();
    let before_json: Vec<Value> = all[..12].to_vec();
    let mut after_json: Vec<Value> = all[6..40].to_vec();
    // One kept error rule becomes a warning, so rows stop failing; the first six are removed.
    after_json[1]["criticality"] = json!("warn");
    let frame = ctx
        .sql(&format!("SELECT * FROM {table_sql} LIMIT 0"))
        .await
        .unwrap();
    let fields = frame.schema().fields().clone();
    let shape = TableShape {
        columns: fields.iter().map(|f| f.name().clone()).collect(),
        types: fields.iter().map(|f| uc_type_name(f.data_type())).collect(),
        nullable: fields.iter().map(|f| f.is_nullable()).collect(),
        references: Default::default(),
    };
    let before = validate_rule_set(&Value::Array(before_json.clone()), Some(&shape.columns)).rules;
    let after = validate_rule_set(&Value::Array(after_json.clone()), Some(&shape.columns)).rules;
    assert_eq!(before.len(), 12);
    assert_eq!(after.len(), 34);
    let (added, removed, changed, _) =
        dqx_manager::model::rules::diff::diff_rules(&before_json, &after_json);
    let mut changes = BTreeMap::new();
    for r in &added {
        changes.insert(
            dqx_manager::model::rules::diff::rule_key(r),
            "added".to_string(),
        );
    }
    for r in &removed {
        changes.insert(
            dqx_manager::model::rules::diff::rule_key(r),
            "removed".to_string(),
        );
    }
    for c in &changed {
        changes.insert(c.name.clone(), "changed".to_string());
    }
    let rows = 1_000;
    let local = preview(
        &ctx,
        &ImpactInput {
            table_sql,
            table_name,
            version: 2,
            against_version: Some(1),
            before: &before,
            after: &after,
            changes: &changes,
            sample_rows: rows,
            computed_by: "alice@example.com",
            now: Some(NOW.into()),
        },
    )
    .await
    .unwrap();
    let spark = SparkImpact::new(&SparkImpactInput {
        table_sql,
        table_name,
        shape: &shape,
        before: &before,
        after: &after,
        changes: &changes,
        version: 2,
        against_version: Some(1),
        sample_rows: rows,
        now_sql: &spark_now(Some(NOW)).unwrap(),
        computed_by: "alice@example.com",
    });
    let setup = vec![
        "CREATE DATABASE IF NOT EXISTS sales".to_string(),
        format!(
            "CREATE OR REPLACE VIEW spark_catalog.sales.customers AS {}",
            table.select(true)
        ),
    ];
    let answers = run_spark(&python, &setup, &[spark.counts_sql(), spark.samples_sql()]);
    let counts = answer_rows(&answers[0]);
    let samples = answer_rows(&answers[1]);
    let remote = spark.read(&counts[0], &samples, 0).unwrap();
    let overall = |p: &dqx_manager::model::review::ImpactPreview| {
        (
            p.rows_checked,
            p.invalid_before,
            p.invalid_after,
            p.rows_start_failing,
            p.rows_stop_failing,
            p.start_failing_samples.len(),
            p.stop_failing_samples.len(),
        )
    };
    assert_eq!(overall(&local), overall(&remote));
    assert!(
        local.rows_start_failing + local.rows_stop_failing > 0,
        "the change changes rows"
    );
    assert_eq!(local.pass_rate_after, remote.pass_rate_after);
    let per_rule = |p: &dqx_manager::model::review::ImpactPreview| {
        let mut rules: Vec<_> = p
            .rules
            .iter()
            .map(|r| {
                (
                    r.rule_name.clone(),
                    r.change.clone(),
                    r.violations_before,
                    r.violations_after,
                    r.rows_start_failing,
                    r.rows_stop_failing,
                    r.samples.len(),
                )
            })
            .collect();
        rules.sort();
        rules
    };
    assert_eq!(per_rule(&local), per_rule(&remote));
    assert!(local.rules.iter().any(|r| r.change == "removed"));
    assert!(local.rules.iter().any(|r| r.change == "changed"));
}
