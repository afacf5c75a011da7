//! One clause applied to the rule set being edited: its rules found (or the previous clause's),
//! each intent applied to those it fits, and a limit or list with no rule to hold it added as a
//! new rule through the prompt applier, as is a clause that asks for a new rule.

use super::Work;
use super::intent::{EditIntent, read_clause};
use super::target::{Named, describe, named, pick};
use crate::engine::prompt::apply::{list_item, number};
use crate::engine::prompt::read::{Asked, Intent, PromptReading};
use crate::engine::prompt::{ColumnFacts, apply_prompt, read_prompt};
use crate::model::rules::diff::rule_key;
use crate::model::rules::{Criticality, rule_columns, rule_function};
use serde_json::{Value, json};

/// What the previous clause acted on and asked, for a clause that names no rule ("… and allow up
/// to 20000") or asks nothing ("drop the IP and the email rules").
#[derive(Debug, Default)]
pub struct Context {
    targets: Vec<usize>,
    intents: Vec<EditIntent>,
}

/// A clause understood: it changed rules, or it changed nothing and says why.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Changed,
    Unchanged(String),
}

/// Applies `clause`; `Err` says why it was not understood.
pub fn clause(
    work: &mut Work,
    clause: &str,
    columns: &[ColumnFacts],
    context: &mut Context,
) -> Result<Outcome, String> {
    let read = read_clause(clause, columns)?;
    let (slots, rules) = work.live();
    let names = named(&read.target_text, &rules, columns);
    let picked: Option<Vec<usize>> =
        (!names.is_empty()).then(|| pick(&names, &rules).into_iter().map(|i| slots[i]).collect());
    let only_criticality = read
        .intents
        .iter()
        .all(|i| matches!(i, EditIntent::Criticality(_)));
    // A clause asking for no edit, or only for a criticality with no rule to give it, may ask
    // for a new rule.
    if read.intents.is_empty()
        || (only_criticality && picked.is_none() && context.targets.is_empty())
    {
        // "drop the IP and the email rules": a clause that only names rules does what the one
        // before did.
        let continues = read.intents.is_empty()
            && !context.intents.is_empty()
            && picked.as_ref().is_some_and(|t| !t.is_empty())
            && (!names.by_name.is_empty() || !asks_something(clause));
        if !continues && let Some(outcome) = add_from_prompt(work, clause, columns, context) {
            return Ok(outcome);
        }
        if read.intents.is_empty() {
            return match picked {
                Some(targets) if !targets.is_empty() && !context.intents.is_empty() => {
                    let intents = context.intents.clone();
                    apply_all(work, clause, columns, &intents, targets, &names, context)
                }
                _ => Err("no change to the rules found here; say what to do (make … a warning, allow up to …, drop …, rename … to …, only where …) or describe a new rule".into()),
            };
        }
    }
    let targets = match picked {
        Some(targets) => targets,
        None => context.targets.clone(),
    };
    let intents = read.intents.clone();
    apply_all(work, clause, columns, &intents, targets, &names, context)
}

/// Whether a clause says something of its own ("… must be unique") rather than only naming.
fn asks_something(clause: &str) -> bool {
    const ASKING: &[&str] = &[
        "must",
        "should",
        "shall",
        "is",
        "are",
        "be",
        "never",
        "always",
        "valid",
        "unique",
        "not",
        "no",
        "only",
        "required",
        "mandatory",
        "between",
        "least",
        "most",
        "exceed",
        "one",
        "negative",
        "positive",
        "future",
        "empty",
        "null",
        "match",
        "matches",
        "reference",
    ];
    crate::engine::prompt::columns::words(clause)
        .iter()
        .any(|w| ASKING.contains(&w.as_str()))
}

