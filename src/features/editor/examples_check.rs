//! The editor's examples check: whenever the rules change and are valid, their examples run (a
//! moment after the last change, so typing is not a run per key) and the editor says whether
//! each gets the verdict its rule promises, naming the ones that do not — submit refuses those.

use super::examples_api::run_examples;
use super::state::Editor;
use crate::model::error::ApiError;
use crate::model::examples::ExampleRun;
use crate::ui::notice::ErrorNotice;
use leptos::prelude::*;

/// Quiet time after the last change before the examples run.
const SETTLE_MS: u64 = 700;

/// Whether any rule carries examples.
fn carries_examples(editor: &Editor) -> bool {
    editor.entries.with(|e| {
        e.iter()
            .any(|x| x.rule.pointer("/user_metadata/examples").is_some())
    })
}

/// What the check says, in words.
fn summary(run: &ExampleRun) -> String {
    let ran = run.ran();
    if run.wrong == 0 {
        format!(
            "{} the verdict {} rule promises, on {}.",
            match ran {
                1 => "The example gets".to_string(),
                n => format!("All {n} examples get"),
            },
            if ran == 1 { "its" } else { "their" },
            run.ran_on
        )
    } else {
        format!(
            "{} of {ran} {} the wrong verdict, on {}: submit for review is refused until {} fixed.",
            crate::model::words::plural(run.wrong, "example"),
            if run.wrong == 1 { "gives" } else { "give" },
            run.ran_on,
            if run.wrong == 1 { "it is" } else { "they are" }
        )
    }
}

/// The check, under the rules.
#[component]
pub fn ExamplesCheck(editor: Editor, #[prop(into)] table: Signal<String>) -> impl IntoView {
    let outcome: RwSignal<Option<Result<ExampleRun, ApiError>>> = RwSignal::new(None);
    let running = RwSignal::new(false);
    let ticket = StoredValue::new(0u64);
    let has_examples = Memo::new(move |_| carries_examples(&editor));
    // Effects run in the browser only: the server renders nothing here.
    Effect::new(move |_| {
        editor.fingerprint();
        let table = table.get();
        let valid = editor.validation.with(|v| v.errors().next().is_none());
        let mine = ticket.get_value() + 1;
        ticket.set_value(mine);
        if !has_examples.get() || !valid || table.trim().is_empty() {
            outcome.set(None);
            return;
        }
        let rules = editor.rules();
        leptos::task::spawn_local(async move {
            crate::ui::timer::sleep(SETTLE_MS).await;
            if ticket.get_value() != mine {
                return;
            }
            running.set(true);
            let got = run_examples(table, rules).await;
            if ticket.get_value() == mine {
                outcome.set(Some(got));
                running.set(false);
            }
        });
    });
    view! {
        <Show when=move || has_examples.get()>
            <section class="examples-check" aria-labelledby="examples-check-heading">
                <h3 id="examples-check-heading">"Examples"</h3>
                <div role="status" aria-live="polite">
                    {move || {
                        if running.get() {
                            return view! { <p class="muted">"Running the rules' examples…"</p> }.into_any();
                        }
                        match outcome.get() {
                            None => view! { <p class="muted">"The examples run once the rules are valid."</p> }.into_any(),
                            Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
                            Some(Ok(run)) => {
                                let class = if run.wrong == 0 { "notice" } else { "field-error" };
                                let wrong = run.wrong_ones().into_iter().map(|w| view! { <li>{w}</li> }).collect_view();
                                let broken = run.rules.iter().filter_map(|r| r.error.clone().map(|e| view! {
                                    <li>{format!("the examples of {} could not run: {e}", r.rule_name)}</li>
                                })).collect_view();
                                view! {
                                    <p class=class>{summary(&run)}</p>
                                    <ul class="examples-wrong">{wrong}{broken}</ul>
                                }.into_any()
                            }
                        }
                    }}
                </div>
            </section>
        </Show>
    }
}
