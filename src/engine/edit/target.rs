//! Which rules a clause is about: rules it names (`email_format`), rules on the columns it
//! mentions ("the amount check", "the IP rule"), rules of the kind it names ("the not-null
//! rules", "the status list"), or every rule ("make everything a warning"); columns and kinds
//! together narrow each other ("the not-null rule on currency").

use crate::engine::prompt::ColumnFacts;
use crate::engine::prompt::columns::{mentioned, same_word, words};
use crate::model::rules::diff::rule_key;
use crate::model::rules::{rule_columns, rule_function};
use serde_json::Value;

/// Words that name a kind of check, and the functions of that kind.
const KIND_WORDS: &[(&[&str], &[&str])] = &[
    (
        &[
            "null",
            "nulls",
            "presence",
            "missing",
            "required",
            "mandatory",
            "completeness",
        ],
        &[
            "is_not_null",
            "is_not_null_and_not_empty",
            "is_not_null_and_is_in_list",
        ],
    ),
    (
        &["empty", "blank", "emptiness"],
        &["is_not_empty", "is_not_null_and_not_empty"],
    ),
    (
        &["unique", "uniqueness", "duplicate", "duplicates"],
        &["is_unique"],
    ),
    (&["range", "ranges"], &["is_in_range", "is_not_in_range"]),
    (
        &["limit", "limits", "bound", "bounds", "maximum", "minimum"],
        &["is_in_range", "is_not_less_than", "is_not_greater_than"],
    ),
    (
        &["list", "lists", "enum"],
        &["is_in_list", "is_not_null_and_is_in_list", "is_not_in_list"],
    ),
    (
        &["format", "formats", "pattern", "regex", "validity"],
        &[
            "regex_match",
            "is_valid_email",
            "is_valid_ipv4_address",
            "is_valid_ipv6_address",
            "is_valid_uuid",
            "is_valid_json",
            "is_valid_date",
            "is_valid_timestamp",
        ],
    ),
    (&["email", "emails", "e-mail"], &["is_valid_email"]),
    (
        &["ip", "ips", "ipv4"],
        &["is_valid_ipv4_address", "is_ipv4_address_in_cidr"],
    ),
    (
        &["ipv6"],
        &["is_valid_ipv6_address", "is_ipv6_address_in_cidr"],
    ),
    (&["uuid", "uuids"], &["is_valid_uuid"]),
    (
        &["json"],
        &["is_valid_json", "has_valid_json_schema", "has_json_keys"],
    ),
    (&["future"], &["is_not_in_future"]),
    (
        &["foreign", "reference", "references", "referential"],
        &["foreign_key"],
    ),
    (&["expression", "sql"], &["sql_expression"]),
];

/// Phrases that mean every rule.
const EVERY_RULE: &[&str] = &[
    "all rules",
    "all the rules",
    "all of the rules",
    "all checks",
    "all the checks",
    "all of them",
    "every rule",
    "every check",
    "each rule",
    "everything",
    "the whole rule set",
    "all of it",
];

/// What a clause names.
#[derive(Debug, Default)]
pub struct Named {
    /// Rules named outright, by their name.
    pub by_name: Vec<String>,
    /// Columns mentioned (names from the table's columns).
    pub columns: Vec<String>,
    /// Functions of the kinds named.
    pub functions: Vec<&'static str>,
    /// "all rules", "everything".
    pub every: bool,
}

impl Named {
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
            && self.columns.is_empty()
            && self.functions.is_empty()
            && !self.every
    }
}

/// The tokens of `text` that may be rule names: runs of letters, digits and `_`.
fn name_tokens(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether the clause names the rule `name`: as a whole token, or (names with spaces or
/// punctuation) as written.
fn names_rule(clause_tokens: &[String], lower: &str, name: &str) -> bool {
    let name = name.to_lowercase();
    if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        clause_tokens.contains(&name)
    } else {
        name.chars().count() >= 4 && lower.contains(&name)
    }
}

/// Columns named by the first part of their name ("the IP rule" → `ip_address`), when no
/// column is mentioned in full.
fn by_first_part(clause_words: &[String], columns: &[ColumnFacts]) -> Vec<String> {
    const TOO_GENERAL: &[&str] = &["id", "the", "a", "an", "all", "is", "to", "rule", "check"];
    columns
        .iter()
        .filter(|c| {
            let parts = words(&c.name);
            parts.len() >= 2
                && clause_words
                    .iter()
                    .filter(|w| !TOO_GENERAL.contains(&w.as_str()))
                    .any(|w| w == &parts[0])
        })
        .map(|c| c.name.clone())
        .collect()
}

/// What `text` names among `rules` (the rule set now) and `columns`.
pub fn named(text: &str, rules: &[&Value], columns: &[ColumnFacts]) -> Named {
    let lower = text.to_lowercase();
    let tokens = name_tokens(text);
    let by_name: Vec<String> = rules
        .iter()
        .map(|r| rule_key(r))
        .filter(|name| names_rule(&tokens, &lower, name))
        .collect();
    let clause_words = words(text);
    let mut cols: Vec<String> = mentioned(text, columns)
        .into_iter()
        .map(|i| columns[i].name.clone())
        .collect();
    if cols.is_empty() {
        cols = by_first_part(&clause_words, columns);
    }
    // A word that names a column is the column, not a kind ("the email rules" on `email`).
    let column_words: Vec<String> = cols.iter().flat_map(|c| words(c)).collect();
    let mut functions: Vec<&'static str> = Vec::new();
    for (kind_words, kind_functions) in KIND_WORDS {
        let said = clause_words.iter().any(|w| {
            !column_words.iter().any(|c| same_word(w, c))
                && kind_words.iter().any(|k| w == k || same_word(w, k))
        });
        if said {
            for f in *kind_functions {
                if !functions.contains(f) {
                    functions.push(f);
                }
            }
        }
    }
    let every = EVERY_RULE.iter().any(|p| lower.contains(p));
    Named {
        by_name,
        columns: cols,
        functions,
        every,
    }
}

/// The rules (indices into `rules`) that `named` picks: by name when any is named, else every
/// rule or those on the columns, narrowed to the kinds named.
pub fn pick(named: &Named, rules: &[&Value]) -> Vec<usize> {
    if !named.by_name.is_empty() {
        return (0..rules.len())
            .filter(|&i| named.by_name.contains(&rule_key(rules[i])))
            .collect();
    }
    (0..rules.len())
        .filter(|&i| {
            let rule = rules[i];
            let on_columns = named.columns.is_empty()
                || rule_columns(rule).iter().any(|c| named.columns.contains(c));
            let of_kind =
                named.functions.is_empty() || named.functions.contains(&rule_function(rule));
            on_columns && of_kind
        })
        .collect()
}

/// How `named` reads back to the user, for "no rule matches …".
pub fn describe(named: &Named) -> String {
    let mut parts = Vec::new();
    if !named.columns.is_empty() {
        parts.push(format!("on {}", named.columns.join(", ")));
    }
    if !named.functions.is_empty() {
        parts.push(format!("using {}", named.functions.join(" or ")));
    }
    if parts.is_empty() {
        "that".into()
    } else {
        parts.join(" ")
    }
}
