//! Examples kept with a rule and what running them gave: per rule, per example, the verdict
//! expected (`pass` or `fail`) and the one the rule gave.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
}

impl ExampleOutcome {
    pub fn is_wrong(&self) -> bool {
        self.got.as_deref().is_some_and(|g| g != self.expected)
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
        self.rules.iter().find_map(|r| {
            r.examples.iter().find(|e| e.is_wrong()).map(|e| {
                let row = Value::Object(e.row.clone());
                if e.expected == "fail" {
                    format!(
                        "the rule {} lets through its \u{201c}fail\u{201d} example {row}",
                        r.rule_name
                    )
                } else {
                    format!(
                        "the rule {} fails its \u{201c}pass\u{201d} example {row}",
                        r.rule_name
                    )
                }
            })
        })
    }
}
