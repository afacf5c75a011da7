//! The Monitor page (`/monitor`): every table the viewer may read with its last pass rate, a
//! sparkline of its last 30 runs, failing rules and next scheduled run; and one table's page
//! (`/monitor?table=…`): the pass-rate line and violations per rule over time, its runs (whoever
//! started them), its schedule, its alerts and their deliveries.

use super::api::{monitor_overview, run_history};
use super::chart::{PassRateChart, RuleViolationsChart, Sparkline};
use super::settings::{AlertsPanel, SchedulePanel};
use crate::links::{monitor_href, validate_href};
use crate::model::error::ErrorKind;
use crate::model::metrics::{HistoryRun, Trigger};
use crate::model::trends::{MonitorOverview, TREND_POINTS, TableTrend};
use crate::ui::format::{count, percent, when};
use crate::ui::notice::{Empty, ErrorNotice, Loading};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The page.
#[component]
pub fn MonitorPage() -> impl IntoView {
    let query = use_query_map();
    let table = Memo::new(move |_| query.with(|q| q.get("table")));
    let health = Memo::new(move |_| query.with(|q| q.get("view").as_deref() == Some("health")));
    view! {
        <h1>"Monitor"</h1>
        <p class="lead">"Quality over time: every run of a table, manual or scheduled, as DQX's summary metrics, with schedules and alerts; and each table's health without rules."</p>
        <nav class="tabs" aria-label="Monitor views">
            <a href="/monitor" aria-current=move || (!health.get()).then_some("page")>"Rule trends"</a>
            <a href=crate::links::health_href(None) aria-current=move || health.get().then_some("page")>"Health"</a>
        </nav>
        {move || match (health.get(), table.get()) {
            (true, table) => view! { <super::health_view::HealthView table/> }.into_any(),
            (false, None) => view! { <Overview/> }.into_any(),
            (false, Some(table)) => view! { <TableMonitor table/> }.into_any(),
        }}
    }
}

