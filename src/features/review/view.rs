//! The Review page: `/review` lists pending versions the caller may read and approve (author,
//! age, whether they may approve); `/review?table=…&version=N` shows one version — its diff
//! against the active one, the change-impact preview, the comment thread, and Approve / Reject
//! buttons that say why they are disabled.

use super::api::{
    approve_rule_set, comment_rule_set, impact_preview, reject_rule_set, review_detail,
    review_queue, submit_rule_set,
};
use super::impact_view::ImpactView;
use crate::features::workflow::watch::RunWatch;
use crate::model::error::ApiError;
use crate::model::review::{DEFAULT_PREVIEW_ROWS, VersionReview, VersionStatus};
use crate::model::rulesets::AuditEvent;
use crate::ui::diff_view::{DiffView, RuleList};
use crate::ui::hydration::use_hydrated;
use crate::ui::notice::{Empty, ErrorNotice, Loading};
use crate::ui::progress::RunProgress;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The page.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let query = use_query_map();
    let target = Memo::new(move |_| {
        query.with(|q| {
            let table = q.get("table").filter(|t| !t.trim().is_empty())?;
            let version = q.get("version")?.parse::<i32>().ok()?;
            Some((table, version))
        })
    });
    view! {
        <h1>"Review"</h1>
        {move || match target.get() {
            None => view! { <Queue/> }.into_any(),
            Some((table, version)) => view! { <VersionPage table version/> }.into_any(),
        }}
    }
}

