//! Rules that check the same thing: the same check twice, or two checks that ask the same
//! aspect (presence, allowed values, a limit, the format, uniqueness) of the same columns under
//! the same filter, such as `is_valid_email` next to an e-mail `regex_match` (they fail the same
//! rows). Each repeat is listed once; beyond [`OVERLAPS_LISTED`] they are counted.

use super::Findings;
use crate::model::rules::aspects::{Aspect, aspects, scope, shared};
use crate::model::rules::diff::rule_key;
use crate::model::rules::{rule_arguments, rule_function};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Overlapping rules listed one by one; beyond this they are counted.
const OVERLAPS_LISTED: usize = 20;
/// What each overlap lowers the score by.
const OVERLAP_PENALTY: f64 = 0.5;

/// One overlap in words.
fn overlap_text(a: &Value, b: &Value) -> String {
    let (columns, _) = scope(a);
    let columns = columns.join(", ");
    let what: Vec<&str> = shared(a, b).iter().map(|x| x.label()).collect();
    if rule_function(a) == rule_function(b) && rule_arguments(a) == rule_arguments(b) {
        format!(
            "{} and {} are the same check on {columns}; keep one",
            rule_key(a),
            rule_key(b)
        )
    } else {
        format!(
            "{} and {} both check {} of {columns}; keep one",
            rule_key(a),
            rule_key(b),
            what.join(" and ")
        )
    }
}

/// The pairs of rules (by position) that overlap, in order: each rule is paired with the first
/// earlier rule that is the same check or asks one of its aspects of the same scope (one pass,
/// hashed, so linear in the rules).
fn overlapping_pairs(rules: &[Value]) -> Vec<(usize, usize)> {
    type Scope = (Vec<String>, String);
    let mut first_check: HashMap<String, usize> = HashMap::new();
    let mut first_aspect: HashMap<(Scope, Aspect), usize> = HashMap::new();
    let mut pairs = BTreeSet::new();
    for (j, rule) in rules.iter().enumerate() {
        let at = scope(rule);
        let check = format!(
            "{at:?}|{}|{}",
            rule_function(rule),
            rule_arguments(rule).cloned().unwrap_or_default()
        );
        if let Some(&i) = first_check.get(&check) {
            pairs.insert((i, j));
            continue;
        }
        first_check.insert(check, j);
        let mut earlier = None;
        for aspect in aspects(rule) {
            match first_aspect.get(&(at.clone(), *aspect)) {
                Some(&i) => earlier = earlier.or(Some(i)),
                None => {
                    first_aspect.insert((at.clone(), *aspect), j);
                }
            }
        }
        if let Some(i) = earlier {
            pairs.insert((i, j));
        }
    }
    pairs.into_iter().collect()
}

/// Lists the overlaps as findings.
pub(super) fn overlap_findings(rules: &[Value], found: &mut Findings) {
    let pairs = overlapping_pairs(rules);
    found.penalty += OVERLAP_PENALTY * pairs.len() as f64;
    for &(i, j) in pairs.iter().take(OVERLAPS_LISTED) {
        found.add(0.0, overlap_text(&rules[i], &rules[j]), None);
    }
    let more = pairs.len().saturating_sub(OVERLAPS_LISTED);
    if more > 0 {
        found.add(
            0.0,
            format!("{more} more overlapping rules; remove the repeats"),
            None,
        );
    }
}
