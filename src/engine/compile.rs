//! Compiling one resolved DQX rule to SQL: a fail condition (TRUE = the row violates it; FALSE
//! and NULL pass, as in DQX), the DQX message for a violating row, and for dataset-level checks
//! the helper subquery joined in. Rules that cannot be resolved against the table are "skipped"
//! as DQX does: every row gets the skip message.

use super::sql::{Dialect, check_expression, limit_sql};
use super::udf::{parse_cidr, spark_pattern_to_chrono};
use crate::model::rules::ResolvedRule;
use crate::model::table_name::TableName;
use crate::model::table_name::quote_identifier;
use serde_json::{Map, Value};

/// What the evaluator needs to place one rule in the combined query.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledRule {
    /// Boolean SQL; TRUE means the row violates the rule.
    pub condition: String,
    /// String SQL: the message for a violating row.
    pub message: String,
    /// Helper relations of dataset checks (per-key or whole-table aggregates, reference keys).
    pub joins: Vec<Join>,
}

/// A small relation joined to the checked table: `relation` is `(SELECT ...) alias`; `on` the
/// join condition, or `None` for a one-row relation joined to every row.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    pub relation: String,
    pub on: Option<String>,
}

/// The FROM clause joining `joins` to `base` (`(SELECT ...) __dqx_base`). Each helper is the
/// left (build) side of its join — `helper RIGHT JOIN base` / `helper CROSS JOIN base` — so hash
/// tables hold the small aggregated side and batches keep their size, whatever the planner knows
/// about the files (CSV has no statistics).
pub fn joined_from(base: &str, joins: &[&Join]) -> String {
    let mut from = base.to_string();
    for (i, join) in joins.iter().enumerate() {
        let inner = if i == 0 {
            from.clone()
        } else {
            format!("({from})")
        };
        from = match &join.on {
            Some(on) => format!("{} RIGHT JOIN {inner} ON {on}", join.relation),
            None => format!("{} CROSS JOIN {inner}", join.relation),
        };
    }
    from
}

/// The table a rule set runs against.
pub struct CompileContext<'a> {
    pub dialect: Dialect,
    /// The table as SQL (`` `main`.`sales`.`orders` ``).
    pub table_sql: &'a str,
    /// The table's column names.
    pub columns: &'a [String],
    /// Their Unity Catalog type names, in the same order.
    pub column_types: &'a [String],
    /// Whether each column is nullable.
    pub nullable: &'a [bool],
    /// SQL for "now" (a timestamp), fixed by `--now` or the engine's current time.
    pub now: String,
    /// Unique number for this rule's helper aliases.
    pub id: usize,
}

/// Why a rule cannot be evaluated; the text is DQX's skip message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip(pub String);

type Result<T> = std::result::Result<T, Skip>;

impl CompileContext<'_> {
    /// A column argument as SQL: a known column is back-quoted; a bare name that is no column
    /// skips the rule (as DQX does); anything else is a SQL expression, checked to be one.
    fn column(&self, text: &str) -> Result<String> {
        if let Some(real) = self.columns.iter().find(|c| c.as_str() == text) {
            return Ok(quote_identifier(real));
        }
        if let Some(real) = self.columns.iter().find(|c| c.eq_ignore_ascii_case(text)) {
            return Ok(quote_identifier(real));
        }
        let bare = text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if bare {
            return Err(Skip(format!(
                "Check evaluation skipped due to invalid check columns: ['{text}']"
            )));
        }
        check_expression(text).map_err(|_| {
            Skip(format!(
                "Check evaluation skipped due to invalid check columns: ['{text}']"
            ))
        })?;
        Ok(format!("({text})"))
    }

    fn lit(&self, text: &str) -> String {
        self.dialect.literal(text)
    }

    fn s(&self, expr: &str) -> String {
        self.dialect.as_string(expr)
    }

    fn concat(&self, parts: &[String]) -> String {
        self.dialect.concat(parts)
    }
}

fn arg<'a>(args: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    args.get(key).filter(|v| !v.is_null())
}

fn arg_str<'a>(args: &'a Map<String, Value>, key: &str) -> &'a str {
    arg(args, key).and_then(Value::as_str).unwrap_or_default()
}

fn arg_bool(args: &Map<String, Value>, key: &str, default: bool) -> bool {
    arg(args, key).and_then(Value::as_bool).unwrap_or(default)
}

