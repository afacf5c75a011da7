//! The Generate page, a guided flow whose steps stay visible once done: 1 the table and a preview,
//! 2 the prompt and Generate (with progress), 3 review and edit the rules beside the column
//! profile, 4 analyse, 5 validate and read the results, 6 save as a new version. `?version=N` opens a saved
//! version in the editor. The table and the runs are in the URL
//! (`?table=…&generation=…&validation=…`), and edits are kept as a draft, so reloading or
//! navigating back loses nothing.

use super::api::start_generation;
use super::profile_panel::ProfilePanel;
use crate::features::analysis::view::AnalysisStep;
use crate::features::catalog::api::{describe_table, sample_table};
use crate::features::catalog::selection::Selection;
use crate::features::catalog::table_form::TableNameForm;
use crate::features::editor::draft::{self, Draft};
use crate::features::editor::state::Editor;
use crate::features::editor::view::RuleEditor;
use crate::features::history::api::get_rule_set;
use crate::features::history::save::SaveStep;
use crate::features::validate::step::ValidateStep;
use crate::features::workflow::watch::RunWatch;
use crate::links::{generate_href, table_href};
use crate::model::error::ErrorKind;
use crate::model::runs::{DEFAULT_GENERATION_SAMPLE, MAX_PROMPT_CHARS, RunState};
use crate::ui::data_grid::DataGrid;
use crate::ui::format::count;
use crate::ui::notice::{ErrorNotice, Loading};
use crate::ui::progress::RunProgress;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Prompts offered as examples.
const EXAMPLES: &[&str] = &[
    "emails must be valid and customer ids unique",
    "no negative amounts; status is one of new, paid, shipped, delivered, cancelled",
    "dates not in the future, warn only",
];

/// Rows shown in the step-1 preview.
const PREVIEW_ROWS: u32 = 10;

/// The page.
#[component]
pub fn GeneratePage() -> impl IntoView {
    let query = use_query_map();
    let selection = Memo::new(move |_| query.with(|q| Selection::from_params(|k| q.get(k))));
    let table = Memo::new(move |_| selection.with(|s| s.table.clone()));
    view! {
        <h1>"Generate rules"</h1>
        <p class="lead">"Pick a table, say in plain words what good data means, then review, edit and validate the rules."</p>
        {move || match table.get() {
            None => view! { <PickTable selection/> }.into_any(),
            Some(name) => view! { <Workflow table=name/> }.into_any(),
        }}
    }
}

/// Step 1 without a table: a name box and a link to the browser.
#[component]
fn PickTable(selection: Memo<Selection>) -> impl IntoView {
    view! {
        <section class="step" aria-labelledby="step-table">
            <h2 id="step-table"><span class="step-number">"1"</span>"Table"</h2>
            <TableNameForm action="/generate" id="generate-table" button="Use table" selection/>
            <p>"Or " <a href="/">"browse the tables you may read"</a> " and choose \u{201c}Generate rules\u{201d} on one."</p>
        </section>
        <section class="step unreachable"><h2><span class="step-number">"2"</span>"Describe good data"</h2><p class="muted">"Pick a table first."</p></section>
        <section class="step unreachable"><h2><span class="step-number">"3"</span>"Review and edit rules"</h2><p class="muted">"Pick a table first."</p></section>
        <section class="step unreachable"><h2><span class="step-number">"4"</span>"Validate"</h2><p class="muted">"Pick a table first."</p></section>
    }
}

