//! What one clause of an instruction asks to do to the rules it names: change the criticality,
//! move a limit, change a list of allowed values, remove rules, rename one, or filter the rows
//! they look at. A clause may change the criticality and one more thing ("make it a warning up
//! to 500"); a clause asking none of these is read as a new rule by the prompt reader.

use super::condition::condition_sql;
use crate::engine::prompt::ColumnFacts;
use crate::engine::prompt::clauses::LIST_MARKERS;
use crate::engine::prompt::columns::words;
use crate::engine::prompt::read::{AT_LEAST, AT_MOST, list_values, number_after, range};
use crate::model::rules::Criticality;

/// One change a clause asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum EditIntent {
    Criticality(Criticality),
    /// A new upper limit, as written.
    Upper(String),
    /// A new lower limit, as written.
    Lower(String),
    Between(String, String),
    /// Exactly these values are allowed.
    SetList(Vec<String>),
    /// These values are allowed too.
    Allow(Vec<String>),
    /// These values are no longer allowed; when no list holds them and `else_remove`
    /// ("remove the not-null check from currency"), the rules the whole clause names go.
    Disallow {
        values: Vec<String>,
        else_remove: bool,
    },
    Remove,
    Rename(String),
    /// Check only the rows this SQL condition selects.
    Filter(String),
    /// Check every row again.
    ClearFilter,
}

/// A clause read: what it asks and the words that name its rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ClauseEdit {
    pub intents: Vec<EditIntent>,
    /// The part of the clause that names the rules (the rest holds values or a condition).
    pub target_text: String,
}

const WARN_PHRASES: &[&str] = &[
    "don't block",
    "do not block",
    "not block",
    "non-blocking",
    "non blocking",
    "downgrade",
    "soften",
    "informational",
];
const WARN_WORDS: &[&str] = &["warn", "warning", "warnings", "soft"];
const ERROR_WORDS: &[&str] = &[
    "error", "errors", "block", "blocking", "blocker", "strict", "fail", "critical", "hard",
    "upgrade",
];

/// Phrases that set an upper or lower limit in an edit ("raise the maximum to 500").
const SET_LOWER: &[&str] = &[
    "min_limit to ",
    "lower limit to ",
    "lower bound to ",
    "minimum to ",
    "min to ",
    "floor at ",
    "floor of ",
];
const SET_UPPER: &[&str] = &[
    "max_limit to ",
    "upper limit to ",
    "upper bound to ",
    "maximum to ",
    "max to ",
    "limit to ",
    "limit of ",
    "cap at ",
    "cap it at ",
    "capped at ",
    "ceiling of ",
];

const REMOVE_VERBS: &[&str] = &[
    "get rid of ",
    "no longer check ",
    "stop checking ",
    "don't check ",
    "do not check ",
    "don't need ",
    "do not need ",
    "drop ",
    "remove ",
    "delete ",
    "take out ",
    "discard ",
];
const DISALLOW_VERBS: &[&str] = &[
    "no longer allow ",
    "stop allowing ",
    "disallow ",
    "don't allow ",
    "do not allow ",
    "not allow ",
    "forbid ",
];
const ALLOW_VERBS: &[&str] = &[
    "allow ",
    "accept ",
    "permit ",
    "add ",
    "include ",
    "whitelist ",
];
/// Where the values of "allow X for currency" end.
const VALUE_ENDS: &[&str] = &[" to ", " in ", " for ", " on ", " as ", " into ", " from "];

const CLEAR_FILTER: &[&str] = &[
    "remove the filter",
    "drop the filter",
    "delete the filter",
    "without a filter",
    "without the filter",
    "without filter",
    "no filter",
    "to all rows",
    "on all rows",
    "for all rows",
    "to every row",
    "on every row",
    "for every row",
];
/// Words that start a condition; `unless` negates it.
const FILTER_MARKERS: &[&str] = &[
    " only to rows where ",
    " only for rows where ",
    " only on rows where ",
    " to rows where ",
    " for rows where ",
    " on rows where ",
    " rows where ",
    " only where ",
    " only when ",
    " only if ",
    " where ",
    " when ",
    " if ",
    " unless ",
];

fn has_word(lower: &str, list: &[&str]) -> bool {
    words(lower).iter().any(|w| list.contains(&w.as_str()))
}

