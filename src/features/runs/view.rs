//! The Runs page (the caller's recent runs: kind, table, state, started, duration) and one run's
//! page with its result. Both render on the server.

use crate::features::validate::results::ValidationResults;
use crate::features::workflow::api::{list_runs, run_status};
use crate::links::{generate_href, review_href, run_href};
use crate::model::rules::{RulesFormat, rules_to_text};
use crate::model::runs::{RunKind, RunState, RunSummary};
use crate::ui::format::duration;
use crate::ui::notice::{Empty, ErrorNotice, Loading};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

fn state_class(state: RunState) -> &'static str {
    match state {
        RunState::Completed => "pass",
        RunState::Failed => "fail",
        RunState::Canceled => "warn",
        RunState::Pending | RunState::Running => "running",
    }
}

fn run_row(run: RunSummary) -> impl IntoView {
    let href = run_href(&run.run_id);
    view! {
        <tr>
            <th scope="row"><a href=href>{run.kind.label()}</a></th>
            <td class="mono">{run.table_name.clone()}</td>
            <td><span class=format!("status {}", state_class(run.state))>{run.state.label()}</span></td>
            <td>{crate::ui::format::when(&run.started_at)}</td>
            <td class="num">{duration(run.elapsed_ms)}</td>
            <td>{run.message.clone().unwrap_or_default()}</td>
        </tr>
    }
}

/// The caller's recent runs.
#[component]
pub fn RunsPage() -> impl IntoView {
    let runs = Resource::new(|| (), |_| list_runs());
    view! {
        <h1>"Runs"</h1>
        <p class="lead">"Your recent generation and validation runs. Other users' runs are not shown."</p>
        <Suspense fallback=|| view! { <Loading what="Loading your runs…"/> }>
            {move || Suspend::new(async move {
                match runs.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <Empty message="No runs yet. Generate or validate rules on the Generate page."/>
                    }.into_any(),
                    Ok(list) => view! {
                        <div class="grid-scroll">
                            <table class="data-grid runs">
                                <caption class="visually-hidden">"Your runs"</caption>
                                <thead><tr>
                                    <th scope="col">"Kind"</th><th scope="col">"Table"</th><th scope="col">"State"</th>
                                    <th scope="col">"Started"</th><th scope="col" class="num">"Duration"</th><th scope="col">"Message"</th>
                                </tr></thead>
                                <tbody>{list.into_iter().map(run_row).collect_view()}</tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One run and its result.
#[component]
pub fn RunPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let status = Resource::new(id, run_status);
    view! {
        <p><a href="/runs">"← All runs"</a></p>
        <Suspense fallback=|| view! { <Loading what="Loading the run…"/> }>
            {move || Suspend::new(async move {
                match status.await {
                    Err(error) => view! { <h1>"Run"</h1><ErrorNotice error/> }.into_any(),
                    Ok(s) => {
                        let summary = s.summary.clone();
                        let open = match summary.kind {
                            RunKind::Generation => generate_href(&summary.table_name, Some(&summary.run_id), None),
                            RunKind::Validation => generate_href(&summary.table_name, None, Some(&summary.run_id)),
                            RunKind::Impact => review_href(&summary.table_name, s.rule_set_version),
                        };
                        let rules_text = s.generation.as_ref().and_then(|g| {
                            rules_to_text(&serde_json::Value::Array(g.rules.clone()), RulesFormat::Yaml).ok()
                        });
                        view! {
                            <h1>{format!("{} of {}", summary.kind.label(), summary.table_name)}</h1>
                            <p class="table-meta">
                                <span class=format!("status {}", state_class(summary.state))>{summary.state.label()}</span>
                                " · started " {crate::ui::format::when(&summary.started_at)} " · " {duration(summary.elapsed_ms)}
                                " · " <a href=open>"Open on the Generate page"</a>
                            </p>
                            {summary.message.clone().map(|m| view! { <p class="notice">{m}</p> })}
                            {(!summary.state.is_terminal()).then(|| view! { <p class="muted">{format!("Now: {}. Reload to see its progress.", s.phase)}</p> })}
                            {s.generation.clone().map(|g| view! {
                                <p>{g.summary.clone()}</p>
                                <pre class="rules-text mono">{rules_text.clone().unwrap_or_default()}</pre>
                            })}
                            {s.validation.clone().map(|result| view! { <ValidationResults result/> })}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
