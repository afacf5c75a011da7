//! From intents to DQX rules: each intent becomes rules marked `source: prompt` with the clause
//! that asked for them; a profile rule that checks the same aspect of the same columns (presence,
//! allowed values, a limit, the format…) is replaced (the prompt is the user's word), other
//! profile rules stay. "Warn only" makes every rule a warning.

use super::ColumnFacts;
use super::read::{Asked, Format, Intent, PromptReading};
use crate::model::rules::aspects::{Aspect, aspects, aspects_of_function};
use crate::model::rules::names::{default_name, unique_name};
use crate::model::rules::{rule_columns as columns_of, rule_function as function_of};
use serde_json::{Value, json};

/// A value of the user's list as DQX reads it: numbers as numbers for numeric columns, anything
/// else as a quoted SQL string literal (a bare string would be read as a column name).
pub(crate) fn list_item(value: &str, numeric: bool) -> Value {
    if numeric {
        if let Ok(n) = value.parse::<i64>() {
            return json!(n);
        }
        if let Ok(x) = value.parse::<f64>()
            && let Some(n) = serde_json::Number::from_f64(x)
        {
            return Value::Number(n);
        }
    }
    Value::String(crate::engine::sql::portable_literal(value))
}

pub(crate) fn number(text: &str) -> Value {
    text.parse::<i64>()
        .map(|n| json!(n))
        .ok()
        .or_else(|| {
            text.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
        })
        .unwrap_or_else(|| Value::String(text.to_string()))
}

/// One proposed rule: function and arguments; it replaces the profile's rules that check the
/// same aspect of the same columns.
struct Proposal {
    function: &'static str,
    arguments: Value,
}

impl Proposal {
    fn aspects(&self) -> &'static [Aspect] {
        match self.function {
            // "x > 0", written as an expression.
            "sql_expression" => &[Aspect::Lower],
            f => aspects_of_function(f),
        }
    }
}

fn proposals(intent: &Intent, columns: &[ColumnFacts]) -> Vec<Proposal> {
    let facts = |name: &str| columns.iter().find(|c| c.name == name);
    match intent {
        Intent::ValidEmail(cols) => cols
            .iter()
            .map(|c| Proposal {
                function: "is_valid_email",
                arguments: json!({ "column": c }),
            })
            .collect(),
        Intent::ValidFormat { columns, format } => columns
            .iter()
            .map(|c| {
                let (function, arguments) = match format {
                    Format::Ipv4 => ("is_valid_ipv4_address", json!({ "column": c })),
                    Format::Ipv6 => ("is_valid_ipv6_address", json!({ "column": c })),
                    Format::Json => ("is_valid_json", json!({ "column": c })),
                    Format::Uuid => ("is_valid_uuid", json!({ "column": c })),
                    Format::Date => ("is_valid_date", json!({ "column": c })),
                    Format::Timestamp => ("is_valid_timestamp", json!({ "column": c })),
                };
                Proposal {
                    function,
                    arguments,
                }
            })
            .collect(),
        Intent::NonNegative(cols) => cols
            .iter()
            .map(|c| Proposal {
                function: "is_not_less_than",
                arguments: json!({"column": c, "limit": 0}),
            })
            .collect(),
        Intent::Positive(cols) => cols
            .iter()
            .map(|c| Proposal {
                function: "sql_expression",
                arguments: json!({
                    "expression": format!("{} > 0", crate::model::table_name::quote_identifier(c)),
                    "msg": format!("{c} is not positive"),
                    "name": format!("{c}_is_not_positive"),
                    "columns": [c],
                }),
            })
            .collect(),
        Intent::Bound {
            columns,
            limit,
            upper,
        } => columns
            .iter()
            .map(|c| Proposal {
                function: if *upper {
                    "is_not_greater_than"
                } else {
                    "is_not_less_than"
                },
                arguments: json!({"column": c, "limit": number(limit)}),
            })
            .collect(),
        Intent::NotEmpty(cols) => cols
            .iter()
            .map(|c| Proposal {
                function: "is_not_null_and_not_empty",
                arguments: json!({ "column": c }),
            })
            .collect(),
        Intent::References { column, table } => vec![Proposal {
            function: "foreign_key",
            arguments: json!({"columns": [column], "ref_columns": [column], "ref_table": table}),
        }],
        Intent::Matches { columns, regex } => columns
            .iter()
            .map(|c| Proposal {
                function: "regex_match",
                arguments: json!({"column": c, "regex": regex}),
            })
            .collect(),
        Intent::Unique(cols) => cols
            .iter()
            .map(|c| Proposal {
                function: "is_unique",
                arguments: json!({"columns": [c]}),
            })
            .collect(),
        Intent::UniqueTogether(cols) => vec![Proposal {
            function: "is_unique",
            arguments: json!({ "columns": cols }),
        }],
        Intent::InList { column, values } => {
            let numeric = facts(column).is_some_and(ColumnFacts::is_numeric);
            let allowed: Vec<Value> = values.iter().map(|v| list_item(v, numeric)).collect();
            vec![Proposal {
                function: "is_in_list",
                arguments: json!({"column": column, "allowed": allowed}),
            }]
        }
        Intent::NotInFuture(cols) => cols
            .iter()
            .map(|c| Proposal {
                function: "is_not_in_future",
                arguments: json!({"column": c, "offset": 0}),
            })
            .collect(),
        Intent::NotNull(cols) => cols
            .iter()
            .map(|c| {
                let text = facts(c).is_some_and(ColumnFacts::is_text);
                Proposal {
                    function: if text {
                        "is_not_null_and_not_empty"
                    } else {
                        "is_not_null"
                    },
                    arguments: json!({ "column": c }),
                }
            })
            .collect(),
        Intent::Range { column, min, max } => vec![Proposal {
            function: "is_in_range",
            arguments: json!({"column": column, "min_limit": number(min), "max_limit": number(max)}),
        }],
    }
}

