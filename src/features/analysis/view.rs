//! The workflow's analysis step: "Analyse N rules" → progress (can be canceled) → score gauge,
//! summary, strengths, coverage, recommendations (those with a concrete rule get "Add rule", which
//! inserts it into the editor), and per-rule notes shown next to the rules. Offline analyses are
//! labelled as such.

use super::api::analyze_rules;
use super::gauge::ScoreGauge;
use crate::features::editor::state::Editor;
use crate::model::analysis::Analysis;
use crate::model::error::ApiError;
use crate::ui::notice::{ErrorNotice, Loading, StaleNotice};
use leptos::prelude::*;

/// Step 4.
#[component]
pub fn AnalysisStep(
    #[prop(into)] table: Signal<String>,
    editor: Editor,
    #[prop(into)] prompt: Signal<Option<String>>,
    #[prop(into)] validation_run: Signal<Option<String>>,
    analysis: RwSignal<Option<Analysis>>,
    /// The fingerprint of the rules the analysis on screen looked at (set when one starts).
    analysed: RwSignal<Option<u64>>,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let attempt = StoredValue::new(0u64);
    let added = RwSignal::new(Vec::<usize>::new());
    let start = move || {
        analysed.set(Some(editor.fingerprint()));
        let n = attempt.get_value() + 1;
        attempt.set_value(n);
        busy.set(true);
        error.set(None);
        added.set(Vec::new());
        let rules = editor.rules();
        let (table, prompt, run) = (
            table.get_untracked(),
            prompt.get_untracked(),
            validation_run.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            let reply = analyze_rules(table, rules, prompt, run).await;
            if attempt.get_value() != n {
                return; // canceled or superseded
            }
            match reply {
                Ok(a) => {
                    editor.notes.set(
                        a.rule_analysis
                            .iter()
                            .map(|r| (r.rule_name.clone(), r.explanation.clone()))
                            .collect(),
                    );
                    analysis.set(Some(a));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let cancel = move |_| {
        attempt.set_value(attempt.get_value() + 1);
        busy.set(false);
    };
    let label = move || match editor.len() {
        1 => "Analyse 1 rule".to_string(),
        n => format!("Analyse {n} rules"),
    };
    view! {
        <section class="step" aria-labelledby="step-analysis">
            <h2 id="step-analysis"><span class="step-number">"4"</span>"Analyse"</h2>
            <p class="muted">"An assessment of the rules against the table's columns, profile, your prompt and the last validation."</p>
            <button type="button" class="primary" on:click=move |_| start() disabled=move || !hydrated.get() || busy.get() || editor.is_empty()>{label}</button>
            {move || editor.is_empty().then(|| view! { <p class="muted">"Generate or add rules first."</p> })}
            <Show when=move || busy.get()>
                <div class="run-progress">
                    <Loading what="Analysing the rules…"/>
                    <button type="button" class="secondary" on:click=cancel>"Cancel"</button>
                </div>
            </Show>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            {move || analysis.get().map(|a| {
                let stale = move || analysed.get().is_some_and(|v| v != editor.fingerprint());
                view! {
                    <Show when=move || stale() && !busy.get()>
                        <StaleNotice what="analysis" action="Analyse again"
                            on_rerun=Callback::new(move |_| start())
                            disabled=Signal::derive(move || !hydrated.get() || busy.get() || editor.is_empty())/>
                    </Show>
                    <div class:stale-results=stale><AnalysisPanel analysis=a editor added/></div>
                }
            })}
        </section>
    }
}

#[component]
fn AnalysisPanel(analysis: Analysis, editor: Editor, added: RwSignal<Vec<usize>>) -> impl IntoView {
    let badge = if analysis.offline {
        "tag offline"
    } else {
        "tag"
    };
    let strengths = analysis
        .strengths
        .iter()
        .map(|s| view! { <li>{s.clone()}</li> })
        .collect_view();
    let recommendations = analysis
        .recommendations
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let rule = r.rule.clone();
            let button = rule.map(|rule| {
                let rule = StoredValue::new(rule);
                view! {
                    <button type="button" class="secondary" disabled=move || added.with(|a| a.contains(&i))
                        on:click=move |_| { editor.append(rule.get_value()); added.update(|a| a.push(i)); }>
                        {move || if added.with(|a| a.contains(&i)) { "Added" } else { "Add rule" }}
                    </button>
                }
            });
            view! { <li><span>{r.text.clone()}</span>" "{button}</li> }
        })
        .collect_view();
    view! {
        <div class="analysis" aria-live="polite">
            <div class="analysis-head">
                <ScoreGauge score=analysis.overall_quality_score/>
                <div>
                    <p><span class=badge>{analysis.assistant.clone()}</span></p>
                    <p class="analysis-summary">{analysis.summary.clone()}</p>
                    <p class="muted">{analysis.coverage_assessment.clone()}</p>
                </div>
            </div>
            {analysis.note.clone().map(|n| view! { <p class="notice">{n}</p> })}
            {(!analysis.strengths.is_empty()).then(|| view! { <h3>"Strengths"</h3><ul>{strengths}</ul> })}
            <h3>"Recommendations"</h3>
            {if analysis.recommendations.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! { <ul class="recommendations">{recommendations}</ul> }.into_any()
            }}
            {analysis.raw_reply.clone().map(|r| view! { <details open><summary>"The model's reply, as text"</summary><pre class="rules-text">{r}</pre></details> })}
        </div>
    }
}