/// The criticality the clause asks for, if any.
fn criticality(lower: &str) -> Option<Criticality> {
    if WARN_PHRASES.iter().any(|p| lower.contains(p)) || has_word(lower, WARN_WORDS) {
        return Some(Criticality::Warn);
    }
    has_word(lower, ERROR_WORDS).then_some(Criticality::Error)
}

/// The earliest of `markers` in `padded` (lower-case, padded with spaces): where it starts and
/// ends.
fn earliest(padded: &str, markers: &[&str]) -> Option<(usize, usize)> {
    markers
        .iter()
        .filter_map(|m| padded.find(m).map(|at| (at, at + m.len())))
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
}

/// Like `earliest`, for verbs that lead a clause: at most three words before them ("please
/// drop …", "we no longer need …"), so "must not drop below 0" is not a removal.
fn leading(padded: &str, markers: &[&str]) -> Option<(usize, usize)> {
    markers
        .iter()
        .filter_map(|m| padded.find(m).map(|at| (at, at + m.len())))
        .filter(|(at, _)| padded[..*at].split_whitespace().count() <= 3)
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
}

/// Whether listed pieces read as values ("JPY", "in progress"), not as a rule ("a check that …").
fn look_like_values(listed: &[String]) -> bool {
    const NOT_VALUES: &[&str] = &[
        "rule", "rules", "check", "checks", "that", "must", "should", "is", "are", "be", "not",
        "null", "a", "an", "the", "up",
    ];
    !listed.is_empty()
        && listed.iter().all(|v| {
            let w = words(v);
            w.len() <= 3 && !w.iter().any(|x| NOT_VALUES.contains(&x.as_str()))
        })
}