/// Applies every intent of a clause to `targets` and remembers them for the next clause.
fn apply_all(
    work: &mut Work,
    clause: &str,
    columns: &[ColumnFacts],
    intents: &[EditIntent],
    mut targets: Vec<usize>,
    names: &Named,
    context: &mut Context,
) -> Result<Outcome, String> {
    let warn = intents.contains(&EditIntent::Criticality(Criticality::Warn));
    let before: Vec<(usize, Option<Value>)> = targets
        .iter()
        .map(|&t| (t, work.rule(t).cloned()))
        .collect();
    let mut changed = false;
    let mut unchanged_why = None;
    // Criticality last, so a rule a limit added in this clause has it already.
    let mut ordered: Vec<&EditIntent> = intents
        .iter()
        .filter(|i| !matches!(i, EditIntent::Criticality(_)))
        .collect();
    ordered.extend(
        intents
            .iter()
            .filter(|i| matches!(i, EditIntent::Criticality(_))),
    );
    for intent in ordered {
        let step = Step {
            clause,
            columns,
            names,
            warn,
        };
        match step.apply(work, intent, &mut targets)? {
            true => changed = true,
            false => unchanged_why = Some(already(intent)),
        }
    }
    // "… and make that rule a warning": the next clause means the rules this one changed (a
    // rule it added counts), or, where it changed none, the ones it named.
    let touched: Vec<usize> = targets
        .iter()
        .copied()
        .filter(|t| {
            before
                .iter()
                .find(|(slot, _)| slot == t)
                .is_none_or(|(_, was)| was.as_ref() != work.rule(*t))
        })
        .collect();
    context.targets = if touched.is_empty() { targets } else { touched };
    context.intents = intents.to_vec();
    Ok(if changed {
        Outcome::Changed
    } else {
        Outcome::Unchanged(unchanged_why.unwrap_or_else(|| "nothing to change".into()))
    })
}

/// Why an intent that was understood changed nothing.
fn already(intent: &EditIntent) -> String {
    match intent {
        EditIntent::Criticality(c) => format!(
            "those rules are already {}s",
            match c {
                Criticality::Warn => "warning",
                Criticality::Error => "error",
            }
        ),
        EditIntent::ClearFilter => "none of those rules has a filter".into(),
        _ => "the rules already say that; nothing to change".into(),
    }
}

/// What one intent needs to know besides the rules.
struct Step<'a> {
    clause: &'a str,
    columns: &'a [ColumnFacts],
    names: &'a Named,
    warn: bool,
}

