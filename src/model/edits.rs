//! A proposed edit of a rule set, as hunks: each hunk is one rule added, removed or changed (the
//! whole rule before and after, with the user's words that asked for it), accepted or rejected on
//! its own; applying the accepted hunks finds each rule by what it was, so a hunk never lands on
//! a rule that changed since it was proposed.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest instruction read, in characters.
pub const MAX_INSTRUCTION_CHARS: usize = 2_000;

/// What a hunk does to its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One hunk: a rule before (absent when added) and after (absent when removed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleEdit {
    pub kind: ChangeKind,
    /// The rule's name before the change (after it, for an added rule).
    pub rule_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// The words of the instruction that asked for this change.
    pub clause: String,
}

/// What `propose_edit` answers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProposedEdit {
    pub changes: Vec<RuleEdit>,
    /// Clauses of the instruction that changed nothing, as written.
    pub not_understood: Vec<String>,
    /// Why a clause changed nothing or what was assumed, one sentence each.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Who read the instruction: the offline reader or the model.
    #[serde(default)]
    pub reader: String,
}

/// `rules` with the accepted hunks applied, in their order: a changed rule keeps its place, a
/// removed one leaves, an added one goes to the end. A hunk whose rule is no longer in `rules`
/// exactly as it was proposed against is refused, naming the rule.
pub fn apply_edits(rules: &[Value], accepted: &[RuleEdit]) -> Result<Vec<Value>, String> {
    let mut slots: Vec<Option<Value>> = rules.iter().cloned().map(Some).collect();
    // Rules a hunk already took, so two hunks never take the same rule.
    let mut taken = vec![false; slots.len()];
    let mut added = Vec::new();
    for edit in accepted {
        let find =
            |want: &Value| (0..slots.len()).find(|&i| !taken[i] && slots[i].as_ref() == Some(want));
        match (edit.kind, &edit.before, &edit.after) {
            (ChangeKind::Added, _, Some(after)) => added.push(after.clone()),
            (ChangeKind::Removed, Some(before), _) | (ChangeKind::Changed, Some(before), _) => {
                let Some(at) = find(before) else {
                    return Err(format!(
                        "the rule {} changed since this edit was proposed; propose the edit again",
                        edit.rule_name
                    ));
                };
                taken[at] = true;
                slots[at] = match edit.kind {
                    ChangeKind::Removed => None,
                    _ => edit.after.clone(),
                };
            }
            _ => {
                return Err(format!(
                    "the change to {} is incomplete (a rule before or after is missing)",
                    edit.rule_name
                ));
            }
        }
    }
    Ok(slots.into_iter().flatten().chain(added).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(name: &str, criticality: &str) -> Value {
        json!({"name": name, "criticality": criticality, "check": {"function": "is_not_null", "arguments": {"column": name}}})
    }

    #[test]
    fn accepted_hunks_apply_in_place_and_rejected_ones_do_not() {
        let rules = vec![rule("a", "error"), rule("b", "error"), rule("c", "error")];
        let warn_a = RuleEdit {
            kind: ChangeKind::Changed,
            rule_name: "a".into(),
            before: Some(rule("a", "error")),
            after: Some(rule("a", "warn")),
            clause: "make a a warning".into(),
        };
        let drop_b = RuleEdit {
            kind: ChangeKind::Removed,
            rule_name: "b".into(),
            before: Some(rule("b", "error")),
            after: None,
            clause: "drop b".into(),
        };
        let add_d = RuleEdit {
            kind: ChangeKind::Added,
            rule_name: "d".into(),
            before: None,
            after: Some(rule("d", "error")),
            clause: "d is required".into(),
        };
        let applied = apply_edits(&rules, &[warn_a.clone(), add_d]).unwrap();
        assert_eq!(
            applied,
            vec![
                rule("a", "warn"),
                rule("b", "error"),
                rule("c", "error"),
                rule("d", "error")
            ]
        );
        let applied = apply_edits(&rules, std::slice::from_ref(&drop_b)).unwrap();
        assert_eq!(applied, vec![rule("a", "error"), rule("c", "error")]);
        // The rule changed meanwhile: the hunk is refused, by name.
        let moved = vec![rule("a", "warn"), rule("b", "error")];
        let err = apply_edits(&moved, &[warn_a]).unwrap_err();
        assert!(err.contains("the rule a changed"), "{err}");
        // Two hunks never take the same rule.
        let twice = apply_edits(&rules, &[drop_b.clone(), drop_b]).unwrap_err();
        assert!(twice.contains("the rule b"), "{twice}");
    }
}