/// Steps 1–4 for a chosen table.
#[component]
fn Workflow(table: String) -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let editor = Editor::new();
    let generation = RunWatch::new();
    let validation = RunWatch::new();
    let hydrated = RwSignal::new(false);
    let loaded_run: RwSignal<Option<String>> = RwSignal::new(None);
    let table_name = StoredValue::new(table.clone());
    let table_signal = Signal::derive(move || table_name.get_value());
    let prompt = RwSignal::new(String::new());
    let analysis: RwSignal<Option<crate::model::analysis::Analysis>> = RwSignal::new(None);
    // Which rules (by fingerprint) the analysis and the validation on screen looked at.
    let analysed: RwSignal<Option<u64>> = RwSignal::new(None);
    let validated: RwSignal<Option<u64>> = RwSignal::new(None);
    // An analysis of other rules than those saved is not kept with them.
    let ai_summary = Signal::derive(move || {
        let fresh = analysed.get() == Some(editor.fingerprint());
        analysis
            .get()
            .filter(|_| fresh)
            .and_then(|a| serde_json::to_value(a).ok())
    });
    let validation_run = Signal::derive(move || {
        validation.status.with(|s| {
            s.as_ref()
                .filter(|s| s.validation.is_some())
                .map(|s| s.summary.run_id.clone())
        })
    });
    let saved_prompt = Signal::derive(move || {
        let p = prompt.get();
        (!p.trim().is_empty()).then_some(p)
    });

    let description = Resource::new(move || table_name.get_value(), describe_table);
    Effect::new(move |_| {
        if let Some(Ok(d)) = description.get() {
            editor
                .columns
                .set(Some(d.columns.into_iter().map(|c| c.name).collect()));
        }
    });

    // On the client, once: restore the draft, and follow the runs named in the URL.
    Effect::new(move |_| {
        hydrated.set(true);
        let params = query.get_untracked();
        let run_in_url = params.get("generation");
        let table = table_name.get_value();
        if let Some(saved) = draft::load(&table) {
            loaded_run.set(saved.run_id.clone());
            editor.load(saved.rules, saved.dirty);
            if let Some(p) = saved.prompt {
                prompt.set(p);
            }
            validated.set(saved.validated);
        }
        // A prompt in the link (health's "write a rule for this") is what the user came for.
        if let Some(p) = params.get("prompt").filter(|p| !p.trim().is_empty()) {
            prompt.set(p);
        }
        if let Some(version) = params.get("version").and_then(|v| v.parse::<i32>().ok()) {
            let table = table.clone();
            leptos::task::spawn_local(async move {
                match get_rule_set(table, Some(version)).await {
                    Ok(set) => {
                        if let Some(p) = set.summary.user_prompt.clone() {
                            prompt.set(p);
                        }
                        loaded_run.set(None);
                        editor.load(set.rules, false);
                    }
                    Err(e) => generation.error.set(Some(e)),
                }
            });
        } else if let Some(id) = run_in_url {
            generation.follow(id);
        }
        if let Some(id) = params.get("validation") {
            validation.follow(id);
        }
    });

    // A completed generation fills the editor, once per run.
    Effect::new(move |_| {
        let Some(status) = generation.status.get() else {
            return;
        };
        let Some(result) = status.generation else {
            return;
        };
        if loaded_run.get_untracked().as_deref() == Some(status.summary.run_id.as_str()) {
            return;
        }
        loaded_run.set(Some(status.summary.run_id.clone()));
        if prompt.get_untracked().trim().is_empty() {
            prompt.set(result.user_prompt.clone());
        }
        editor.load(result.rules, false);
    });

    // Every change is kept as the table's draft.
    Effect::new(move |_| {
        let rules = editor
            .entries
            .with(|e| e.iter().map(|x| x.rule.clone()).collect());
        let dirty = editor.dirty.get();
        let typed = prompt.get();
        let validated = validated.get();
        if !hydrated.get_untracked() {
            return;
        }
        draft::save(
            &table_name.get_value(),
            &Draft {
                run_id: loaded_run.get_untracked(),
                rules,
                dirty,
                prompt: (!typed.trim().is_empty()).then_some(typed),
                validated,
            },
        );
    });

    // Warn before leaving the page with edits that were not downloaded.
    Effect::new(move |_| {
        let _ = window_event_listener(leptos::ev::beforeunload, move |ev| {
            if editor.dirty.try_get_untracked().unwrap_or(false) {
                ev.prevent_default();
            }
        });
    });

    let set_url = StoredValue::new(
        move |generation_id: Option<String>, validation_id: Option<String>| {
            let params = query.get_untracked();
            let generation_id = generation_id.or_else(|| params.get("generation"));
            let validation_id = validation_id.or_else(|| params.get("validation"));
            let url = generate_href(
                &table_name.get_value(),
                generation_id.as_deref(),
                validation_id.as_deref(),
            );
            navigate(
                &url,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            );
        },
    );

    view! {
        <TableStep table=table.clone() description/>
        // A table the caller may not read: its one error is in step 1, and no step offers what
        // they cannot do.
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                if let Err(error) = description.await
                    && matches!(error.kind, ErrorKind::PermissionDenied | ErrorKind::NotFound | ErrorKind::Unauthorized)
                {
                    return view! { <p class="muted">"Pick a table you may read to go on."</p> }.into_any();
                }
                let table = table_name.get_value();
                view! {
                    <PromptStep table=table.clone() editor generation hydrated prompt on_started=Callback::new(move |id: String| set_url.with_value(|f| f(Some(id), None)))/>
                    <section class="step" aria-labelledby="step-rules">
                        <h2 id="step-rules"><span class="step-number">"3"</span>"Review and edit rules"</h2>
                        {move || generation.status.get().and_then(|s| s.generation).map(|g| view! {
                            <div class="generation-summary">
                                <p>{g.summary.clone()} " " <span class="tag">{g.metadata.generator.clone()}</span></p>
                                <ProfilePanel columns=g.column_stats.clone() rows=g.metadata.row_count/>
                            </div>
                        })}
                        <RuleEditor editor table=table_signal/>
                        <crate::features::editor::instruct::InstructionBox editor table=table_signal hydrated/>
                        // What the prompt reader could not use, under the rules, so the user can rephrase.
                        {move || generation.status.get().and_then(|s| s.generation).filter(|g| !g.prompt_notes.is_empty()).map(|g| view! {
                            <ul class="prompt-notes" aria-label="Prompt notes">{g.prompt_notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul>
                        })}
                    </section>
                    <AnalysisStep table=table_signal editor prompt=saved_prompt validation_run hydrated analysis analysed/>
                    <ValidateStep table=table_signal editor watch=validation hydrated validated
                        on_started=Callback::new(move |id: String| set_url.with_value(|f| f(None, Some(id))))/>
                    <SaveStep table=table_signal editor prompt=saved_prompt ai_summary hydrated/>
                }.into_any()
            })}
        </Suspense>
    }
}

