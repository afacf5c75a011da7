//! Checks of a value's format that need more than one pattern: ISO codes (country, currency,
//! language, subdivision), DQX's letter cases and the number of decimal places.

use super::{CompileContext, Result, Skip, arg, arg_bool, limit, opt_str};
use crate::engine::iso::{self, CodeList, Standard};
use crate::engine::sql::Dialect;
use crate::engine::udf::STRING_CASES;
use crate::model::rules::ResolvedRule;
use serde_json::{Map, Value};

/// TRUE when the string `cs` is one of `list`'s codes (lower-cased on both sides unless
/// `case_sensitive`); NULL for NULL.
fn in_list(cx: &CompileContext<'_>, cs: &str, list: &CodeList, case_sensitive: bool) -> String {
    match cx.dialect {
        Dialect::DataFusion => format!(
            "dqx_is_iso_code({cs}, {}, {case_sensitive})",
            cx.lit(list.key)
        ),
        Dialect::Spark => {
            let codes: Vec<String> = list
                .codes()
                .map(|c| {
                    if case_sensitive {
                        cx.lit(c)
                    } else {
                        cx.lit(&c.to_lowercase())
                    }
                })
                .collect();
            let value = if case_sensitive {
                cs.to_string()
            } else {
                format!("lower({cs})")
            };
            format!("({value} IN ({}))", codes.join(", "))
        }
    }
}

/// `is_valid_country_code`, `is_valid_currency_code`, `is_valid_language_code`.
pub(super) fn iso_code(
    rule: &ResolvedRule,
    cx: &CompileContext<'_>,
    cs: &str,
    value_in: impl Fn(&str) -> String,
) -> Result<super::CompiledRule> {
    let standard = match rule.function.as_str() {
        "is_valid_country_code" => Standard::Country,
        "is_valid_currency_code" => Standard::Currency,
        _ => Standard::Language,
    };
    let args = &rule.arguments;
    let format = opt_str(args, "code_format").unwrap_or(standard.default_format());
    let list = standard
        .list(format)
        .map_err(|e| Skip(format!("Check evaluation skipped: {e}")))?;
    // Numeric codes have no case.
    let case_sensitive =
        format.eq_ignore_ascii_case("numeric") || arg_bool(args, "case_sensitive", true);
    Ok(super::row_check(
        format!("NOT {}", in_list(cx, cs, list, case_sensitive)),
        value_in(&format!(
            "is not a valid {} {} code",
            standard.title(),
            standard.kind()
        )),
    ))
}

/// `is_valid_subdivision_code`: an ISO 3166-2 code and, with `country_column`, one whose
/// country prefix (before the `-`) is that column's value.
pub(super) fn subdivision_code(
    args: &Map<String, Value>,
    cx: &CompileContext<'_>,
    cs: &str,
    col_label: &str,
) -> Result<super::CompiledRule> {
    let case_sensitive = arg_bool(args, "case_sensitive", true);
    let invalid = format!(
        "(NOT {})",
        in_list(cx, cs, iso::subdivisions(), case_sensitive)
    );
    let prefix = cx.lit("Value '");
    let Some(country_written) = opt_str(args, "country_column") else {
        return Ok(super::row_check(
            invalid,
            cx.concat(&[
                prefix,
                cs.to_string(),
                cx.lit(&format!(
                    "' in {col_label} is not a valid ISO 3166-2 subdivision code"
                )),
            ]),
        ));
    };
    let country = cx.s(&cx.column(country_written)?);
    let lower = |e: &str| {
        if case_sensitive {
            e.to_string()
        } else {
            format!("lower({e})")
        }
    };
    Ok(super::row_check(
        format!(
            "({invalid} OR split_part({}, '-', 1) <> {})",
            lower(cs),
            lower(&country)
        ),
        cx.concat(&[
            prefix,
            cs.to_string(),
            cx.lit(&format!(
                "' in {col_label} is not a valid ISO 3166-2 subdivision code for country '"
            )),
            format!("coalesce({country}, 'null')"),
            cx.lit(&format!("' in Column '{country_written}'")),
        ]),
    ))
}

