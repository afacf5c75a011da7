//! DQX's default rule names, used when a rule has no `name` (DQX `rule.py`: the alias of the check
//! expression, normalised).

use serde_json::{Map, Value};

/// `re.sub('[^a-zA-Z0-9]+', '_', s[:255].lower()).rstrip('_')`; leading underscores are kept.
pub fn normalize(text: &str) -> String {
    let lowered: String = text.chars().take(255).collect::<String>().to_lowercase();
    let mut out = String::with_capacity(lowered.len());
    let mut in_run = false;
    for c in lowered.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    out.trim_end_matches('_').to_string()
}

/// `base`, or `base_2`, `base_3`, ... — the first that `taken` does not claim.
pub fn unique_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|i| format!("{base}_{i}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_string())
}

fn arg_str<'a>(args: &'a Map<String, Value>, key: &str) -> &'a str {
    args.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn arg_bool(args: &Map<String, Value>, key: &str, default: bool) -> bool {
    args.get(key).and_then(Value::as_bool).unwrap_or(default)
}

fn str_list(args: &Map<String, Value>, key: &str) -> Vec<String> {
    args.get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(normalize)
                .collect()
        })
        .unwrap_or_default()
}

/// A key rendered as DQX names it: one column as itself, several as `struct_a_b`.
fn key_name(columns: &[String]) -> String {
    match columns {
        [single] => single.clone(),
        many => format!("struct_{}", many.join("_")),
    }
}

