//! "Why do rows fail?" under a finished validation: asks `triage_run` for the run and shows, per
//! failing rule, the segments where its failures concentrate in words ("100% of currency_is_null
//! failures have order_ts on 2024-03-14; 0.1% of passing rows do") and whether they cluster in
//! time. Computed as the user, where the data is; nothing is shown until asked.

use super::triage_api::triage_run;
use crate::model::error::ApiError;
use crate::model::triage::{RuleTriage, Triage};
use crate::ui::format::{count, percent};
use crate::ui::notice::ErrorNotice;
use leptos::prelude::*;

/// One rule's findings in sentences.
fn findings(rule: &RuleTriage) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = &rule.in_time {
        out.push(format!(
            "Failures cluster in time: {} of them have {} on {}; {} of passing rows do.",
            percent(t.failing_share * 100.0),
            t.column,
            t.buckets.join(" or "),
            percent(t.passing_share * 100.0)
        ));
    }
    for s in &rule.segments {
        out.push(format!(
            "{} of {} failures have {}; {} of passing rows do ({} rows, {:.1}× as likely).",
            percent(s.failing_share * 100.0),
            rule.rule_name,
            s.label(),
            percent(s.passing_share * 100.0),
            count(s.rows),
            s.lift
        ));
    }
    if out.is_empty() {
        out.push(match &rule.note {
            Some(note) => format!("{}.", note.trim_end_matches('.')),
            None => "No strong segment: the failures spread across the data like the passing rows (random defects rather than one source).".into(),
        });
    }
    out
}

/// The button and, once asked, the findings: for every failing rule, or the one picked.
#[component]
pub fn TriagePanel(
    run_id: String,
    /// The run's failing rules, most failing first or as listed.
    failing_rules: Vec<String>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let triage: RwSignal<Option<Triage>> = RwSignal::new(None);
    let run_id = StoredValue::new(run_id);
    let picked = RwSignal::new(String::new());
    let ask = move |_| {
        busy.set(true);
        error.set(None);
        let id = run_id.get_value();
        let rule = Some(picked.get_untracked()).filter(|r| !r.is_empty());
        leptos::task::spawn_local(async move {
            match triage_run(id, rule).await {
                Ok(t) => triage.set(Some(t)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="triage" aria-labelledby="triage-heading">
            <h4 id="triage-heading">"Why do rows fail?"</h4>
            {(failing_rules.len() > 1).then(|| view! {
                <label class="inline">
                    "For "
                    <select prop:value=move || picked.get() on:change=move |ev| picked.set(event_target_value(&ev))>
                        <option value="">{format!("every failing rule ({})", failing_rules.len())}</option>
                        {failing_rules.iter().map(|r| view! { <option value=r.clone()>{r.clone()}</option> }).collect_view()}
                    </select>
                </label>
            })}
            " "
            <button type="button" class="secondary" on:click=ask disabled=move || busy.get()>
                {move || if busy.get() { "Looking for patterns…" } else { "Find where failures concentrate" }}
            </button>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            {move || triage.get().map(|t| {
                let rules = t.rules.iter().map(|r| {
                    let lines = findings(r).into_iter().map(|l| view! { <li>{l}</li> }).collect_view();
                    view! {
                        <div class="triage-rule">
                            <h5 class="mono">{r.rule_name.clone()}</h5>
                            <ul aria-label=format!("Findings for {}", r.rule_name)>{lines}</ul>
                        </div>
                    }
                }).collect_view();
                view! {
                    <p class="muted">{format!("Looked at {} rows, as you.", count(t.rows))}</p>
                    {t.summary.clone().map(|s| view! { <p class="triage-summary"><strong>"In short (written by the model from these figures): "</strong>{s}</p> })}
                    {rules}
                }
            })}
        </section>
    }
}
