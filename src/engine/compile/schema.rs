//! `has_valid_schema`: the checked table's columns and types against a DDL schema, permissive
//! (compatible types, extra columns allowed) or strict; the same answer for every row.

use super::{CompileContext, CompiledRule, Result, Skip, opt_str, str_list};
use crate::model::rules::ResolvedRule;
use serde_json::Value;

/// One column of an expected schema.
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    name: String,
    data_type: String,
    nullable: bool,
}

/// Splits on commas outside `<>` and `()`.
fn split_top_level(text: &str) -> Vec<String> {
    let (mut parts, mut current, mut depth) = (Vec::new(), String::new(), 0i32);
    for c in text.chars() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    if !current.trim().is_empty() {
        parts.push(current);
    }
    parts
}

/// Spark's simple name of a DDL type (`INTEGER` → `int`, `VARCHAR(10)` → `string`, ...).
fn normalize_type(raw: &str) -> String {
    let t = raw.trim().to_lowercase().replace(' ', "");
    let base = t.split(['(', '<']).next().unwrap_or_default();
    match base {
        "integer" | "int" => "int".into(),
        "long" | "bigint" => "bigint".into(),
        "short" | "smallint" => "smallint".into(),
        "byte" | "tinyint" => "tinyint".into(),
        "real" | "float" => "float".into(),
        "double" => "double".into(),
        "string" | "varchar" | "char" | "text" => "string".into(),
        "bool" | "boolean" => "boolean".into(),
        "decimal" | "numeric" | "dec" => {
            t.replace("numeric", "decimal").replace("dec(", "decimal(")
        }
        _ => t,
    }
}

fn family(data_type: &str) -> &'static str {
    let base = data_type.split(['(', '<']).next().unwrap_or_default();
    match base {
        "tinyint" | "smallint" | "int" | "bigint" | "float" | "double" | "decimal" => "numeric",
        "string" => "string",
        "date" | "timestamp" | "timestamp_ntz" => "datetime",
        "array" => "array",
        "map" => "map",
        "struct" => "struct",
        "variant" => "variant",
        "boolean" => "boolean",
        "binary" => "binary",
        _ => "other",
    }
}

fn parse_schema(ddl: &str) -> std::result::Result<Vec<Expected>, String> {
    split_top_level(ddl)
        .iter()
        .map(|part| {
            let part = part.trim();
            let (name, rest) = if let Some(stripped) = part.strip_prefix('`') {
                let end = stripped
                    .find('`')
                    .ok_or_else(|| format!("unterminated name in '{part}'"))?;
                (stripped[..end].to_string(), stripped[end + 1..].trim())
            } else {
                let mut it = part.splitn(2, char::is_whitespace);
                let name = it
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches(':')
                    .to_string();
                (name, it.next().unwrap_or_default().trim())
            };
            let rest = rest.trim_start_matches(':').trim();
            if name.is_empty() || rest.is_empty() {
                return Err(format!("'{part}' is not 'name type'"));
            }
            let upper = rest.to_uppercase();
            let nullable = !upper.ends_with("NOT NULL");
            let data_type = if nullable {
                rest
            } else {
                rest[..rest.len() - "NOT NULL".len()].trim()
            };
            Ok(Expected {
                name,
                data_type: normalize_type(data_type),
                nullable,
            })
        })
        .collect()
}

/// `has_valid_schema` against an expected DDL schema: the same answer for every row.
pub(super) fn has_valid_schema(
    rule: &ResolvedRule,
    cx: &CompileContext<'_>,
) -> Result<CompiledRule> {
    if opt_str(&rule.arguments, "ref_table").is_some()
        || opt_str(&rule.arguments, "ref_df_name").is_some()
    {
        return Err(Skip(
            "Check evaluation skipped: has_valid_schema with ref_table or ref_df_name is not supported yet; give expected_schema".into(),
        ));
    }
    let ddl = opt_str(&rule.arguments, "expected_schema").ok_or_else(|| {
        Skip("Check evaluation skipped: has_valid_schema needs expected_schema".into())
    })?;
    let expected = parse_schema(ddl).map_err(|e| {
        Skip(format!(
            "Check evaluation skipped: invalid expected_schema: {e}"
        ))
    })?;
    let strict = rule
        .arguments
        .get("strict")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let selected = str_list(&rule.arguments, "columns");
    let excluded = str_list(&rule.arguments, "exclude_columns");
    let actual: Vec<(&String, &String, bool)> = cx
        .columns
        .iter()
        .zip(cx.column_types)
        .zip(cx.nullable)
        .map(|((n, t), nullable)| (n, t, *nullable))
        .filter(|(n, _, _)| selected.is_empty() || selected.contains(n))
        .filter(|(n, _, _)| !excluded.contains(n))
        .collect();
    let expected: Vec<Expected> = expected
        .into_iter()
        .filter(|e| !excluded.contains(&e.name))
        .collect();
    let mut errors = Vec::new();
    if strict {
        for (i, (e, (name, data_type, nullable))) in expected.iter().zip(&actual).enumerate() {
            if &e.name != *name {
                errors.push(format!(
                    "Column with index {i} has incorrect name, expected '{}', got '{name}'",
                    e.name
                ));
            } else if &e.data_type != *data_type {
                errors.push(format!(
                    "Column '{name}' has incorrect type, expected '{}', got '{data_type}'",
                    e.data_type
                ));
            } else if e.nullable != *nullable {
                errors.push(format!(
                    "Column '{name}' has incorrect nullability, expected nullable={}",
                    e.nullable
                ));
            }
        }
        for e in expected.iter().skip(actual.len()) {
            errors.push(format!(
                "Column '{}' in expected schema not present in checked data",
                e.name
            ));
        }
        for (name, _, _) in actual.iter().skip(expected.len()) {
            errors.push(format!(
                "Column '{name}' in checked data not present in expected schema"
            ));
        }
    } else {
        for e in &expected {
            match actual.iter().find(|(n, _, _)| **n == e.name) {
                None => errors.push(format!(
                    "Column '{}' in expected schema not present in checked data",
                    e.name
                )),
                Some((_, data_type, _)) => {
                    let (want, got) = (family(&e.data_type), family(data_type));
                    if want != "variant" && want != got {
                        errors.push(format!(
                            "Column '{}' has incompatible type, expected '{}', got '{data_type}'",
                            e.name, e.data_type
                        ));
                    }
                }
            }
        }
    }
    Ok(if errors.is_empty() {
        CompiledRule {
            layers: Vec::new(),
            condition: "FALSE".into(),
            message: format!("CAST(NULL AS {})", cx.dialect.string_type()),
            joins: Vec::new(),
        }
    } else {
        CompiledRule {
            layers: Vec::new(),
            condition: "TRUE".into(),
            message: cx
                .dialect
                .literal(&format!("Schema validation failed: {}", errors.join("; "))),
            joins: Vec::new(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_parses_with_nested_types_and_not_null() {
        let s = parse_schema(
            "id BIGINT NOT NULL, `full name` STRING, tags ARRAY<STRING>, amount DECIMAL(10, 2)",
        )
        .unwrap();
        assert_eq!(s.len(), 4);
        assert_eq!(
            s[0],
            Expected {
                name: "id".into(),
                data_type: "bigint".into(),
                nullable: false
            }
        );
        assert_eq!(s[1].name, "full name");
        assert_eq!(s[2].data_type, "array<string>");
        assert_eq!(s[3].data_type, "decimal(10,2)");
        assert!(parse_schema("justaname").is_err());
    }
}
