//! `has_valid_json_schema`: DQX's form on Spark (`from_json` with a corrupt-record field and the
//! `NOT NULL` presence checks), and the `dqx_json_conforms` function that decides the same in the
//! embedded engine.

use super::{CompileContext, CompiledRule, Result, Skip, row_check};
use crate::engine::sql::Dialect;
use crate::model::rules::ddl::{DataType, StructField, parse_struct, quote};

/// DQX checks `NOT NULL` fields this many struct levels below the top.
const MAX_PRESENCE_DEPTH: usize = 10;

/// The rule over string SQL `cs` (the column as written in `column`): invalid JSON fails with
/// the `is_valid_json` message, a non-conforming value with DQX's schema message.
pub(super) fn has_valid_json_schema(
    cx: &CompileContext<'_>,
    cs: &str,
    column: &str,
    schema: &str,
    is_json: &str,
) -> Result<CompiledRule> {
    let fields = parse_struct(schema).map_err(|e| {
        Skip(format!(
            "Check evaluation skipped: invalid schema string '{schema}': {e}"
        ))
    })?;
    let simple = DataType::Struct(fields.clone()).simple_string();
    let value_in = |suffix: &str| {
        cx.concat(&[
            cx.lit("Value '"),
            cs.to_string(),
            cx.lit(&format!("' in Column '{column}' {suffix}")),
        ])
    };
    let message = format!(
        "CASE WHEN NOT {is_json} THEN {} ELSE {} END",
        value_in("is not a valid JSON string"),
        value_in(&format!(
            "does not conform to expected JSON schema: {simple}"
        ))
    );
    let condition = match cx.dialect {
        Dialect::DataFusion => format!("NOT dqx_json_conforms({cs}, {})", cx.lit(schema)),
        Dialect::Spark => spark_condition(cx, cs, &fields, is_json),
    };
    Ok(row_check(condition, message))
}

/// DQX's expression: `NOT ((valid JSON AND no corrupt record AND every presence check) OR NULL)`.
fn spark_condition(
    cx: &CompileContext<'_>,
    cs: &str,
    fields: &[StructField],
    is_json: &str,
) -> String {
    let mut corrupt = "_dqx_corrupt_record".to_string();
    while fields.iter().any(|f| f.name == corrupt) {
        corrupt.push('_');
    }
    let mut with_corrupt = fields.to_vec();
    with_corrupt.push(StructField {
        name: corrupt.clone(),
        data_type: DataType::String,
        nullable: true,
    });
    let parsed = format!(
        "from_json({cs}, {}, map('columnNameOfCorruptRecord', {}))",
        cx.lit(&DataType::Struct(with_corrupt).spark_ddl()),
        cx.lit(&corrupt)
    );
    let mut conforming = vec![
        is_json.to_string(),
        format!("{parsed}.{} IS NULL", quote(&corrupt)),
    ];
    conforming.extend(
        presence_checks(fields, &parsed, 0)
            .into_iter()
            .map(|check| format!("coalesce({check}, FALSE)")),
    );
    format!("NOT (({}) OR {cs} IS NULL)", conforming.join(" AND "))
}

/// DQX's `_generate_field_presence_checks`: `NOT NULL` fields non-null; a nullable struct's
/// checks hold only when it is present.
fn presence_checks(fields: &[StructField], parent: &str, depth: usize) -> Vec<String> {
    if depth > MAX_PRESENCE_DEPTH {
        return Vec::new();
    }
    let mut checks = Vec::new();
    for f in fields {
        let field = format!("{parent}.{}", quote(&f.name));
        if !f.nullable {
            checks.push(format!("{field} IS NOT NULL"));
        }
        if let DataType::Struct(children) = &f.data_type {
            for check in presence_checks(children, &field, depth + 1) {
                checks.push(if f.nullable {
                    format!("({field} IS NULL OR {check})")
                } else {
                    check
                });
            }
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_checks_guard_nullable_parents() {
        let fields =
            parse_struct("req INT NOT NULL, o STRUCT<p: STRUCT<q: INT NOT NULL>>").unwrap();
        assert_eq!(
            presence_checks(&fields, "P", 0),
            vec![
                "P.`req` IS NOT NULL".to_string(),
                "(P.`o` IS NULL OR (P.`o`.`p` IS NULL OR P.`o`.`p`.`q` IS NOT NULL))".to_string(),
            ]
        );
    }
}
