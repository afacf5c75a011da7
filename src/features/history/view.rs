//! The History page for a table (`/history?table=…`): its saved versions (author, time, prompt,
//! rule count, which is active), a side-by-side diff of any two, restore with confirmation,
//! export, import, and opening a version in the editor.

use super::api::{
    diff_rule_sets, export_rule_set, publish_rule_set, restore_rule_set, rule_history,
};
use super::import::ImportPanel;
use super::status::StorageBadge;
use crate::features::catalog::selection::Selection;
use crate::features::catalog::table_form::TableNameForm;
use crate::features::overview::view::{Opens, RuleTablesList};
use crate::links::{edit_version_href, generate_href, review_href};
use crate::model::error::ApiError;
use crate::model::rules::RulesFormat;
use crate::model::rulesets::{ExportedRuleSet, RuleSetSummary, VersionStatus};
use crate::ui::diff_view::DiffView;
use crate::ui::download::DownloadLink;
use crate::ui::hydration::use_hydrated;
use crate::ui::notice::{Empty, ErrorNotice, Loading};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The page.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let query = use_query_map();
    let selection = Memo::new(move |_| query.with(|q| Selection::from_params(|k| q.get(k))));
    view! {
        <h1>"History"</h1>
        <p class="lead">"Saved versions of a table's rules. " <StorageBadge detail=true/></p>
        {move || match selection.with(|s| s.table.clone()) {
            None => view! {
                <RuleTablesList opens=Opens::History heading="Pick a table with rules"/>
                <h2>"Or name a table"</h2>
                <TableNameForm action="/history" id="history-table" button="Show history" selection/>
            }.into_any(),
            Some(table) => view! { <TableHistory table/> }.into_any(),
        }}
    }
}

