//! The Monitor page's Health view (`/monitor?view=health`): turn health on for a scope, then per
//! scope a grid of its tables × signals (freshness, volume, schema, columns) coloured by state,
//! worst first; and one table's health (`&table=…`): every signal with its reason, the row count
//! and null rates over time, and "write a rule for this" on a drifting column.

use super::health_api::{health_overview, set_health_scope, table_health};
use crate::links::{generate_prompt_href, health_href};
use crate::model::error::ApiError;
use crate::model::health::view::{
    Expected, HealthPoint, ScopeHealth, TableHealth, TableHealthDetail,
};
use crate::model::health::{Signal, SignalKind, SignalState};
use crate::model::registry::{Scope, TagOn, TagScope};
use crate::ui::hydration::use_hydrated;
use crate::ui::notice::{Empty, ErrorNotice, Loading};
use leptos::prelude::*;

/// The CSS class of a state.
fn state_class(state: SignalState) -> &'static str {
    match state {
        SignalState::NotEnoughHistory => "health-cell health-learning",
        SignalState::Ok => "health-cell health-ok",
        SignalState::Warning => "health-cell health-warning",
        SignalState::Anomaly => "health-cell health-anomaly",
    }
}

/// A scope in words.
fn scope_words(scope: &Scope) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &scope.pattern {
        parts.push(p.clone());
    }
    if !scope.tables.is_empty() {
        parts.push(scope.tables.join(", "));
    }
    if let Some(t) = &scope.tag {
        parts.push(format!("tag {} = {}", t.key, t.value));
    }
    if !scope.exclude.is_empty() {
        parts.push(format!("except {}", scope.exclude.join(", ")));
    }
    parts.join(" · ")
}

/// The view: the whole grid, or one table.
#[component]
pub fn HealthView(table: Option<String>) -> impl IntoView {
    match table {
        Some(table) => view! { <TableHealthPage table/> }.into_any(),
        None => view! { <HealthGrid/> }.into_any(),
    }
}

#[component]
fn HealthGrid() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let overview = Resource::new(move || refresh.get(), |_| health_overview(None));
    view! {
        <WatchForm refresh/>
        <Suspense fallback=|| view! { <Loading what="Loading health…"/> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(scopes) if scopes.is_empty() => view! { <Empty message="Health is not on for any table you may read: name a schema above and turn it on."/> }.into_any(),
                    Ok(scopes) => scopes.into_iter().map(|s| view! { <ScopeGrid s refresh/> }).collect_view().into_any(),
                }
            })}
        </Suspense>
    }
}

/// The scope the form describes: a pattern, a Unity Catalog tag (`key = value` on tables or on
/// their columns), or both; the same scopes the registry binds rules to.
fn form_scope(pattern: &str, tag: &str, tag_on: &str) -> Scope {
    let tag = tag.split_once('=').map(|(k, v)| TagScope {
        key: k.trim().to_string(),
        value: v.trim().to_string(),
        on: if tag_on == "column" {
            TagOn::Column
        } else {
            TagOn::Table
        },
    });
    let pattern = pattern.trim();
    Scope {
        pattern: (!pattern.is_empty()).then(|| pattern.to_string()),
        tag,
        ..Scope::default()
    }
}

