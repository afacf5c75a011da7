//! The rule editor's state, shared by its two views: the rules (each with a stable id, so a card
//! keeps focus while its rule changes), an undo stack, the raw text in JSON or YAML kept in step
//! with the rules, and the validation of the whole set, computed in the browser as the user types.

use crate::model::rules::validate::{RuleProblem, Validation, validate_rule_set};
use crate::model::rules::{RulesFormat, parse_rules_text, rules_to_text};
use leptos::prelude::*;
use serde_json::{Value, json};

/// Changes kept for undo.
const UNDO_DEPTH: usize = 100;

/// One rule with the id its card is keyed by.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: u64,
    pub rule: Value,
}

/// Where the last change came from: text edits in a row are one undo step.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Origin {
    Text,
    Other,
}

/// The editor's state; `Copy`, so every view can hold it.
#[derive(Clone, Copy)]
pub struct Editor {
    pub entries: RwSignal<Vec<Entry>>,
    next_id: StoredValue<u64>,
    undo: RwSignal<Vec<Vec<Entry>>>,
    last_origin: StoredValue<Origin>,
    /// Edited since the rules were generated, loaded or downloaded.
    pub dirty: RwSignal<bool>,
    /// The table's columns, when known (for pickers and column checks).
    pub columns: RwSignal<Option<Vec<String>>>,
    pub format: RwSignal<RulesFormat>,
    /// The raw view's text; may be mid-edit and not parse.
    pub text: RwSignal<String>,
    pub text_error: RwSignal<Option<String>>,
    pub validation: Memo<Validation>,
    /// The analysis's note per rule name, shown next to the rule.
    pub notes: RwSignal<std::collections::HashMap<String, String>>,
    rules_fingerprint: Memo<u64>,
}