/// The name DQX gives a rule with this function and these (expanded) arguments.
pub fn default_name(function: &str, args: &Map<String, Value>) -> String {
    let col = normalize(arg_str(args, "column"));
    let negate = arg_bool(args, "negate", false);
    let allow_nulls = arg_bool(args, "allow_nulls", true);
    let nullable = |suffix: &str| {
        if allow_nulls {
            format!("{col}_{suffix}")
        } else {
            format!("{col}_is_null_or_{suffix}")
        }
    };
    match function {
        "is_not_null" => format!("{col}_is_null"),
        "is_null" => format!("{col}_is_not_null"),
        "is_not_empty" => format!("{col}_is_empty"),
        "is_empty" => format!("{col}_is_not_empty"),
        "is_not_null_and_not_empty" => format!("{col}_is_null_or_empty"),
        "is_null_or_empty" => format!("{col}_is_not_null_and_not_empty"),
        "is_not_null_and_not_empty_array" => format!("{col}_is_null_or_empty_array"),
        "is_in_list" => format!("{col}_is_not_in_the_list"),
        "is_not_null_and_is_in_list" => format!("{col}_is_null_or_is_not_in_the_list"),
        "is_not_in_list" => format!("{col}_is_in_the_forbidden_list"),
        "is_in_range" => nullable("not_in_range"),
        "is_not_in_range" => nullable("in_range"),
        "is_not_less_than" => nullable("less_than_limit"),
        "is_not_greater_than" => nullable("greater_than_limit"),
        "is_equal_to" => nullable("not_equal_to_value"),
        "is_not_equal_to" => nullable("equal_to_value"),
        "is_valid_date" => format!("{col}_is_not_valid_date"),
        "is_valid_timestamp" => format!("{col}_is_not_valid_timestamp"),
        "is_not_in_future" => format!("{col}_in_future"),
        "is_not_in_near_future" => format!("{col}_in_near_future"),
        "is_older_than_n_days" if negate => format!("is_col_{col}_not_older_than_n_days"),
        "is_older_than_n_days" => format!("is_col_{col}_older_than_n_days"),
        "is_older_than_col2_for_n_days" => {
            let (c1, c2) = (
                normalize(arg_str(args, "column1")),
                normalize(arg_str(args, "column2")),
            );
            let not = if negate { "not_" } else { "" };
            format!("is_col_{c1}_{not}older_than_{c2}_for_n_days")
        }
        "is_data_fresh" => format!("{col}_is_data_fresh"),
        "regex_match" if negate => format!("{col}_matching_regex"),
        "regex_match" => format!("{col}_not_matching_regex"),
        "is_valid_ipv4_address" => format!("{col}_does_not_match_pattern_ipv4_address"),
        "is_valid_email" => format!("{col}_does_not_match_pattern_email_address"),
        "is_valid_uuid" if arg_bool(args, "strict", false) => {
            format!("{col}_does_not_match_pattern_uuid_strict")
        }
        "is_valid_uuid" => format!("{col}_does_not_match_pattern_uuid"),
        "is_valid_url" => format!("{col}_does_not_match_pattern_url"),
        "has_no_outliers" => format!("{col}_has_outliers"),
        "is_in_distribution" => format!("{col}_is_not_in_distribution"),
        "has_no_aggr_outliers" => {
            let aggr = arg_str(args, "aggr_type");
            let aggr = if aggr.is_empty() { "avg" } else { aggr };
            let group_by = str_list(args, "group_by");
            let group = if group_by.is_empty() {
                String::new()
            } else {
                format!("_group_by_{}", group_by.join("_"))
            };
            let base = format!("{col}_{aggr}_outlier{group}");
            base.trim_start_matches('_').to_string()
        }
        "is_data_fresh_per_time_window" => format!("{col}_is_data_fresh_per_time_window"),
        "has_no_gaps_per_time_window" => format!("{col}_has_no_gaps_per_time_window"),
        "is_valid_national_id" => {
            let pattern = match arg_str(args, "country").to_ascii_uppercase().as_str() {
                "GB" => "nino_gb",
                "IN" => "pan_in",
                _ => "ssn_us",
            };
            format!("{col}_does_not_match_pattern_{pattern}")
        }
        "is_valid_country_code" => format!("{col}_is_not_a_valid_country_code"),
        "is_valid_currency_code" => format!("{col}_is_not_a_valid_currency_code"),
        "is_valid_language_code" => format!("{col}_is_not_a_valid_language_code"),
        "is_valid_subdivision_code" => format!("{col}_is_not_a_valid_subdivision_code"),
        "has_valid_string_case" => {
            format!("{col}_has_invalid_{}_string_case", arg_str(args, "case"))
        }
        "has_num_decimal_places" => nullable("num_decimal_places_greater_than_limit"),
        "is_ipv4_address_in_cidr" => format!("{col}_is_not_ipv4_in_cidr"),
        "is_valid_ipv6_address" => format!("{col}_does_not_match_pattern_ipv6_address"),
        "is_ipv6_address_in_cidr" => format!("{col}_is_not_ipv6_in_cidr"),
        "is_valid_json" => format!("{col}_is_not_valid_json"),
        "is_latitude" => format!("{col}_is_not_valid_latitude"),
        "is_longitude" => format!("{col}_is_not_valid_longitude"),
        "has_json_keys" => format!("{col}_does_not_have_json_keys"),
        "has_valid_json_schema" => format!("{col}_has_invalid_json_schema"),
        "sql_expression" => {
            let explicit = arg_str(args, "name");
            if !explicit.is_empty() {
                return explicit.to_string();
            }
            let expression = arg_str(args, "expression");
            let base = if negate {
                normalize(expression)
            } else {
                normalize(&format!("not {expression}"))
            };
            let columns = str_list(args, "columns");
            if columns.is_empty() {
                base
            } else {
                format!("{}_{base}", columns.join("_"))
            }
        }
        "is_unique" => format!("{}_is_not_unique", key_name(&str_list(args, "columns"))),
        "is_aggr_not_greater_than"
        | "is_aggr_not_less_than"
        | "is_aggr_equal"
        | "is_aggr_not_equal"
        | "aggr_matches_dataset" => {
            let op = match function {
                "is_aggr_not_greater_than" => "greater_than",
                "is_aggr_not_less_than" => "less_than",
                "is_aggr_equal" => "not_equal_to",
                "aggr_matches_dataset" => "not_equal_to_upstream",
                _ => "equal_to",
            };
            let aggr = args
                .get("aggr_type")
                .and_then(Value::as_str)
                .unwrap_or("count");
            let group_by = str_list(args, "group_by");
            let group = if group_by.is_empty() {
                String::new()
            } else {
                format!("_group_by_{}", group_by.join("_"))
            };
            if arg_str(args, "column") == "*" {
                format!("{aggr}{group}_{op}_limit")
            } else {
                format!("{col}_{aggr}{group}_{op}_limit")
            }
        }
        "compare_datasets" => normalize(&format!(
            "datasets_diff_pk_{}_ref_{}",
            str_list(args, "columns").join("_"),
            str_list(args, "ref_columns").join("_")
        )),
        "foreign_key" => {
            let key = key_name(&str_list(args, "columns"));
            let reference = key_name(&str_list(args, "ref_columns"));
            let exists = if negate { "exists" } else { "not_exists" };
            format!("{key}_{exists}_in_ref_{reference}")
        }
        "sql_query" => {
            let explicit = arg_str(args, "name");
            if !explicit.is_empty() {
                return explicit.to_string();
            }
            let condition = args
                .get("condition_column")
                .and_then(Value::as_str)
                .unwrap_or("condition");
            let merge = str_list(args, "merge_columns");
            if merge.is_empty() {
                format!("query_{condition}_violation")
            } else {
                format!("{}_query_{condition}_violation", merge.join("_"))
            }
        }
        "has_valid_schema" => "has_invalid_schema".to_string(),
        other => normalize(&format!("{col}_{other}")),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn unique_names_take_the_first_free_suffix() {
        let taken = ["a", "a_2"];
        assert_eq!(unique_name("a", |n| taken.contains(&n)), "a_3");
        assert_eq!(unique_name("b", |n| taken.contains(&n)), "b");
    }

    use super::*;
    use serde_json::json;

    fn name(function: &str, args: Value) -> String {
        default_name(function, args.as_object().unwrap())
    }

    #[test]
    fn normalizes_like_dqx() {
        assert_eq!(normalize("col8.field1"), "col8_field1");
        assert_eq!(normalize("try_element_at(d, 1)"), "try_element_at_d_1");
        assert_eq!(normalize("c['val']"), "c_val");
        assert_eq!(normalize("_leading"), "_leading");
        assert_eq!(normalize("Trailing!!"), "trailing");
    }

    #[test]
    fn names_follow_the_dqx_table() {
        assert_eq!(
            name("is_not_null", json!({"column": "email"})),
            "email_is_null"
        );
        assert_eq!(
            name("is_in_list", json!({"column": "status"})),
            "status_is_not_in_the_list"
        );
        assert_eq!(
            name("is_in_range", json!({"column": "a", "allow_nulls": false})),
            "a_is_null_or_not_in_range"
        );
        assert_eq!(
            name("regex_match", json!({"column": "e", "negate": true})),
            "e_matching_regex"
        );
        assert_eq!(
            name("is_older_than_n_days", json!({"column": "d"})),
            "is_col_d_older_than_n_days"
        );
        assert_eq!(
            name("is_unique", json!({"columns": ["a"]})),
            "a_is_not_unique"
        );
        assert_eq!(
            name("is_unique", json!({"columns": ["a", "b"]})),
            "struct_a_b_is_not_unique"
        );
        assert_eq!(
            name(
                "is_aggr_not_greater_than",
                json!({"column": "a", "limit": 1, "group_by": ["g"]})
            ),
            "a_count_group_by_g_greater_than_limit"
        );
        assert_eq!(
            name("is_aggr_not_less_than", json!({"column": "*", "limit": 1})),
            "count_less_than_limit"
        );
        assert_eq!(
            name(
                "foreign_key",
                json!({"columns": ["customer_id"], "ref_columns": ["id"]})
            ),
            "customer_id_not_exists_in_ref_id"
        );
        assert_eq!(
            name("sql_expression", json!({"expression": "a = 'str2'"})),
            "not_a_str2"
        );
        assert_eq!(
            name("sql_query", json!({"query": "q", "merge_columns": ["id"]})),
            "id_query_condition_violation"
        );
    }
}