/// Pending versions the caller may review.
#[component]
fn Queue() -> impl IntoView {
    let queue = Resource::new(|| (), |_| review_queue());
    view! {
        <p class="lead">"Versions waiting for a second person's approval, oldest first."</p>
        <Suspense fallback=|| view! { <Loading what="Loading the review queue…"/> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(items) if items.is_empty() => view! { <Empty message="Nothing is waiting for review."/> }.into_any(),
                    Ok(items) => {
                        let rows = items.into_iter().map(|item| {
                            let s = item.summary;
                            let href = crate::links::review_href(&s.table_name, Some(s.version));
                            let may = if item.can_approve {
                                "you may approve".to_string()
                            } else {
                                item.cannot_approve_because.unwrap_or_default()
                            };
                            view! {
                                <tr>
                                    <th scope="row"><a class="mono" href=href>{format!("{} v{}", s.table_name, s.version)}</a></th>
                                    <td class="mono">{s.created_by.unwrap_or_default()}</td>
                                    <td>{s.submitted_at.as_deref().map(crate::ui::format::when).unwrap_or_default()}</td>
                                    <td class="num">{s.rule_count}</td>
                                    <td>{may}</td>
                                </tr>
                            }
                        }).collect_view();
                        view! {
                            <div class="grid-scroll"><table class="data-grid">
                                <caption>"Pending versions"</caption>
                                <thead><tr><th scope="col">"Version"</th><th scope="col">"Author"</th><th scope="col">"Submitted"</th><th scope="col" class="num">"Rules"</th><th scope="col">"You"</th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table></div>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// One version under review.
#[component]
fn VersionPage(table: String, version: i32) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let name = StoredValue::new(table.clone());
    let detail = Resource::new(
        move || (name.get_value(), version, refresh.get()),
        |(table, version, _)| review_detail(table, version),
    );
    view! {
        <h2 class="mono">{format!("{table} — version {version}")}</h2>
        <p><a href=crate::links::history_href(&table)>"History of this table"</a></p>
        <Suspense fallback=|| view! { <Loading what="Loading the version…"/> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(d) => view! { <Detail detail=d refresh/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn status_line(d: &VersionReview) -> String {
    let s = &d.version.summary;
    let mut line = format!(
        "{} · by {} at {}",
        s.status.label(),
        s.created_by.clone().unwrap_or_default(),
        s.created_at
            .as_deref()
            .map(crate::ui::format::when)
            .unwrap_or_default()
    );
    if let (Some(who), Some(at)) = (&s.approved_by, &s.approved_at) {
        line.push_str(&format!(
            " · approved by {who} at {}",
            crate::ui::format::when(at)
        ));
    }
    if let (Some(who), Some(at)) = (&s.rejected_by, &s.rejected_at) {
        line.push_str(&format!(
            " · rejected by {who} at {}: {}",
            crate::ui::format::when(at),
            s.rejection_reason.clone().unwrap_or_default()
        ));
    }
    if s.is_active {
        line.push_str(" · active");
    }
    line
}

#[component]
fn Detail(detail: VersionReview, refresh: RwSignal<u32>) -> impl IntoView {
    let table = StoredValue::new(detail.version.summary.table_name.clone());
    let version = detail.version.summary.version;
    let status = detail.version.summary.status;
    let roles_note = if detail.roles.self_approval_allowed {
        Some("Self-approval is allowed on this app (DQX_ALLOW_SELF_APPROVAL=true).")
    } else {
        None
    };
    let warnings: Vec<String> = detail
        .version
        .rules
        .iter()
        .filter(|r| r.get("criticality").and_then(|c| c.as_str()) == Some("warn"))
        .map(crate::model::rules::diff::rule_key)
        .collect();
    view! {
        <p class="table-meta">{status_line(&detail)}</p>
        {roles_note.map(|n| view! { <p class="notice">{n}</p> })}
        {match status {
            VersionStatus::Pending => view! { <Decision detail=detail.clone() refresh/> }.into_any(),
            VersionStatus::Approved | VersionStatus::Rejected => view! { <Outcome detail=detail.clone()/> }.into_any(),
            VersionStatus::Draft => ().into_any(),
        }}
        {(status == VersionStatus::Draft && detail.can_submit).then(|| view! {
            <Submit table=table.get_value() version refresh/>
        })}
        <Changes detail=detail.clone()/>
        <super::examples_view::VersionExamples table=table.get_value() rules=detail.version.rules.clone()/>
        <Impact table=table.get_value() version stored=detail.preview.clone() hidden=detail.preview_hidden.clone() warnings/>
        <Thread table=table.get_value() version thread=detail.thread.clone() refresh/>
    }
}

/// What this version changes: against the active version; or, with none active, the plain
/// list of a first version's rules; or nothing to compare when it is the active one.
#[component]
fn Changes(detail: VersionReview) -> impl IntoView {
    let version = detail.version.summary.version;
    let rules = detail.version.rules.len();
    match detail.active_version {
        Some(active) if active == version => view! {
            <section aria-labelledby="diff-heading">
                <h3 id="diff-heading">"Changes"</h3>
                <p>{format!("This version is the active one ({}).", crate::ui::format::plural(rules, "rule"))}</p>
            </section>
        }
        .into_any(),
        Some(active) => view! {
            <section aria-labelledby="diff-heading">
                <h3 id="diff-heading">{format!("Changes against the active version {active}")}</h3>
                <DiffView diff=detail.diff.clone()/>
            </section>
        }
        .into_any(),
        None => view! {
            <section aria-labelledby="diff-heading">
                <h3 id="diff-heading">"First version"</h3>
                <p>{format!("Nothing is active for this table yet, so all {} of this version are new.", crate::ui::format::plural(rules, "rule"))}</p>
                <RuleList rules=detail.version.rules.clone()/>
            </section>
        }
        .into_any(),
    }
}

/// A decided version: who decided, when, and why (for a rejection), in place of the buttons.
#[component]
fn Outcome(detail: VersionReview) -> impl IntoView {
    let s = detail.version.summary;
    let (class, text) = match s.status {
        VersionStatus::Rejected => (
            "notice outcome rejected",
            format!(
                "Rejected by {} at {}: {}",
                s.rejected_by.unwrap_or_default(),
                s.rejected_at
                    .as_deref()
                    .map(crate::ui::format::when)
                    .unwrap_or_default(),
                s.rejection_reason.unwrap_or_default()
            ),
        ),
        _ => (
            "notice outcome approved",
            format!(
                "Approved by {} at {}{}",
                s.approved_by.unwrap_or_else(|| "nobody (no review)".into()),
                s.approved_at
                    .as_deref()
                    .map(crate::ui::format::when)
                    .unwrap_or_default(),
                if s.is_active {
                    "; it is the active version."
                } else {
                    "."
                }
            ),
        ),
    };
    view! {
        <section class="decision" aria-labelledby="decision-heading">
            <h3 id="decision-heading">"Decision"</h3>
            <p class=class role="status">{text}</p>
        </section>
    }
}

/// Approve / Reject, each saying why it is disabled.
#[component]
fn Decision(detail: VersionReview, refresh: RwSignal<u32>) -> impl IntoView {
    let table = StoredValue::new(detail.version.summary.table_name.clone());
    let version = detail.version.summary.version;
    let expected = detail.version.summary.status.as_str().to_string();
    let expected = StoredValue::new(expected);
    let reason = RwSignal::new(String::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let can = detail.can_approve;
    let why = detail.cannot_approve_because.clone();
    let live = use_hydrated();
    let approve = move |_| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match approve_rule_set(table.get_value(), version, expected.get_value()).await {
                Ok(_) => refresh.update(|n| *n += 1),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let reject = move |_| {
        busy.set(true);
        error.set(None);
        let text = reason.get_untracked();
        leptos::task::spawn_local(async move {
            match reject_rule_set(table.get_value(), version, text, expected.get_value()).await {
                Ok(_) => refresh.update(|n| *n += 1),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="decision" aria-labelledby="decision-heading">
            <h3 id="decision-heading">"Decision"</h3>
            {why.clone().map(|w| view! { <p class="muted" id="why-disabled">{w}</p> })}
            <div class="decision-row">
                <button type="button" class="primary" on:click=approve disabled=move || !can || !live.get() || busy.get()
                    aria-describedby=why.as_ref().map(|_| "why-disabled")>{format!("Approve version {version}")}</button>
            </div>
            <div class="decision-row reject">
                <label class="stacked">"Or reject it, saying why (required)"
                    <textarea rows="2" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) disabled=move || !can || !live.get()></textarea>
                </label>
                <button type="button" class="secondary" on:click=reject
                    disabled=move || !can || !live.get() || busy.get() || reason.with(|r| r.trim().is_empty())>{format!("Reject version {version}")}</button>
            </div>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
        </section>
    }
}

/// Submit a draft for review.
#[component]
fn Submit(table: String, version: i32, refresh: RwSignal<u32>) -> impl IntoView {
    let table = StoredValue::new(table);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let live = use_hydrated();
    let submit = move |_| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match submit_rule_set(table.get_value(), version).await {
                Ok(_) => refresh.update(|n| *n += 1),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section aria-labelledby="submit-heading">
            <h3 id="submit-heading">"Draft"</h3>
            <p>"This version is a draft: nobody reviews it until it is submitted."</p>
            <button type="button" class="primary" on:click=submit disabled=move || !live.get() || busy.get()>"Submit for review"</button>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
        </section>
    }
}

/// The impact preview: the stored one, or a new run with its progress.
#[component]
fn Impact(
    table: String,
    version: i32,
    stored: Option<crate::model::review::ImpactPreview>,
    /// Why the stored preview is not shown to this reviewer.
    hidden: Option<String>,
    /// Names of this version's warning rules.
    warnings: Vec<String>,
) -> impl IntoView {
    let table = StoredValue::new(table);
    let watch = RunWatch::new();
    let rows = RwSignal::new(DEFAULT_PREVIEW_ROWS.to_string());
    let run = move |_| {
        let sample = rows.get_untracked().trim().parse::<u64>().ok();
        watch.start(impact_preview(table.get_value(), version, sample), |_| {});
    };
    let live = move || {
        watch
            .status
            .with(|s| s.as_ref().and_then(|s| s.impact.clone()))
    };
    let stored = StoredValue::new(stored);
    let live_page = use_hydrated();
    view! {
        <section aria-labelledby="impact-heading">
            <h3 id="impact-heading">"Impact on the data"</h3>
            <p class="muted">"The active version and this one run on the same fixed sample of the table, as you."</p>
            <label class="inline">"Sample rows "
                <input type="number" min="1" max="100000" disabled=move || !live_page.get() prop:value=move || rows.get() on:input=move |ev| rows.set(event_target_value(&ev))/>
            </label>
            " "
            <button type="button" class="secondary" on:click=run disabled=move || !live_page.get() || watch.busy.get()>"Run impact preview"</button>
            {move || watch.error.get().map(|error| view! { <ErrorNotice error/> })}
            <Show when=move || watch.busy.get()>
                <RunProgress status=watch.status what="Previewing" on_cancel=Callback::new(move |_| watch.cancel()) canceling=watch.canceling/>
            </Show>
            {move || watch.status.with(|s| s.as_ref().and_then(|s| s.summary.message.clone()))
                .map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
            {move || match live().or_else(|| stored.get_value()) {
                Some(preview) => view! { <ImpactView preview warnings=warnings.clone()/> }.into_any(),
                None => match hidden.clone() {
                    Some(why) => view! { <p class="notice" role="status">{why}</p> }.into_any(),
                    None => view! { <p class="muted">"No preview has been run for this version yet."</p> }.into_any(),
                },
            }}
        </section>
    }
}

/// An audit action as the thread says it ("saved this version", not "save").
fn thread_action(action: &str) -> String {
    match action {
        "save" => "saved this version".into(),
        "restore" => "restored it from an older version".into(),
        "import" => "imported it".into(),
        "submit" => "submitted it for review".into(),
        "approve" => "approved it".into(),
        "reject" => "rejected it".into(),
        "comment" => "commented".into(),
        "preview" => "ran an impact preview".into(),
        "publish" => "published it".into(),
        "validate" => "validated it".into(),
        "export" => "exported it".into(),
        other => other.to_string(),
    }
}

/// The comment thread and a box to add to it.
#[component]
fn Thread(
    table: String,
    version: i32,
    thread: Vec<AuditEvent>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let table = StoredValue::new(table);
    let text = RwSignal::new(String::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let live = use_hydrated();
    let send = move |_| {
        error.set(None);
        let body = text.get_untracked();
        leptos::task::spawn_local(async move {
            match comment_rule_set(table.get_value(), version, body).await {
                Ok(()) => {
                    text.set(String::new());
                    refresh.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let entries = thread
        .into_iter()
        .map(|e| {
            let said = e
                .detail
                .as_ref()
                .and_then(|d| {
                    d.get("text")
                        .or_else(|| d.get("reason"))
                        .or_else(|| d.get("summary"))
                })
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .unwrap_or_default();
            view! {
                <li><span class="mono">{e.actor}</span>" · "{thread_action(&e.action)}" · "{crate::ui::format::when(&e.at)}
                    {(!said.is_empty()).then(|| view! { <blockquote>{said}</blockquote> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="thread-heading">
            <h3 id="thread-heading">"Review thread"</h3>
            <ul class="thread">{entries}</ul>
            <label class="stacked">"Comment"
                <textarea rows="2" disabled=move || !live.get() prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            <button type="button" class="secondary" on:click=send disabled=move || !live.get() || text.with(|t| t.trim().is_empty())>"Add comment"</button>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
        </section>
    }
}