fn add(rules: &mut Vec<Value>, asked: &Asked, proposal: Proposal) {
    let targets = columns_of(&json!({"check": {"arguments": proposal.arguments}}));
    let asks = proposal.aspects();
    rules.retain(|r| {
        let from_profile =
            r.pointer("/user_metadata/source").and_then(Value::as_str) == Some("profile");
        let same_ask = aspects(r).iter().any(|a| asks.contains(a));
        !(from_profile && same_ask && columns_of(r) == targets)
    });
    let duplicate = rules.iter().any(|r| {
        function_of(r) == proposal.function
            && crate::model::rules::rule_arguments(r) == Some(&proposal.arguments)
    });
    if duplicate {
        return;
    }
    let args = proposal.arguments.as_object().cloned().unwrap_or_default();
    let name = unique_name(&default_name(proposal.function, &args), |n| {
        rules
            .iter()
            .any(|r| r.get("name").and_then(Value::as_str) == Some(n))
    });
    rules.push(json!({
        "name": name,
        "criticality": if asked.warn { "warn" } else { "error" },
        "check": {"function": proposal.function, "arguments": proposal.arguments},
        "user_metadata": {
            "source": "prompt",
            "clause": asked.clause,
            "reason": format!("asked for in the prompt: \u{201c}{}\u{201d}", asked.clause),
        },
    }));
}

/// Adds the prompt's rules to the profile's `rules` and applies "warn only".
pub fn apply_prompt(
    mut rules: Vec<Value>,
    reading: &PromptReading,
    columns: &[ColumnFacts],
) -> Vec<Value> {
    for asked in &reading.asked {
        for proposal in proposals(&asked.intent, columns) {
            add(&mut rules, asked, proposal);
        }
    }
    if reading.warn_only {
        for rule in &mut rules {
            if let Some(obj) = rule.as_object_mut() {
                obj.insert("criticality".into(), json!("warn"));
            }
        }
    }
    rules
}
