//! The Registry page (`/registry`): every registry rule with its status and a form for a new
//! one; a rule's page (`/registry?rule=…`) with its versions and their review, its bindings with
//! the tables each covers for you, the bind dialog (matching tables shown before saving) and the
//! cross-table preview of a pending change.

use super::api::{
    approve_binding, approve_registry_rule, bind_registry_rule, registry_impact_preview,
    registry_list, registry_rule, registry_scope_preview, reject_registry_rule, retire_binding,
    save_registry_rule, submit_registry_rule,
};
use crate::features::session::api::whoami;
use crate::links::registry_href;
use crate::model::error::ApiError;
use crate::model::registry::{Coverage, Mapping, Scope, TagOn, TagScope, placeholders};
use crate::model::registry_entries::{
    BindingView, DIMENSIONS, Follow, RegistryRuleDetail, RegistryRuleSummary, RegistryVersion,
};
use crate::model::registry_impact::CrossTableImpact;
use crate::model::review::VersionStatus;
use crate::model::words::count;
use crate::ui::hydration::use_hydrated;
use crate::ui::notice::{Empty, ErrorNotice, Loading};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

/// The page.
#[component]
pub fn RegistryPage() -> impl IntoView {
    let query = use_query_map();
    let rule = Memo::new(move |_| query.with(|q| q.get("rule")));
    view! {
        <h1>"Registry"</h1>
        <p class="lead">"Standards written once and applied to every table a binding covers — by name, by pattern or by a Unity Catalog tag — each change reviewed once."</p>
        {move || match rule.get() {
            None => view! { <RuleList/> <NewRuleForm/> }.into_any(),
            Some(name) => view! { <RulePage name/> }.into_any(),
        }}
    }
}

