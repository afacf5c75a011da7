//! What a DQX job, run as the app's service principal, may be given: only rules the app can
//! account for field by field — built-in checks over the table's own columns, with literal
//! arguments. No text that DQX would evaluate as SQL (an expression, a query, a filter, an
//! expression column or limit, a custom message) reaches the job, so no user can make the service
//! principal evaluate SQL the app did not write. Everything else runs on the warehouse as the
//! caller, the default engine, and the refusal says which rule, why, and that.

use super::functions::{ArgKind, find};
use crate::model::table_name::TableName;
use serde_json::{Map, Value};

/// The fields a rule may carry into a job.
const RULE_FIELDS: [&str; 4] = ["name", "criticality", "check", "user_metadata"];
/// The fields of its `check`.
const CHECK_FIELDS: [&str; 3] = ["function", "arguments", "for_each_column"];

/// Check functions the job may run: none takes SQL text as such (`sql_expression`, `sql_query`)
/// or a schema or data frame the app does not resolve.
const JOB_FUNCTIONS: &[&str] = &[
    "is_not_null",
    "is_null",
    "is_not_empty",
    "is_empty",
    "is_not_null_and_not_empty",
    "is_null_or_empty",
    "is_not_null_and_not_empty_array",
    "is_in_list",
    "is_not_null_and_is_in_list",
    "is_not_in_list",
    "is_in_range",
    "is_not_in_range",
    "is_not_less_than",
    "is_not_greater_than",
    "is_equal_to",
    "is_not_equal_to",
    "is_valid_date",
    "is_valid_timestamp",
    "is_not_in_future",
    "is_not_in_near_future",
    "is_older_than_n_days",
    "is_older_than_col2_for_n_days",
    "is_data_fresh",
    "regex_match",
    "is_valid_ipv4_address",
    "is_valid_email",
    "is_valid_uuid",
    "is_ipv4_address_in_cidr",
    "is_valid_ipv6_address",
    "is_ipv6_address_in_cidr",
    "is_valid_json",
    "has_valid_json_schema",
    "is_latitude",
    "is_longitude",
    "has_json_keys",
    "is_unique",
    "is_aggr_not_greater_than",
    "is_aggr_not_less_than",
    "is_aggr_equal",
    "is_aggr_not_equal",
    "foreign_key",
    "is_valid_url",
    "is_valid_national_id",
    "is_valid_country_code",
    "is_valid_currency_code",
    "is_valid_language_code",
    "is_valid_subdivision_code",
    "has_valid_string_case",
    "has_num_decimal_places",
    "has_no_outliers",
    "is_data_fresh_per_time_window",
    "has_no_gaps_per_time_window",
];

/// Text arguments DQX reads as data (a pattern, a format, a code), never as SQL.
const LITERAL_TEXT: &[&str] = &[
    "date_format",
    "timestamp_format",
    "regex",
    "cidr_block",
    "schema",
    "country",
    "code_format",
    "case",
];

/// Aggregates `aggr_type` may name (DQX calls the function by that name).
const AGGREGATES: &[&str] = &[
    "count",
    "count_distinct",
    "approx_count_distinct",
    "sum",
    "avg",
    "mean",
    "min",
    "max",
    "stddev",
    "stddev_samp",
    "stddev_pop",
    "variance",
    "var_samp",
    "var_pop",
    "median",
    "mode",
    "percentile",
    "approx_percentile",
];

/// Why the job may not be given `rules` (the first rule that fails, by number and name), or
/// `Ok` when every field of every rule is accounted for. `columns`: the checked table's.
pub fn job_refusal(rules: &[Value], columns: &[String]) -> Result<(), String> {
    for (index, rule) in rules.iter().enumerate() {
        if let Err(why) = rule_refusal(rule, columns) {
            let name = rule
                .get("name")
                .and_then(Value::as_str)
                .map(|n| format!(" ('{}')", n.chars().take(80).collect::<String>()))
                .unwrap_or_default();
            return Err(format!(
                "rule {}{name} cannot run as a DQX job: {why}. A job runs as the app's service principal, so it only evaluates rules the app can account for field by field (built-in checks over the table's columns, with literal arguments); validate on the warehouse (engine \"warehouse\", the default), which runs every rule as you",
                index + 1
            ));
        }
    }
    Ok(())
}

