//! Nulls and empties: `is_not_null`, `is_null`, `is_not_empty`, `is_empty` and their pairings.

use super::ColumnRule;
use crate::engine::compile::{CompiledRule, Result, row_check};

pub(super) fn is_not_null(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    Ok(row_check(
        format!("{} IS NULL", r.c),
        r.label_lit("value is null"),
    ))
}

pub(super) fn is_null(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    Ok(row_check(
        format!("{} IS NOT NULL", r.c),
        r.label_lit("value is not null"),
    ))
}

pub(super) fn is_not_empty(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    Ok(row_check(
        format!("{} = ''", r.trimmed()),
        r.label_lit("value is empty"),
    ))
}

pub(super) fn is_empty(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    Ok(row_check(
        format!("{} <> ''", r.trimmed()),
        r.label_lit("value is not empty"),
    ))
}

pub(super) fn is_not_null_and_not_empty(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    Ok(row_check(
        format!("({} IS NULL OR {} = '')", r.c, r.trimmed()),
        r.label_lit("value is null or empty"),
    ))
}

pub(super) fn is_null_or_empty(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    Ok(row_check(
        format!("({} IS NOT NULL AND {} <> '')", r.c, r.trimmed()),
        r.label_lit("value is not null and not empty"),
    ))
}

pub(super) fn is_not_null_and_not_empty_array(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    Ok(row_check(
        format!("({} IS NULL OR {} = 0)", r.c, r.cx.dialect.array_size(&r.c)),
        r.label_lit("is null or empty array"),
    ))
}