/// TRUE when the string `cs` is already in DQX's letter `case` (NULL for NULL).
pub(super) fn has_string_case(cx: &CompileContext<'_>, cs: &str, case: &str) -> Result<String> {
    if !STRING_CASES.contains(&case) {
        let known: Vec<String> = STRING_CASES.iter().map(|c| format!("'{c}'")).collect();
        return Err(Skip(format!(
            "Check evaluation skipped: 'case' must be one of [{}], got '{case}'",
            known.join(", ")
        )));
    }
    let normalized = match (cx.dialect, case) {
        (Dialect::DataFusion, _) => {
            return Ok(format!("dqx_has_string_case({cs}, {})", cx.lit(case)));
        }
        (Dialect::Spark, "upper") => format!("upper({cs})"),
        (Dialect::Spark, "lower") => format!("lower({cs})"),
        (Dialect::Spark, "title") => format!(
            "array_join(transform(split({cs}, ' '), w -> concat(upper(substring(w, 1, 1)), substring(w, 2, length(w)))), ' ')"
        ),
        (Dialect::Spark, _) => {
            let lead = format!("length(regexp_extract(s, {}, 1))", cx.lit(r"^(\s*)"));
            format!(
                "array_join(transform(split({cs}, {}), s -> concat(substring(s, 1, {lead}), upper(substring(s, {lead} + 1, 1)), substring(s, {lead} + 2, length(s)))), '.')",
                cx.lit(r"\.")
            )
        }
    };
    Ok(format!("({cs} = {normalized})"))
}

/// `has_num_decimal_places`: the fail condition and message (before `allow_nulls`). Places are
/// counted on the value's text as DQX does: fraction digits, less trailing zeros of the whole
/// significand, less the exponent.
pub(super) fn decimal_places(
    args: &Map<String, Value>,
    cx: &CompileContext<'_>,
    c: &str,
    cs: &str,
    col_label: &str,
) -> Result<(String, String)> {
    let max = limit(cx, arg(args, "limit"))?;
    let pattern = cx.lit(super::patterns::DECIMAL_NUMBER);
    let group = |i: usize| match cx.dialect {
        Dialect::DataFusion => format!("coalesce(regexp_match({cs}, {pattern})[{i}], '')"),
        Dialect::Spark => format!("regexp_extract({cs}, {pattern}, {i})"),
    };
    let (integer, fraction, exponent) = (group(1), group(2), group(3));
    let numeric = format!(
        "({} AND char_length({integer}) + char_length({fraction}) > 0)",
        cx.dialect.regex_like(cs, super::patterns::DECIMAL_NUMBER)
    );
    let significand = format!(
        "regexp_replace(concat({integer}, {fraction}), {}, '')",
        cx.lit(r"0+\z")
    );
    let trailing_zeros =
        format!("(char_length({integer}) + char_length({fraction}) - char_length({significand}))");
    let exponent_value =
        format!("(CASE WHEN {exponent} = '' THEN 0 ELSE CAST({exponent} AS DOUBLE) END)");
    let places = format!(
        "(CASE WHEN {significand} = '' THEN 0 ELSE greatest(char_length({fraction}) - {trailing_zeros} - {exponent_value}, 0) END)"
    );
    let limit_null = format!("({c} IS NOT NULL AND {max} IS NULL)");
    let value = |suffix: String| cx.concat(&[cx.lit("Value '"), cs.to_string(), cx.lit(&suffix)]);
    // NULL passes (before allow_nulls): the DataFusion groups are never NULL, so say it.
    let condition =
        format!("({c} IS NOT NULL AND ({limit_null} OR NOT {numeric} OR {places} > {max}))");
    let message = format!(
        "CASE WHEN {limit_null} THEN {} WHEN NOT {numeric} THEN {} ELSE {} END",
        value(format!("' in {col_label} has a null limit")),
        value(format!("' in {col_label} is not numeric")),
        cx.concat(&[
            cx.lit("Value '"),
            cs.to_string(),
            cx.lit(&format!("' in {col_label} has more than ")),
            cx.s(&max),
            cx.lit(" decimal places"),
        ]),
    );
    Ok((condition, message))
}