#[component]
fn WatchForm(refresh: RwSignal<u32>) -> impl IntoView {
    let pattern = RwSignal::new("main.sales.*".to_string());
    let tag = RwSignal::new(String::new());
    let tag_on = RwSignal::new("table".to_string());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let live = use_hydrated();
    let watch = move |_| {
        error.set(None);
        let scope = form_scope(
            &pattern.get_untracked(),
            &tag.get_untracked(),
            &tag_on.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            match set_health_scope(scope, true).await {
                Ok(_) => refresh.update(|n| *n += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="watch-heading">
            <h2 id="watch-heading">"Watch a schema's health"</h2>
            <p class="muted">"Every table it covers that you may read is observed each hour as you — when it last changed, its row count, its columns and a bounded sample's statistics — and judged against its own history. No rules needed."</p>
            <label for="health-pattern">"Tables (catalog.schema.table, * for any)"</label>
            <input id="health-pattern" class="mono" prop:value=move || pattern.get() on:input=move |ev| pattern.set(event_target_value(&ev))/>
            <label for="health-tag">"Or tables with a Unity Catalog tag (key = value; with a pattern, tables matching either)"</label>
            <div class="inline-fields">
                <input id="health-tag" class="mono" placeholder="domain = sales" prop:value=move || tag.get() on:input=move |ev| tag.set(event_target_value(&ev))/>
                <select aria-label="The tag is on" prop:value=move || tag_on.get() on:change=move |ev| tag_on.set(event_target_value(&ev))>
                    <option value="table">"on the table"</option>
                    <option value="column">"on one of its columns"</option>
                </select>
            </div>
            <button type="button" class="primary" disabled=move || !live.get() on:click=watch>"Turn health on"</button>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
        </section>
    }
}

#[component]
fn ScopeGrid(s: ScopeHealth, refresh: RwSignal<u32>) -> impl IntoView {
    let live = use_hydrated();
    let scope = StoredValue::new(s.scope.scope.clone());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let turn_off = move |_| {
        leptos::task::spawn_local(async move {
            match set_health_scope(scope.get_value(), false).await {
                Ok(_) => refresh.update(|n| *n += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let last = s.scope.last_observed_at.clone().map_or_else(
        || "not observed yet".to_string(),
        |t| format!("last observed {}", crate::ui::format::when(&t)),
    );
    let state = if s.scope.enabled { "on" } else { "off" };
    let failure = s
        .scope
        .last_error
        .clone()
        .map(|e| view! { <p class="notice" role="status">{format!("The last pass could not observe {e}")}</p> });
    let runs_as = s
        .scope
        .runs_as
        .clone()
        .map(|how| view! { <p class="muted">{format!("Observed {how}.")}</p> });
    let not_observed = (!s.scope.not_observed.is_empty()).then(|| {
        let names = s.scope.not_observed.join("; ");
        view! { <p class="notice" role="status">{format!("Not observed: {names}.")}</p> }
    });
    let rows = s
        .tables
        .into_iter()
        .map(|t| view! { <HealthRow t/> })
        .collect_view();
    view! {
        <section class="panel" aria-label=format!("Health of {}", scope_words(&s.scope.scope))>
            <h2 class="mono">{scope_words(&s.scope.scope)}</h2>
            <p class="muted">{format!("Health {state} · owner {} · {last} · {} tables you may read", s.scope.owner, s.scope.tables.len())}</p>
            {runs_as}
            {failure}
            {not_observed}
            <div class="table-scroll">
                <table class="data-grid health-grid">
                    <caption class="visually-hidden">"Tables and their health, worst first"</caption>
                    <thead><tr>
                        <th scope="col">"Table"</th><th scope="col">"Freshness"</th><th scope="col">"Volume"</th>
                        <th scope="col">"Schema"</th><th scope="col">"Columns"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {s.scope.enabled.then(|| view! { <button type="button" class="small" disabled=move || !live.get() on:click=turn_off>"Turn health off"</button> })}
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
        </section>
    }
}

/// One cell: the signal's state, and its reason beneath.
fn cell(signal: Option<&Signal>, label: &'static str) -> impl IntoView + use<> {
    match signal {
        None => view! { <td class="health-cell health-learning" data-label=label>"Not observed yet"</td> }.into_any(),
        Some(s) => {
            let column = s.column.clone().map(|c| format!("{c}: ")).unwrap_or_default();
            view! {
                <td class=state_class(s.state) data-label=label>
                    <strong>{s.state.label()}</strong>
                    <small>{format!("{column}{}", s.reason)}</small>
                </td>
            }
            .into_any()
        }
    }
}

#[component]
fn HealthRow(t: TableHealth) -> impl IntoView {
    view! {
        <tr>
            <th scope="row" class="mono"><a href=health_href(Some(&t.table))>{t.table.clone()}</a></th>
            {cell(t.of_kind(SignalKind::Freshness), "Freshness")}
            {cell(t.of_kind(SignalKind::Volume), "Volume")}
            {cell(t.of_kind(SignalKind::Schema), "Schema")}
            {cell(t.of_kind(SignalKind::Column), "Columns")}
        </tr>
    }
}

#[component]
fn TableHealthPage(table: String) -> impl IntoView {
    let name = StoredValue::new(table.clone());
    let detail = Resource::new(move || name.get_value(), table_health);
    view! {
        <p><a href=health_href(None)>"All health"</a></p>
        <h2 class="mono">{table.clone()}</h2>
        <Suspense fallback=|| view! { <Loading what="Loading the table's health…"/> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(d) => view! { <TableSignals d/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A rule to propose for a drifting column, in the words Generate reads.
fn rule_prompt(signal: &Signal) -> Option<String> {
    let column = signal.column.as_deref()?;
    if signal.state < SignalState::Warning {
        return None;
    }
    Some(if signal.reason.starts_with("null rate") {
        format!("{column} must not be null")
    } else if signal.reason.starts_with("distinct ratio") {
        format!("{column} must be unique")
    } else {
        format!("{column} must stay within its usual range")
    })
}

#[component]
fn TableSignals(d: TableHealthDetail) -> impl IntoView {
    if d.health.observations == 0 {
        return view! { <Empty message="Not observed yet: the first pass runs within the hour of turning health on."/> }.into_any();
    }
    let table = d.health.table.clone();
    let items = d
        .health
        .signals
        .iter()
        .map(|s| {
            let what = match (&s.kind, &s.column) {
                (_, Some(c)) => format!("Column {c}"),
                (SignalKind::Freshness, None) => "Freshness".into(),
                (SignalKind::Volume, None) => "Volume".into(),
                _ => "Schema".into(),
            };
            let fix = rule_prompt(s).map(|p| view! { " " <a href=generate_prompt_href(&table, &p)>"Write a rule for this"</a> });
            view! {
                <li class=state_class(s.state)>
                    <strong>{format!("{what}: {}", s.state.label())}</strong>
                    " — " {s.reason.clone()} {fix}
                </li>
            }
        })
        .collect_view();
    let rows: Vec<f64> = d.points.iter().map(|p| p.row_count as f64).collect();
    let rows_expected: Vec<Option<Expected>> = d.points.iter().map(|p| p.expected_rows).collect();
    let drifting: Vec<String> = d
        .health
        .signals
        .iter()
        .filter(|s| s.kind == SignalKind::Column && s.state >= SignalState::Warning)
        .filter_map(|s| s.column.clone())
        .collect();
    let null_lines = drifting
        .into_iter()
        .map(|c| {
            let values = null_rates(&d.points, &c);
            let expected: Vec<Option<Expected>> = d
                .points
                .iter()
                .map(|p| p.expected_null_rates.get(&c).copied())
                .collect();
            view! { <h4>{format!("Null rate of {c}")}</h4> <Line values expected label=format!("Null rate of {c} per observation") percent=true/> }
        })
        .collect_view();
    view! {
        <ul class="plain health-signals">{items}</ul>
        <h3>"Row count"</h3>
        <p class="muted">"The shaded band is where each observation was expected from the ones before it; points outside it are circled."</p>
        <Line values=rows expected=rows_expected label="Row count per observation".to_string() percent=false/>
        {null_lines}
    }
    .into_any()
}

fn null_rates(points: &[HealthPoint], column: &str) -> Vec<f64> {
    points
        .iter()
        .map(|p| p.null_rates.get(column).copied().unwrap_or(0.0))
        .collect()
}

/// The polygons of a line's band: one per run of points that have one (high edge left to right,
/// low edge back), each a few pixels wide when it has one point.
fn band_polygons(
    expected: &[Option<Expected>],
    x: impl Fn(usize) -> f64,
    y: impl Fn(f64) -> f64,
) -> Vec<String> {
    let mut runs: Vec<Vec<(usize, Expected)>> = Vec::new();
    for (i, e) in expected.iter().enumerate() {
        match (e, runs.last_mut()) {
            (Some(e), Some(run)) if run.last().is_some_and(|(j, _)| j + 1 == i) => {
                run.push((i, *e))
            }
            (Some(e), _) => runs.push(vec![(i, *e)]),
            (None, _) => {}
        }
    }
    runs.into_iter()
        .map(|run| {
            // One point: a narrow bar; more: the high edge left to right, the low edge back.
            let edge = |run: &[(usize, Expected)], at: &dyn Fn(&Expected) -> f64, dx: f64| {
                run.iter()
                    .map(|(i, e)| format!("{:.1},{:.1}", x(*i) + dx, y(at(e))))
                    .collect::<Vec<_>>()
            };
            let high = |e: &Expected| e.high;
            let low = |e: &Expected| e.low.max(0.0);
            let mut corners = if run.len() == 1 {
                let mut c = edge(&run, &high, -3.0);
                c.extend(edge(&run, &high, 3.0));
                c.extend(edge(&run, &low, 3.0));
                c.extend(edge(&run, &low, -3.0));
                c
            } else {
                edge(&run, &high, 0.0)
            };
            if run.len() > 1 {
                let mut back = edge(&run, &low, 0.0);
                back.reverse();
                corners.extend(back);
            }
            corners.join(" ")
        })
        .collect()
}

/// A small line of values, oldest left, over the band each point was judged against (from the
/// points before it); points outside their band marked by state, and the newest point marked.
#[component]
fn Line(
    values: Vec<f64>,
    expected: Vec<Option<Expected>>,
    label: String,
    percent: bool,
) -> impl IntoView {
    let (w, h, pad) = (640.0, 120.0, 16.0);
    let show = move |v: f64| {
        if percent {
            crate::model::health::words::percent(v)
        } else {
            crate::model::health::words::number(v)
        }
    };
    let max = values
        .iter()
        .copied()
        .chain(expected.iter().flatten().map(|e| e.high))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(if percent { 0.01 } else { 1.0 });
    let n = values.len();
    let x = move |i: usize| {
        if n <= 1 {
            w / 2.0
        } else {
            pad + (w - 2.0 * pad) * i as f64 / (n - 1) as f64
        }
    };
    let y = move |v: f64| pad + (h - 2.0 * pad) * (1.0 - (v / max).clamp(0.0, 1.0));
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
        .collect();
    let bands = band_polygons(&expected, x, y)
        .into_iter()
        .map(|corners| view! { <polygon class="trend-band" points=corners/> })
        .collect_view();
    let outside = expected
        .iter()
        .zip(&values)
        .enumerate()
        .filter_map(|(i, (e, v))| e.filter(|e| e.state >= SignalState::Warning).map(|e| (i, e, *v)))
        .map(|(i, e, v)| {
            let class = if e.state == SignalState::Anomaly {
                "trend-point outside anomaly"
            } else {
                "trend-point outside warning"
            };
            let words = format!(
                "{}: {} (expected {} to {})",
                e.state.label(),
                show(v),
                show(e.low.max(0.0)),
                show(e.high)
            );
            view! { <circle class=class cx=format!("{:.1}", x(i)) cy=format!("{:.1}", y(v)) r="5"><title>{words}</title></circle> }
        })
        .collect_view();
    let outside_count = expected
        .iter()
        .flatten()
        .filter(|e| e.state >= SignalState::Warning)
        .count();
    let last = values.last().copied().unwrap_or(0.0);
    let shown = show(last);
    let top = show(max);
    let summary =
        format!("{label}: newest {shown}; {outside_count} of {n} points outside their band");
    view! {
        <svg class="trend-chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label=summary>
            <title>{label.clone()}</title>
            <text x="2" y="12">{top}</text>
            {bands}
            <polyline class="trend-line" fill="none" points=points.join(" ")/>
            {outside}
            <circle class="trend-point newest" cx=format!("{:.1}", x(n.saturating_sub(1))) cy=format!("{:.1}", y(last)) r="4"><title>{format!("Newest: {shown}")}</title></circle>
        </svg>
    }
}