/// Step 1: the table, its size, and a few rows.
#[component]
fn TableStep(
    table: String,
    description: Resource<
        Result<crate::model::catalog::TableDescription, crate::model::error::ApiError>,
    >,
) -> impl IntoView {
    let for_sample = table.clone();
    let sample = Resource::new(
        move || for_sample.clone(),
        |t| sample_table(t, Some(PREVIEW_ROWS)),
    );
    let browse = table_href(&table);
    view! {
        <section class="step done" aria-labelledby="step-table">
            <h2 id="step-table"><span class="step-number">"1"</span>"Table"</h2>
            <p class="table-meta">
                <strong class="mono">{table.clone()}</strong>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let text = description.await.ok().map(|d| {
                            let rows = d.row_count.map(|n| format!("{} rows", count(n))).unwrap_or_else(|| "row count unknown".into());
                            format!(" · {} · {} columns", rows, d.columns.len())
                        }).unwrap_or_default();
                        view! { <span>{text}</span> }
                    })}
                </Suspense>
                <span>" · "</span>
                <a href=browse>"Change table"</a>
            </p>
            <crate::features::registry::view::InheritedRules table=table.clone()/>
            <Suspense fallback=|| view! { <Loading what="Reading the table…"/> }>
                {move || Suspend::new(async move {
                    match description.await {
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        Ok(_) => match sample.await {
                            Err(error) => view! { <ErrorNotice error/> }.into_any(),
                            Ok(s) => {
                                let caption = format!("First {} rows of {}", s.rows.len(), s.table);
                                view! {
                                    <details class="preview-rows">
                                        <summary>{format!("Preview ({} rows)", s.rows.len())}</summary>
                                        <DataGrid caption columns=s.columns rows=s.rows/>
                                    </details>
                                }.into_any()
                            }
                        },
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Step 2: the prompt, the sample size, Generate, and the run's progress.
/// The value of the server-rendered field `id`, when something was typed into it.
#[cfg(feature = "hydrate")]
fn typed_before_hydration(id: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    let element = document().get_element_by_id(id)?;
    let value = if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.value()
    } else {
        element.dyn_ref::<web_sys::HtmlInputElement>()?.value()
    };
    let initial = element.get_attribute("value").unwrap_or_default();
    (!value.is_empty() && value != initial).then_some(value)
}

#[component]
fn PromptStep(
    table: String,
    editor: Editor,
    generation: RunWatch,
    hydrated: RwSignal<bool>,
    prompt: RwSignal<String>,
    on_started: Callback<String>,
) -> impl IntoView {
    let sample = RwSignal::new(DEFAULT_GENERATION_SAMPLE.to_string());
    // What was typed into the server-rendered page before it came alive is kept, not reset.
    #[cfg(feature = "hydrate")]
    {
        if let Some(typed) = typed_before_hydration("prompt") {
            prompt.set(typed);
        }
        if let Some(typed) = typed_before_hydration("sample-size") {
            sample.set(typed);
        }
    }
    let local_error: RwSignal<Option<String>> = RwSignal::new(None);
    let table = StoredValue::new(table);
    let generate = move |_| {
        local_error.set(None);
        let text = prompt.get_untracked();
        if text.trim().is_empty() {
            local_error.set(Some(
                "Describe what good data means first, for example one of the examples above."
                    .into(),
            ));
            return;
        }
        let limit = match sample
            .get_untracked()
            .trim()
            .replace(',', "")
            .parse::<u64>()
        {
            Ok(n) => n,
            Err(_) => {
                local_error.set(Some(
                    "The sample size must be a whole number of rows.".into(),
                ));
                return;
            }
        };
        if editor.dirty.get_untracked() {
            let replace = window()
                .confirm_with_message("Generating replaces the rules you edited. Continue?")
                .unwrap_or(false);
            if !replace {
                return;
            }
        }
        generation.start(
            start_generation(table.get_value(), text, Some(limit), None),
            move |id| on_started.run(id),
        );
    };
    let state = move || {
        generation
            .status
            .with(|s| s.as_ref().map(|s| s.summary.state))
    };
    let examples = EXAMPLES
        .iter()
        .map(|e| {
            let text = e.to_string();
            view! { <li><button type="button" class="link" on:click=move |_| prompt.set(text.clone())>{*e}</button></li> }
        })
        .collect_view();
    view! {
        <section class="step" aria-labelledby="step-prompt">
            <h2 id="step-prompt"><span class="step-number">"2"</span>"Describe good data"</h2>
            <div class="field wide">
                <label for="prompt">"What must be true of this table's data?"</label>
                <textarea id="prompt" rows="3" maxlength=MAX_PROMPT_CHARS.to_string()
                    placeholder="e.g. emails must be valid and customer ids unique" disabled=move || !hydrated.get()
                    prop:value=move || prompt.get() on:input=move |ev| prompt.set(event_target_value(&ev))></textarea>
            </div>
            <div class="examples">
                <span class="muted">"Examples: "</span>
                <ul class="inline-list">{examples}</ul>
            </div>
            <div class="field">
                <label for="sample-size">"Rows to profile"</label>
                <input id="sample-size" type="number" min="10" step="1000" disabled=move || !hydrated.get() prop:value=move || sample.get() on:input=move |ev| sample.set(event_target_value(&ev))/>
            </div>
            <button type="button" class="primary" on:click=generate
                disabled=move || !hydrated.get() || generation.busy.get()>
                "Generate rules"
            </button>
            {move || local_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            {move || generation.error.get().map(|error| view! { <ErrorNotice error/> })}
            <Show when=move || generation.busy.get()>
                <RunProgress status=generation.status what="Generating rules" on_cancel=Callback::new(move |_| generation.cancel()) canceling=generation.canceling/>
            </Show>
            {move || match state() {
                Some(RunState::Failed) => Some(view! {
                    <div class="notice error" role="alert"><strong>"Generation failed"</strong>" "
                        {generation.status.with(|s| s.as_ref().and_then(|s| s.summary.message.clone()))}
                        " Your rules were not changed."</div>
                }.into_any()),
                Some(RunState::Canceled) => Some(view! {
                    <p class="notice" role="status">"Generation canceled. Your rules were not changed."</p>
                }.into_any()),
                _ => None,
            }}
        </section>
    }
}
