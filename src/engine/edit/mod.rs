//! Editing a rule set by instruction, offline: the instruction is cut into clauses as a prompt
//! is (`prompt::clauses`), each clause names its rules (`target`) and says what to do to them
//! (`intent`); a clause that names no rule acts on the previous clause's, one that asks no edit
//! is read as a new rule by the prompt reader. The answer is one hunk per rule that changed,
//! with the clauses that changed it, and the clauses that changed nothing.

mod apply;
mod condition;
mod intent;
mod target;

#[cfg(test)]
mod corpus;

use crate::engine::prompt::ColumnFacts;
use crate::engine::prompt::clauses::{LIST_MARKERS, clauses_with, sentences};
use crate::model::edits::{ChangeKind, ProposedEdit, RuleEdit};
use crate::model::rules::diff::rule_key;
use serde_json::Value;

pub use condition::condition_sql;

/// Who reads instructions offline, as the UI names it.
pub const OFFLINE_READER: &str = "offline instruction reader";

/// One rule through the edit: as it was (absent when added), as it is now (absent when
/// removed), and the clauses that touched it.
#[derive(Debug, Clone)]
struct Slot {
    original: Option<Value>,
    current: Option<Value>,
    clauses: Vec<String>,
}

/// The rule set being edited.
#[derive(Debug, Clone)]
pub(super) struct Work {
    slots: Vec<Slot>,
}

impl Work {
    fn new(rules: &[Value]) -> Self {
        Work {
            slots: rules
                .iter()
                .map(|r| Slot {
                    original: Some(r.clone()),
                    current: Some(r.clone()),
                    clauses: Vec::new(),
                })
                .collect(),
        }
    }

    /// The slots that hold a rule now, and their rules.
    fn live(&self) -> (Vec<usize>, Vec<&Value>) {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.current.as_ref().map(|r| (i, r)))
            .unzip()
    }

    fn rule(&self, slot: usize) -> Option<&Value> {
        self.slots.get(slot).and_then(|s| s.current.as_ref())
    }

    /// Puts `rule` (or nothing) in `slot`; whether that changed it.
    fn set(&mut self, slot: usize, rule: Option<Value>, clause: &str) -> bool {
        let Some(s) = self.slots.get_mut(slot) else {
            return false;
        };
        if s.current == rule {
            return false;
        }
        s.current = rule;
        if !s.clauses.iter().any(|c| c == clause) {
            s.clauses.push(clause.to_string());
        }
        true
    }

    /// Adds a new rule; its slot.
    fn add(&mut self, rule: Value, clause: &str) -> usize {
        self.slots.push(Slot {
            original: None,
            current: Some(rule),
            clauses: vec![clause.to_string()],
        });
        self.slots.len() - 1
    }

    /// Whether a live rule other than `except` is named `name`.
    fn name_taken(&self, name: &str, except: usize) -> bool {
        self.slots
            .iter()
            .enumerate()
            .any(|(i, s)| i != except && s.current.as_ref().is_some_and(|r| rule_key(r) == name))
    }

    /// One hunk per rule that differs from what it was.
    fn hunks(self) -> Vec<RuleEdit> {
        self.slots
            .into_iter()
            .filter(|s| s.original != s.current)
            .filter_map(|s| {
                let kind = match (&s.original, &s.current) {
                    (None, Some(_)) => ChangeKind::Added,
                    (Some(_), None) => ChangeKind::Removed,
                    (Some(_), Some(_)) => ChangeKind::Changed,
                    (None, None) => return None,
                };
                let rule_name = s
                    .original
                    .as_ref()
                    .or(s.current.as_ref())
                    .map(rule_key)
                    .unwrap_or_default();
                Some(RuleEdit {
                    kind,
                    rule_name,
                    before: s.original,
                    after: s.current,
                    clause: s.clauses.join("; "),
                })
            })
            .collect()
    }
}

/// The words that start a list of values in an instruction: the prompt's, and the edit verbs
/// that add or take values ("accept CHF and JPY" is one clause, not two).
fn edit_markers() -> Vec<&'static str> {
    let mut markers = LIST_MARKERS.to_vec();
    markers.extend(["accept", "allow", "no longer accept", "no longer allow"]);
    markers
}

/// Reads `instruction` against `rules` and the table's `columns`.
pub fn read_edit(instruction: &str, rules: &[Value], columns: &[ColumnFacts]) -> ProposedEdit {
    let mut work = Work::new(rules);
    let mut out = ProposedEdit {
        reader: OFFLINE_READER.into(),
        ..Default::default()
    };
    let mut context = apply::Context::default();
    for sentence in sentences(instruction) {
        for clause in clauses_with(&sentence, &edit_markers()) {
            match apply::clause(&mut work, &clause, columns, &mut context) {
                Ok(apply::Outcome::Changed) => {}
                Ok(apply::Outcome::Unchanged(why)) => {
                    out.notes.push(format!("\u{201c}{clause}\u{201d}: {why}"));
                }
                Err(why) => {
                    out.notes.push(format!("\u{201c}{clause}\u{201d}: {why}"));
                    out.not_understood.push(clause);
                }
            }
        }
    }
    out.changes = work.hunks();
    out
}
