//! The Validator page (`/validate?table=…&version=…`): pick a table, load its active (or any
//! saved) version, validate it against the data, and read the results.

use super::api::start_validation;
use super::results::ValidationResults;
use crate::features::catalog::selection::Selection;
use crate::features::catalog::table_form::TableNameForm;
use crate::features::history::api::{get_rule_set, rule_history};
use crate::features::overview::view::{Opens, RuleTablesList};
use crate::features::workflow::watch::RunWatch;
use crate::links::validate_href;
use crate::model::runs::RunState;
use crate::ui::notice::{Empty, ErrorNotice, Loading};
use crate::ui::progress::RunProgress;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The page.
#[component]
pub fn ValidatorPage() -> impl IntoView {
    let query = use_query_map();
    let selection = Memo::new(move |_| query.with(|q| Selection::from_params(|k| q.get(k))));
    let version =
        Memo::new(move |_| query.with(|q| q.get("version").and_then(|v| v.parse::<i32>().ok())));
    view! {
        <h1>"Validate saved rules"</h1>
        <p class="lead">"Run a table's saved rules against its data: the active version, or any other."</p>
        {move || match selection.with(|s| s.table.clone()) {
            None => view! {
                <RuleTablesList opens=Opens::Validate heading="Pick a table with rules"/>
                <h2>"Or name a table"</h2>
                <TableNameForm action="/validate" id="validate-table" button="Load rules" selection/>
            }.into_any(),
            Some(table) => view! { <SavedValidation table version=version.get()/> }.into_any(),
        }}
    }
}

#[component]
fn SavedValidation(table: String, version: Option<i32>) -> impl IntoView {
    let name = StoredValue::new(table.clone());
    let history = Resource::new(move || name.get_value(), |t| rule_history(t, Some(100)));
    let set = Resource::new(
        move || (name.get_value(), version),
        |(t, v)| get_rule_set(t, v),
    );
    let watch = RunWatch::new();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let picker = move || {
        Suspend::new(async move {
            let list = history.await.unwrap_or_default();
            let options = list
                .iter()
                .map(|v| {
                    let href = validate_href(&name.get_value(), v.version);
                    let label = format!("v{}{}", v.version, if v.is_active { " (active)" } else { "" });
                    let current = Some(v.version) == version || (version.is_none() && v.is_active);
                    view! { <li><a href=href aria-current=current.then_some("true")>{label}</a></li> }
                })
                .collect_view();
            view! { <ul class="inline-list versions-picker">{options}</ul> }
        })
    };
    view! {
        <h2 class="mono">{table.clone()}</h2>
        <Suspense fallback=|| ()>{picker}</Suspense>
        <crate::features::registry::view::InheritedRules table=table.clone()/>
        <Suspense fallback=|| view! { <Loading what="Loading the rules…"/> }>
            {move || Suspend::new(async move {
                match set.await {
                    Err(error) if error.kind == crate::model::error::ErrorKind::NotFound => view! {
                        <Empty message=format!("{} — generate rules and save them first.", error.message)/>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(set) => {
                        let rules = StoredValue::new(set.rules.clone());
                        let saved_version = set.summary.version;
                        let label = format!("Validate version {} ({} rules)", set.summary.version, set.rules.len());
                        let start = move |_| {
                            let rules = rules.get_value();
                            watch.start(start_validation(name.get_value(), rules, Some(saved_version), None, false), |_| {});
                        };
                        view! {
                            <p class="table-meta">{format!(
                                "Version {} by {} at {}{}",
                                set.summary.version,
                                set.summary.created_by.clone().unwrap_or_default(),
                                set.summary.created_at.clone().unwrap_or_default(),
                                if set.summary.is_active { " — active" } else { "" }
                            )}</p>
                            <button type="button" class="primary" on:click=start disabled=move || !hydrated.get() || watch.busy.get()>{label}</button>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
        {move || watch.error.get().map(|error| view! { <ErrorNotice error/> })}
        <Show when=move || watch.busy.get()>
            <RunProgress status=watch.status what="Validating" on_cancel=Callback::new(move |_| watch.cancel()) canceling=watch.canceling/>
        </Show>
        {move || match watch.status.with(|s| s.as_ref().map(|s| s.summary.state)) {
            Some(RunState::Failed) => Some(view! { <div class="notice error" role="alert"><strong>"Validation failed"</strong>" "{watch.status.with(|s| s.as_ref().and_then(|s| s.summary.message.clone()))}</div> }.into_any()),
            Some(RunState::Canceled) => Some(view! { <p class="notice" role="status">"Validation canceled."</p> }.into_any()),
            _ => None,
        }}
        {move || watch.status.get().and_then(|s| s.validation.map(|v| (v, s.summary.run_id))).map(|(result, run_id)| view! { <ValidationResults result run_id/> })}
    }
}