#[component]
fn TableHistory(table: String) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let name = StoredValue::new(table.clone());
    let history = Resource::new(
        move || (name.get_value(), refresh.get()),
        |(table, _)| rule_history(table, Some(100)),
    );
    let notice: RwSignal<Option<String>> = RwSignal::new(None);
    let action_error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let generate = StoredValue::new(generate_href(&table, None, None));
    let on_imported = Callback::new(move |version: i32| {
        notice.set(Some(format!("Imported as version {version}.")));
        refresh.update(|n| *n += 1);
    });
    view! {
        <h2 class="mono">{table.clone()}</h2>
        {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
        {move || action_error.get().map(|error| view! { <ErrorNotice error/> })}
        <Suspense fallback=|| view! { <Loading what="Loading the history…"/> }>
            {move || Suspend::new(async move {
                match history.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <Empty message="No rule sets saved for this table yet — generate some, or import a file below."/>
                        <p><a class="button primary" href=generate.get_value()>"Generate rules"</a></p>
                    }.into_any(),
                    Ok(list) => {
                        // Comparing needs two versions; one compared with itself says nothing.
                        let compare = (list.len() > 1).then(|| view! { <Compare list=list.clone() table=name.get_value()/> });
                        view! {
                            <Versions list table=name.get_value() notice action_error refresh/>
                            {compare}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
        <crate::features::registry::view::InheritedRules table=name.get_value()/>
        <ImportPanel table=Signal::derive(move || name.get_value()) on_imported/>
    }
}

#[component]
fn Versions(
    list: Vec<RuleSetSummary>,
    table: String,
    notice: RwSignal<Option<String>>,
    action_error: RwSignal<Option<ApiError>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let exported: RwSignal<Option<ExportedRuleSet>> = RwSignal::new(None);
    let table = StoredValue::new(table);
    let live = use_hydrated();
    let rows = list
        .into_iter()
        .map(|v| {
            let version = v.version;
            let is_active = v.is_active;
            let restore = move |_| {
                let ok = window()
                    .confirm_with_message(&format!(
                        "Save version {version}'s rules as a new version? Where review applies it is a draft until approved."
                    ))
                    .unwrap_or(false);
                if !ok {
                    return;
                }
                action_error.set(None);
                leptos::task::spawn_local(async move {
                    match restore_rule_set(table.get_value(), version).await {
                        Ok(saved) => {
                            let draft = if saved.is_active { "" } else { " (a draft: submit it for review)" };
                            notice.set(Some(format!(
                                "Restored version {version} as version {}{draft}.",
                                saved.version
                            )));
                            refresh.update(|n| *n += 1);
                        }
                        Err(e) => action_error.set(Some(e)),
                    }
                });
            };
            let export = move |format: RulesFormat| {
                action_error.set(None);
                leptos::task::spawn_local(async move {
                    match export_rule_set(table.get_value(), Some(version), format).await {
                        Ok(e) => exported.set(Some(e)),
                        Err(e) => action_error.set(Some(e)),
                    }
                });
            };
            let retry = is_active && v.published.as_ref().is_some_and(|p| !p.complete);
            let publish = move |_| {
                action_error.set(None);
                leptos::task::spawn_local(async move {
                    match publish_rule_set(table.get_value()).await {
                        Ok(summary) => {
                            notice.set(Some(format!("Version {version}: {summary}.")));
                            refresh.update(|n| *n += 1);
                        }
                        Err(e) => action_error.set(Some(e)),
                    }
                });
            };
            let open = edit_version_href(&table.get_value(), version);
            let restored = v
                .restored_from
                .map(|r| format!("restored from v{r}"))
                .unwrap_or_default();
            view! {
                <tr class:active=v.is_active>
                    <th scope="row">{format!("v{version}")}</th>
                    <td>{status_cell(&v)}</td>
                    <td class="mono">{v.created_by.clone().unwrap_or_default()}</td>
                    <td>{v.created_at.as_deref().map(crate::ui::format::when).unwrap_or_default()}</td>
                    <td class="prompt-cell" title=v.user_prompt.clone().unwrap_or_default()>{v.user_prompt.clone().unwrap_or_default()}</td>
                    <td class="num">{v.rule_count}</td>
                    <td>{restored}</td>
                    <td class="prompt-cell" title=v.ai_overview.clone().unwrap_or_default()>{v.ai_overview.clone().unwrap_or_default()}</td>
                    <td class="actions">
                        <a href=open.clone()>"Open in editor"</a>
                        " " <a href=format!("{open}#change-in-words")>"Change in words"</a>
                        {(v.status != VersionStatus::Approved).then(|| view! {
                            " " <a href=review_href(&table.get_value(), Some(version))>"Review"</a>
                        })}
                        " "
                        <button type="button" class="secondary" aria-label=format!("Restore version {version}") on:click=restore disabled=move || !live.get() || is_active>"Restore"</button>
                        " "
                        <button type="button" class="secondary" aria-label=format!("Export version {version} as YAML") on:click=move |_| export(RulesFormat::Yaml) disabled=move || !live.get()>"YAML"</button>
                        " "
                        <button type="button" class="secondary" aria-label=format!("Export version {version} as JSON") on:click=move |_| export(RulesFormat::Json) disabled=move || !live.get()>"JSON"</button>
                        {retry.then(|| view! {
                            " "
                            <button type="button" class="secondary" on:click=publish disabled=move || !live.get()>"Publish again"</button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="grid-scroll">
            <table class="data-grid versions">
                <caption>"Saved versions"</caption>
                <thead><tr>
                    <th scope="col">"Version"</th><th scope="col">"Status"</th><th scope="col">"Author"</th>
                    <th scope="col">"Saved"</th><th scope="col">"Prompt"</th><th scope="col" class="num">"Rules"</th>
                    <th scope="col">"Origin"</th><th scope="col">"AI analysis"</th><th scope="col" class="actions">"Actions"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {move || exported.get().map(|e| {
            let label = format!("Download {}", e.file_name);
            view! {
                <div class="notice" role="status">
                    <p>{format!("Version {} exported as DQX rules.", e.version)} " "
                        <DownloadLink label file_name=e.file_name.clone() mime="application/octet-stream" text=e.text.clone()/>
                    </p>
                    <pre class="rules-text mono">{e.text.clone()}</pre>
                </div>
            }
        })}
    }
}

/// A version's status: active, and who approved it when; or where it is in review; and how its
/// last publish went.
fn status_cell(v: &RuleSetSummary) -> impl IntoView + use<> {
    let head = if v.is_active {
        "✓ active".to_string()
    } else {
        v.status.label().to_string()
    };
    let by = match (&v.status, &v.approved_by, &v.approved_at) {
        (VersionStatus::Approved, Some(who), Some(at)) => Some(format!(
            "approved by {who} at {}",
            crate::ui::format::when(at)
        )),
        (VersionStatus::Approved, None, _) if v.is_active => Some("no review".to_string()),
        (VersionStatus::Rejected, _, _) => v.rejected_by.as_ref().map(|who| {
            format!(
                "by {who}: {}",
                v.rejection_reason.clone().unwrap_or_default()
            )
        }),
        (VersionStatus::Pending, _, _) => v
            .submitted_at
            .as_ref()
            .map(|at| format!("since {}", crate::ui::format::when(at))),
        _ => None,
    };
    let published = v.published.clone().map(|p| {
        let class = if p.complete {
            "muted"
        } else {
            "publish-failed"
        };
        view! { <br/><small class=class>{p.summary}</small> }
    });
    view! { {head} {by.map(|b| view! { <br/><small class="muted">{b}</small> })} {published} }
}

/// Pick two versions and see their diff.
#[component]
fn Compare(list: Vec<RuleSetSummary>, table: String) -> impl IntoView {
    let live = use_hydrated();
    let versions: Vec<i32> = list.iter().map(|v| v.version).collect();
    let newest = versions.first().copied().unwrap_or(1);
    let second = versions.get(1).copied().unwrap_or(newest);
    let from = RwSignal::new(second);
    let to = RwSignal::new(newest);
    let table = StoredValue::new(table);
    let diff = Resource::new(
        move || (from.get(), to.get()),
        move |(a, b)| diff_rule_sets(table.get_value(), a, b),
    );
    let options = move |selected: RwSignal<i32>| {
        versions
            .iter()
            .map(|v| {
                let v = *v;
                view! { <option value=v.to_string() selected=move || selected.get() == v>{format!("v{v}")}</option> }
            })
            .collect_view()
    };
    let parse = |ev: &leptos::ev::Event| event_target_value(ev).parse::<i32>().ok();
    view! {
        <section class="compare" aria-labelledby="compare-heading">
            <h3 id="compare-heading">"Compare versions"</h3>
            <label class="inline">"From " <select disabled=move || !live.get() on:change=move |ev| if let Some(v) = parse(&ev) { from.set(v) }>{options(from)}</select></label>
            " "
            <label class="inline">"to " <select disabled=move || !live.get() on:change=move |ev| if let Some(v) = parse(&ev) { to.set(v) }>{options(to)}</select></label>
            <Suspense fallback=|| view! { <Loading what="Comparing…"/> }>
                {move || Suspend::new(async move {
                    match diff.await {
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        Ok(d) => view! { <DiffView diff=d/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
