//! Progress of a run: what is happening (phase), for how long, how far (a bar when the total is
//! known, an indeterminate one otherwise), and how to stop it. Changes are announced politely.

use crate::model::runs::RunStatus;
use crate::ui::format::{duration, group_thousands};
use leptos::prelude::*;

/// The progress panel of a run that has not ended.
#[component]
pub fn RunProgress(
    #[prop(into)] status: Signal<Option<RunStatus>>,
    #[prop(into)] what: String,
    on_cancel: Callback<()>,
    #[prop(into)] canceling: Signal<bool>,
) -> impl IntoView {
    let phase = move || {
        status.with(|s| {
            s.as_ref()
                .map(|s| s.phase.clone())
                .unwrap_or_else(|| "starting".into())
        })
    };
    let elapsed = move || {
        status.with(|s| {
            s.as_ref()
                .map(|s| duration(s.summary.elapsed_ms))
                .unwrap_or_default()
        })
    };
    let fraction = move || {
        status.with(|s| {
            let p = s.as_ref()?.progress.as_ref()?;
            let total = p.total.filter(|t| *t > 0)?;
            Some((p.done.min(total), total, p.unit.clone()))
        })
    };
    view! {
        <div class="run-progress" role="status" aria-live="polite">
            <p class="run-phase">
                <strong>{what}</strong>
                ": "
                <span>{phase}</span>
                " · "
                <span class="elapsed">{elapsed}</span>
            </p>
            {move || match fraction() {
                Some((done, total, unit)) => view! {
                    <progress max=total.to_string() value=done.to_string()></progress>
                    <span class="progress-count">
                        {format!("{} of {} {unit}", group_thousands(&done.to_string()), group_thousands(&total.to_string()))}
                    </span>
                }.into_any(),
                None => view! { <progress aria-label="working"></progress> }.into_any(),
            }}
            <button type="button" class="secondary" on:click=move |_| on_cancel.run(()) disabled=move || canceling.get()>
                {move || if canceling.get() { "Canceling…" } else { "Cancel" }}
            </button>
        </div>
    }
}