fn arg_i64(args: &Map<String, Value>, key: &str, default: i64) -> i64 {
    match arg(args, key) {
        Some(Value::Bool(b)) => i64::from(*b),
        Some(v) => v.as_i64().unwrap_or(default),
        None => default,
    }
}

fn str_list(args: &Map<String, Value>, key: &str) -> Vec<String> {
    arg(args, key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn limit(cx: &CompileContext<'_>, value: Option<&Value>) -> Result<String> {
    let value = value.ok_or_else(|| Skip("Check evaluation skipped: a limit is missing".into()))?;
    limit_sql(cx.dialect, value).map_err(|e| {
        Skip(format!(
            "Check evaluation skipped due to invalid limit: {e}"
        ))
    })
}

fn row_check(condition: String, message: String) -> CompiledRule {
    CompiledRule {
        condition,
        message,
        joins: Vec::new(),
    }
}

/// Compiles `rule` for the table in `cx`.
pub fn compile(rule: &ResolvedRule, cx: &CompileContext<'_>) -> Result<CompiledRule> {
    let args = &rule.arguments;
    let f = rule.function.as_str();
    if let Some(filter) = &rule.filter {
        check_expression(filter).map_err(|_| {
            Skip(format!(
                "Check evaluation skipped due to invalid check filter: '{filter}'"
            ))
        })?;
    }
    match f {
        "sql_expression" => return sql_expression(args, cx),
        "is_unique" => return is_unique(rule, cx),
        "is_aggr_not_greater_than"
        | "is_aggr_not_less_than"
        | "is_aggr_equal"
        | "is_aggr_not_equal" => {
            return is_aggr(rule, cx);
        }
        "is_older_than_col2_for_n_days" => return older_than_col2(args, cx),
        "foreign_key" => return foreign_key(rule, cx),
        "sql_query" => return super::dataset::sql_query(rule, cx, row_filter(rule)?),
        "has_valid_schema" => return super::dataset::has_valid_schema(rule, cx),
        _ => {}
    }
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
                format!(
                    "CASE WHEN {c} IS NULL THEN {} ELSE {message} END",
                    cx.lit(&format!("{col_label} value is null"))
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
                let diff = format!("abs({c} - {v})");
                let mut parts = Vec::new();
                if let Some(a) = abs {
                    parts.push(format!("{diff} <= {a:?}"));
                }
                if let Some(r) = rel {
                    parts.push(format!("{diff} <= {r:?} * greatest(abs({c}), abs({v}))"));
                }
                format!("({})", parts.join(" OR "))
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
            let value = cx.dialect.epoch_seconds(&c);
            let limit_time = cx.dialect.format_epoch(&format!("({now} + {offset})"));
            if f == "is_not_in_future" {
                row_check(
                    format!("{value} > {now} + {offset}"),
                    cx.concat(&[value_in("is greater than time '"), limit_time, cx.lit("'")]),
                )
            } else {
                row_check(
                    format!("({value} > {now} AND {value} < {now} + {offset})"),
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
            native_only(cx, f)?;
            let format = arg(args, key).and_then(Value::as_str);
            let chrono_format = match format {
                Some(spark) => cx.lit(&spark_pattern_to_chrono(spark).map_err(|e| {
                    Skip(format!(
                        "Check evaluation skipped due to invalid {key}: {e}"
                    ))
                })?),
                None => "CAST(NULL AS VARCHAR)".to_string(),
            };
            let suffix = format
                .map(|fmt| format!(" with format '{fmt}'"))
                .unwrap_or_default();
            row_check(
                format!("({c} IS NOT NULL AND NOT dqx_parses_as_timestamp({cs}, {chrono_format}))"),
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
        "is_valid_json" => {
            native_only(cx, f)?;
            row_check(
                format!("NOT dqx_is_json({cs})"),
                value_in("is not a valid JSON string"),
            )
        }
        "has_json_keys" => {
            native_only(cx, f)?;
            let keys = str_list(args, "keys");
            let keys_json = serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into());
            let require_all = arg_bool(args, "require_all", true);
            let has = format!(
                "dqx_json_has_keys({cs}, {}, {require_all})",
                cx.lit(&keys_json)
            );
            row_check(
                format!("(NOT dqx_is_json({cs}) OR NOT {has})"),
                format!(
                    "CASE WHEN NOT dqx_is_json({cs}) THEN {} ELSE {} END",
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
        "is_valid_ipv6_address" => {
            native_only(cx, f)?;
            row_check(
                format!("NOT dqx_is_ipv6({cs})"),
                value_in("does not match pattern 'IPV6_ADDRESS'"),
            )
        }
        "is_ipv4_address_in_cidr" | "is_ipv6_address_in_cidr" => {
            native_only(cx, f)?;
            let cidr = arg_str(args, "cidr_block");
            let v4 = f == "is_ipv4_address_in_cidr";
            let family_ok = parse_cidr(cidr).is_some_and(|(addr, _)| addr.is_ipv4() == v4);
            if !family_ok {
                let family = if v4 { "IPv4" } else { "IPv6" };
                return Err(Skip(format!(
                    "Check evaluation skipped: CIDR block '{cidr}' is not a valid {family} CIDR block."
                )));
            }
            let (valid, pattern) = if v4 {
                (cx.dialect.regex_like(&cs, IPV4_PATTERN), "IPV4_ADDRESS")
            } else {
                (format!("dqx_is_ipv6({cs})"), "IPV6_ADDRESS")
            };
            row_check(
                format!(
                    "(NOT {valid} OR NOT dqx_ip_in_cidr({cs}, {}))",
                    cx.lit(cidr)
                ),
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

/// DQX's IPv4 pattern: four decimal octets, no leading zeros, nothing around them.
const IPV4_PATTERN: &str = r"^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$";

/// Functions evaluated with our DataFusion UDFs have no Spark SQL form here.
fn native_only(cx: &CompileContext<'_>, function: &str) -> Result<()> {
    match cx.dialect {
        Dialect::DataFusion => Ok(()),
        Dialect::Spark => Err(Skip(format!(
            "Check evaluation skipped: function '{function}' has no Spark SQL form in this app; run it with DQX"
        ))),
    }
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
}

fn older_than_col2(args: &Map<String, Value>, cx: &CompileContext<'_>) -> Result<CompiledRule> {
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

fn sql_expression(args: &Map<String, Value>, cx: &CompileContext<'_>) -> Result<CompiledRule> {
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

/// The row filter of a dataset check: the rule's `filter` wins over `row_filter` (DQX pushes it down).
fn row_filter(rule: &ResolvedRule) -> Result<Option<String>> {
    let filter = rule.filter.clone().or_else(|| {
        arg(&rule.arguments, "row_filter")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    if let Some(f) = &filter {
        check_expression(f).map_err(|_| {
            Skip(format!(
                "Check evaluation skipped due to invalid check filter: '{f}'"
            ))
        })?;
    }
    Ok(filter)
}

fn is_unique(rule: &ResolvedRule, cx: &CompileContext<'_>) -> Result<CompiledRule> {
    let written = str_list(&rule.arguments, "columns");
    let keys = written
        .iter()
        .map(|w| cx.column(w))
        .collect::<Result<Vec<_>>>()?;
    let nulls_distinct = arg_bool(&rule.arguments, "nulls_distinct", true);
    let mut counted = Vec::new();
    if let Some(f) = row_filter(rule)? {
        counted.push(format!("({f})"));
    }
    if nulls_distinct {
        counted.extend(keys.iter().map(|k| format!("{k} IS NOT NULL")));
    }
    let counted = if counted.is_empty() {
        "TRUE".to_string()
    } else {
        counted.join(" AND ")
    };
    let alias = format!("__dqx_u{}", cx.id);
    let key_aliases: Vec<String> = (0..keys.len()).map(|i| format!("{alias}_k{i}")).collect();
    let select_keys: Vec<String> = keys
        .iter()
        .zip(&key_aliases)
        .map(|(k, a)| format!("{k} AS {a}"))
        .collect();
    let join_on: Vec<String> = keys
        .iter()
        .zip(&key_aliases)
        .map(|(k, a)| format!("({k} IS NOT DISTINCT FROM {alias}.{a})"))
        .collect();
    let join = Join {
        relation: format!(
            "(SELECT {}, count(*) AS {alias}_n FROM {} WHERE {counted} GROUP BY {}) {alias}",
            select_keys.join(", "),
            cx.table_sql,
            keys.join(", ")
        ),
        on: Some(join_on.join(" AND ")),
    };
    let (value, label) = if keys.len() == 1 {
        (
            if nulls_distinct {
                cx.s(&keys[0])
            } else {
                format!("coalesce({}, 'null')", cx.s(&keys[0]))
            },
            written[0].clone(),
        )
    } else {
        let parts: Vec<String> = keys
            .iter()
            .map(|k| format!("coalesce({}, 'null')", cx.s(k)))
            .collect();
        (
            cx.concat(&[
                cx.lit("{"),
                format!("concat_ws(', ', {})", parts.join(", ")),
                cx.lit("}"),
            ]),
            format!("struct({})", written.join(", ")),
        )
    };
    Ok(CompiledRule {
        condition: format!("({counted}) AND {alias}.{alias}_n > 1"),
        message: cx.concat(&[
            cx.lit("Value '"),
            value,
            cx.lit(&format!("' in column '{label}' is not unique, found ")),
            cx.s(&format!("{alias}.{alias}_n")),
            cx.lit(" duplicates"),
        ]),
        joins: vec![join],
    })
}

/// A reference table named in a rule: a three-part name, or a plain name the session knows.
fn reference_table(name: &str) -> Result<String> {
    if name.contains('.') {
        TableName::parse(name).map(|t| t.quoted()).map_err(|e| {
            Skip(format!(
                "Check evaluation skipped: invalid ref_table '{name}': {e}"
            ))
        })
    } else if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(quote_identifier(name))
    } else {
        Err(Skip(format!(
            "Check evaluation skipped: invalid reference name '{name}'"
        )))
    }
}

fn foreign_key(rule: &ResolvedRule, cx: &CompileContext<'_>) -> Result<CompiledRule> {
    let args = &rule.arguments;
    let written = str_list(args, "columns");
    let written_ref = str_list(args, "ref_columns");
    if written.is_empty() || written.len() != written_ref.len() {
        return Err(Skip(
            "Check evaluation skipped: columns and ref_columns must have the same length".into(),
        ));
    }
    let reference = match (
        arg(args, "ref_table").and_then(Value::as_str),
        arg(args, "ref_df_name").and_then(Value::as_str),
    ) {
        (Some(t), None) | (None, Some(t)) => reference_table(t)?,
        _ => {
            return Err(Skip(
                "Check evaluation skipped: give exactly one of ref_table and ref_df_name".into(),
            ));
        }
    };
    let keys = written
        .iter()
        .map(|w| cx.column(w))
        .collect::<Result<Vec<_>>>()?;
    let ref_keys = written_ref
        .iter()
        .map(|w| {
            if w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                Ok(quote_identifier(w))
            } else {
                check_expression(w).map(|_| format!("({w})")).map_err(Skip)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let null_safe = arg_bool(args, "null_safe", false);
    let negate = arg_bool(args, "negate", false);
    let alias = format!("__dqx_f{}", cx.id);
    let select: Vec<String> = ref_keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} AS {alias}_k{i}"))
        .collect();
    let on: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            if null_safe {
                format!("({k} IS NOT DISTINCT FROM {alias}.{alias}_k{i})")
            } else {
                format!("({k} = {alias}.{alias}_k{i})")
            }
        })
        .collect();
    let join = Join {
        relation: format!(
            "(SELECT DISTINCT {}, TRUE AS {alias}_m FROM {reference}) {alias}",
            select.join(", ")
        ),
        on: Some(on.join(" AND ")),
    };
    let mut parts: Vec<String> = Vec::new();
    if !null_safe {
        parts.extend(keys.iter().map(|k| format!("{k} IS NOT NULL")));
    }
    if let Some(f) = row_filter(rule)? {
        parts.push(format!("({f})"));
    }
    parts.push(if negate {
        format!("{alias}.{alias}_m IS NOT NULL")
    } else {
        format!("{alias}.{alias}_m IS NULL")
    });
    let (value, label, ref_label) = if keys.len() == 1 {
        (
            format!("coalesce({}, 'null')", cx.s(&keys[0])),
            written[0].clone(),
            written_ref[0].clone(),
        )
    } else {
        let rendered: Vec<String> = keys
            .iter()
            .map(|k| format!("coalesce({}, 'null')", cx.s(k)))
            .collect();
        (
            cx.concat(&[
                cx.lit("{"),
                format!("concat_ws(', ', {})", rendered.join(", ")),
                cx.lit("}"),
            ]),
            format!("struct({})", written.join(", ")),
            format!("struct({})", written_ref.join(", ")),
        )
    };
    let verb = if negate { "found" } else { "not found" };
    Ok(CompiledRule {
        condition: format!("({})", parts.join(" AND ")),
        message: cx.concat(&[
            cx.lit("Value '"),
            value,
            cx.lit(&format!(
                "' in column '{label}' {verb} in reference column '{ref_label}'"
            )),
        ]),
        joins: vec![join],
    })
}

fn is_aggr(rule: &ResolvedRule, cx: &CompileContext<'_>) -> Result<CompiledRule> {
    let args = &rule.arguments;
    let written = arg_str(args, "column");
    let aggr = arg(args, "aggr_type")
        .and_then(Value::as_str)
        .unwrap_or("count");
    let (function, display) = match aggr {
        "count" => ("count", "Count"),
        "sum" => ("sum", "Sum"),
        "avg" => ("avg", "Average"),
        "min" => ("min", "Min"),
        "max" => ("max", "Max"),
        other => {
            return Err(Skip(format!(
                "Check evaluation skipped: aggr_type '{other}' is not supported yet (count, sum, avg, min, max)"
            )));
        }
    };
    let target = if written == "*" {
        if aggr != "count" {
            return Err(Skip(
                "Check evaluation skipped: column '*' is allowed only with count".into(),
            ));
        }
        "1".to_string()
    } else {
        cx.column(written)?
    };
    let filtered = match row_filter(rule)? {
        Some(f) => format!("CASE WHEN ({f}) THEN {target} END"),
        None => target,
    };
    let l = limit(cx, arg(args, "limit"))?;
    let group_written = str_list(args, "group_by");
    let groups = group_written
        .iter()
        .map(|g| cx.column(g))
        .collect::<Result<Vec<_>>>()?;
    let alias = format!("__dqx_a{}", cx.id);
    let metric = format!("{alias}.{alias}_m");
    let metric_sql = if aggr == "count" {
        format!("count({filtered})")
    } else {
        format!("{function}({filtered})")
    };
    let join = if groups.is_empty() {
        Join {
            relation: format!(
                "(SELECT {metric_sql} AS {alias}_m FROM {}) {alias}",
                cx.table_sql
            ),
            on: None,
        }
    } else {
        let aliases: Vec<String> = (0..groups.len()).map(|i| format!("{alias}_g{i}")).collect();
        let select: Vec<String> = groups
            .iter()
            .zip(&aliases)
            .map(|(g, a)| format!("{g} AS {a}"))
            .collect();
        let on: Vec<String> = groups
            .iter()
            .zip(&aliases)
            .map(|(g, a)| format!("({g} IS NOT DISTINCT FROM {alias}.{a})"))
            .collect();
        Join {
            relation: format!(
                "(SELECT {}, {metric_sql} AS {alias}_m FROM {} GROUP BY {}) {alias}",
                select.join(", "),
                cx.table_sql,
                groups.join(", ")
            ),
            on: Some(on.join(" AND ")),
        }
    };
    let (op, label) = match rule.function.as_str() {
        "is_aggr_not_greater_than" => (">", "greater than"),
        "is_aggr_not_less_than" => ("<", "less than"),
        "is_aggr_equal" => ("<>", "not equal to"),
        _ => ("=", "equal to"),
    };
    let group_label = if group_written.is_empty() {
        String::new()
    } else {
        format!(" per group of columns '{}'", group_written.join(", "))
    };
    let column_label = if written == "*" { "*" } else { written };
    Ok(CompiledRule {
        condition: format!("{metric} {op} {l}"),
        message: cx.concat(&[
            cx.lit(&format!("{display} value ")),
            cx.s(&metric),
            cx.lit(&format!(
                " in column '{column_label}'{group_label} is {label} limit: "
            )),
            cx.s(&l),
        ]),
        joins: vec![join],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rules::validate::validate_rule_set;
    use serde_json::json;

    fn compile_one(rules: Value, dialect: Dialect) -> Result<CompiledRule> {
        let v = validate_rule_set(&rules, None);
        assert!(v.is_valid(), "{:?}", v.problems);
        let columns = vec!["a".to_string(), "b".to_string()];
        let types = vec!["bigint".to_string(), "string".to_string()];
        let cx = CompileContext {
            dialect,
            table_sql: "`t`",
            columns: &columns,
            column_types: &types,
            nullable: &[true, true],
            now: "now()".to_string(),
            id: 0,
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
                    (ArgKind::Str, "query") => {
                        json!("SELECT TRUE AS condition FROM {{ input_view }}")
                    }
                    (ArgKind::Str, _) => json!("x"),
                    (ArgKind::StrList, _) => json!(["k"]),
                    (ArgKind::Bool, _) => json!(true),
                    (ArgKind::Map, _) => json!({}),
                };
                args.insert(p.name.to_string(), value);
            }
            if spec.name == "foreign_key" {
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
}