#[component]
fn Overview() -> impl IntoView {
    let overview = Resource::new(|| (), |_| monitor_overview());
    view! {
        <Suspense fallback=|| view! { <Loading what="Loading the tables you may read…"/> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(o) => view! { <TrendList overview=o/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TrendList(overview: MonitorOverview) -> impl IntoView {
    let note = overview
        .note
        .clone()
        .map(|n| view! { <p class="notice" role="status">{n}</p> });
    if overview.tables.is_empty() {
        return view! { {note} <Empty message="No table you may read has runs or a schedule yet: validate a table's rules, or schedule them, and its trend starts here."/> }.into_any();
    }
    let rows = overview
        .tables
        .into_iter()
        .map(|t| view! { <TrendRow t/> })
        .collect_view();
    view! {
        {note}
        <div class="table-scroll">
            <table class="data-grid monitor-grid">
                <caption class="visually-hidden">"Tables and their quality trend"</caption>
                <thead><tr>
                    <th scope="col">"Table"</th>
                    <th scope="col" class="num">"Last pass rate"</th>
                    <th scope="col">{format!("Last {TREND_POINTS} runs")}</th>
                    <th scope="col">"Failing rules"</th>
                    <th scope="col">"Next scheduled run"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn TrendRow(t: TableTrend) -> impl IntoView {
    let last = t.last_pass_rate();
    let class = match last {
        Some(rate) if rate >= 100.0 => "num status-ok",
        Some(_) => "num status-warn",
        None => "num muted",
    };
    let failing = if t.failing_rules.is_empty() {
        view! { <span class="muted">"None"</span> }.into_any()
    } else {
        view! { <span class="mono">{t.failing_rules.join(", ")}</span> }.into_any()
    };
    let next = t
        .next_run_at
        .as_deref()
        .map(when)
        .unwrap_or_else(|| "Not scheduled".to_string());
    view! {
        <tr>
            <th scope="row" class="mono"><a href=monitor_href(&t.table)>{t.table.clone()}</a></th>
            <td class=class data-label="Last pass rate">{last.map(percent).unwrap_or_else(|| "No runs yet".into())}</td>
            <td data-label="Trend"><Sparkline points=t.points.clone() table=t.table.clone()/></td>
            <td data-label="Failing rules">{failing}</td>
            <td data-label="Next scheduled run">{next}</td>
        </tr>
    }
}

#[component]
fn TableMonitor(table: String) -> impl IntoView {
    let name = StoredValue::new(table.clone());
    let history = Resource::new(
        move || name.get_value(),
        |table| run_history(table, Some(TREND_POINTS)),
    );
    view! {
        <p><a href="/monitor">"All tables"</a></p>
        <h2 class="mono">{table.clone()}</h2>
        <Suspense fallback=|| view! { <Loading what="Loading the table's runs…"/> }>
            {move || Suspend::new(async move {
                match history.await {
                    Err(error) if error.kind == ErrorKind::Unavailable => view! { <Empty message=error.message/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(h) => {
                        let note = h.note.map(|n| view! { <p class="notice" role="status">{n}</p> });
                        let mut runs = h.runs;
                        runs.reverse();
                        view! { {note} <Trends table=name.get_value() runs/> }.into_any()
                    }
                }
            })}
        </Suspense>
        <SchedulePanel table=table.clone()/>
        <AlertsPanel table/>
    }
}

#[component]
fn Trends(table: String, runs: Vec<HistoryRun>) -> impl IntoView {
    if runs.is_empty() {
        return view! { <Empty message="No runs of this table yet: validate its rules or schedule them."/> }.into_any();
    }
    let rows = runs
        .iter()
        .rev()
        .map(|r| {
            // A pipeline's rules the app has no version of are shown as such.
            let version = match (r.version, r.trigger) {
                (Some(v), _) => format!("v{v}"),
                (None, Trigger::Manual) => "unsaved".into(),
                (None, _) => "not saved here".into(),
            };
            view! {
                <tr id=format!("run-{}", r.run_id)>
                    <td data-label="Started">{when(&r.started_at)}</td>
                    <td data-label="Trigger">{r.trigger.as_str()}</td>
                    <td data-label="Version">{version}</td>
                    <td data-label="By" class="mono">{r.started_by.clone()}</td>
                    <td class="num" data-label="Pass rate">{percent(r.pass_rate)}</td>
                    <td class="num" data-label="Error rows">{count(r.metrics.error_row_count)}</td>
                    <td class="num" data-label="Rows">{count(r.metrics.input_row_count)}</td>
                    <td class="mono" data-label="Run"><small>{r.run_id.clone()}</small></td>
                    <td data-label="See rows">{r.version.map(|v| view! {
                        <a href=validate_href(&table, v) title="Runs this version now, reading the table as you">{format!("Check v{v} as you")}</a>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="trend-heading">
            <h3 id="trend-heading">"Pass rate"</h3>
            <PassRateChart runs=runs.clone()/>
            <h3>"Violations per rule"</h3>
            <RuleViolationsChart runs=runs.clone()/>
            <h3>"Runs"</h3>
            <p class="muted">"Counts only. A run's rows are never shown to anyone but whoever started it; to see the rows a version fails, check it again as you, so your grants, row filters and masks apply."</p>
            <div class="table-scroll">
                <table class="data-grid runs-grid">
                    <caption class="visually-hidden">"Runs of the table, newest first"</caption>
                    <thead><tr>
                        <th scope="col">"Started"</th><th scope="col">"Trigger"</th><th scope="col">"Version"</th>
                        <th scope="col">"By"</th><th scope="col" class="num">"Pass rate"</th>
                        <th scope="col" class="num">"Error rows"</th><th scope="col" class="num">"Rows"</th>
                        <th scope="col">"Run"</th><th scope="col">"See rows"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
