//! The version's examples on the review page: each rule's "pass" and "fail" rows and the verdict
//! the rule gives them (run as the reviewer on the embedded engine, no table's data read), wrong
//! ones first, so a reviewer sees what each rule was written to catch and that it does.

use crate::features::editor::examples_api::run_examples;
use crate::model::examples::ExampleRun;
use crate::ui::notice::ErrorNotice;
use leptos::prelude::*;
use serde_json::Value;

/// One line per example.
fn lines(run: &ExampleRun) -> Vec<(String, String, String, String, bool)> {
    let mut out = Vec::new();
    for rule in &run.rules {
        for e in &rule.examples {
            out.push((
                rule.rule_name.clone(),
                Value::Object(e.row.clone()).to_string(),
                e.expected.clone(),
                e.verdicts().unwrap_or_else(|| {
                    rule.error
                        .clone()
                        .map_or("not run".into(), |why| format!("not run: {why}"))
                }),
                e.is_wrong(),
            ));
        }
        if rule.examples.is_empty()
            && let Some(why) = &rule.error
        {
            out.push((
                rule.rule_name.clone(),
                String::new(),
                String::new(),
                why.clone(),
                true,
            ));
        }
    }
    out.sort_by_key(|l| !l.4);
    out
}

/// The examples section.
#[component]
pub fn VersionExamples(table: String, rules: Vec<Value>) -> impl IntoView {
    let ran = Resource::new(
        move || (table.clone(), rules.clone()),
        |(t, r)| run_examples(t, r),
    );
    view! {
        <section aria-labelledby="examples-heading">
            <h3 id="examples-heading">"Examples"</h3>
            <Suspense fallback=|| view! { <p class="muted">"Running the rules' examples…"</p> }>
                {move || Suspend::new(async move {
                    match ran.await {
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        Ok(run) if run.rules.is_empty() => view! {
                            <p class="muted">"No rule of this version carries examples."</p>
                        }.into_any(),
                        Ok(run) => {
                            let summary = if run.wrong == 0 {
                                "Every example gets the verdict its rule promises.".to_string()
                            } else {
                                format!("{} gave the wrong verdict: this version cannot be submitted as it is.", crate::model::words::plural(run.wrong, "example"))
                            };
                            let rows = lines(&run).into_iter().map(|(rule, row, expected, got, wrong)| view! {
                                <tr class:bad=wrong>
                                    <th scope="row" class="mono">{rule}</th>
                                    <td class="mono">{row}</td>
                                    <td>{expected}</td>
                                    <td>{got}</td>
                                </tr>
                            }).collect_view();
                            view! {
                                <p role="status">{summary}</p>
                                <p class="muted">{format!("Run on {}, over the examples' own rows: no table's data is read.", run.ran_on)}</p>
                                <div class="grid-scroll">
                                    <table class="data-grid">
                                        <caption>"Examples and their verdicts"</caption>
                                        <thead><tr><th scope="col">"Rule"</th><th scope="col">"Row"</th><th scope="col">"Must"</th><th scope="col">"Gets"</th></tr></thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
