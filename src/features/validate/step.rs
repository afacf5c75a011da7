//! The workflow's validate step: "Validate N rules" (disabled, with the reason, while the rules
//! have errors), the run's progress, and its results, which stay with the run (its id is in the
//! URL).

use super::api::start_validation;
use super::results::ValidationResults;
use crate::features::editor::state::Editor;
use crate::features::session::api::whoami;
use crate::features::workflow::watch::RunWatch;
use crate::model::runs::EngineChoice;
use crate::model::runs::RunState;
use crate::model::session::EngineOffer;
use crate::ui::notice::{ErrorNotice, StaleNotice};
use crate::ui::progress::RunProgress;
use leptos::prelude::*;

/// Step 5.
#[component]
pub fn ValidateStep(
    #[prop(into)] table: Signal<String>,
    editor: Editor,
    watch: RunWatch,
    hydrated: RwSignal<bool>,
    /// The fingerprint of the rules the validation on screen ran (set when one starts).
    validated: RwSignal<Option<u64>>,
    on_started: Callback<String>,
) -> impl IntoView {
    let errors = move || editor.validation.with(|v| v.errors().count());
    let blocked = move || -> Option<String> {
        if editor.is_empty() {
            Some("Generate or add rules first (steps 2 and 3).".into())
        } else if errors() > 0 {
            Some(format!(
                "Fix the {} in the rules first; they are shown at their fields.",
                crate::ui::format::plural(errors(), "error")
            ))
        } else {
            None
        }
    };
    let label = move || match editor.len() {
        1 => "Validate 1 rule".to_string(),
        n => format!("Validate {n} rules"),
    };
    let me = Resource::new(|| (), |_| whoami());
    let offers = move || -> Vec<EngineOffer> {
        me.get()
            .and_then(Result::ok)
            .map(|m| m.engines)
            .unwrap_or_default()
    };
    let engine = RwSignal::new(EngineChoice::Warehouse);
    let validate = move || {
        if blocked().is_some() {
            return;
        }
        validated.set(Some(editor.fingerprint()));
        let rules = editor.rules();
        let chosen = (!offers().is_empty()).then(|| engine.get_untracked());
        watch.start(
            start_validation(table.get_untracked(), rules, None, chosen, false),
            move |id| on_started.run(id),
        );
    };
    let state = move || watch.status.with(|s| s.as_ref().map(|s| s.summary.state));
    view! {
        <section class="step" aria-labelledby="step-validate">
            <h2 id="step-validate"><span class="step-number">"5"</span>"Validate"</h2>
            <p class="muted">"Runs every rule over the whole table in one pass and counts violations per rule."</p>
            <Transition fallback=|| ()>
                <EnginePicker offers=Signal::derive(offers) engine/>
            </Transition>
            <button type="button" class="primary" on:click=move |_| validate()
                disabled=move || !hydrated.get() || watch.busy.get() || blocked().is_some()>
                {label}
            </button>
            {move || blocked().map(|why| view! { <p class="muted">{why}</p> })}
            {move || watch.error.get().map(|error| view! { <ErrorNotice error/> })}
            <Show when=move || watch.busy.get()>
                <RunProgress status=watch.status what="Validating" on_cancel=Callback::new(move |_| watch.cancel()) canceling=watch.canceling/>
            </Show>
            {move || match state() {
                Some(RunState::Failed) => Some(view! {
                    <div class="notice error" role="alert"><strong>"Validation failed"</strong>" "
                        {watch.status.with(|s| s.as_ref().and_then(|s| s.summary.message.clone()))}</div>
                }.into_any()),
                Some(RunState::Canceled) => Some(view! { <p class="notice" role="status">"Validation canceled."</p> }.into_any()),
                _ => None,
            }}
            {move || watch.status.with(|s| s.as_ref().and_then(|s| s.runs_on.clone())).map(|on| view! { <p class="muted">{format!("Ran {on}.")}</p> })}
            {move || watch.status.get().and_then(|s| s.validation.map(|v| (v, s.summary.run_id))).map(|(result, run_id)| {
                // Known rules that differ from those on screen: the results are about other rules.
                let stale = move || validated.get().is_some_and(|v| v != editor.fingerprint());
                view! {
                    <Show when=stale>
                        <StaleNotice what="validation" action="Validate again"
                            on_rerun=Callback::new(move |_| validate())
                            disabled=Signal::derive(move || !hydrated.get() || watch.busy.get() || blocked().is_some())/>
                    </Show>
                    <div class:stale-results=stale><ValidationResults result run_id/></div>
                }
            })}
        </section>
    }
}

/// Where the validation runs: the embedded engine locally; in a workspace the SQL warehouse as
/// the caller, or — where the app has the job — a DQX job, chosen here.
#[component]
fn EnginePicker(offers: Signal<Vec<EngineOffer>>, engine: RwSignal<EngineChoice>) -> impl IntoView {
    move || {
        let offers = offers.get();
        match offers.len() {
            0 => view! { <p class="muted">"Runs on the embedded engine, over the local workspace."</p> }.into_any(),
            1 => view! { <p class="muted">{format!("Runs {}.", offers[0].description)}</p> }.into_any(),
            _ => view! {
                <fieldset class="engine-choice">
                    <legend>"Where to run"</legend>
                    {offers.into_iter().map(|offer| {
                        let choice = offer.engine;
                        view! {
                            <label>
                                <input type="radio" name="engine"
                                    checked=move || engine.get() == choice
                                    on:change=move |_| engine.set(choice)/>
                                " "{offer.description}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            }.into_any(),
        }
    }
}
