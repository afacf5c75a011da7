//! The workflow's save step: "Save as version N+1" with the storage status beside it; the new
//! version and a link to the table's history once saved. A failed save keeps every edit.

use super::api::save_rule_set;
use super::status::StorageBadge;
use crate::features::catalog::selection::encode_query_value;
use crate::features::editor::state::Editor;
use crate::model::error::ApiError;
use crate::model::rulesets::SavedRuleSet;
use crate::ui::notice::ErrorNotice;
use leptos::prelude::*;
use serde_json::Value;

/// Step 6.
#[component]
pub fn SaveStep(
    #[prop(into)] table: Signal<String>,
    editor: Editor,
    #[prop(into)] prompt: Signal<Option<String>>,
    /// The analysis to keep with the rules (`ai_summary`), if there is one.
    #[prop(into)]
    ai_summary: Signal<Option<Value>>,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    let saving = RwSignal::new(false);
    let saved: RwSignal<Option<SavedRuleSet>> = RwSignal::new(None);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let errors = move || editor.validation.with(|v| v.errors().count());
    let blocked = move || -> Option<&'static str> {
        if editor.is_empty() {
            Some("There are no rules to save yet.")
        } else if errors() > 0 {
            Some("Fix the errors in the rules before saving.")
        } else {
            None
        }
    };
    let save = move |_| {
        if blocked().is_some() {
            return;
        }
        saving.set(true);
        error.set(None);
        let rules = Value::Array(editor.rules());
        let table = table.get_untracked();
        let prompt = prompt.get_untracked();
        let ai_summary = ai_summary.get_untracked();
        leptos::task::spawn_local(async move {
            let metadata = Some(serde_json::json!({"saved_from": "generate page"}));
            match save_rule_set(table, rules, prompt, ai_summary, metadata).await {
                Ok(done) => {
                    saved.set(Some(done));
                    editor.dirty.set(false);
                }
                Err(e) => error.set(Some(e)),
            }
            saving.set(false);
        });
    };
    let history = move || format!("/history?table={}", encode_query_value(&table.get()));
    view! {
        <section class="step" aria-labelledby="step-save">
            <h2 id="step-save"><span class="step-number">"6"</span>"Save"</h2>
            <p><StorageBadge/></p>
            <button type="button" class="primary" on:click=save
                disabled=move || !hydrated.get() || saving.get() || blocked().is_some()>
                {move || if saving.get() { "Saving…" } else { "Save as a new version" }}
            </button>
            {move || blocked().map(|why| view! { <p class="muted">{why}</p> })}
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            {move || saved.get().map(|s| view! {
                <p class="notice" role="status">
                    {format!("Saved as version {} at {}. ", s.version, s.created_at)}
                    <a href=history()>"See the history"</a>
                </p>
            })}
        </section>
    }
}
