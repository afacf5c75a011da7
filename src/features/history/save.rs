//! The workflow's save step, with the storage status beside it. Where review applies to the
//! table it offers "Save draft" and "Submit for review" (save, then submit); elsewhere "Save as
//! a new version" (active at once) and says that no review is configured. Once saved: the new
//! version and a link to its review page or the history. A failed save keeps every edit.

use super::api::save_rule_set;
use super::status::StorageBadge;
use crate::features::editor::state::Editor;
use crate::links::{history_href, review_href};
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
    let roles = Resource::new(
        move || table.get(),
        |table| crate::features::review::api::my_roles(Some(table)),
    );
    let submitted = RwSignal::new(false);
    let save = move |submit: bool| {
        if blocked().is_some() {
            return;
        }
        saving.set(true);
        error.set(None);
        let rules = editor.rules();
        let table = table.get_untracked();
        let prompt = prompt.get_untracked();
        let ai_summary = ai_summary.get_untracked();
        leptos::task::spawn_local(async move {
            let metadata = Some(serde_json::json!({"saved_from": "generate page"}));
            match save_rule_set(table.clone(), rules, prompt, ai_summary, metadata).await {
                Ok(done) => {
                    editor.dirty.set(false);
                    let version = done.version;
                    let draft = done.status == crate::model::review::VersionStatus::Draft;
                    saved.set(Some(done));
                    submitted.set(false);
                    if submit && draft {
                        match crate::features::review::api::submit_rule_set(table, version).await {
                            Ok(_) => submitted.set(true),
                            Err(e) => error.set(Some(e)),
                        }
                    }
                }
                Err(e) => error.set(Some(e)),
            }
            saving.set(false);
        });
    };
    let history = move || history_href(&table.get());
    let disabled = move || !hydrated.get() || saving.get() || blocked().is_some();
    let outcome = move |s: &SavedRuleSet| {
        use crate::model::review::VersionStatus;
        if s.unchanged && !submitted.get() {
            let state = match s.status {
                VersionStatus::Pending => "it is waiting for review",
                VersionStatus::Draft => "it is still a draft",
                _ => "it is the active version",
            };
            format!(
                "Nothing changed since version {}, so nothing new was saved; {state}. ",
                s.version
            )
        } else if s.status != VersionStatus::Draft {
            format!(
                "Saved as version {} at {}. ",
                s.version,
                crate::ui::format::when(&s.created_at)
            )
        } else if submitted.get() {
            format!("Submitted version {} for review. ", s.version)
        } else {
            format!(
                "Saved as draft version {}: submit it for review when it is ready. ",
                s.version
            )
        }
    };
    view! {
        <section class="step" aria-labelledby="step-save">
            <h2 id="step-save"><span class="step-number">"6"</span>"Save"</h2>
            <p><StorageBadge/></p>
            // Read under Suspense: the server renders the choice the store makes, and hydration
            // sees the same one (a resource read outside it can hydrate the other branch).
            <Suspense fallback=|| view! { <p class="muted">"Reading whether rules for this table are reviewed…"</p> }>
                {move || Suspend::new(async move {
                    match roles.await {
                        Ok(r) if r.review_required => view! {
                            <p class="muted">"Rules for this table are reviewed: a save is a draft, and it becomes active once someone else approves it."</p>
                            <button type="button" class="secondary" on:click=move |_| save(false) disabled=disabled>
                                {move || if saving.get() { "Saving…" } else { "Save draft" }}
                            </button>
                            " "
                            <button type="button" class="primary" on:click=move |_| save(true) disabled=disabled>"Submit for review"</button>
                        }.into_any(),
                        Ok(_) => view! {
                            <button type="button" class="primary" on:click=move |_| save(false) disabled=disabled>
                                {move || if saving.get() { "Saving…" } else { "Save as a new version" }}
                            </button>
                            <p class="muted">"No review is configured for this table: a save becomes the active version at once."</p>
                        }.into_any(),
                        // Not known: the store still decides (a draft where review applies).
                        Err(error) => view! {
                            <ErrorNotice error/>
                            <p class="muted">"Whether rules for this table are reviewed could not be read; a save is a draft if they are."</p>
                            <button type="button" class="primary" on:click=move |_| save(false) disabled=disabled>
                                {move || if saving.get() { "Saving…" } else { "Save" }}
                            </button>
                        }.into_any(),
                    }
                })}
            </Suspense>
            {move || blocked().map(|why| view! { <p class="muted">{why}</p> })}
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            {move || saved.get().map(|s| {
                let link = if s.status == crate::model::review::VersionStatus::Draft {
                    view! { <a href=review_href(&table.get(), Some(s.version))>"Open its review page"</a> }.into_any()
                } else {
                    view! { <a href=history()>"See the history"</a> }.into_any()
                };
                view! { <p class="notice" role="status">{outcome(&s)}{link}</p> }
            })}
        </section>
    }
}