impl Step<'_> {
    /// Applies `intent` to `targets` (new rules join them); whether anything changed.
    fn apply(
        &self,
        work: &mut Work,
        intent: &EditIntent,
        targets: &mut Vec<usize>,
    ) -> Result<bool, String> {
        match intent {
            EditIntent::Upper(n) => self.limit(work, targets, None, Some(n)),
            EditIntent::Lower(n) => self.limit(work, targets, Some(n), None),
            EditIntent::Between(a, b) => self.limit(work, targets, Some(a), Some(b)),
            EditIntent::SetList(values) => self.set_list(work, targets, values),
            EditIntent::Allow(values) => self.allow(work, targets, values),
            EditIntent::Disallow {
                values,
                else_remove,
            } => self.disallow(work, targets, values, *else_remove),
            EditIntent::Criticality(c) => {
                self.need(work, targets)?;
                Ok(self.each(work, targets, |rule| {
                    rule["criticality"] = json!(c.as_str());
                }))
            }
            EditIntent::Remove => {
                self.need(work, targets)?;
                let mut changed = false;
                for &slot in targets.iter() {
                    changed |= work.set(slot, None, self.clause);
                }
                Ok(changed)
            }
            EditIntent::Rename(new) => self.rename(work, targets, new),
            EditIntent::Filter(sql) => {
                self.need(work, targets)?;
                Ok(self.each(work, targets, |rule| {
                    rule["filter"] = json!(sql);
                }))
            }
            EditIntent::ClearFilter => {
                self.need(work, targets)?;
                Ok(self.each(work, targets, |rule| {
                    if let Some(obj) = rule.as_object_mut() {
                        obj.remove("filter");
                    }
                }))
            }
        }
    }

    /// Fails when the clause acts on no rule, saying what it named.
    fn need(&self, work: &Work, targets: &[usize]) -> Result<(), String> {
        if targets.iter().any(|&s| work.rule(s).is_some()) {
            return Ok(());
        }
        if self.names.is_empty() {
            Err("say which rules: by name (email_format), by column (the amount check) or by kind (the not-null rules)".into())
        } else {
            Err(format!("no rule {} in the rule set", describe(self.names)))
        }
    }

    /// Changes each live target with `edit`; whether any changed.
    fn each(&self, work: &mut Work, targets: &[usize], edit: impl Fn(&mut Value)) -> bool {
        let mut changed = false;
        for &slot in targets {
            let Some(mut rule) = work.rule(slot).cloned() else {
                continue;
            };
            edit(&mut rule);
            changed |= work.set(slot, Some(rule), self.clause);
        }
        changed
    }

    /// The one column a new rule for this clause is about: the one named, else the one all its
    /// rules share.
    fn column(&self, work: &Work, targets: &[usize]) -> Result<String, String> {
        if let Some(c) = self.names.columns.first() {
            return Ok(c.clone());
        }
        let mut shared: Option<Vec<String>> = None;
        for &slot in targets {
            if let Some(rule) = work.rule(slot) {
                let cols = rule_columns(rule);
                shared = Some(match shared {
                    None => cols,
                    Some(s) => s.into_iter().filter(|c| cols.contains(c)).collect(),
                });
            }
        }
        match shared.as_deref() {
            Some([one]) => Ok(one.clone()),
            _ => Err("say which column, as in \u{201c}allow amounts up to 20000\u{201d}".into()),
        }
    }

    /// Moves the limits of the targets that have them; adds a rule when none has.
    fn limit(
        &self,
        work: &mut Work,
        targets: &mut Vec<usize>,
        lower: Option<&String>,
        upper: Option<&String>,
    ) -> Result<bool, String> {
        let mut took = false;
        let mut changed = false;
        for &slot in targets.iter() {
            let Some(mut rule) = work.rule(slot).cloned() else {
                continue;
            };
            let sets: Vec<(&str, &String)> = match rule_function(&rule) {
                "is_in_range" => [("min_limit", lower), ("max_limit", upper)]
                    .into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k, v)))
                    .collect(),
                "is_not_less_than" => lower.map(|v| vec![("limit", v)]).unwrap_or_default(),
                "is_not_greater_than" => upper.map(|v| vec![("limit", v)]).unwrap_or_default(),
                _ => Vec::new(),
            };
            if sets.is_empty() {
                continue;
            }
            took = true;
            for (key, value) in sets {
                rule["check"]["arguments"][key] = number(value);
            }
            changed |= work.set(slot, Some(rule), self.clause);
        }
        if took {
            return Ok(changed);
        }
        let column = self.column(work, targets)?;
        let intent = match (lower, upper) {
            (Some(min), Some(max)) => Intent::Range {
                column,
                min: min.clone(),
                max: max.clone(),
            },
            (Some(limit), None) => Intent::Bound {
                columns: vec![column],
                limit: limit.clone(),
                upper: false,
            },
            (None, Some(limit)) => Intent::Bound {
                columns: vec![column],
                limit: limit.clone(),
                upper: true,
            },
            (None, None) => return Ok(false),
        };
        Ok(self.add(work, targets, intent))
    }

    /// Adds a rule for `intent`; whether the set changed. The new rules join `targets`.
    fn add(&self, work: &mut Work, targets: &mut Vec<usize>, intent: Intent) -> bool {
        let reading = PromptReading {
            asked: vec![Asked {
                intent,
                clause: self.clause.to_string(),
                warn: self.warn,
            }],
            ..Default::default()
        };
        let touched = through_prompt(work, &reading, self.clause, self.columns);
        let changed = !touched.is_empty();
        targets.extend(touched);
        changed
    }

    /// The list rules among the targets.
    fn lists(&self, work: &Work, targets: &[usize]) -> Vec<usize> {
        targets
            .iter()
            .copied()
            .filter(|&s| {
                work.rule(s).is_some_and(|r| {
                    matches!(
                        rule_function(r),
                        "is_in_list" | "is_not_null_and_is_in_list"
                    )
                })
            })
            .collect()
    }

    fn numeric(&self, rule: &Value) -> bool {
        let cols = rule_columns(rule);
        self.columns
            .iter()
            .any(|c| cols.contains(&c.name) && c.is_numeric())
    }

    /// Makes the list of each list target exactly `values`; adds a list rule when none has one.
    fn set_list(
        &self,
        work: &mut Work,
        targets: &mut Vec<usize>,
        values: &[String],
    ) -> Result<bool, String> {
        let lists = self.lists(work, targets);
        if lists.is_empty() {
            let column = self.column(work, targets)?;
            let intent = Intent::InList {
                column,
                values: values.to_vec(),
            };
            return Ok(self.add(work, targets, intent));
        }
        Ok(self.each(work, &lists, |rule| {
            let numeric = self.numeric(rule);
            let allowed: Vec<Value> = values.iter().map(|v| list_item(v, numeric)).collect();
            rule["check"]["arguments"]["allowed"] = Value::Array(allowed);
        }))
    }

    /// Adds `values` to the list of each list target (the only list of the set when the clause
    /// names none).
    fn allow(
        &self,
        work: &mut Work,
        targets: &mut Vec<usize>,
        values: &[String],
    ) -> Result<bool, String> {
        let mut lists = self.lists(work, targets);
        if lists.is_empty() && self.names.is_empty() {
            // "also allow JPY": the only list, or the only one whose values look like JPY.
            let (slots, _) = work.live();
            let all = self.lists(work, &slots);
            let alike: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&s| work.rule(s).is_some_and(|r| values_alike(r, values)))
                .collect();
            if all.len() == 1 {
                lists = all;
            } else if alike.len() == 1 {
                lists = alike;
            }
        }
        if lists.is_empty() {
            return Err(format!(
                "no list of allowed values to add {} to; name its column, as in \u{201c}allow {} for currency\u{201d}",
                values.join(", "),
                values.first().map(String::as_str).unwrap_or("JPY")
            ));
        }
        let changed = self.each(work, &lists, |rule| {
            let numeric = self.numeric(rule);
            let list = rule["check"]["arguments"]["allowed"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut list = list;
            for v in values {
                if !list.iter().any(|item| same_value(item, v)) {
                    list.push(list_item(v, numeric));
                }
            }
            rule["check"]["arguments"]["allowed"] = Value::Array(list);
        });
        *targets = lists;
        Ok(changed)
    }

    /// Takes `values` out of the lists that hold them; with `else_remove` and no list holding
    /// them, removes the rules the whole clause names.
    fn disallow(
        &self,
        work: &mut Work,
        targets: &mut Vec<usize>,
        values: &[String],
        else_remove: bool,
    ) -> Result<bool, String> {
        let holding: Vec<usize> = self
            .lists(work, targets)
            .into_iter()
            .filter(|&s| {
                work.rule(s).is_some_and(|r| {
                    let list = r["check"]["arguments"]["allowed"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    values
                        .iter()
                        .all(|v| list.iter().any(|item| same_value(item, v)))
                })
            })
            .collect();
        if holding.is_empty() {
            if else_remove {
                let (slots, rules) = work.live();
                let whole = named(self.clause, &rules, self.columns);
                let picked: Vec<usize> =
                    pick(&whole, &rules).into_iter().map(|i| slots[i]).collect();
                if whole.is_empty() || picked.is_empty() {
                    return Err(format!("no rule {} in the rule set", describe(&whole)));
                }
                let mut changed = false;
                for &slot in &picked {
                    changed |= work.set(slot, None, self.clause);
                }
                *targets = picked;
                return Ok(changed);
            }
            return Err(format!(
                "no list of allowed values holds {}",
                values.join(", ")
            ));
        }
        let changed = self.each(work, &holding, |rule| {
            if let Some(list) = rule["check"]["arguments"]["allowed"].as_array_mut() {
                list.retain(|item| !values.iter().any(|v| same_value(item, v)));
            }
        });
        *targets = holding;
        Ok(changed)
    }

    /// Renames the one rule the clause names.
    fn rename(&self, work: &mut Work, targets: &[usize], new: &str) -> Result<bool, String> {
        self.need(work, targets)?;
        let live: Vec<usize> = targets
            .iter()
            .copied()
            .filter(|&s| work.rule(s).is_some())
            .collect();
        let [slot] = live.as_slice() else {
            let names: Vec<String> = live
                .iter()
                .filter_map(|&s| work.rule(s).map(rule_key))
                .collect();
            return Err(format!(
                "that names {} rules ({}); rename one at a time, by its name",
                names.len(),
                names.join(", ")
            ));
        };
        if work.name_taken(new, *slot) {
            return Err(format!(
                "a rule named {new} exists already; pick another name"
            ));
        }
        Ok(self.each(work, &[*slot], |rule| {
            rule["name"] = json!(new);
        }))
    }
}

