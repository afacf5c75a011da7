//! A table's schedule and alerts on its Monitor page: set, pause or delete the schedule (cron with
//! presets, time zone, next run shown), add or delete alerts (DQX's condition, a destination,
//! frequency, notify-on), and the log of their deliveries.

use super::api::{
    alert_deliveries, delete_alert, delete_schedule, list_alerts, list_schedules, set_alert,
    set_schedule,
};
use crate::model::alerts::{
    Alert, DeliveryList, Destination, DestinationKind, Frequency, NotifyOn,
};
use crate::model::cron::PRESETS;
use crate::model::error::{ApiError, ErrorKind};
use crate::model::schedule::Schedule;
use crate::ui::format::when;
use crate::ui::hydration::use_hydrated;
use crate::ui::notice::{Empty, ErrorNotice, Loading};
use leptos::prelude::*;

/// The table's schedule, with a form to set it.
#[component]
pub fn SchedulePanel(table: String) -> impl IntoView {
    let table = StoredValue::new(table);
    let refresh = RwSignal::new(0u32);
    let current = Resource::new(move || refresh.get(), |_| list_schedules());
    view! {
        <section class="panel" aria-labelledby="schedule-heading">
            <h3 id="schedule-heading">"Schedule"</h3>
            <Suspense fallback=|| view! { <Loading what="Loading the schedule…"/> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Err(error) if error.kind == ErrorKind::Unavailable => view! { <Empty message=error.message/> }.into_any(),
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        Ok(list) => {
                            let mine = list.schedules.into_iter().find(|s| s.table == table.get_value());
                            view! { <ScheduleForm table=table.get_value() current=mine refresh/> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ScheduleForm(table: String, current: Option<Schedule>, refresh: RwSignal<u32>) -> impl IntoView {
    let table = StoredValue::new(table);
    let cron = RwSignal::new(
        current
            .as_ref()
            .map_or_else(|| "0 6 * * *".to_string(), |s| s.cron.clone()),
    );
    let zone = RwSignal::new(
        current
            .as_ref()
            .map_or_else(|| "UTC".to_string(), |s| s.timezone.clone()),
    );
    let enabled = RwSignal::new(current.as_ref().is_none_or(|s| s.enabled));
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let live = use_hydrated();
    let save = move |_| {
        error.set(None);
        let (c, z, e) = (
            cron.get_untracked(),
            zone.get_untracked(),
            enabled.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            match set_schedule(table.get_value(), c, z, Some(e)).await {
                Ok(_) => refresh.update(|n| *n += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let remove = move |_| {
        error.set(None);
        leptos::task::spawn_local(async move {
            match delete_schedule(table.get_value()).await {
                Ok(()) => refresh.update(|n| *n += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let has = current.is_some();
    let status = match &current {
        None => {
            view! { <p class="muted">"Not scheduled: runs happen only when someone validates."</p> }
                .into_any()
        }
        Some(s) => {
            let next = match (&s.next_run_at, s.enabled) {
                (_, false) => "Paused".to_string(),
                (Some(at), true) => format!("Next run {}", when(at)),
                (None, true) => "It never runs again".to_string(),
            };
            let last = s.last_error.clone().map(
                |e| view! { <p class="status-warn">{format!("Last time it did not run: {e}")}</p> },
            );
            view! {
                <p class="schedule-status" role="status">
                    <strong>{next}</strong>
                    {format!(" · \"{}\" in {} · set by {}", s.cron, s.timezone, s.owner)}
                </p>
                {last}
                <p class="muted">{format!("Scheduled runs run the active (approved) version {}.", s.runs_as)}</p>
            }
            .into_any()
        }
    };
    let presets = PRESETS
        .iter()
        .map(|(label, text)| {
            let text = text.to_string();
            view! { <button type="button" class="secondary small" disabled=move || !live.get() on:click=move |_| cron.set(text.clone())>{*label}</button> }
        })
        .collect_view();
    view! {
        {status}
        <div class="form-row">
            <label>"Cron (minute hour day month weekday)"
                <input type="text" class="mono" name="cron" prop:value=move || cron.get() on:input=move |ev| cron.set(event_target_value(&ev)) disabled=move || !live.get()/>
            </label>
            <span class="presets">{presets}</span>
            <label>"Time zone"
                <input type="text" name="timezone" prop:value=move || zone.get() on:input=move |ev| zone.set(event_target_value(&ev)) disabled=move || !live.get()/>
            </label>
            <label class="inline"><input type="checkbox" prop:checked=move || enabled.get() on:change=move |ev| enabled.set(event_target_checked(&ev)) disabled=move || !live.get()/>" Enabled"</label>
        </div>
        <button type="button" on:click=save disabled=move || !live.get()>"Save schedule"</button>
        {has.then(|| view! { " " <button type="button" class="secondary" on:click=remove disabled=move || !live.get()>"Delete schedule"</button> })}
        {move || error.get().map(|error| view! { <ErrorNotice error/> })}
    }
}

/// The table's alerts, a form to add one, and their deliveries.
#[component]
pub fn AlertsPanel(table: String) -> impl IntoView {
    let table = StoredValue::new(table);
    let refresh = RwSignal::new(0u32);
    let alerts = Resource::new(
        move || (table.get_value(), refresh.get()),
        |(t, _)| list_alerts(Some(t)),
    );
    let log = Resource::new(
        move || (table.get_value(), refresh.get()),
        |(t, _)| alert_deliveries(Some(t), Some(50)),
    );
    view! {
        <section class="panel" aria-labelledby="alerts-heading">
            <h3 id="alerts-heading">"Alerts"</h3>
            <p class="muted">"DQX alerts: a condition over each run's metrics (error_row_count, warning_row_count, valid_row_count, input_row_count, or a rule's count such as email_present_error_count), sent to a webhook, Slack or Teams. Pipelines that load the table's actions with DQX fire the same alerts; for a rule's count they observe it as a DQX custom metric, as the scheduled job does."</p>
            <Suspense fallback=|| view! { <Loading what="Loading the alerts…"/> }>
                {move || Suspend::new(async move {
                    match alerts.await {
                        Err(error) if error.kind == ErrorKind::Unavailable => view! { <Empty message=error.message/> }.into_any(),
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        Ok(list) => view! { <AlertRows alerts=list.alerts table=table.get_value() refresh/> }.into_any(),
                    }
                })}
            </Suspense>
            <AlertForm table=table.get_value() refresh/>
            <h3>"Deliveries"</h3>
            <Suspense fallback=|| view! { <Loading what="Loading the deliveries…"/> }>
                {move || Suspend::new(async move {
                    match log.await {
                        Err(error) if error.kind == ErrorKind::Unavailable => ().into_any(),
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        Ok(list) => view! { <Deliveries list/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AlertRows(alerts: Vec<Alert>, table: String, refresh: RwSignal<u32>) -> impl IntoView {
    if alerts.is_empty() {
        return view! { <p class="muted">"No alerts yet."</p> }.into_any();
    }
    let table = StoredValue::new(table);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let live = use_hydrated();
    let rows = alerts
        .into_iter()
        .map(|a| {
            let name = StoredValue::new(a.name.clone());
            let remove = move |_| {
                error.set(None);
                leptos::task::spawn_local(async move {
                    match delete_alert(table.get_value(), name.get_value()).await {
                        Ok(()) => refresh.update(|n| *n += 1),
                        Err(e) => error.set(Some(e)),
                    }
                });
            };
            let to: Vec<String> = a.destinations.iter().map(|d| format!("{} {}", d.kind.as_str(), d.url)).collect();
            view! {
                <tr>
                    <th scope="row">{a.name.clone()}</th>
                    <td class="mono" data-label="Condition">{a.condition.clone()}</td>
                    <td data-label="Sent to">{to.join(", ")}</td>
                    <td data-label="When">{format!("{} · {}", a.frequency.as_str(), a.notify_on.as_str().replace('_', " "))}</td>
                    <td data-label="Set by" class="mono">{if a.owner.is_empty() { "—".to_string() } else { a.owner.clone() }}</td>
                    <td class="actions"><button type="button" class="secondary small" on:click=remove disabled=move || !live.get()>"Delete"</button></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="data-grid alerts-grid">
                <caption class="visually-hidden">"Alerts of the table"</caption>
                <thead><tr><th scope="col">"Alert"</th><th scope="col">"Condition"</th><th scope="col">"Sent to"</th><th scope="col">"When"</th><th scope="col">"Set by"</th><th scope="col" class="actions">"Actions"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {move || error.get().map(|error| view! { <ErrorNotice error/> })}
    }
    .into_any()
}

#[component]
fn AlertForm(table: String, refresh: RwSignal<u32>) -> impl IntoView {
    let table = StoredValue::new(table);
    let name = RwSignal::new("errors found".to_string());
    let condition = RwSignal::new("error_row_count > 0".to_string());
    let kind = RwSignal::new("webhook".to_string());
    let url = RwSignal::new(String::new());
    let frequency = RwSignal::new("always".to_string());
    let notify = RwSignal::new("each".to_string());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let live = use_hydrated();
    let add = move |_| {
        error.set(None);
        let kind = match kind.get_untracked().as_str() {
            "slack" => DestinationKind::Slack,
            "teams" => DestinationKind::Teams,
            _ => DestinationKind::Webhook,
        };
        let frequency = match frequency.get_untracked().as_str() {
            "hourly" => Frequency::Hourly,
            "daily" => Frequency::Daily,
            _ => Frequency::Always,
        };
        let notify_on = if notify.get_untracked() == "status_change" {
            NotifyOn::StatusChange
        } else {
            NotifyOn::Each
        };
        let destinations = vec![Destination {
            kind,
            url: url.get_untracked(),
        }];
        let (n, c) = (name.get_untracked(), condition.get_untracked());
        leptos::task::spawn_local(async move {
            match set_alert(
                table.get_value(),
                n,
                c,
                destinations,
                Some(frequency),
                Some(notify_on),
                None,
            )
            .await
            {
                Ok(_) => {
                    url.set(String::new());
                    refresh.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let text_input = |label: &'static str,
                      field: &'static str,
                      value: RwSignal<String>,
                      class: &'static str| {
        view! {
            <label>{label}
                <input type="text" name=field class=class prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) disabled=move || !live.get()/>
            </label>
        }
    };
    let select = |label: &'static str,
                  field: &'static str,
                  value: RwSignal<String>,
                  options: &'static [(&'static str, &'static str)]| {
        let options = options
            .iter()
            .map(|(v, text)| view! { <option value=*v selected=move || value.get() == *v>{*text}</option> })
            .collect_view();
        view! {
            <label>{label}
                <select name=field on:change=move |ev| value.set(event_target_value(&ev)) disabled=move || !live.get()>{options}</select>
            </label>
        }
    };
    view! {
        <h4>"Add or replace an alert"</h4>
        <div class="form-row">
            {text_input("Name", "alert-name", name, "")}
            {text_input("Condition", "condition", condition, "mono")}
            {select("Send to", "kind", kind, &[("webhook", "Webhook"), ("slack", "Slack"), ("teams", "Teams")])}
            {text_input("URL (https)", "url", url, "mono")}
            {select("At most", "frequency", frequency, &[("always", "every run"), ("hourly", "hourly"), ("daily", "daily")])}
            {select("Notify", "notify-on", notify, &[("each", "each time"), ("status_change", "when it turns bad")])}
        </div>
        <button type="button" on:click=add disabled=move || !live.get() || url.with(|u| u.trim().is_empty())>"Save alert"</button>
        {move || error.get().map(|error| view! { <ErrorNotice error/> })}
    }
}

#[component]
fn Deliveries(list: DeliveryList) -> impl IntoView {
    if list.deliveries.is_empty() {
        return view! { <p class="muted">"No alert was sent yet."</p> }.into_any();
    }
    let rows = list
        .deliveries
        .into_iter()
        .map(|d| {
            let class = match d.outcome {
                crate::model::alerts::DeliveryOutcome::Sent => "status-ok",
                _ => "status-warn",
            };
            view! {
                <tr>
                    <td data-label="At">{when(&d.at)}</td>
                    <td data-label="Alert">{d.alert.clone()}</td>
                    <td data-label="To" class="mono">{d.destination.clone()}</td>
                    <td data-label="Outcome" class=class>{format!("{} (attempt {})", d.outcome.as_str(), d.attempt)}</td>
                    <td data-label="Why">{d.reason.clone().unwrap_or_default()}</td>
                    <td data-label="Run" class="mono"><small>{d.run_id.clone()}</small></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="data-grid deliveries-grid">
                <caption class="visually-hidden">"Alert deliveries, newest first"</caption>
                <thead><tr><th scope="col">"At"</th><th scope="col">"Alert"</th><th scope="col">"To"</th><th scope="col">"Outcome"</th><th scope="col">"Why"</th><th scope="col">"Run"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