fn rule_refusal(rule: &Value, columns: &[String]) -> Result<(), String> {
    let rule = rule.as_object().ok_or("it is not an object")?;
    only_fields(rule, &RULE_FIELDS, "")?;
    if let Some(meta) = rule.get("user_metadata")
        && !meta
            .as_object()
            .is_some_and(|m| m.values().all(is_plain_value))
    {
        return Err("its user_metadata is not a map of plain values".into());
    }
    let check = rule
        .get("check")
        .and_then(Value::as_object)
        .ok_or("it has no check")?;
    only_fields(check, &CHECK_FIELDS, "check.")?;
    let function = check
        .get("function")
        .and_then(Value::as_str)
        .ok_or("its check names no function")?;
    if !JOB_FUNCTIONS.contains(&function) {
        return Err(format!(
            "{function} evaluates text the app does not compile (SQL, a schema or a data frame)"
        ));
    }
    let spec = find(function).ok_or_else(|| format!("{function} is not a DQX check"))?;
    let empty = Map::new();
    let arguments = match check.get("arguments") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(a)) => a,
        Some(_) => return Err("its arguments are not a map".into()),
    };
    for (name, value) in arguments {
        let param = spec
            .param(name)
            .ok_or_else(|| format!("{function} has no argument '{name}'"))?;
        argument_refusal(name, param.kind, value, columns)
            .map_err(|why| format!("argument '{name}' {why}"))?;
    }
    if let Some(each) = check.get("for_each_column") {
        let kind = if spec.for_each_target() == "columns" {
            ArgKind::ColumnList
        } else {
            ArgKind::Column
        };
        let items = each.as_array().ok_or("its for_each_column is not a list")?;
        for item in items {
            argument_refusal("for_each_column", kind, item, columns)
                .map_err(|why| format!("for_each_column {why}"))?;
        }
    }
    Ok(())
}

fn only_fields(map: &Map<String, Value>, allowed: &[&str], prefix: &str) -> Result<(), String> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) if key == "filter" || key == "message_expr" => Err(format!(
            "its {prefix}{key} is SQL text, which the job would evaluate as the service principal"
        )),
        Some(key) => Err(format!(
            "its field '{prefix}{key}' is not one the app accounts for"
        )),
        None => Ok(()),
    }
}

fn is_plain_value(value: &Value) -> bool {
    matches!(
        value,
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null
    )
}

/// Whether `name` is one plain identifier (no quoting, no path, no call).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The checks on one argument by what DQX does with it.
fn argument_refusal(
    name: &str,
    kind: ArgKind,
    value: &Value,
    columns: &[String],
) -> Result<(), String> {
    // Columns of another table (the reference's) cannot be checked against this one's.
    let other_table = name.starts_with("ref_");
    let column = |v: &Value| -> Result<(), String> {
        let text = v.as_str().ok_or("is not a column name")?;
        if !is_identifier(text) {
            return Err(format!(
                "is '{}', an expression rather than a plain column name",
                text.chars().take(80).collect::<String>()
            ));
        }
        if !other_table && !columns.iter().any(|c| c == text) {
            return Err(format!(
                "names '{text}', which is not a column of the table"
            ));
        }
        Ok(())
    };
    match kind {
        ArgKind::Column => column(value),
        ArgKind::ColumnList => match value {
            Value::Array(items) => items.iter().try_for_each(column),
            single => column(single),
        },
        ArgKind::Limit => literal_limit(value),
        ArgKind::LimitList => {
            let items = value.as_array().ok_or("is not a list")?;
            items.iter().try_for_each(|item| match item {
                Value::Array(inner) => inner.iter().try_for_each(literal_limit),
                other => literal_limit(other),
            })
        }
        ArgKind::Int | ArgKind::Float => match value {
            Value::Number(_) => Ok(()),
            _ => Err("is not a number".into()),
        },
        ArgKind::Bool => match value {
            Value::Bool(_) => Ok(()),
            _ => Err("is not true or false".into()),
        },
        ArgKind::StrList => match value {
            Value::Array(items) if items.iter().all(Value::is_string) => Ok(()),
            _ => Err("is not a list of text".into()),
        },
        ArgKind::Map => match value {
            Value::Object(map) if map.values().all(|v| v.is_number() || v.is_string()) => Ok(()),
            _ => Err("is not a map of plain values".into()),
        },
        ArgKind::Str => literal_text(name, value, columns),
    }
}

