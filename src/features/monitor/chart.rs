//! Inline SVG trend charts (no chart library): a sparkline of pass rates, the pass-rate line with
//! version changes marked on the time axis and each point linking to its run, and violations per
//! rule over time. Each chart has a title and description for screen readers, and every point a
//! tooltip with its figures.

use crate::model::metrics::HistoryRun;
use crate::model::trends::TrendPoint;
use crate::ui::format::{count, percent, when};
use leptos::prelude::*;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 24.0;
/// Rules the per-rule chart draws at most (the most violating).
const MAX_RULE_LINES: usize = 8;

/// x of point `i` of `n`, spread evenly over the plot.
fn x_of(i: usize, n: usize) -> f64 {
    if n <= 1 {
        return LEFT + (WIDTH - LEFT - RIGHT) / 2.0;
    }
    LEFT + (WIDTH - LEFT - RIGHT) * i as f64 / (n - 1) as f64
}

/// y of `value` on a `min..=max` axis.
fn y_between(value: f64, min: f64, max: f64) -> f64 {
    let span = if max - min <= 0.0 { 1.0 } else { max - min };
    TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - ((value - min) / span).clamp(0.0, 1.0))
}

/// The pass-rate axis starts at the lowest rate rounded down to ten (so 97–100% is not a flat
/// line at the top), at 0 at most.
fn rate_floor(rates: &[f64]) -> f64 {
    let lowest = rates.iter().copied().fold(100.0f64, f64::min);
    ((lowest / 10.0).floor() * 10.0).clamp(0.0, 90.0)
}

fn polyline(values: &[f64], max: f64) -> String {
    polyline_between(values, 0.0, max)
}

fn polyline_between(values: &[f64], min: f64, max: f64) -> String {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                x_of(i, values.len()),
                y_between(*v, min, max)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A small line of pass rates (oldest left), for the table list.
#[component]
pub fn Sparkline(points: Vec<TrendPoint>, #[prop(into)] table: String) -> impl IntoView {
    let (w, h) = (120.0, 28.0);
    let n = points.len();
    let floor = rate_floor(&points.iter().map(|p| p.pass_rate).collect::<Vec<_>>());
    let line: String = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = if n <= 1 {
                w / 2.0
            } else {
                2.0 + (w - 4.0) * i as f64 / (n - 1) as f64
            };
            let y =
                2.0 + (h - 4.0) * (1.0 - ((p.pass_rate - floor) / (100.0 - floor)).clamp(0.0, 1.0));
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    let label = match (points.first(), points.last()) {
        (Some(first), Some(last)) => format!(
            "Pass rate of {table} over its last {}: from {} to {}",
            crate::ui::format::plural(n, "run"),
            percent(first.pass_rate),
            percent(last.pass_rate)
        ),
        _ => format!("{table} has no runs yet"),
    };
    let aria = label.clone();
    view! {
        <svg class="sparkline" role="img" aria-label=aria viewBox=format!("0 0 {w} {h}") width=w height=h>
            <title>{label}</title>
            <polyline class="trend-line" fill="none" points=line/>
        </svg>
    }
}

/// Where the version changes: (index, version) of each point whose version differs from the
/// point before it.
fn version_changes(versions: &[Option<i32>]) -> Vec<(usize, i32)> {
    versions
        .iter()
        .enumerate()
        .skip(1)
        .filter_map(|(i, v)| match (versions[i - 1], v) {
            (before, Some(now)) if before != Some(*now) => Some((i, *now)),
            _ => None,
        })
        .collect()
}

/// The pass-rate line of a table's runs (oldest first), version changes marked, each point a
/// link to its row in the runs list.
#[component]
pub fn PassRateChart(runs: Vec<HistoryRun>) -> impl IntoView {
    let n = runs.len();
    let rates: Vec<f64> = runs.iter().map(|r| r.pass_rate).collect();
    let floor = rate_floor(&rates);
    let versions: Vec<Option<i32>> = runs.iter().map(|r| r.version).collect();
    let markers = version_changes(&versions)
        .into_iter()
        .map(|(i, v)| {
            let x = x_of(i, n) - (x_of(1, n.max(2)) - x_of(0, n.max(2))) / 2.0;
            view! {
                <g class="version-change">
                    <line x1=x x2=x y1=TOP y2=HEIGHT - BOTTOM/>
                    <text x=x + 3.0 y=TOP + 10.0>{format!("v{v}")}</text>
                </g>
            }
        })
        .collect_view();
    let dots = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let tip = format!(
                "{}: {} pass ({} errors in {} rows){}",
                when(&r.started_at),
                percent(r.pass_rate),
                count(r.metrics.error_row_count),
                count(r.metrics.input_row_count),
                r.version.map(|v| format!(", v{v}")).unwrap_or_default()
            );
            view! {
                <a href=format!("#run-{}", r.run_id)>
                    <circle class="trend-point" cx=x_of(i, n) cy=y_between(r.pass_rate, floor, 100.0) r="4">
                        <title>{tip}</title>
                    </circle>
                </a>
            }
        })
        .collect_view();
    let desc = match (runs.first(), runs.last()) {
        (Some(a), Some(b)) => format!(
            "{} from {} ({}) to {} ({}); version changes are marked with dashed lines.",
            crate::ui::format::plural(n, "run"),
            when(&a.started_at),
            percent(a.pass_rate),
            when(&b.started_at),
            percent(b.pass_rate)
        ),
        _ => "No runs yet.".to_string(),
    };
    view! {
        <svg class="trend-chart" role="img" aria-labelledby="pass-rate-title pass-rate-desc"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="xMinYMin meet">
            <title id="pass-rate-title">"Pass rate per run"</title>
            <desc id="pass-rate-desc">{desc}</desc>
            <Axes max_label="100%".to_string() min_label=format!("{floor}%") first=runs.first().map(|r| when(&r.started_at)) last=runs.last().map(|r| when(&r.started_at))/>
            {markers}
            <polyline class="trend-line" fill="none" points=polyline_between(&rates, floor, 100.0)/>
            {dots}
        </svg>
    }
}

