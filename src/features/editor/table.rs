//! The dense view: one row per rule (name, function, columns, key arguments, criticality,
//! source, status); a row's "Edit" opens that rule's form in place, under the row.

use super::form::RuleCard;
use super::state::Editor;
use crate::model::rules::validate::Severity;
use crate::model::rules::{rule_columns, rule_function};
use leptos::prelude::*;
use serde_json::Value;

/// Characters of the arguments column before it is cut.
const ARGUMENTS_SHOWN: usize = 60;

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The arguments other than the columns, `key=value`, cut to `ARGUMENTS_SHOWN` characters.
fn key_arguments(rule: &Value) -> String {
    let shown: Vec<String> = crate::model::rules::rule_arguments(rule)
        .and_then(Value::as_object)
        .map(|args| {
            args.iter()
                .filter(|(k, _)| *k != "column" && *k != "columns")
                .map(|(k, v)| format!("{k}={}", text(v)))
                .collect()
        })
        .unwrap_or_default();
    let joined = shown.join(", ");
    if joined.chars().count() > ARGUMENTS_SHOWN {
        let cut: String = joined.chars().take(ARGUMENTS_SHOWN).collect();
        format!("{cut}\u{2026}")
    } else {
        joined
    }
}

/// One rule's row, and its form when opened.
#[component]
fn RuleRow(editor: Editor, id: u64, open: RwSignal<Option<u64>>) -> impl IntoView {
    let rule = move || editor.rule(id).unwrap_or(Value::Null);
    let at = move |pointer: &str| rule().pointer(pointer).map(text).unwrap_or_default();
    let status = move || {
        let Some(i) = editor.index_of(id) else {
            return (String::new(), "");
        };
        editor.validation.with(|v| {
            let mine: Vec<_> = v
                .problems
                .iter()
                .filter(|p| p.rule_index == Some(i))
                .collect();
            let errors = mine
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .count();
            match (errors, mine.len() - errors) {
                (0, 0) => ("valid".to_string(), "status-ok"),
                (0, w) => (crate::ui::format::plural(w, "warning"), "status-warn"),
                (e, _) => (crate::ui::format::plural(e, "error"), "status-error"),
            }
        })
    };
    let is_open = move || open.get() == Some(id);
    let name = move || {
        let n = at("/name");
        if n.is_empty() {
            format!(
                "Rule {}",
                editor.index_of(id).map(|i| i + 1).unwrap_or_default()
            )
        } else {
            n
        }
    };
    view! {
        <tr class:open=is_open>
            <th scope="row" class="mono">{name}</th>
            <td class="mono">{move || rule_function(&rule()).to_string()}</td>
            <td class="mono">{move || rule_columns(&rule()).join(", ")}</td>
            <td class="mono args">{move || key_arguments(&rule())}</td>
            <td>{move || { let c = at("/criticality"); if c.is_empty() { "error".to_string() } else { c } }}</td>
            <td>{move || at("/user_metadata/source")}</td>
            <td class=move || status().1>{move || status().0}</td>
            <td>
                <button type="button" class="secondary" aria-expanded=move || is_open().to_string()
                    aria-label=move || format!("Edit {}", name())
                    on:click=move |_| open.update(|o| *o = if *o == Some(id) { None } else { Some(id) })>
                    {move || if is_open() { "Close" } else { "Edit" }}
                </button>
            </td>
        </tr>
        <Show when=is_open>
            <tr class="rule-row-form">
                <td colspan="8"><ol class="rule-list"><RuleCard editor id/></ol></td>
            </tr>
        </Show>
    }
}

/// Every rule as a row.
#[component]
pub fn RuleTable(editor: Editor) -> impl IntoView {
    let open: RwSignal<Option<u64>> = RwSignal::new(None);
    view! {
        <div class="table-scroll"><table class="rule-table" aria-label="Rules">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Function"</th>
                    <th scope="col">"Columns"</th>
                    <th scope="col">"Arguments"</th>
                    <th scope="col">"Criticality"</th>
                    <th scope="col">"Source"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                <For each=move || editor.entries.with(|e| e.iter().map(|x| x.id).collect::<Vec<_>>()) key=|id| *id let:id>
                    <RuleRow editor id open/>
                </For>
            </tbody>
        </table></div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_leave_out_the_columns_and_are_cut() {
        let rule = json!({"check": {"function": "is_in_range", "arguments": {"column": "a", "min_limit": 0, "max_limit": 10}}});
        assert_eq!(key_arguments(&rule), "min_limit=0, max_limit=10");
        let long = json!({"check": {"function": "is_in_list", "arguments": {"column": "a", "allowed": (0..100).collect::<Vec<_>>()}}});
        let shown = key_arguments(&long);
        assert_eq!(shown.chars().count(), ARGUMENTS_SHOWN + 1);
        assert!(shown.ends_with('\u{2026}'));
    }
}