/// FNV-1a over the rules' JSON text, one rule a line.
fn fingerprint_of(entries: &[Entry]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for entry in entries {
        for byte in entry.rule.to_string().bytes().chain(std::iter::once(b'\n')) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

impl Editor {
    pub fn new() -> Self {
        let entries: RwSignal<Vec<Entry>> = RwSignal::new(Vec::new());
        let columns: RwSignal<Option<Vec<String>>> = RwSignal::new(None);
        let validation = Memo::new(move |_| {
            let rules = Value::Array(entries.with(|e| e.iter().map(|x| x.rule.clone()).collect()));
            columns.with(|c| validate_rule_set(&rules, c.as_deref()))
        });
        let rules_fingerprint = Memo::new(move |_| entries.with(|e| fingerprint_of(e)));
        Self {
            entries,
            next_id: StoredValue::new(1),
            undo: RwSignal::new(Vec::new()),
            last_origin: StoredValue::new(Origin::Other),
            dirty: RwSignal::new(false),
            columns,
            format: RwSignal::new(RulesFormat::Json),
            text: RwSignal::new("[]".into()),
            text_error: RwSignal::new(None),
            validation,
            notes: RwSignal::new(Default::default()),
            rules_fingerprint,
        }
    }

    fn fresh_id(&self) -> u64 {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        id
    }

    /// The rules as a DQX list.
    pub fn rules(&self) -> Vec<Value> {
        self.entries
            .with(|e| e.iter().map(|x| x.rule.clone()).collect())
    }

    pub fn len(&self) -> usize {
        self.entries.with(Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A fingerprint of the rules: equal rules, equal numbers, so results can say whether they
    /// are about the rules on screen. Computed once per change (a memo), however many views ask.
    pub fn fingerprint(&self) -> u64 {
        self.rules_fingerprint.get()
    }

    /// The rule set as text in the current format.
    pub fn rendered(&self) -> String {
        rules_to_text(&Value::Array(self.rules()), self.format.get_untracked()).unwrap_or_default()
    }

    fn refresh_text(&self) {
        self.text.set(self.rendered());
        self.text_error.set(None);
    }

    /// Replaces everything (a generation result, a draft); clears undo.
    pub fn load(&self, rules: Vec<Value>, dirty: bool) {
        let entries = rules
            .into_iter()
            .map(|rule| Entry {
                id: self.fresh_id(),
                rule,
            })
            .collect();
        self.entries.set(entries);
        self.undo.set(Vec::new());
        self.dirty.set(dirty);
        self.last_origin.set_value(Origin::Other);
        self.refresh_text();
    }

    /// Applies a change to the list, as one undo step.
    fn change(&self, origin: Origin, f: impl FnOnce(&mut Vec<Entry>)) {
        let before = self.entries.get_untracked();
        let coalesce = origin == Origin::Text && self.last_origin.get_value() == Origin::Text;
        if !coalesce {
            self.undo.update(|stack| {
                stack.push(before);
                if stack.len() > UNDO_DEPTH {
                    stack.remove(0);
                }
            });
        }
        self.last_origin.set_value(origin);
        self.entries.update(f);
        self.dirty.set(true);
        if origin != Origin::Text {
            self.refresh_text();
        }
    }

    /// Changes the rule of card `id`.
    pub fn update(&self, id: u64, f: impl FnOnce(&mut Value)) {
        self.change(Origin::Other, |entries| {
            if let Some(entry) = entries.iter_mut().find(|e| e.id == id) {
                f(&mut entry.rule);
            }
        });
    }

    /// The rule of card `id` (tracked).
    pub fn rule(&self, id: u64) -> Option<Value> {
        self.entries
            .with(|e| e.iter().find(|x| x.id == id).map(|x| x.rule.clone()))
    }

    /// Position of card `id` (tracked).
    pub fn index_of(&self, id: u64) -> Option<usize> {
        self.entries.with(|e| e.iter().position(|x| x.id == id))
    }

    /// Adds a not-null rule on the first column, for the user to change.
    pub fn add(&self) {
        let column = self
            .columns
            .with_untracked(|c| c.as_ref().and_then(|c| c.first().cloned()))
            .unwrap_or_default();
        let rule = json!({
            "criticality": "error",
            "check": {"function": "is_not_null", "arguments": {"column": column}},
        });
        let id = self.fresh_id();
        self.change(Origin::Other, |entries| entries.push(Entry { id, rule }));
    }

    /// Appends `rule` (a recommendation the user accepted), as one undo step; a name already in
    /// use gets a numeric suffix.
    pub fn append(&self, mut rule: Value) {
        if let Some(name) = rule.get("name").and_then(Value::as_str).map(str::to_string) {
            let taken = |n: &str| {
                self.entries.with_untracked(|e| {
                    e.iter()
                        .any(|x| x.rule.get("name").and_then(Value::as_str) == Some(n))
                })
            };
            rule["name"] = Value::String(crate::model::rules::names::unique_name(&name, taken));
        }
        let id = self.fresh_id();
        self.change(Origin::Other, |entries| entries.push(Entry { id, rule }));
    }

    pub fn duplicate(&self, id: u64) {
        let copy_id = self.fresh_id();
        self.change(Origin::Other, |entries| {
            if let Some(at) = entries.iter().position(|e| e.id == id) {
                let mut rule = entries[at].rule.clone();
                if let Some(name) = rule.get("name").and_then(Value::as_str) {
                    let renamed = format!("{name}_copy");
                    rule["name"] = Value::String(renamed);
                }
                entries.insert(at + 1, Entry { id: copy_id, rule });
            }
        });
    }

    pub fn remove(&self, id: u64) {
        self.change(Origin::Other, |entries| entries.retain(|e| e.id != id));
    }

    /// Moves card `id` up (`-1`) or down (`1`).
    pub fn shift(&self, id: u64, by: isize) {
        self.change(Origin::Other, |entries| {
            if let Some(at) = entries.iter().position(|e| e.id == id) {
                let to = at as isize + by;
                if to >= 0 && (to as usize) < entries.len() {
                    entries.swap(at, to as usize);
                }
            }
        });
    }

    pub fn can_undo(&self) -> bool {
        self.undo.with(|u| !u.is_empty())
    }

    /// Goes back one change.
    pub fn undo(&self) {
        let Some(previous) = self.undo.try_update(Vec::pop).flatten() else {
            return;
        };
        self.entries.set(previous);
        self.last_origin.set_value(Origin::Other);
        self.dirty.set(true);
        self.refresh_text();
    }

    /// The raw view changed: keep the text as typed; take the rules when it parses as a list.
    pub fn set_text(&self, text: String) {
        self.text.set(text.clone());
        match parse_rules_text(&text, self.format.get_untracked()) {
            Ok(Value::Array(rules)) => {
                self.text_error.set(None);
                self.change(Origin::Text, |entries| {
                    let mut kept = entries.iter().map(|e| e.id);
                    let mut next = Vec::with_capacity(rules.len());
                    for rule in rules {
                        let id = kept.next().unwrap_or_else(|| self.fresh_id());
                        next.push(Entry { id, rule });
                    }
                    *entries = next;
                });
            }
            Ok(_) => self.text_error.set(Some(
                "a rule set is a list of rules (it starts with [ in JSON, - in YAML)".into(),
            )),
            Err(e) => self.text_error.set(Some(e)),
        }
    }

    /// Applies the accepted hunks of a proposed edit, as one undo step; refused (nothing
    /// changed) when a hunk's rule is no longer as it was proposed against.
    pub fn apply_edits(&self, accepted: &[crate::model::edits::RuleEdit]) -> Result<(), String> {
        let current: Vec<Value> = self
            .entries
            .with_untracked(|e| e.iter().map(|x| x.rule.clone()).collect());
        let rules = crate::model::edits::apply_edits(&current, accepted)?;
        self.change(Origin::Other, |entries| {
            let mut kept = entries.iter().map(|e| e.id);
            let mut next = Vec::with_capacity(rules.len());
            for rule in rules {
                let id = kept.next().unwrap_or_else(|| self.fresh_id());
                next.push(Entry { id, rule });
            }
            *entries = next;
        });
        Ok(())
    }

    /// Switches the raw view between JSON and YAML (from the current rules).
    pub fn set_format(&self, format: RulesFormat) {
        self.format.set(format);
        self.refresh_text();
    }

    /// Problems of rule `index` whose field is `field` or inside it (`check.arguments.allowed[1]`
    /// is inside `check.arguments.allowed`).
    pub fn problems_at(&self, index: usize, field: &str) -> Vec<RuleProblem> {
        self.validation.with(|v| {
            v.problems
                .iter()
                .filter(|p| p.rule_index == Some(index) && field_within(&p.field, field))
                .cloned()
                .collect()
        })
    }
}

impl Default for Editor {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether `field` is `outer` or a part of it.
pub fn field_within(field: &str, outer: &str) -> bool {
    field == outer
        || field
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Signals need a reactive owner (and its arena).
    fn reactive(test: impl FnOnce()) {
        Owner::new_root(None).with(test);
    }

    fn rule(column: &str) -> Value {
        json!({"name": format!("{column}_is_null"), "criticality": "error",
            "check": {"function": "is_not_null", "arguments": {"column": column}}})
    }

    fn names(editor: &Editor) -> Vec<String> {
        editor
            .rules()
            .iter()
            .map(|r| r["name"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn form_changes_follow_into_the_text_and_undo_steps_back() {
        reactive(|| {
            let editor = Editor::new();
            editor.load(vec![rule("a"), rule("b")], false);
            assert!(!editor.dirty.get_untracked());
            let first = editor.entries.with_untracked(|e| e[0].id);
            editor.update(first, |r| r["name"] = json!("renamed"));
            assert!(
                editor
                    .text
                    .get_untracked()
                    .contains("\"name\": \"renamed\"")
            );
            assert!(editor.dirty.get_untracked());
            editor.shift(first, 1);
            assert_eq!(names(&editor), ["b_is_null", "renamed"]);
            editor.duplicate(first);
            assert_eq!(names(&editor), ["b_is_null", "renamed", "renamed_copy"]);
            editor.remove(first);
            assert_eq!(names(&editor), ["b_is_null", "renamed_copy"]);
            for _ in 0..4 {
                editor.undo();
            }
            assert_eq!(names(&editor), ["a_is_null", "b_is_null"]);
            assert!(!editor.can_undo());
        });
    }

    #[test]
    fn text_edits_update_the_rules_keep_ids_and_undo_as_one_step() {
        reactive(|| {
            let editor = Editor::new();
            editor.load(vec![rule("a")], false);
            let id = editor.entries.with_untracked(|e| e[0].id);
            let text = editor.text.get_untracked();
            editor.set_text(text.replace("a_is_null", "x"));
            editor.set_text(text.replace("a_is_null", "xy"));
            assert_eq!(names(&editor), ["xy"]);
            assert_eq!(
                editor.entries.with_untracked(|e| e[0].id),
                id,
                "the card keeps its id"
            );
            // Text that does not parse keeps the last good rules and says why.
            editor.set_text("[{".into());
            assert!(editor.text_error.get_untracked().is_some());
            assert_eq!(names(&editor), ["xy"]);
            editor.undo();
            assert_eq!(names(&editor), ["a_is_null"]);
        });
    }

    #[test]
    fn problems_are_found_at_their_fields_with_the_tables_columns() {
        reactive(|| {
            let editor = Editor::new();
            editor.columns.set(Some(vec!["a".into()]));
            editor.load(
                vec![json!({"criticality": "error",
                    "check": {"function": "regex_match", "arguments": {"column": "a"}}})],
                false,
            );
            let at_regex = editor.problems_at(0, "check.arguments.regex");
            assert_eq!(at_regex.len(), 1, "{at_regex:?}");
            assert!(
                at_regex[0]
                    .message
                    .contains("missing required argument 'regex'")
            );
            assert!(editor.problems_at(0, "check.arguments.column").is_empty());
            assert!(field_within(
                "check.arguments.allowed[1]",
                "check.arguments.allowed"
            ));
            assert!(!field_within(
                "check.arguments.allowed_x",
                "check.arguments.allowed"
            ));
        });
    }
}
