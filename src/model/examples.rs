//! Examples kept with a rule and what running them gave: per rule, per example, the verdict
//! expected (`pass` or `fail`) and the one the rule gave.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Examples one rule may carry at most.
pub const MAX_EXAMPLES: usize = 20;

/// One example: a row and the verdict it must get.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub must_pass: bool,
    pub row: Map<String, Value>,
}

/// The examples in a rule's `user_metadata.examples` text; `Ok(empty)` when it has none.
pub fn examples_of(
    user_metadata: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<Example>, String> {
    let Some(text) = user_metadata.get("examples") else {
        return Ok(Vec::new());
    };
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("user_metadata.examples is not JSON text: {e}"))?;
    let mut out = Vec::new();
    for (key, must_pass) in [("pass", true), ("fail", false)] {
        let Some(list) = value.get(key) else { continue };
        let Some(rows) = list.as_array() else {
            return Err(format!(
                "user_metadata.examples.{key} must be a list of rows"
            ));
        };
        for (i, row) in rows.iter().enumerate() {
            let Some(row) = row.as_object() else {
                return Err(format!(
                    "user_metadata.examples.{key}[{i}] must be a row: {{\"column\": value, …}}"
                ));
            };
            out.push(Example {
                must_pass,
                row: row.clone(),
            });
        }
    }
    if out.len() > MAX_EXAMPLES {
        return Err(format!(
            "{} examples; a rule keeps at most {MAX_EXAMPLES}",
            out.len()
        ));
    }
    Ok(out)
}

/// One example's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExampleOutcome {
    /// The row (columns not given are NULL).
    pub row: Map<String, Value>,
    /// `pass` or `fail`.
    pub expected: String,
    /// `pass` or `fail`; absent when the rule could not run (see `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub got: Option<String>,
    /// The warehouse's verdict, in a workspace (run as the caller): Spark's semantics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_warehouse: Option<String>,
}

impl ExampleOutcome {
    /// The embedded engine's verdict is not the one expected.
    fn wrong_here(&self) -> bool {
        self.got.as_deref().is_some_and(|g| g != self.expected)
    }

    /// The warehouse's verdict is not the one expected.
    fn wrong_on_warehouse(&self) -> bool {
        self.on_warehouse
            .as_deref()
            .is_some_and(|g| g != self.expected)
    }

    /// Either engine gave the wrong verdict.
    pub fn is_wrong(&self) -> bool {
        self.wrong_here() || self.wrong_on_warehouse()
    }

    /// The verdicts given, in words: "fail", or "pass here, fail on the warehouse" when the
    /// engines disagree; `None` when no engine ran it.
    pub fn verdicts(&self) -> Option<String> {
        match (&self.got, &self.on_warehouse) {
            (Some(here), Some(there)) if here != there => {
                Some(format!("{here} here, {there} on the warehouse"))
            }
            (Some(v), _) | (None, Some(v)) => Some(v.clone()),
            (None, None) => None,
        }
    }
}

/// One rule's examples run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleExamples {
    pub rule_name: String,
    pub examples: Vec<ExampleOutcome>,
    /// Why the examples could not be read or run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What `run_examples` answers: the rules that carry examples.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ExampleRun {
    pub rules: Vec<RuleExamples>,
    /// Examples that gave the wrong verdict.
    pub wrong: usize,
    /// Where they ran, in words.
    pub ran_on: String,
}

impl ExampleRun {
    /// The first wrong example in words, for a refusal: "the rule r lets through its "fail"
    /// example {…}".
    pub fn first_wrong(&self) -> Option<String> {
        self.wrong_ones().into_iter().next()
    }

    /// Every wrong example in words, rule by rule.
    pub fn wrong_ones(&self) -> Vec<String> {
        self.rules
            .iter()
            .flat_map(|r| {
                r.examples
                    .iter()
                    .filter(|e| e.is_wrong())
                    .map(move |e| (r, e))
            })
            .map(|(r, e)| {
                let row = Value::Object(e.row.clone());
                let where_ = if e.wrong_here() {
                    ""
                } else {
                    " on the warehouse"
                };
                if e.expected == "fail" {
                    format!(
                        "the rule {} lets through its \u{201c}fail\u{201d} example {row}{where_}",
                        r.rule_name
                    )
                } else {
                    format!(
                        "the rule {} fails its \u{201c}pass\u{201d} example {row}{where_}",
                        r.rule_name
                    )
                }
            })
            .collect()
    }

    /// Examples run (with a verdict from some engine).
    pub fn ran(&self) -> usize {
        self.rules
            .iter()
            .flat_map(|r| &r.examples)
            .filter(|e| e.verdicts().is_some())
            .count()
    }
}
