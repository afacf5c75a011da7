//! The rule editor: a toolbar (add, undo, views, download), the rule cards or the dense table
//! (the default past eight rules), and the raw JSON/YAML view, kept in step. Problems are counted
//! at the top and shown at their fields.

use super::form::{COLUMNS_LIST_ID, RuleCard};
use super::state::Editor;
use super::table::RuleTable;
use crate::model::rules::RulesFormat;
use crate::model::rules::validate::Severity;
use crate::ui::download::DownloadLink;
use crate::ui::format::plural;
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum View {
    Form,
    Table,
    Text,
}

impl View {
    const ALL: [View; 3] = [View::Form, View::Table, View::Text];

    fn tab_id(self) -> &'static str {
        match self {
            View::Form => "editor-tab-form",
            View::Table => "editor-tab-table",
            View::Text => "editor-tab-text",
        }
    }

    fn label(self) -> &'static str {
        match self {
            View::Form => "Form",
            View::Table => "Table",
            View::Text => "JSON / YAML",
        }
    }

    /// The tab a key moves to from this one (the ARIA tabs pattern: arrows wrap, Home, End).
    fn after_key(self, key: &str) -> Option<View> {
        let at = View::ALL.iter().position(|v| *v == self)?;
        let n = View::ALL.len();
        match key {
            "ArrowRight" => Some(View::ALL[(at + 1) % n]),
            "ArrowLeft" => Some(View::ALL[(at + n - 1) % n]),
            "Home" => Some(View::ALL[0]),
            "End" => Some(View::ALL[n - 1]),
            _ => None,
        }
    }
}

/// Moves keyboard focus to the element with `id` (in the browser).
fn focus_id(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(element) = document()
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// Past this many rules the editor opens on the table, not the cards.
const CARDS_UP_TO: usize = 8;

/// The editor for `editor`'s rules; `table` names the downloads.
#[component]
pub fn RuleEditor(editor: Editor, #[prop(into)] table: Signal<String>) -> impl IntoView {
    // The view the user picked, else cards for a few rules and the table for more.
    let chosen: RwSignal<Option<View>> = RwSignal::new(None);
    let view_mode = Signal::derive(move || {
        chosen.get().unwrap_or(if editor.len() > CARDS_UP_TO {
            View::Table
        } else {
            View::Form
        })
    });
    let counts = move || {
        editor.validation.with(|v| {
            let errors = v
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .count();
            (errors, v.problems.len() - errors)
        })
    };
    let summary = move || {
        let (errors, warnings) = counts();
        let n = editor.len();
        if n == 0 {
            return "No rules yet".to_string();
        }
        let rules = if n == 1 {
            "1 rule".to_string()
        } else {
            format!("{n} rules")
        };
        match (errors, warnings) {
            (0, 0) => format!("{rules}, valid"),
            (0, w) => format!("{rules}, valid with {}", plural(w, "warning")),
            (e, 0) => format!("{rules}, {}", plural(e, "error")),
            (e, w) => format!(
                "{rules}, {} and {}",
                plural(e, "error"),
                plural(w, "warning")
            ),
        }
    };
    // With no rules yet the empty state says what to do; "the rule set is empty" is not an error
    // on a form nobody has touched.
    let set_problems = move || {
        if editor.is_empty() {
            return Vec::new();
        }
        editor.validation.with(|v| {
            v.problems
                .iter()
                .filter(|p| p.rule_index.is_none())
                .map(|p| p.located())
                .collect::<Vec<_>>()
        })
    };
    let extension = move || match editor.format.get() {
        RulesFormat::Json => "json",
        RulesFormat::Yaml => "yaml",
    };
    let file_name = Signal::derive(move || {
        format!(
            "{}.dqx-rules.{}",
            table.get().replace('.', "_"),
            extension()
        )
    });
    let rules_text = Signal::derive(move || {
        editor.entries.track();
        editor.format.track();
        editor.rendered()
    });
    let mime = "application/octet-stream";
    view! {
        <div class="rule-editor">
            <datalist id=COLUMNS_LIST_ID>
                {move || editor.columns.get().unwrap_or_default().into_iter().map(|c| view! { <option value=c></option> }).collect_view()}
            </datalist>
            <div class="editor-toolbar" role="toolbar" aria-label="Rule editor">
                <div class="tabs" role="tablist" aria-label="Rule views"
                    on:keydown=move |ev| {
                        if let Some(next) = view_mode.get_untracked().after_key(&ev.key()) {
                            ev.prevent_default();
                            chosen.set(Some(next));
                            focus_id(next.tab_id());
                        }
                    }>
                    {View::ALL.into_iter().map(|v| view! {
                        <button type="button" role="tab" id=v.tab_id()
                            aria-selected=move || (view_mode.get() == v).to_string()
                            tabindex=move || if view_mode.get() == v { "0" } else { "-1" }
                            on:click=move |_| chosen.set(Some(v))>{v.label()}</button>
                    }).collect_view()}
                </div>
                <button type="button" on:click=move |_| editor.add()>"Add rule"</button>
                <button type="button" class="secondary" disabled=move || !editor.can_undo() on:click=move |_| editor.undo()>"Undo"</button>
                <label class="inline">
                    "Format "
                    <select prop:value=extension on:change=move |ev| {
                        editor.set_format(if event_target_value(&ev) == "yaml" { RulesFormat::Yaml } else { RulesFormat::Json })
                    }>
                        <option value="json">"JSON"</option>
                        <option value="yaml">"YAML"</option>
                    </select>
                </label>
                <span on:click=move |_| editor.dirty.set(false)>
                    <DownloadLink label="Download rules" file_name mime text=rules_text/>
                </span>
                <p class="editor-summary" role="status" aria-live="polite">{summary}</p>
            </div>
            {move || set_problems().into_iter().map(|m| view! { <p class="field-error">{m}</p> }).collect_view()}
            <Show when=move || view_mode.get() != View::Text>
                <Show when=move || !editor.is_empty() fallback=|| view! { <p class="empty">"No rules yet. Generate some, or add one."</p> }>
                    <Show when=move || view_mode.get() == View::Form fallback=move || view! { <RuleTable editor/> }>
                        <ol class="rule-list">
                            <For each=move || editor.entries.with(|e| e.iter().map(|x| x.id).collect::<Vec<_>>()) key=|id| *id let:id>
                                <RuleCard editor id/>
                            </For>
                        </ol>
                    </Show>
                </Show>
            </Show>
            <div hidden=move || view_mode.get() != View::Text class="text-view">
                <label for="rules-text" class="visually-hidden">"Rules as text"</label>
                <textarea id="rules-text" class="mono" rows="24" spellcheck="false"
                    prop:value=move || editor.text.get()
                    on:input=move |ev| editor.set_text(event_target_value(&ev))></textarea>
                {move || editor.text_error.get().map(|e| view! { <p class="field-error" role="alert">"Cannot read the text: "{e}" (the rules above are unchanged until it reads)"</p> })}
                <ul class="text-problems">
                    {move || editor.validation.with(|v| v.problems.iter().filter(|_| !editor.is_empty()).map(|p| {
                        let class = if p.severity == Severity::Error { "field-error" } else { "field-warning" };
                        view! { <li class=class>{p.located()}</li> }
                    }).collect_view())}
                </ul>
            </div>
            <super::examples_check::ExamplesCheck editor table/>
        </div>
    }
}