#[component]
fn Axes(
    max_label: String,
    min_label: String,
    first: Option<String>,
    last: Option<String>,
) -> impl IntoView {
    view! {
        <g class="axes">
            <line x1=LEFT x2=WIDTH - RIGHT y1=HEIGHT - BOTTOM y2=HEIGHT - BOTTOM/>
            <line x1=LEFT x2=LEFT y1=TOP y2=HEIGHT - BOTTOM/>
            <text x=LEFT - 4.0 y=TOP + 4.0 text-anchor="end">{max_label}</text>
            <text x=LEFT - 4.0 y=HEIGHT - BOTTOM text-anchor="end">{min_label}</text>
            <text x=LEFT y=HEIGHT - 6.0>{first.unwrap_or_default()}</text>
            <text x=WIDTH - RIGHT y=HEIGHT - 6.0 text-anchor="end">{last.unwrap_or_default()}</text>
        </g>
    }
}

/// Violations (errors and warnings) of each rule per run (oldest first), the most violating
/// rules drawn, each with its legend entry.
#[component]
pub fn RuleViolationsChart(runs: Vec<HistoryRun>) -> impl IntoView {
    let mut totals: Vec<(String, u64)> = Vec::new();
    for run in &runs {
        for c in &run.metrics.check_metrics {
            let v = c.error_count + c.warning_count;
            match totals.iter_mut().find(|(n, _)| *n == c.check_name) {
                Some((_, t)) => *t += v,
                None => totals.push((c.check_name.clone(), v)),
            }
        }
    }
    totals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    totals.truncate(MAX_RULE_LINES);
    let series: Vec<(String, Vec<f64>)> = totals
        .iter()
        .map(|(name, _)| {
            let values = runs
                .iter()
                .map(|r| {
                    r.metrics
                        .check_metrics
                        .iter()
                        .find(|c| &c.check_name == name)
                        .map_or(0.0, |c| (c.error_count + c.warning_count) as f64)
                })
                .collect();
            (name.clone(), values)
        })
        .collect();
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0f64, f64::max);
    let lines = series
        .iter()
        .enumerate()
        .map(|(i, (name, values))| {
            let last = values.last().copied().unwrap_or(0.0) as u64;
            view! {
                <polyline class=format!("rule-line series-{i}") fill="none" points=polyline(values, max)>
                    <title>{format!("{name}: {} violations in the last run", count(last))}</title>
                </polyline>
            }
        })
        .collect_view();
    let legend = series
        .iter()
        .enumerate()
        .map(|(i, (name, values))| {
            let last = values.last().copied().unwrap_or(0.0) as u64;
            view! { <li><span class=format!("swatch series-{i}")></span><span class="mono">{name.clone()}</span>{format!(" · {} in the last run", count(last))}</li> }
        })
        .collect_view();
    view! {
        <svg class="trend-chart" role="img" aria-labelledby="rules-title"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="xMinYMin meet">
            <title id="rules-title">"Violations per rule and run; the legend lists each rule's count in the last run"</title>
            <Axes max_label=count(max as u64) min_label="0".to_string() first=runs.first().map(|r| when(&r.started_at)) last=runs.last().map(|r| when(&r.started_at))/>
            {lines}
        </svg>
        <ul class="chart-legend">{legend}</ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_changes_are_where_the_version_differs_from_the_run_before() {
        let v = [Some(1), Some(1), Some(2), None, Some(2), Some(3)];
        assert_eq!(version_changes(&v), vec![(2, 2), (4, 2), (5, 3)]);
    }

    #[test]
    fn the_pass_rate_axis_starts_near_the_lowest_rate() {
        assert_eq!(rate_floor(&[98.0, 99.5]), 90.0);
        assert_eq!(rate_floor(&[100.0]), 90.0);
        assert_eq!(rate_floor(&[42.0, 99.0]), 40.0);
        assert_eq!(rate_floor(&[]), 90.0);
    }

    #[test]
    fn points_stay_inside_the_plot() {
        assert_eq!(y_between(100.0, 0.0, 100.0), TOP);
        assert_eq!(y_between(0.0, 0.0, 100.0), HEIGHT - BOTTOM);
        assert_eq!(y_between(250.0, 0.0, 100.0), TOP);
        assert_eq!(y_between(80.0, 90.0, 100.0), HEIGHT - BOTTOM);
        assert_eq!(x_of(0, 5), LEFT);
        assert_eq!(x_of(4, 5), WIDTH - RIGHT);
    }
}
