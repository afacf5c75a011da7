//! What a check asks of its columns, in the terms a person uses: present, not empty, one of
//! the allowed values, above a lower limit, below an upper limit, in a format, unique. Two rules
//! on the same columns (and filter) that ask the same thing overlap: the generator keeps one of
//! each (the prompt's over the profile's) and the analysis flags the others.

use super::{rule_arguments, rule_columns, rule_function};
use serde_json::Value;

/// One thing a check asks of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Aspect {
    NotNull,
    NotEmpty,
    Allowed,
    Lower,
    Upper,
    Format,
    Unique,
}

impl Aspect {
    /// The aspect in words, as in "both check {label} of email".
    pub fn label(self) -> &'static str {
        match self {
            Aspect::NotNull => "the presence",
            Aspect::NotEmpty => "the emptiness",
            Aspect::Allowed => "the allowed values",
            Aspect::Lower => "the lower limit",
            Aspect::Upper => "the upper limit",
            Aspect::Format => "the format",
            Aspect::Unique => "the uniqueness",
        }
    }
}

/// What `function` asks of its columns (nothing for checks that are not about one kind).
pub fn aspects_of_function(function: &str) -> &'static [Aspect] {
    use Aspect::*;
    match function {
        "is_not_null" => &[NotNull],
        "is_not_empty" => &[NotEmpty],
        "is_not_null_and_not_empty" => &[NotNull, NotEmpty],
        "is_in_list" => &[Allowed],
        "is_not_null_and_is_in_list" => &[NotNull, Allowed],
        "is_in_range" => &[Lower, Upper],
        "is_not_less_than" => &[Lower],
        "is_not_greater_than" | "is_not_in_future" => &[Upper],
        "regex_match"
        | "is_valid_email"
        | "is_valid_ipv4_address"
        | "is_valid_ipv6_address"
        | "is_valid_uuid"
        | "is_valid_json"
        | "is_valid_date"
        | "is_valid_timestamp" => &[Format],
        "is_unique" => &[Unique],
        _ => &[],
    }
}

/// What `rule` asks of its columns: its function's aspects, except that a negated pattern
/// forbids values rather than defining a format.
pub fn aspects(rule: &Value) -> &'static [Aspect] {
    let function = rule_function(rule);
    let negated = rule_arguments(rule)
        .and_then(|a| a.get("negate"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if function == "regex_match" && negated {
        return &[];
    }
    aspects_of_function(function)
}

/// The rows a rule looks at: its columns and its filter; rules overlap only on the same scope.
pub fn scope(rule: &Value) -> (Vec<String>, String) {
    let mut columns = rule_columns(rule);
    columns.sort();
    let filter = rule
        .get("filter")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string();
    (columns, filter)
}

/// The aspects two rules both check on the same scope, in order.
pub fn shared(a: &Value, b: &Value) -> Vec<Aspect> {
    if scope(a) != scope(b) {
        return Vec::new();
    }
    let theirs = aspects(b);
    aspects(a)
        .iter()
        .copied()
        .filter(|x| theirs.contains(x))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(function: &str, arguments: Value) -> Value {
        json!({"criticality": "error", "check": {"function": function, "arguments": arguments}})
    }

    #[test]
    fn an_email_check_and_an_email_pattern_check_the_same_format() {
        let a = rule("is_valid_email", json!({"column": "email"}));
        let b = rule(
            "regex_match",
            json!({"column": "email", "regex": "^.+@.+$"}),
        );
        assert_eq!(shared(&a, &b), [Aspect::Format]);
        let other = rule("is_valid_email", json!({"column": "backup_email"}));
        assert!(shared(&a, &other).is_empty());
    }

    #[test]
    fn a_range_shares_its_upper_limit_with_not_in_future_but_null_and_empty_differ() {
        let range = rule(
            "is_in_range",
            json!({"column": "d", "min_limit": "2020-01-01", "max_limit": "2099-01-01"}),
        );
        let future = rule("is_not_in_future", json!({"column": "d", "offset": 0}));
        assert_eq!(shared(&range, &future), [Aspect::Upper]);
        let null = rule("is_not_null", json!({"column": "d"}));
        let empty = rule("is_not_empty", json!({"column": "d"}));
        assert!(shared(&null, &empty).is_empty());
    }

    #[test]
    fn different_filters_or_a_negated_pattern_do_not_overlap() {
        let a = rule("is_not_null", json!({"column": "x"}));
        let mut b = a.clone();
        b["filter"] = json!("country = 'DE'");
        assert!(shared(&a, &b).is_empty());
        let p = rule(
            "regex_match",
            json!({"column": "x", "regex": "a", "negate": true}),
        );
        let q = rule("regex_match", json!({"column": "x", "regex": "b"}));
        assert!(shared(&p, &q).is_empty());
    }
}
