//! Row-level checks: each a condition and a DQX message over one row's columns.

use super::{
    CompileContext, CompiledRule, Result, Skip, aggregate, arg, arg_bool, arg_i64, arg_str,
    formats, json_schema, limit, opt_str, patterns, row_check, spark_forms, str_list,
};
use crate::engine::sql::{Dialect, check_expression, first_line, limit_sql};
use crate::engine::udf::{parse_cidr, spark_pattern_to_chrono};
use crate::model::rules::ResolvedRule;
use serde_json::{Map, Value};

/// Checks on one `column`: nulls and empties, lists, ranges and comparisons, time, patterns,
/// JSON, addresses, coordinates.
pub(super) fn column_check(rule: &ResolvedRule, cx: &CompileContext<'_>) -> Result<CompiledRule> {
    let args = &rule.arguments;
    let f = rule.function.as_str();
    let written = arg_str(args, "column");
    let c = cx.column(written)?;
    let cs = cx.s(&c);
    let col_label = format!("Column '{written}'");
    let value_in = |suffix: &str| -> String {
        cx.concat(&[
            cx.lit("Value '"),
            cs.clone(),
            cx.lit(&format!("' in {col_label} {suffix}")),
        ])
    };
    let trimmed = if arg_bool(args, "trim_strings", false) {
        format!("trim({cs})")
    } else {
        cs.clone()
    };
    let allow_nulls = arg_bool(args, "allow_nulls", true);
    // With allow_nulls=false (DQX 0.17), NULL fails with the is_not_null message.
    let nullable = |condition: String, message: String| -> CompiledRule {
        if allow_nulls {
            row_check(condition, message)
        } else {
            row_check(
                format!("({c} IS NULL OR ({condition}))"),
                // Both branches cast alike: DataFusion mistypes a CASE of a literal and a
                // concat over Utf8View (Parquet) columns otherwise.
                format!(
                    "CASE WHEN {c} IS NULL THEN {} ELSE {} END",
                    cx.s(&cx.lit(&format!("{col_label} value is null"))),
                    cx.s(&message)
                ),
            )
        }
    };
    let compiled = match f {
        "is_not_null" => row_check(
            format!("{c} IS NULL"),
            cx.lit(&format!("{col_label} value is null")),
        ),
        "is_null" => row_check(
            format!("{c} IS NOT NULL"),
            cx.lit(&format!("{col_label} value is not null")),
        ),
        "is_not_empty" => row_check(
            format!("{trimmed} = ''"),
            cx.lit(&format!("{col_label} value is empty")),
        ),
        "is_empty" => row_check(
            format!("{trimmed} <> ''"),
            cx.lit(&format!("{col_label} value is not empty")),
        ),
        "is_not_null_and_not_empty" => row_check(
            format!("({c} IS NULL OR {trimmed} = '')"),
            cx.lit(&format!("{col_label} value is null or empty")),
        ),
        "is_null_or_empty" => row_check(
            format!("({c} IS NOT NULL AND {trimmed} <> '')"),
            cx.lit(&format!("{col_label} value is not null and not empty")),
        ),
        "is_not_null_and_not_empty_array" => row_check(
            format!("({c} IS NULL OR {} = 0)", cx.dialect.array_size(&c)),
            cx.lit(&format!("{col_label} is null or empty array")),
        ),
        "is_in_list" | "is_not_null_and_is_in_list" | "is_not_in_list" => {
            let key = if f == "is_not_in_list" {
                "forbidden"
            } else {
                "allowed"
            };
            let items = arg(args, key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let sql_items = items
                .iter()
                .map(|i| {
                    limit_sql(cx.dialect, i).map_err(|e| {
                        Skip(format!(
                            "Check evaluation skipped due to invalid list item: {e}"
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let case_sensitive = arg_bool(args, "case_sensitive", true);
            let (lhs, rhs): (String, Vec<String>) = if case_sensitive {
                (c.clone(), sql_items.clone())
            } else {
                (
                    format!("lower({cs})"),
                    sql_items
                        .iter()
                        .map(|i| format!("lower({})", cx.s(i)))
                        .collect(),
                )
            };
            let in_list = format!("{lhs} IN ({})", rhs.join(", "));
            let rendered = format!(
                "concat_ws(', ', {})",
                sql_items
                    .iter()
                    .map(|i| cx.s(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            match f {
                "is_in_list" => row_check(
                    format!("NOT ({in_list})"),
                    cx.concat(&[
                        value_in("is not in the allowed list: ["),
                        rendered,
                        cx.lit("]"),
                    ]),
                ),
                "is_not_in_list" => row_check(
                    in_list,
                    cx.concat(&[
                        value_in("is in the forbidden list: ["),
                        rendered,
                        cx.lit("]"),
                    ]),
                ),
                _ => row_check(
                    format!("({c} IS NULL OR NOT ({in_list}))"),
                    cx.concat(&[
                        cx.lit("Value '"),
                        format!("coalesce({cs}, 'null')"),
                        cx.lit(&format!(
                            "' in {col_label} is null or not in the allowed list: ["
                        )),
                        rendered,
                        cx.lit("]"),
                    ]),
                ),
            }
        }
        "is_in_range" | "is_not_in_range" => {
            let (min, max) = (
                limit(cx, arg(args, "min_limit"))?,
                limit(cx, arg(args, "max_limit"))?,
            );
            let bounds = |label: &str| {
                cx.concat(&[
                    value_in(&format!("{label}: [")),
                    cx.s(&min),
                    cx.lit(", "),
                    cx.s(&max),
                    cx.lit("]"),
                ])
            };
            if f == "is_in_range" {
                nullable(
                    format!("({c} < {min} OR {c} > {max})"),
                    bounds("not in range"),
                )
            } else {
                nullable(
                    format!("({c} >= {min} AND {c} <= {max})"),
                    bounds("in range"),
                )
            }
        }
        "is_not_less_than" | "is_not_greater_than" => {
            let l = limit(cx, arg(args, "limit"))?;
            let (op, label) = if f == "is_not_less_than" {
                ("<", "is less than limit: ")
            } else {
                (">", "is greater than limit: ")
            };
            nullable(
                format!("{c} {op} {l}"),
                cx.concat(&[value_in(label), cx.s(&l)]),
            )
        }
        "is_equal_to" | "is_not_equal_to" => {
            let value = arg(args, "value");
            let v = limit(cx, value)?;
            let numeric = value.is_some_and(Value::is_number);
            let abs = arg(args, "abs_tolerance").and_then(Value::as_f64);
            let rel = arg(args, "rel_tolerance").and_then(Value::as_f64);
            let equal = if numeric && (abs.is_some() || rel.is_some()) {
                // A missing tolerance is 0.0, as in DQX: it adds nothing to the other's match.
                let (a, r) = (abs.unwrap_or(0.0), rel.unwrap_or(0.0));
                aggregate::within_tolerance(&c, &v, &format!("{a:?}"), &format!("{r:?}"))
            } else {
                format!("{c} = {v}")
            };
            if f == "is_equal_to" {
                nullable(
                    format!("NOT ({equal})"),
                    cx.concat(&[value_in("is not equal to value: "), cx.s(&v)]),
                )
            } else {
                nullable(
                    equal,
                    cx.concat(&[value_in("is equal to value: "), cx.s(&v)]),
                )
            }
        }
        "is_not_in_future" | "is_not_in_near_future" => {
            let offset = arg_i64(args, "offset", 0);
            let now = cx.dialect.epoch_seconds(&cx.now);
            let limit_time = cx.dialect.format_epoch(&format!("({now} + {offset})"));
            // DQX compares the column with `from_unixtime(...)`, a 'yyyy-MM-dd HH:mm:ss' string:
            // a string column is compared as text (as Spark does), anything else as a time.
            let as_text = cx
                .column_type(written)
                .is_some_and(|t| t.eq_ignore_ascii_case("STRING"));
            let (value, now_cmp, limit_cmp) = if as_text {
                (c.clone(), cx.dialect.format_epoch(&now), limit_time.clone())
            } else {
                (
                    cx.dialect.epoch_seconds(&c),
                    now.clone(),
                    format!("{now} + {offset}"),
                )
            };
            if f == "is_not_in_future" {
                row_check(
                    format!("{value} > {limit_cmp}"),
                    cx.concat(&[value_in("is greater than time '"), limit_time, cx.lit("'")]),
                )
            } else {
                row_check(
                    format!("({value} > {now_cmp} AND {value} < {limit_cmp})"),
                    cx.concat(&[
                        value_in("is greater than '"),
                        cx.dialect.format_epoch(&now),
                        cx.lit(" and smaller than '"),
                        limit_time,
                        cx.lit("'"),
                    ]),
                )
            }
        }
        "is_older_than_n_days" => {
            let days = arg_i64(args, "days", 0);
            let today = cx.dialect.to_date(&cx.now);
            let date = cx.dialect.to_date(&c);
            let base = format!("{date} >= {}", cx.dialect.date_minus_days(&today, days));
            let prefix = [
                cx.lit("Value '"),
                cx.s(&date),
                cx.lit(&format!("' in {col_label} ")),
            ];
            if arg_bool(args, "negate", false) {
                let mut parts = prefix.to_vec();
                parts.extend([
                    cx.lit("is less than current date '"),
                    cx.s(&today),
                    cx.lit(&format!("' for {days} or more days")),
                ]);
                row_check(format!("NOT ({base})"), cx.concat(&parts))
            } else {
                let mut parts = prefix.to_vec();
                parts.extend([
                    cx.lit("is not less than current date '"),
                    cx.s(&today),
                    cx.lit(&format!("' for more than {days} days")),
                ]);
                row_check(base, cx.concat(&parts))
            }
        }
        "is_data_fresh" => {
            let minutes = arg_i64(args, "max_age_minutes", 0);
            let base = match arg(args, "base_timestamp") {
                Some(v) => limit(cx, Some(v))?,
                None => cx.now.clone(),
            };
            let base_secs = cx.dialect.epoch_seconds(&base);
            row_check(
                format!(
                    "{} < {base_secs} - {}",
                    cx.dialect.epoch_seconds(&c),
                    minutes * 60
                ),
                cx.concat(&[
                    value_in(&format!(
                        "is older than {minutes} minutes from base timestamp '"
                    )),
                    cx.dialect.format_epoch(&base_secs),
                    cx.lit("'"),
                ]),
            )
        }
        "regex_match" => {
            let pattern = arg_str(args, "regex");
            regex::Regex::new(pattern).map_err(|e| {
                Skip(format!(
                    "Check evaluation skipped due to invalid regex '{pattern}': {}",
                    first_line(&e.to_string())
                ))
            })?;
            let matches = cx.dialect.regex_like(&cs, pattern);
            if arg_bool(args, "negate", false) {
                row_check(matches, cx.lit(&format!("{col_label} is matching regex")))
            } else {
                row_check(
                    format!("NOT {matches}"),
                    cx.lit(&format!("{col_label} is not matching regex")),
                )
            }
        }
        "is_valid_email" => row_check(
            format!("NOT {}", patterns::email_condition(cx.dialect, &cs)),
            value_in("does not match pattern 'EMAIL_ADDRESS'"),
        ),
        "is_valid_uuid" => {
            let strict = arg_bool(args, "strict", false);
            let name = if strict { "UUID_STRICT" } else { "UUID" };
            row_check(
                format!(
                    "NOT {}",
                    cx.dialect.regex_like(&cs, patterns::uuid_pattern(strict))
                ),
                value_in(&format!("does not match pattern '{name}'")),
            )
        }
        "is_valid_url" => row_check(
            format!(
                "NOT {}",
                cx.dialect.regex_like(&cs, &patterns::url_pattern())
            ),
            value_in("does not match pattern 'URL'"),
        ),
        "is_valid_national_id" => {
            let country = opt_str(args, "country").unwrap_or("US");
            let id = patterns::NationalId::for_country(country).ok_or_else(|| {
                Skip(format!(
                    "Check evaluation skipped: Unsupported country code for national ID validation: '{country}'. Supported: [GB, IN, US]."
                ))
            })?;
            row_check(
                format!(
                    "NOT {}",
                    patterns::national_id_condition(cx.dialect, &cs, id)
                ),
                value_in(&format!("does not match pattern '{}'", id.name())),
            )
        }
        "has_valid_string_case" => {
            let case = arg_str(args, "case");
            row_check(
                format!("NOT {}", formats::has_string_case(cx, &cs, case)?),
                value_in(&format!("does not have valid '{case}' string case")),
            )
        }
        "is_valid_country_code" | "is_valid_currency_code" | "is_valid_language_code" => {
            formats::iso_code(rule, cx, &cs, value_in)?
        }
        "is_valid_subdivision_code" => formats::subdivision_code(args, cx, &cs, &col_label)?,
        "has_num_decimal_places" => {
            let (condition, message) = formats::decimal_places(args, cx, &c, &cs, &col_label)?;
            nullable(condition, message)
        }
        "is_valid_ipv4_address" => row_check(
            format!("NOT {}", cx.dialect.regex_like(&cs, IPV4_PATTERN)),
            value_in("does not match pattern 'IPV4_ADDRESS'"),
        ),
        "is_valid_date" | "is_valid_timestamp" => {
            let (key, what) = if f == "is_valid_date" {
                ("date_format", "date")
            } else {
                ("timestamp_format", "timestamp")
            };
            let format = arg(args, key).and_then(Value::as_str);
            let parses = match cx.dialect {
                Dialect::DataFusion => {
                    let chrono_format = match format {
                        Some(spark) => cx.lit(&spark_pattern_to_chrono(spark).map_err(|e| {
                            Skip(format!(
                                "Check evaluation skipped due to invalid {key}: {e}"
                            ))
                        })?),
                        None => "CAST(NULL AS VARCHAR)".to_string(),
                    };
                    format!("dqx_parses_as_timestamp({cs}, {chrono_format})")
                }
                // DQX: `try_to_timestamp(c[, fmt]) IS NULL` fails the row.
                Dialect::Spark => match format {
                    Some(fmt) => format!("(try_to_timestamp({cs}, {}) IS NOT NULL)", cx.lit(fmt)),
                    None => format!("(try_to_timestamp({cs}) IS NOT NULL)"),
                },
            };
            let suffix = format
                .map(|fmt| format!(" with format '{fmt}'"))
                .unwrap_or_default();
            row_check(
                format!("({c} IS NOT NULL AND NOT {parses})"),
                value_in(&format!("is not a valid {what}{suffix}")),
            )
        }
        "is_latitude" | "is_longitude" => {
            let (what, bound) = if f == "is_latitude" {
                ("latitude", 90)
            } else {
                ("longitude", 180)
            };
            row_check(
                format!("NOT (TRY_CAST({c} AS DOUBLE) BETWEEN -{bound}.0 AND {bound}.0)"),
                cx.concat(&[
                    cx.lit("value `"),
                    cs.clone(),
                    cx.lit(&format!(
                        "` in column `{written}` is not a valid {what} (must be between -{bound} and {bound})"
                    )),
                ]),
            )
        }
        "is_valid_json" => row_check(
            format!("NOT {}", is_json(cx, &cs)),
            value_in("is not a valid JSON string"),
        ),
        "has_json_keys" => {
            let keys = str_list(args, "keys");
            let require_all = arg_bool(args, "require_all", true);
            let has = json_has_keys(cx, &cs, &keys, require_all);
            let valid = is_json(cx, &cs);
            row_check(
                format!("(NOT {valid} OR NOT {has})"),
                format!(
                    "CASE WHEN NOT {valid} THEN {} ELSE {} END",
                    value_in("is not a valid JSON string"),
                    cx.concat(&[
                        cx.lit("Value '"),
                        format!("coalesce({cs}, 'null')"),
                        cx.lit(&format!(
                            "' in {col_label} is missing keys in the list: [{}]",
                            keys.join(", ")
                        )),
                    ])
                ),
            )
        }
        "has_valid_json_schema" => json_schema::has_valid_json_schema(
            cx,
            &cs,
            written,
            arg_str(args, "schema"),
            &is_json(cx, &cs),
        )?,
        "is_valid_ipv6_address" => row_check(
            format!("NOT {}", is_ipv6(cx, &cs)),
            value_in("does not match pattern 'IPV6_ADDRESS'"),
        ),
        "is_ipv4_address_in_cidr" | "is_ipv6_address_in_cidr" => {
            let cidr = arg_str(args, "cidr_block");
            let v4 = f == "is_ipv4_address_in_cidr";
            let parsed = parse_cidr(cidr).filter(|(addr, _)| addr.is_ipv4() == v4);
            let Some((network, prefix)) = parsed else {
                let family = if v4 { "IPv4" } else { "IPv6" };
                return Err(Skip(format!(
                    "Check evaluation skipped: CIDR block '{cidr}' is not a valid {family} CIDR block."
                )));
            };
            let (valid, pattern) = if v4 {
                (cx.dialect.regex_like(&cs, IPV4_PATTERN), "IPV4_ADDRESS")
            } else {
                (is_ipv6(cx, &cs), "IPV6_ADDRESS")
            };
            let inside = match cx.dialect {
                Dialect::DataFusion => format!("dqx_ip_in_cidr({cs}, {})", cx.lit(cidr)),
                Dialect::Spark => spark_forms::spark_in_cidr(&cs, network, prefix),
            };
            // CASE, not OR: the address arithmetic only ever sees valid addresses.
            row_check(
                format!("(CASE WHEN NOT {valid} THEN TRUE ELSE NOT {inside} END)"),
                format!(
                    "CASE WHEN NOT {valid} THEN {} ELSE {} END",
                    value_in(&format!("does not match pattern '{pattern}'")),
                    value_in(&format!("is not in the CIDR block '{cidr}'"))
                ),
            )
        }
        other => {
            return Err(Skip(format!(
                "Check evaluation skipped: function '{other}' is not supported"
            )));
        }
    };
    Ok(compiled)
}

/// TRUE when the string `cs` is valid JSON (scalars included), as DQX's `try_parse_json`.
fn is_json(cx: &CompileContext<'_>, cs: &str) -> String {
    match cx.dialect {
        Dialect::DataFusion => format!("dqx_is_json({cs})"),
        // NULL is not invalid JSON: DQX checks `c IS NOT NULL AND try_parse_json(c) IS NULL`.
        Dialect::Spark => format!("({cs} IS NULL OR try_parse_json({cs}) IS NOT NULL)"),
    }
}

/// TRUE when the JSON object in `cs` has all (or any) of `keys` at its top level; NULL for a
/// JSON array or scalar, which DQX passes.
fn json_has_keys(cx: &CompileContext<'_>, cs: &str, keys: &[String], require_all: bool) -> String {
    match cx.dialect {
        Dialect::DataFusion => {
            let keys_json = serde_json::to_string(keys).unwrap_or_else(|_| "[]".into());
            format!(
                "dqx_json_has_keys({cs}, {}, {require_all})",
                cx.lit(&keys_json)
            )
        }
        Dialect::Spark => {
            let wanted: Vec<String> = keys.iter().map(|k| cx.lit(k)).collect();
            let wanted = format!("array({})", wanted.join(", "));
            if require_all {
                format!("(size(array_except({wanted}, json_object_keys({cs}))) = 0)")
            } else {
                format!("arrays_overlap(json_object_keys({cs}), {wanted})")
            }
        }
    }
}

/// TRUE when `cs` is an IPv6 address in any of its text forms.
fn is_ipv6(cx: &CompileContext<'_>, cs: &str) -> String {
    match cx.dialect {
        Dialect::DataFusion => format!("dqx_is_ipv6({cs})"),
        Dialect::Spark => cx.dialect.regex_like(cs, &spark_forms::ipv6_pattern()),
    }
}

/// DQX's IPv4 pattern: four decimal octets, no leading zeros, nothing around them.
const IPV4_PATTERN: &str = r"^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$";

pub(super) fn older_than_col2(
    args: &Map<String, Value>,
    cx: &CompileContext<'_>,
) -> Result<CompiledRule> {
    let (w1, w2) = (arg_str(args, "column1"), arg_str(args, "column2"));
    let (c1, c2) = (cx.column(w1)?, cx.column(w2)?);
    let days = arg_i64(args, "days", 0);
    let (d1, d2) = (cx.dialect.to_date(&c1), cx.dialect.to_date(&c2));
    let base = format!("{d1} >= {}", cx.dialect.date_minus_days(&d2, days));
    let negate = arg_bool(args, "negate", false);
    let tail = if negate {
        format!("' for {days} or more days")
    } else {
        format!("' for more than {days} days")
    };
    let verb = if negate {
        "is less than"
    } else {
        "is not less than"
    };
    let message = cx.concat(&[
        cx.lit("Value '"),
        cx.s(&d1),
        cx.lit(&format!("' in Column '{w1}' {verb} Value '")),
        cx.s(&d2),
        cx.lit(&format!("' in Column '{w2}")),
        cx.lit(&tail),
    ]);
    let condition = if negate {
        format!("NOT ({base})")
    } else {
        base
    };
    Ok(row_check(condition, message))
}

pub(super) fn sql_expression(
    args: &Map<String, Value>,
    cx: &CompileContext<'_>,
) -> Result<CompiledRule> {
    let expression = arg_str(args, "expression");
    check_expression(expression).map_err(|_| {
        Skip(format!(
            "Check evaluation skipped due to invalid sql expression: '{expression}'"
        ))
    })?;
    let negate = arg_bool(args, "negate", false);
    let message = match arg(args, "msg").and_then(Value::as_str) {
        Some(msg) => cx.lit(msg),
        None if negate => cx.lit(&format!("Value is matching expression: ~({expression})")),
        None => cx.lit(&format!("Value is not matching expression: {expression}")),
    };
    let condition = if negate {
        format!("({expression})")
    } else {
        format!("NOT ({expression})")
    };
    Ok(row_check(condition, message))
}