/// The clause's text from byte `from` of its lower-cased, space-padded form, in the user's case
/// when lower-casing kept the offsets.
fn original_from(clause: &str, lower_padded: &str, from: usize, to: usize) -> String {
    let padded = format!(" {clause} ");
    let source = if padded.len() == lower_padded.len() {
        padded.as_str()
    } else {
        lower_padded
    };
    source
        .get(from.min(source.len())..to.min(source.len()))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Values as listed: split at commas, "and", "or", quotes and a trailing "too" removed.
fn values(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split(',') {
        for piece in part.split(" or ").flat_map(|p| p.split(" and ")) {
            let piece = piece.trim();
            let piece = piece
                .strip_suffix(" too")
                .or_else(|| piece.strip_suffix(" as well"))
                .unwrap_or(piece);
            let piece = piece
                .trim_start_matches("and ")
                .trim_start_matches("or ")
                .trim_start_matches("also ")
                .trim_matches(|c: char| "\"'`“”‘’()".contains(c) || c.is_whitespace());
            if !piece.is_empty() && !out.iter().any(|v| v == piece) {
                out.push(piece.to_string());
            }
        }
    }
    out
}

/// "rename A to B": the words naming the rule and the new name.
fn rename(clause: &str) -> Option<(String, String)> {
    let lower = clause.to_lowercase();
    let at = lower.find("rename ")?;
    let rest = &clause[at + "rename ".len()..];
    let rest_lower = rest.to_lowercase();
    let (split, len) = [" to ", " as ", " into "]
        .iter()
        .filter_map(|m| rest_lower.rfind(m).map(|at| (at, m.len())))
        .max_by_key(|(at, _)| *at)?;
    let old = rest[..split].trim().to_string();
    let new = rest[split + len..]
        .trim()
        .trim_matches(|c: char| "\"'`“”‘’.".contains(c))
        .to_string();
    (!old.is_empty() && !new.is_empty() && !new.contains(char::is_whitespace)).then_some((old, new))
}

/// Reads one clause; `Ok` with no intents when it asks for none of the edits (it may still read
/// as a new rule), `Err` with why when it asks for one but cannot say it fully.
pub fn read_clause(clause: &str, columns: &[ColumnFacts]) -> Result<ClauseEdit, String> {
    let lower = clause.to_lowercase();
    let padded = format!(" {lower} ");
    let edit = |intents: Vec<EditIntent>, target_text: String| ClauseEdit {
        intents,
        target_text,
    };
    if lower.contains("rename ") {
        let (old, new) = rename(clause).ok_or_else(|| {
            "say \u{201c}rename email_format to email_valid\u{201d}: the rule, then its new name in one word".to_string()
        })?;
        return Ok(edit(vec![EditIntent::Rename(new)], old));
    }
    let mut intents = Vec::new();
    let mut target_text = clause.to_string();
    if CLEAR_FILTER.iter().any(|p| lower.contains(p)) {
        intents.push(EditIntent::ClearFilter);
    } else if let Some((at, end)) = earliest(&padded, FILTER_MARKERS) {
        let condition = original_from(clause, &padded, end, padded.len());
        let mut sql = condition_sql(&condition, columns)?;
        if padded[at..end].contains("unless") {
            sql = format!("NOT ({sql})");
        }
        intents.push(EditIntent::Filter(sql));
        target_text = original_from(clause, &padded, 0, at);
    }
    let crit = criticality(&target_text.to_lowercase());
    if let Some(c) = crit {
        intents.push(EditIntent::Criticality(c));
    }
    if intents
        .iter()
        .any(|i| matches!(i, EditIntent::Filter(_) | EditIntent::ClearFilter))
    {
        return Ok(edit(intents, target_text));
    }
    if let Some(change) = limits(&lower) {
        intents.push(change);
        return Ok(edit(intents, target_text));
    }
    let list_markers: Vec<String> = LIST_MARKERS.iter().map(|m| format!(" {m} ")).collect();
    let list_markers: Vec<&str> = list_markers.iter().map(String::as_str).collect();
    if let Some((at, _)) = earliest(&padded, &list_markers) {
        let listed = list_values(clause);
        if !listed.is_empty() {
            intents.push(EditIntent::SetList(listed));
            return Ok(edit(intents, original_from(clause, &padded, 0, at)));
        }
    }
    if let Some((_, end)) = leading(&padded, DISALLOW_VERBS) {
        let rest = original_from(clause, &padded, end, padded.len());
        let (listed, target) = split_values(&rest);
        intents.push(EditIntent::Disallow {
            values: values(&listed),
            else_remove: false,
        });
        return Ok(edit(intents, target.unwrap_or(rest)));
    }
    if let Some((_, end)) = leading(&padded, REMOVE_VERBS) {
        let rest = original_from(clause, &padded, end, padded.len());
        // "remove JPY from the currency list": values, when a list holds them.
        if let (listed, Some(target)) = split_values(&rest)
            && rest.to_lowercase().contains(" from ")
        {
            intents.push(EditIntent::Disallow {
                values: values(&listed),
                else_remove: true,
            });
            return Ok(edit(intents, target));
        }
        intents.push(EditIntent::Remove);
        return Ok(edit(intents, target_text));
    }
    if let Some((_, end)) = leading(&padded, ALLOW_VERBS) {
        let rest = original_from(clause, &padded, end, padded.len());
        let (listed, target) = split_values(&rest);
        let listed = values(&listed);
        if look_like_values(&listed) {
            intents.push(EditIntent::Allow(listed));
            return Ok(edit(intents, target.unwrap_or_default()));
        }
    }
    Ok(edit(intents, target_text))
}

/// "JPY and CHF for currency" → ("JPY and CHF", Some("currency")).
fn split_values(rest: &str) -> (String, Option<String>) {
    let lower = format!("{} ", rest.to_lowercase());
    match earliest(&lower, VALUE_ENDS) {
        Some((at, end)) if lower.len() == rest.len() + 1 => (
            rest[..at].to_string(),
            Some(
                rest.get(end.min(rest.len())..)
                    .unwrap_or_default()
                    .to_string(),
            ),
        ),
        _ => (rest.to_string(), None),
    }
}

/// A limit the clause sets: a range, an upper or a lower limit.
fn limits(lower: &str) -> Option<EditIntent> {
    if let Some((a, b)) = range(lower) {
        return Some(EditIntent::Between(a, b));
    }
    if let Some(n) = number_after(lower, SET_LOWER) {
        return Some(EditIntent::Lower(n));
    }
    if let Some(n) = number_after(lower, SET_UPPER) {
        return Some(EditIntent::Upper(n));
    }
    if let Some(n) = number_after(lower, AT_LEAST) {
        return Some(EditIntent::Lower(n));
    }
    number_after(lower, AT_MOST).map(EditIntent::Upper)
}