/// The look of a value: its letters' case (upper, lower, mixed, none) and its length.
fn shape(text: &str) -> (u8, usize) {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    let case = if letters.is_empty() {
        0
    } else if letters.iter().all(|c| c.is_uppercase()) {
        1
    } else if letters.iter().all(|c| c.is_lowercase()) {
        2
    } else {
        3
    };
    (case, text.chars().count())
}

/// Whether every value of the rule's list looks like every value written (`EUR` and `JPY`).
fn values_alike(rule: &Value, written: &[String]) -> bool {
    let list = rule["check"]["arguments"]["allowed"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    !list.is_empty()
        && list.iter().all(|item| {
            let text = match item {
                Value::String(s) => s.trim_matches('\'').to_string(),
                other => other.to_string(),
            };
            written.iter().all(|w| shape(w) == shape(&text))
        })
}

/// Whether a list item is the value the user wrote (`'EUR'` is EUR, `3` is 3).
fn same_value(item: &Value, written: &str) -> bool {
    match item {
        Value::String(s) => {
            let bare = s
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .unwrap_or(s);
            bare.eq_ignore_ascii_case(written)
        }
        other => format!("{other}").as_str() == written,
    }
}

/// A clause read as a new rule by the prompt reader, when it reads as one.
fn add_from_prompt(
    work: &mut Work,
    clause: &str,
    columns: &[ColumnFacts],
    context: &mut Context,
) -> Option<Outcome> {
    let mut reading = read_prompt(clause, columns);
    if reading.asked.is_empty() {
        return None;
    }
    reading.warn_only = false;
    let touched = through_prompt(work, &reading, clause, columns);
    if touched.is_empty() {
        return Some(Outcome::Unchanged(
            "the rule set checks that already; nothing to add".into(),
        ));
    }
    context.targets = touched;
    context.intents.clear();
    Some(Outcome::Changed)
}

/// Runs the prompt applier over the live rules: rules it replaced leave, its new rules join.
/// The slots it touched.
fn through_prompt(
    work: &mut Work,
    reading: &PromptReading,
    clause: &str,
    columns: &[ColumnFacts],
) -> Vec<usize> {
    let (slots, rules) = work.live();
    let before: Vec<Value> = rules.into_iter().cloned().collect();
    let after = apply_prompt(before.clone(), reading, columns);
    let mut unmatched: Vec<Option<Value>> = after.into_iter().map(Some).collect();
    let mut touched = Vec::new();
    for (slot, rule) in slots.iter().zip(&before) {
        match unmatched.iter().position(|u| u.as_ref() == Some(rule)) {
            Some(at) => unmatched[at] = None,
            None => {
                work.set(*slot, None, clause);
                touched.push(*slot);
            }
        }
    }
    for rule in unmatched.into_iter().flatten() {
        touched.push(work.add(rule, clause));
    }
    touched
}