/// A text argument: literal data, a known aggregate, a table name, or a time column.
fn literal_text(name: &str, value: &Value, columns: &[String]) -> Result<(), String> {
    let text = value.as_str().ok_or("is not text")?;
    match name {
        _ if LITERAL_TEXT.contains(&name) => Ok(()),
        "aggr_type" if AGGREGATES.contains(&text.to_ascii_lowercase().as_str()) => Ok(()),
        "aggr_type" => Err(format!(
            "names '{text}', which is not one of the aggregates a job may call ({})",
            AGGREGATES.join(", ")
        )),
        "ref_table" => TableName::parse(text)
            .map(|_| ())
            .map_err(|e| format!("is not a catalog.schema.table name ({e})")),
        "time_column" if is_identifier(text) && columns.iter().any(|c| c == text) => Ok(()),
        _ => Err("is text DQX would evaluate as SQL".into()),
    }
}

/// A limit DQX turns into a literal, never an expression: a number, a boolean, digits, a decimal,
/// an ISO date or date-time, or a single-quoted string with no quote or backslash inside.
fn literal_limit(value: &Value) -> Result<(), String> {
    let text = match value {
        Value::Number(_) | Value::Bool(_) => return Ok(()),
        Value::String(text) => text.trim(),
        _ => return Err("is not a literal".into()),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let decimal = {
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        match unsigned.split_once('.') {
            Some((whole, fraction)) => digits(whole) && digits(fraction),
            None => digits(unsigned),
        }
    };
    let quoted = text.len() >= 2
        && text.starts_with('\'')
        && text.ends_with('\'')
        && !text[1..text.len() - 1].contains(['\'', '\\']);
    if decimal || quoted || iso_date_or_time(text) {
        Ok(())
    } else {
        Err(format!(
            "is '{}', which DQX would evaluate as a SQL expression; a job takes numbers, dates and quoted text only",
            text.chars().take(80).collect::<String>()
        ))
    }
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.ffffff]]`.
fn iso_date_or_time(text: &str) -> bool {
    let b = text.as_bytes();
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let date = b.len() >= 10
        && (0..4).all(d)
        && b[4] == b'-'
        && d(5)
        && d(6)
        && b[7] == b'-'
        && d(8)
        && d(9);
    if !date {
        return false;
    }
    let rest = &b[10..];
    if rest.is_empty() {
        return true;
    }
    let time = &rest[1..];
    let t = |i: usize| time.get(i).is_some_and(u8::is_ascii_digit);
    let hh_mm = (rest[0] == b'T' || rest[0] == b' ')
        && time.len() >= 5
        && t(0)
        && t(1)
        && time[2] == b':'
        && t(3)
        && t(4);
    if !hh_mm {
        return false;
    }
    match &time[5..] {
        [] => true,
        [b':', s1, s2, fraction @ ..] if s1.is_ascii_digit() && s2.is_ascii_digit() => {
            match fraction {
                [] => true,
                [b'.', digits @ ..] => {
                    !digits.is_empty() && digits.len() <= 6 && digits.iter().all(u8::is_ascii_digit)
                }
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn columns() -> Vec<String> {
        ["order_id", "amount", "status", "created_at", "customer_id"]
            .map(String::from)
            .to_vec()
    }

    fn refused(rule: Value) -> String {
        job_refusal(&[rule], &columns()).unwrap_err()
    }

    #[test]
    fn built_in_checks_over_columns_with_literals_are_accepted() {
        let rules = json!([
            {"name": "a", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "amount"}}},
            {"criticality": "warn", "check": {"function": "is_in_list", "arguments": {"column": "status", "allowed": ["'paid'", "'open'", 3]}}},
            {"criticality": "error", "check": {"function": "is_in_range", "arguments": {"column": "created_at", "min_limit": "2024-01-01", "max_limit": "2026-12-31 23:59:59"}}},
            {"criticality": "error", "check": {"function": "is_not_less_than", "arguments": {"column": "amount", "limit": "-1.50"}}},
            {"criticality": "error", "check": {"function": "regex_match", "arguments": {"column": "status", "regex": "^[a-z]+$"}}},
            {"criticality": "error", "check": {"function": "is_unique", "for_each_column": [["order_id"], ["customer_id"]], "arguments": {}}},
            {"criticality": "error", "check": {"function": "is_aggr_not_greater_than", "arguments": {"column": "amount", "limit": 10, "aggr_type": "avg", "group_by": ["status"]}}},
            {"criticality": "error", "check": {"function": "foreign_key", "arguments": {"columns": ["customer_id"], "ref_columns": ["id"], "ref_table": "main.sales.customers"}}},
            {"criticality": "error", "user_metadata": {"team": "sales"}, "check": {"function": "is_not_null", "for_each_column": ["amount", "status"]}},
        ]);
        assert_eq!(job_refusal(rules.as_array().unwrap(), &columns()), Ok(()));
    }

    #[test]
    fn sql_text_anywhere_is_refused_naming_the_rule_and_the_warehouse() {
        // Issue 41's cases: comments that hide a subquery, TABLE, CTEs, message_expr, calls.
        let hidden = "/* /* */ '*/ CASE WHEN (SELECT count(*) FROM main.hr.employees WHERE salary > 200000) >= order_id THEN 1 END -- '\nIS NOT NULL";
        let cases = [
            (
                json!({"name": "oracle", "criticality": "error", "check": {"function": "sql_expression", "arguments": {"expression": hidden}}}),
                "sql_expression",
            ),
            (
                json!({"criticality": "error", "check": {"function": "sql_query", "arguments": {"query": "TABLE hr.employees", "merge_columns": ["order_id"], "condition_column": "c"}}}),
                "sql_query",
            ),
            (
                json!({"criticality": "error", "filter": "order_id IN (WITH x AS (SELECT 1) SELECT * FROM x)", "check": {"function": "is_not_null", "arguments": {"column": "amount"}}}),
                "filter is SQL text",
            ),
            (
                json!({"criticality": "error", "message_expr": "raise_error('x')", "check": {"function": "is_not_null", "arguments": {"column": "amount"}}}),
                "message_expr is SQL text",
            ),
            (
                json!({"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "secret('scope', 'key')"}}}),
                "an expression rather than a plain column",
            ),
            (
                json!({"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "salary"}}}),
                "not a column of the table",
            ),
            (
                json!({"criticality": "error", "check": {"function": "is_not_less_than", "arguments": {"column": "amount", "limit": "(SELECT max(salary) FROM main.hr.employees)"}}}),
                "evaluate as a SQL expression",
            ),
            (
                json!({"criticality": "error", "check": {"function": "is_in_list", "arguments": {"column": "status", "allowed": ["http_request('x')"]}}}),
                "evaluate as a SQL expression",
            ),
            (
                json!({"criticality": "error", "check": {"function": "is_unique", "arguments": {"columns": ["order_id"], "row_filter": "amount > 0"}}}),
                "evaluate as SQL",
            ),
            (
                json!({"criticality": "error", "check": {"function": "is_aggr_equal", "arguments": {"column": "amount", "limit": 1, "aggr_type": "ai_query"}}}),
                "not one of the aggregates",
            ),
            (
                json!({"criticality": "error", "check": {"function": "is_not_null", "for_each_column": ["amount", "ai_query('m', status)"]}}),
                "for_each_column",
            ),
            (
                json!({"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "amount"}, "options": {}}}),
                "check.options",
            ),
            (
                json!({"criticality": "error", "check": {"function": "compare_datasets", "arguments": {"columns": ["order_id"], "ref_columns": ["id"], "ref_df_name": "x"}}}),
                "compare_datasets",
            ),
        ];
        for (rule, says) in cases {
            let why = refused(rule.clone());
            assert!(why.contains(says), "{rule}: {why}");
            assert!(why.starts_with("rule 1"), "{why}");
            assert!(why.contains("engine \"warehouse\""), "{why}");
        }
        assert!(refused(json!({"name": "oracle", "check": {"function": "sql_expression", "arguments": {"expression": "1"}}})).starts_with("rule 1 ('oracle')"));
    }

    #[test]
    fn iso_dates_and_times_are_literals_and_little_else_is() {
        for fine in [
            "2024-01-31",
            "2024-01-31T12:00",
            "2024-01-31 12:00:59",
            "2024-01-31T12:00:59.123456",
        ] {
            assert!(iso_date_or_time(fine), "{fine}");
        }
        for bad in [
            "2024-01-3",
            "2024-01-31X",
            "2024-01-31T12",
            "2024-01-31T12:00:59.",
            "2024-01-31T12:00:59.1234567",
        ] {
            assert!(!iso_date_or_time(bad), "{bad}");
        }
        assert!(
            literal_limit(&json!("'it''s'")).is_err(),
            "a quote inside is refused"
        );
        assert!(literal_limit(&json!("'a\\'")).is_err());
        assert!(literal_limit(&json!("12")).is_ok());
        assert!(literal_limit(&json!("col2 * 2")).is_err());
    }
}
