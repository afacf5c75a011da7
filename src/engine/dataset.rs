//! The dataset-level checks that read SQL or a schema: `sql_query` (a user query over the input,
//! merged back per key or applied to every row) and `has_valid_schema` (the table's columns and
//! types against a DDL schema).

use super::compile::{CompileContext, CompiledRule, Join, Skip};
use super::sql::check_expression;
use crate::model::rules::ResolvedRule;
use crate::model::table_name::quote_identifier;
use datafusion::sql::sqlparser::dialect::DatabricksDialect;
use datafusion::sql::sqlparser::parser::Parser;
use serde_json::Value;

type Result<T> = std::result::Result<T, Skip>;

/// Words that make DQX refuse a query or filter as unsafe.
const DESTRUCTIVE: [&str; 17] = [
    "delete", "insert", "update", "drop", "truncate", "alter", "create", "replace", "grant",
    "revoke", "merge", "use", "refresh", "analyze", "optimize", "zorder", "set",
];

fn has_destructive_word(text: &str) -> bool {
    text.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|word| DESTRUCTIVE.contains(&word))
}

fn str_arg<'a>(rule: &'a ResolvedRule, key: &str) -> Option<&'a str> {
    rule.arguments.get(key).and_then(Value::as_str)
}

fn str_list(rule: &ResolvedRule, key: &str) -> Vec<String> {
    rule.arguments
        .get(key)
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

/// Replaces `{{ name }}` placeholders: the input placeholder by the (filtered) input, any other
/// by the table of that name.
fn expand_placeholders(query: &str, placeholder: &str, input: &str) -> Result<String> {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| {
            Skip("Check evaluation skipped: unterminated {{ placeholder in sql_query".into())
        })?;
        let name = after[..end].trim();
        if name == placeholder {
            out.push_str(input);
        } else if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push_str(&quote_identifier(name));
        } else {
            return Err(Skip(format!(
                "Check evaluation skipped: invalid placeholder '{{{{ {name} }}}}'"
            )));
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `sql_query`: with `merge_columns`, the query's `condition` per key (max over duplicates) is
/// joined back null-safely; without, its single row's condition applies to every row.
pub fn sql_query(
    rule: &ResolvedRule,
    cx: &CompileContext<'_>,
    row_filter: Option<String>,
) -> Result<CompiledRule> {
    let query = str_arg(rule, "query").unwrap_or_default();
    if has_destructive_word(query) {
        return Err(Skip(format!(
            "Check evaluation skipped due to unsafe sql query: '{query}'"
        )));
    }
    let placeholder = str_arg(rule, "input_placeholder").unwrap_or("input_view");
    let input = match &row_filter {
        Some(f) => format!("(SELECT * FROM {} WHERE {f})", cx.table_sql),
        None => format!("(SELECT * FROM {})", cx.table_sql),
    };
    let expanded = expand_placeholders(query, placeholder, &input)?;
    let dialect = DatabricksDialect {};
    Parser::new(&dialect)
        .try_with_sql(&expanded)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| {
            Skip(format!(
                "Check evaluation skipped due to invalid sql query: {e}"
            ))
        })?;
    let condition_column =
        quote_identifier(str_arg(rule, "condition_column").unwrap_or("condition"));
    let negate = rule
        .arguments
        .get("negate")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let as_number =
        format!("CASE WHEN {condition_column} THEN 1 WHEN NOT {condition_column} THEN 0 END");
    let alias = format!("__dqx_q{}", cx.id);
    let want = if negate { 0 } else { 1 };
    let message = match str_arg(rule, "msg") {
        Some(msg) => cx.dialect.literal(msg),
        None if negate => cx
            .dialect
            .literal(&format!("Value is matching query: '{query}'")),
        None => cx
            .dialect
            .literal(&format!("Value is not matching query: '{query}'")),
    };
    let merge = str_list(rule, "merge_columns");
    if merge.is_empty() {
        let join = Join {
            relation: format!(
                "(SELECT max({as_number}) AS {alias}_v, count(*) AS {alias}_n FROM ({expanded}) {alias}_in) {alias}"
            ),
            on: None,
        };
        let too_many = cx
            .dialect
            .literal("Dataset-level sql_query without merge_columns must return exactly one row");
        return Ok(CompiledRule {
            condition: format!("({alias}.{alias}_n > 1 OR {alias}.{alias}_v = {want})"),
            message: format!("CASE WHEN {alias}.{alias}_n > 1 THEN {too_many} ELSE {message} END"),
            joins: vec![join],
        });
    }
    let keys = merge
        .iter()
        .map(|m| {
            if m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                Ok(quote_identifier(m))
            } else {
                check_expression(m).map(|_| format!("({m})")).map_err(Skip)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let select: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} AS {alias}_k{i}"))
        .collect();
    let on: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("({k} IS NOT DISTINCT FROM {alias}.{alias}_k{i})"))
        .collect();
    let join = Join {
        relation: format!(
            "(SELECT {}, max({as_number}) AS {alias}_v FROM ({expanded}) {alias}_in GROUP BY {}) {alias}",
            select.join(", "),
            keys.join(", ")
        ),
        on: Some(on.join(" AND ")),
    };
    Ok(CompiledRule {
        condition: format!("{alias}.{alias}_v = {want}"),
        message,
        joins: vec![join],
    })
}

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
pub fn has_valid_schema(rule: &ResolvedRule, cx: &CompileContext<'_>) -> Result<CompiledRule> {
    if str_arg(rule, "ref_table").is_some() || str_arg(rule, "ref_df_name").is_some() {
        return Err(Skip(
            "Check evaluation skipped: has_valid_schema with ref_table or ref_df_name is not supported yet; give expected_schema".into(),
        ));
    }
    let ddl = str_arg(rule, "expected_schema").ok_or_else(|| {
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
    let selected = str_list(rule, "columns");
    let excluded = str_list(rule, "exclude_columns");
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
            condition: "FALSE".into(),
            message: "CAST(NULL AS VARCHAR)".into(),
            joins: Vec::new(),
        }
    } else {
        CompiledRule {
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

    #[test]
    fn placeholders_expand_and_unsafe_words_are_caught() {
        let q = expand_placeholders(
            "SELECT * FROM {{ input_view }} JOIN {{other}}",
            "input_view",
            "(x)",
        )
        .unwrap();
        assert_eq!(q, "SELECT * FROM (x) JOIN `other`");
        assert!(has_destructive_word("SELECT 1; DROP TABLE t"));
        assert!(!has_destructive_word("SELECT dropped_at FROM t"));
    }
}
