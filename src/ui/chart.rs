//! A small inline SVG bar chart (violations per rule); no chart library. Each bar carries its
//! label and value as text, so the chart is readable without colour and by screen readers.

use crate::ui::format::count;
use leptos::prelude::*;

/// One bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    /// CSS class for the bar's colour (`fail`, `warn`, `error`); the label says the same in words.
    pub class: &'static str,
}

const ROW: u32 = 22;
const LABEL_WIDTH: u32 = 260;
const BAR_WIDTH: u32 = 360;

/// Horizontal bars scaled to the largest value.
#[component]
pub fn BarChart(#[prop(into)] title: String, bars: Vec<Bar>) -> impl IntoView {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * bars.len() as u32 + 4;
    let width = LABEL_WIDTH + BAR_WIDTH + 90;
    let rows = bars
        .into_iter()
        .enumerate()
        .map(|(i, bar)| {
            let y = i as u32 * ROW + 2;
            let length = ((bar.value as f64 / max as f64) * BAR_WIDTH as f64).round() as u32;
            let length = if bar.value > 0 { length.max(2) } else { 0 };
            let label = if bar.label.chars().count() > 38 {
                format!("{}…", bar.label.chars().take(37).collect::<String>())
            } else {
                bar.label.clone()
            };
            view! {
                <g class=format!("bar {}", bar.class)>
                    <title>{format!("{}: {} violations", bar.label, count(bar.value))}</title>
                    <text x=(LABEL_WIDTH - 8).to_string() y=(y + 15).to_string() text-anchor="end" class="bar-label">{label}</text>
                    <rect x=LABEL_WIDTH.to_string() y=(y + 3).to_string() width=length.to_string() height=(ROW - 8).to_string() rx="2"></rect>
                    <text x=(LABEL_WIDTH + length + 6).to_string() y=(y + 15).to_string() class="bar-value">{count(bar.value)}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg role="img" aria-label=title.clone() viewBox=format!("0 0 {width} {height}") width=width.to_string() height=height.to_string()>
                {rows}
            </svg>
            <figcaption>{title}</figcaption>
        </figure>
    }
}
