//! Text patterns and formats: `regex_match`, e-mail, UUID, URL, national IDs, string case, ISO
//! codes and decimal places.

use super::ColumnRule;
use crate::engine::compile::{
    CompiledRule, Result, Skip, arg_str, formats, opt_str, patterns, row_check,
};
use crate::engine::sql::first_line;

pub(super) fn regex_match(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let pattern = arg_str(r.args, "regex");
    regex::Regex::new(pattern).map_err(|e| {
        Skip(format!(
            "Check evaluation skipped due to invalid regex '{pattern}': {}",
            first_line(&e.to_string())
        ))
    })?;
    let matches = r.cx.dialect.regex_like(&r.cs, pattern);
    Ok(if r.flag("negate", false) {
        row_check(matches, r.label_lit("is matching regex"))
    } else {
        row_check(
            format!("NOT {matches}"),
            r.label_lit("is not matching regex"),
        )
    })
}

/// Fails a value that does not satisfy `valid`, with DQX's "does not match pattern" message.
fn pattern_check(r: &ColumnRule<'_>, valid: String, name: &str) -> CompiledRule {
    row_check(
        format!("NOT {valid}"),
        r.value_in(&format!("does not match pattern '{name}'")),
    )
}

pub(super) fn is_valid_email(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let valid = patterns::email_condition(r.cx.dialect, &r.cs);
    Ok(pattern_check(r, valid, "EMAIL_ADDRESS"))
}

pub(super) fn is_valid_uuid(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let strict = r.flag("strict", false);
    let name = if strict { "UUID_STRICT" } else { "UUID" };
    let valid =
        r.cx.dialect
            .regex_like(&r.cs, patterns::uuid_pattern(strict));
    Ok(pattern_check(r, valid, name))
}

pub(super) fn is_valid_url(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let valid = r.cx.dialect.regex_like(&r.cs, &patterns::url_pattern());
    Ok(pattern_check(r, valid, "URL"))
}

pub(super) fn is_valid_national_id(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let country = opt_str(r.args, "country").unwrap_or("US");
    let id = patterns::NationalId::for_country(country).ok_or_else(|| {
        Skip(format!(
            "Check evaluation skipped: Unsupported country code for national ID validation: '{country}'. Supported: [GB, IN, US]."
        ))
    })?;
    let valid = patterns::national_id_condition(r.cx.dialect, &r.cs, id);
    Ok(pattern_check(r, valid, id.name()))
}

pub(super) fn has_valid_string_case(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let case = arg_str(r.args, "case");
    Ok(row_check(
        format!("NOT {}", formats::has_string_case(r.cx, &r.cs, case)?),
        r.value_in(&format!("does not have valid '{case}' string case")),
    ))
}

/// `is_valid_country_code`, `is_valid_currency_code` and `is_valid_language_code`.
pub(super) fn iso_code(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    formats::iso_code(r.rule, r.cx, &r.cs, |suffix| r.value_in(suffix))
}

pub(super) fn is_valid_subdivision_code(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    formats::subdivision_code(r.args, r.cx, &r.cs, &r.label)
}

pub(super) fn has_num_decimal_places(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let (condition, message) = formats::decimal_places(r.args, r.cx, &r.c, &r.cs, &r.label)?;
    Ok(r.nullable(condition, message))
}
