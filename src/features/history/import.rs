//! Importing a rule set: paste text or pick a file, check it (every problem shown, against the
//! table's columns) before anything is saved, then import it as a new version.

use super::api::import_rule_set;
use crate::features::editor::api::check_rules;
use crate::model::error::ApiError;
use crate::model::rules::RulesFormat;
use crate::model::rules::validate::{Severity, Validation};
use crate::ui::hydration::use_hydrated;
use crate::ui::notice::ErrorNotice;
use leptos::prelude::*;

/// Reads the file chosen in `input` as text (in the browser).
#[cfg(feature = "hydrate")]
async fn read_file(input: web_sys::HtmlInputElement) -> Option<(String, String)> {
    let file = input.files()?.get(0)?;
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()?;
    Some((file.name(), text.as_string()?))
}

/// The import panel; `on_imported` gets the new version.
#[component]
pub fn ImportPanel(
    #[prop(into)] table: Signal<String>,
    on_imported: Callback<i32>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let format = RwSignal::new(RulesFormat::Yaml);
    let checked: RwSignal<Option<Validation>> = RwSignal::new(None);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let live = use_hydrated();
    let reset = move || {
        checked.set(None);
        error.set(None);
    };
    let check = move |_| {
        busy.set(true);
        reset();
        let (body, fmt, table) = (
            text.get_untracked(),
            format.get_untracked(),
            table.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            match check_rules(body, fmt, Some(table)).await {
                Ok(v) => checked.set(Some(v)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let import = move |_| {
        busy.set(true);
        error.set(None);
        let (body, fmt, table) = (
            text.get_untracked(),
            format.get_untracked(),
            table.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            match import_rule_set(table, body, fmt).await {
                Ok(saved) => {
                    text.set(String::new());
                    checked.set(None);
                    on_imported.run(saved.version);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            leptos::task::spawn_local(async move {
                if let Some((name, body)) = read_file(input).await {
                    format.set(RulesFormat::from_path(&name));
                    text.set(body);
                    reset();
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let ready = move || {
        checked.with(|c| {
            c.as_ref()
                .is_some_and(|v| v.is_valid() && !v.rules.is_empty())
        })
    };
    view! {
        <details class="import-panel">
            <summary>"Import a rule set"</summary>
            <div class="field">
                <label for="import-file">"From a file (.yaml, .yml, .json)"</label>
                <input id="import-file" type="file" accept=".yaml,.yml,.json" on:change=on_file disabled=move || !live.get()/>
            </div>
            <div class="field wide">
                <label for="import-text">"Or paste DQX rules"</label>
                <textarea id="import-text" class="mono" rows="10" spellcheck="false" disabled=move || !live.get()
                    prop:value=move || text.get() on:input=move |ev| { text.set(event_target_value(&ev)); reset(); }></textarea>
            </div>
            <label class="inline">"Format "
                <select disabled=move || !live.get() prop:value=move || if format.get() == RulesFormat::Json { "json" } else { "yaml" }
                    on:change=move |ev| { format.set(if event_target_value(&ev) == "json" { RulesFormat::Json } else { RulesFormat::Yaml }); reset(); }>
                    <option value="yaml">"YAML"</option>
                    <option value="json">"JSON"</option>
                </select>
            </label>
            " "
            <button type="button" class="secondary" on:click=check disabled=move || !live.get() || busy.get() || text.with(|t| t.trim().is_empty())>"Check"</button>
            " "
            <button type="button" class="primary" on:click=import disabled=move || busy.get() || !ready()>"Import as a new version"</button>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            {move || checked.get().map(|v| {
                let count = v.rules.len();
                if v.problems.is_empty() {
                    view! { <p class="notice" role="status">{format!("{count} rules, valid. Nothing is saved until you import.")}</p> }.into_any()
                } else {
                    view! {
                        <ul class="text-problems" role="status">
                            {v.problems.iter().map(|p| {
                                let class = if p.severity == Severity::Error { "field-error" } else { "field-warning" };
                                view! { <li class=class>{p.located()}</li> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            })}
        </details>
    }
}
