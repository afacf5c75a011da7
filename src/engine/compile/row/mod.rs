//! Row-level checks: each a condition and a DQX message over one row's columns. A check on one
//! `column` is one entry of [`COLUMN_CHECKS`] — the DQX function's name and the function that
//! compiles it, grouped by family in the submodules.

mod json;
mod lists;
mod network;
mod nulls;
mod ranges;
mod text;
mod times;

use super::{
    CompileContext, CompiledRule, Result, Skip, arg, arg_bool, arg_i64, arg_str, row_check,
};
use crate::engine::sql::check_expression;
use crate::model::rules::ResolvedRule;
use serde_json::{Map, Value};

/// Compiles one single-column check.
pub(super) type ColumnCompiler = fn(&ColumnRule<'_>) -> Result<CompiledRule>;

/// Every DQX check on one `column`, by function name. Adding one is a catalogue row in
/// `model::rules::functions` plus a row here.
pub(super) const COLUMN_CHECKS: &[(&str, ColumnCompiler)] = &[
    ("is_not_null", nulls::is_not_null),
    ("is_null", nulls::is_null),
    ("is_not_empty", nulls::is_not_empty),
    ("is_empty", nulls::is_empty),
    (
        "is_not_null_and_not_empty",
        nulls::is_not_null_and_not_empty,
    ),
    ("is_null_or_empty", nulls::is_null_or_empty),
    (
        "is_not_null_and_not_empty_array",
        nulls::is_not_null_and_not_empty_array,
    ),
    ("is_in_list", lists::is_in_list),
    (
        "is_not_null_and_is_in_list",
        lists::is_not_null_and_is_in_list,
    ),
    ("is_not_in_list", lists::is_not_in_list),
    ("is_in_range", ranges::is_in_range),
    ("is_not_in_range", ranges::is_not_in_range),
    ("is_not_less_than", ranges::is_not_less_than),
    ("is_not_greater_than", ranges::is_not_greater_than),
    ("is_equal_to", ranges::is_equal_to),
    ("is_not_equal_to", ranges::is_not_equal_to),
    ("is_latitude", ranges::is_latitude),
    ("is_longitude", ranges::is_longitude),
    ("is_not_in_future", times::is_not_in_future),
    ("is_not_in_near_future", times::is_not_in_near_future),
    ("is_older_than_n_days", times::is_older_than_n_days),
    ("is_data_fresh", times::is_data_fresh),
    ("is_valid_date", times::is_valid_date),
    ("is_valid_timestamp", times::is_valid_timestamp),
    ("regex_match", text::regex_match),
    ("is_valid_email", text::is_valid_email),
    ("is_valid_uuid", text::is_valid_uuid),
    ("is_valid_url", text::is_valid_url),
    ("is_valid_national_id", text::is_valid_national_id),
    ("has_valid_string_case", text::has_valid_string_case),
    ("is_valid_country_code", text::iso_code),
    ("is_valid_currency_code", text::iso_code),
    ("is_valid_language_code", text::iso_code),
    ("is_valid_subdivision_code", text::is_valid_subdivision_code),
    ("has_num_decimal_places", text::has_num_decimal_places),
    ("is_valid_json", json::is_valid_json),
    ("has_json_keys", json::has_json_keys),
    ("has_valid_json_schema", json::has_valid_json_schema),
    ("is_valid_ipv4_address", network::is_valid_ipv4_address),
    ("is_valid_ipv6_address", network::is_valid_ipv6_address),
    ("is_ipv4_address_in_cidr", network::is_ip_address_in_cidr),
    ("is_ipv6_address_in_cidr", network::is_ip_address_in_cidr),
];

/// The compiler of a single-column check, if `function` is one.
pub(super) fn column_compiler(function: &str) -> Option<ColumnCompiler> {
    COLUMN_CHECKS
        .iter()
        .find(|(name, _)| *name == function)
        .map(|(_, compile)| *compile)
}

/// Compiles a check on one `column` (nulls and empties, lists, ranges and comparisons, time,
/// patterns, JSON, addresses, coordinates).
pub(super) fn column_check(rule: &ResolvedRule, cx: &CompileContext<'_>) -> Result<CompiledRule> {
    let Some(compile) = column_compiler(&rule.function) else {
        return Err(Skip(format!(
            "Check evaluation skipped: function '{}' is not supported",
            rule.function
        )));
    };
    compile(&ColumnRule::new(rule, cx)?)
}

/// A single-column rule with its column resolved: what every column check reads.
pub(super) struct ColumnRule<'a> {
    pub rule: &'a ResolvedRule,
    pub args: &'a Map<String, Value>,
    pub cx: &'a CompileContext<'a>,
    /// The `column` argument as the rule wrote it.
    pub written: &'a str,
    /// The column as SQL.
    pub c: String,
    /// The column as a string, for messages and string functions.
    pub cs: String,
    /// `Column '<written>'`, as DQX's messages name it.
    pub label: String,
}

impl<'a> ColumnRule<'a> {
    fn new(rule: &'a ResolvedRule, cx: &'a CompileContext<'a>) -> Result<Self> {
        let args = &rule.arguments;
        let written = arg_str(args, "column");
        let c = cx.column(written)?;
        let cs = cx.s(&c);
        Ok(ColumnRule {
            rule,
            args,
            cx,
            written,
            c,
            cs,
            label: format!("Column '{written}'"),
        })
    }

    /// `Value '<value>' in Column '<written>' <suffix>`, as SQL.
    pub fn value_in(&self, suffix: &str) -> String {
        self.cx.concat(&[
            self.cx.lit("Value '"),
            self.cs.clone(),
            self.cx.lit(&format!("' in {} {suffix}", self.label)),
        ])
    }

    /// A fixed message naming the column: `Column '<written>' <suffix>`.
    pub fn label_lit(&self, suffix: &str) -> String {
        self.cx.lit(&format!("{} {suffix}", self.label))
    }

    /// The column as a string, trimmed when the rule asks for `trim_strings`.
    pub fn trimmed(&self) -> String {
        if arg_bool(self.args, "trim_strings", false) {
            format!("trim({})", self.cs)
        } else {
            self.cs.clone()
        }
    }

    pub fn flag(&self, key: &str, default: bool) -> bool {
        arg_bool(self.args, key, default)
    }

    /// A check whose NULLs pass unless `allow_nulls` is false (DQX 0.17): then NULL fails with
    /// the `is_not_null` message.
    pub fn nullable(&self, condition: String, message: String) -> CompiledRule {
        if self.flag("allow_nulls", true) {
            return row_check(condition, message);
        }
        let cx = self.cx;
        row_check(
            format!("({} IS NULL OR ({condition}))", self.c),
            // Both branches cast alike: DataFusion mistypes a CASE of a literal and a concat
            // over Utf8View (Parquet) columns otherwise.
            format!(
                "CASE WHEN {} IS NULL THEN {} ELSE {} END",
                self.c,
                cx.s(&self.label_lit("value is null")),
                cx.s(&message)
            ),
        )
    }
}

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
    check_expression(expression).map_err(|why| {
        super::invalid_sql(
            format!("Check evaluation skipped due to invalid sql expression: '{expression}'"),
            &why,
        )
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