#[component]
fn RuleList() -> impl IntoView {
    let listed = Resource::new(|| (), |_| registry_list());
    view! {
        <Suspense fallback=|| view! { <Loading what="Loading the registry…"/> }>
            {move || Suspend::new(async move {
                match listed.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <Empty message="The registry has no rules yet: write the first below."/> }.into_any(),
                    Ok(list) => view! { <RuleTable list/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RuleTable(list: Vec<RegistryRuleSummary>) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|r| {
            let approved = r
                .approved_version
                .map_or_else(|| "None yet".to_string(), |v| format!("v{v}"));
            view! {
                <tr>
                    <th scope="row" class="mono"><a href=registry_href(&r.name)>{r.name.clone()}</a></th>
                    <td data-label="Applies">{approved}</td>
                    <td data-label="Newest">{format!("v{} · {}", r.latest.version, r.latest.status.label())}</td>
                    <td data-label="Used on">{r.used_on.map_or_else(|| "Not counted".to_string(), |n| crate::model::words::plural(n, "table"))}</td>
                    <td data-label="Dimension">{r.dimension.clone().unwrap_or_default()}</td>
                    <td data-label="Description">{r.description.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="data-grid">
                <caption class="visually-hidden">"Registry rules"</caption>
                <thead><tr>
                    <th scope="col">"Rule"</th>
                    <th scope="col">"Applies"</th>
                    <th scope="col">"Newest version"</th>
                    <th scope="col">"Used on"</th>
                    <th scope="col">"Dimension"</th>
                    <th scope="col">"Description"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn NewRuleForm() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let rule = RwSignal::new(
        r#"{"function": "is_not_null", "arguments": {"column": "{{ col }}"}}"#.to_string(),
    );
    let description = RwSignal::new(String::new());
    let dimension = RwSignal::new(String::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let live = use_hydrated();
    let save = move |_| {
        error.set(None);
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(&rule.get_untracked());
        let parsed = match parsed {
            Ok(v) => v,
            Err(e) => {
                error.set(Some(ApiError::new(
                    crate::model::error::ErrorKind::BadRequest,
                    format!("the rule is not JSON: {e}"),
                )));
                return;
            }
        };
        let (n, d, dim) = (
            name.get_untracked(),
            description.get_untracked(),
            dimension.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            let d = (!d.trim().is_empty()).then_some(d);
            let dim = (!dim.is_empty()).then_some(dim);
            match save_registry_rule(n, parsed, d, dim).await {
                Ok(saved) => {
                    let _ = window().location().set_href(&registry_href(&saved.name));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let dimensions = DIMENSIONS
        .iter()
        .map(|d| view! { <option value=*d>{*d}</option> })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="new-rule-heading">
            <h2 id="new-rule-heading">"New registry rule"</h2>
            <p class="muted">"One DQX check; argument values may hold placeholders such as {{ col }}, which each binding maps to a column, a tagged column or a value."</p>
            <div class="form-row">
                <label>"Name" <input type="text" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) placeholder="key_present"/></label>
                <label>"Dimension"
                    <select on:change=move |ev| dimension.set(event_target_value(&ev))>
                        <option value="">"None"</option>
                        {dimensions}
                    </select>
                </label>
            </div>
            <label>"Rule (a DQX check as JSON)"
                <textarea class="mono" rows="4" prop:value=rule on:input=move |ev| rule.set(event_target_value(&ev))></textarea>
            </label>
            <label>"Description" <input type="text" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))/></label>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            <button type="button" class="primary" disabled=move || !live.get() on:click=save>"Save registry rule"</button>
        </section>
    }
}

#[component]
fn RulePage(name: String) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let key = StoredValue::new(name.clone());
    let detail = Resource::new(
        move || (key.get_value(), refresh.get()),
        |(name, _)| registry_rule(name),
    );
    let me = Resource::new(|| (), |_| whoami());
    // Outside the refreshed part, so what was just done stays said.
    let notice: RwSignal<Option<String>> = RwSignal::new(None);
    view! {
        <p><a href="/registry">"All registry rules"</a></p>
        <h2 class="mono">{name}</h2>
        {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
        <Suspense fallback=|| view! { <Loading what="Loading the rule…"/> }>
            {move || Suspend::new(async move {
                let email = me.await.map(|w| w.email).unwrap_or_default();
                match detail.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(detail) => view! { <RuleDetail detail email refresh notice/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RuleDetail(
    detail: RegistryRuleDetail,
    email: String,
    refresh: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let name = StoredValue::new(detail.name.clone());
    let newest_rule = detail.versions.first().map(|v| v.body["rule"].clone());
    let pending = detail
        .versions
        .iter()
        .any(|v| v.status == VersionStatus::Pending);
    let versions = detail
        .versions
        .iter()
        .cloned()
        .map(|v| view! { <VersionRow v email=email.clone() error refresh/> })
        .collect_view();
    let bindings = if detail.bindings.is_empty() {
        view! { <Empty message="Not bound to any table yet: bind it below."/> }.into_any()
    } else {
        detail
            .bindings
            .iter()
            .cloned()
            .map(|b| view! { <BindingRow b error refresh/> })
            .collect_view()
            .into_any()
    };
    let preview =
        pending.then(|| view! { <CrossPreview subject=Subject::Rule(name.get_value())/> });
    view! {
        {move || error.get().map(|error| view! { <ErrorNotice error/> })}
        <section class="panel" aria-labelledby="versions-heading">
            <h3 id="versions-heading">"Versions"</h3>
            <ul class="plain">{versions}</ul>
        </section>
        {preview}
        <section class="panel" aria-labelledby="bindings-heading">
            <h3 id="bindings-heading">"Bindings"</h3>
            {bindings}
        </section>
        <BindDialog rule=name.get_value() newest=newest_rule refresh notice/>
    }
}

#[component]
fn VersionRow(
    v: RegistryVersion,
    email: String,
    error: RwSignal<Option<ApiError>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let live = use_hydrated();
    let (name, version) = (StoredValue::new(v.name.clone()), v.version);
    let mine = v
        .created_by
        .as_deref()
        .is_some_and(|a| a.eq_ignore_ascii_case(&email));
    let act = move |to: &'static str| {
        error.set(None);
        leptos::task::spawn_local(async move {
            let n = name.get_value();
            let done = match to {
                "submit" => submit_registry_rule(n, version, Some("draft".into())).await,
                "approve" => approve_registry_rule(n, version, "pending".into()).await,
                _ => {
                    reject_registry_rule(
                        n,
                        version,
                        "pending".into(),
                        Some("Rejected on the registry page".into()),
                    )
                    .await
                }
            };
            match done {
                Ok(_) => refresh.update(|n| *n += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let buttons = match v.status {
        VersionStatus::Draft if mine => view! {
            <button type="button" class="small" disabled=move || !live.get() on:click=move |_| act("submit")>{format!("Submit version {version}")}</button>
        }.into_any(),
        VersionStatus::Pending => view! {
            <button type="button" class="small primary" disabled=move || !live.get() on:click=move |_| act("approve")>{format!("Approve version {version}")}</button>
            <button type="button" class="small secondary" disabled=move || !live.get() on:click=move |_| act("reject")>{format!("Reject version {version}")}</button>
        }.into_any(),
        _ => ().into_any(),
    };
    let rule = serde_json::to_string(&v.body["rule"]).unwrap_or_default();
    view! {
        <li>
            <strong>{format!("v{} · {}", v.version, v.status.label())}</strong>
            {format!(" · by {}", v.created_by.clone().unwrap_or_default())}
            <pre class="mono">{rule}</pre>
            {buttons}
        </li>
    }
}

#[component]
fn BindingRow(
    b: BindingView,
    error: RwSignal<Option<ApiError>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let live = use_hydrated();
    let id = StoredValue::new(b.binding_id.clone());
    let approve = move |_| {
        error.set(None);
        leptos::task::spawn_local(async move {
            match approve_binding(id.get_value(), "pending".into(), None).await {
                Ok(_) => refresh.update(|n| *n += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let retire = move |_| {
        error.set(None);
        leptos::task::spawn_local(async move {
            match retire_binding(id.get_value()).await {
                Ok(_) => refresh.update(|n| *n += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let pending = b.latest.status == VersionStatus::Pending;
    let retiring = b.latest.body["retired"] == serde_json::Value::Bool(true);
    let scope = serde_json::to_string(&b.latest.body["scope"]).unwrap_or_default();
    let retired = retiring && b.latest.status == VersionStatus::Approved;
    let state = match b.approved_version {
        _ if retired => format!("retired (v{})", b.latest.version),
        Some(v) if retiring && pending => format!("in force (v{v}), retirement awaiting review"),
        Some(v) => format!("in force (v{v})"),
        None => "not in force yet".to_string(),
    };
    let can_retire = b.approved_version.is_some() && !pending && !retired;
    let retire_button = can_retire.then(|| view! {
        <button type="button" class="small" disabled=move || !live.get() on:click=retire
            title="Stops the binding applying anywhere once an approver covering its scope approves">
            {format!("Retire binding {}", b.binding_id)}
        </button>
    });
    let covered = if b.coverage.tables.is_empty() {
        "no table you may read".to_string()
    } else {
        b.coverage.tables.join(", ")
    };
    let actions = pending.then(|| view! {
        <button type="button" class="small primary" disabled=move || !live.get() on:click=approve>{format!("Approve binding {}", b.binding_id)}</button>
        <CrossPreview subject=Subject::Binding(b.binding_id.clone())/>
    });
    view! {
        <div class="binding">
            <p>
                <strong class="mono">{b.binding_id.clone()}</strong>
                {format!(" · {state} · newest v{} {}", b.latest.version, b.latest.status.label())}
            </p>
            <p class="mono">{scope}</p>
            <p>"Covers now: " <span class="mono">{covered}</span></p>
            {actions}
            {retire_button}
        </div>
    }
}

/// What a cross-table preview is of.
#[derive(Clone)]
enum Subject {
    Rule(String),
    Binding(String),
}

#[component]
fn CrossPreview(subject: Subject) -> impl IntoView {
    let result: RwSignal<Option<CrossTableImpact>> = RwSignal::new(None);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let running = RwSignal::new(false);
    let live = use_hydrated();
    let subject = StoredValue::new(subject);
    let run = move |_| {
        error.set(None);
        running.set(true);
        leptos::task::spawn_local(async move {
            let started = match subject.get_value() {
                Subject::Rule(n) => registry_impact_preview(Some(n), None, None).await,
                Subject::Binding(id) => registry_impact_preview(None, Some(id), None).await,
            };
            let run_id = match started {
                Ok(s) => s.run_id,
                Err(e) => {
                    error.set(Some(e));
                    running.set(false);
                    return;
                }
            };
            loop {
                match crate::features::workflow::api::run_status(run_id.clone()).await {
                    Ok(status) => {
                        result.set(status.cross_table.clone());
                        if status.summary.state.is_terminal() {
                            break;
                        }
                    }
                    Err(e) => {
                        error.set(Some(e));
                        break;
                    }
                }
                crate::ui::timer::sleep(500).await;
            }
            running.set(false);
        });
    };
    view! {
        <section class="panel" aria-label="Preview across tables">
            <button type="button" class="secondary" disabled=move || !live.get() || running.get() on:click=run>"Preview across tables"</button>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            {move || result.get().map(|r| view! { <CrossResult r/> })}
        </section>
    }
}

#[component]
fn CrossResult(r: CrossTableImpact) -> impl IntoView {
    let rows = r
        .tables
        .iter()
        .map(|t| {
            let (before, after, start) = t.preview.as_ref().map_or_else(
                || ("".to_string(), "".to_string(), "".to_string()),
                |p| {
                    (
                        count(p.invalid_before),
                        count(p.invalid_after),
                        count(p.rows_start_failing),
                    )
                },
            );
            view! {
                <tr>
                    <th scope="row" class="mono">{t.table.clone()}</th>
                    <td>{t.state.clone()}</td>
                    <td class="num">{before}</td>
                    <td class="num">{after}</td>
                    <td class="num">{start}</td>
                </tr>
            }
        })
        .collect_view();
    let t = &r.totals;
    let unreadable = (r.unreadable > 0).then(|| {
        view! { <p class="muted">{format!("{} covered table(s) you may not read: counted, not evaluated.", r.unreadable)}</p> }
    });
    view! {
        <p role="status">{format!(
            "{}: {} table(s) previewed, violations {} → {}, {} row(s) start failing.",
            r.subject,
            t.tables_previewed,
            count(t.invalid_before),
            count(t.invalid_after),
            count(t.rows_start_failing)
        )}</p>
        {unreadable}
        <table class="data-grid">
            <thead><tr>
                <th scope="col">"Table"</th><th scope="col">"State"</th>
                <th scope="col" class="num">"Violations before"</th>
                <th scope="col" class="num">"After"</th>
                <th scope="col" class="num">"Rows start failing"</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The form that binds the rule: scope, placeholder mapping, the tables it covers shown first.
#[component]
fn BindDialog(
    rule: String,
    newest: Option<serde_json::Value>,
    refresh: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let rule = StoredValue::new(rule);
    let names: Vec<String> = newest
        .as_ref()
        .map(|r| placeholders(r).into_iter().collect())
        .unwrap_or_default();
    let pattern = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let tag_on = RwSignal::new("column".to_string());
    let mapping: Vec<(String, RwSignal<String>)> = names
        .iter()
        .map(|n| (n.clone(), RwSignal::new(String::new())))
        .collect();
    let mapping = StoredValue::new(mapping);
    let covered: RwSignal<Option<Coverage>> = RwSignal::new(None);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let live = use_hydrated();
    let scope = move || -> Scope {
        let tag_text = tag.get_untracked();
        let tag = tag_text.split_once('=').map(|(k, v)| TagScope {
            key: k.trim().to_string(),
            value: v.trim().to_string(),
            on: if tag_on.get_untracked() == "table" {
                TagOn::Table
            } else {
                TagOn::Column
            },
        });
        let p = pattern.get_untracked();
        Scope {
            pattern: (!p.trim().is_empty()).then(|| p.trim().to_string()),
            tag,
            ..Scope::default()
        }
    };
    let show = move |_| {
        error.set(None);
        let s = scope();
        leptos::task::spawn_local(async move {
            match registry_scope_preview(s).await {
                Ok(c) => covered.set(Some(c)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let bind = move |_| {
        error.set(None);
        let s = scope();
        let map: BTreeMap<String, Mapping> = mapping
            .get_value()
            .iter()
            .map(|(n, v)| {
                let text = v.get_untracked();
                let how = match text.strip_prefix("tagged:") {
                    Some(t) => Mapping::Tagged(t.trim().to_string()),
                    None => Mapping::Column(text.trim().to_string()),
                };
                (n.clone(), how)
            })
            .collect();
        leptos::task::spawn_local(async move {
            match bind_registry_rule(rule.get_value(), s, map, Follow::Latest, None).await {
                Ok(saved) => {
                    notice.set(Some(format!(
                        "Bound as {} ({}); it covers {} table(s) you may read.",
                        saved.binding_id,
                        saved.status.label(),
                        saved.coverage.tables.len()
                    )));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let rows = mapping
        .get_value()
        .into_iter()
        .map(|(n, v)| {
            view! {
                <label>{format!("{{{{ {n} }}}} is")}
                    <input type="text" placeholder="a column, or tagged:class=email" prop:value=v on:input=move |ev| v.set(event_target_value(&ev))/>
                </label>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="bind-heading">
            <h3 id="bind-heading">"Bind to tables"</h3>
            <p class="muted">"A pattern (main.sales.*) and/or a Unity Catalog tag (class=email); the binding is reviewed by an approver covering everything it may reach."</p>
            <div class="form-row">
                <label>"Pattern" <input type="text" placeholder="main.sales.*" prop:value=pattern on:input=move |ev| pattern.set(event_target_value(&ev))/></label>
                <label>"Tag" <input type="text" placeholder="class=email" prop:value=tag on:input=move |ev| tag.set(event_target_value(&ev))/></label>
                <label>"Tag on"
                    <select on:change=move |ev| tag_on.set(event_target_value(&ev))>
                        <option value="column">"columns"</option>
                        <option value="table">"tables"</option>
                    </select>
                </label>
            </div>
            {rows}
            <button type="button" class="secondary" disabled=move || !live.get() on:click=show>"Show matching tables"</button>
            {move || covered.get().map(|c| {
                let text = if c.tables.is_empty() { "No table you may read.".to_string() } else { c.tables.join(", ") };
                view! { <p role="status">"Matching tables: " <span class="mono">{text}</span></p> }
            })}
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            <button type="button" class="primary" disabled=move || !live.get() on:click=bind>"Bind"</button>
        </section>
    }
}

/// The rules a table inherits from registry bindings, read-only, with their origin and a link
/// to the registry rule (for a table's pages).
#[component]
pub fn InheritedRules(table: String) -> impl IntoView {
    let name = StoredValue::new(table);
    let set = Resource::new(move || name.get_value(), super::api::effective_rules);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let Ok(set) = set.await else { return ().into_any() };
                let inherited: Vec<_> = set.origins.iter().zip(&set.rules).filter(|(o, _)| o.registry_rule.is_some()).collect();
                if inherited.is_empty() && set.clashes.is_empty() {
                    return ().into_any();
                }
                let items = inherited.into_iter().map(|(o, r)| {
                    let rule = o.registry_rule.clone().unwrap_or_default();
                    let function = crate::model::rules::rule_function(r).to_string();
                    let columns = crate::model::rules::rule_columns(r).join(", ");
                    view! {
                        <li>
                            <span class="mono">{o.rule.clone()}</span>
                            {format!(" · {function}({columns}) · from ")}
                            <a href=registry_href(&rule)>{o.origin.clone()}</a>
                        </li>
                    }
                }).collect_view();
                let clashes = set.clashes.iter().map(|c| view! { <li class="status-warn">{format!("{}: {}", c.rules.join(" and "), c.message)}</li> }).collect_view();
                view! {
                    <section class="panel" aria-labelledby="inherited-heading">
                        <h3 id="inherited-heading">"Inherited rules"</h3>
                        <p class="muted">"Applied by registry bindings (read-only here; change them in the registry). They run in validations and are published with the table's own rules."</p>
                        <ul class="plain">{items}</ul>
                        <ul class="plain">{clashes}</ul>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}
