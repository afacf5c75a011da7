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
/// Characters of a label that fit LABEL_WIDTH in the 12 px monospace the chart uses (about
/// 7.3 px each); a longer label is cut at its end, and the whole name is in its tooltip.
const LABEL_CHARS: usize = 33;

/// A label that fits: cut at the end with an ellipsis, so its start (what names it) shows.
fn fitted(label: &str) -> String {
    if label.chars().count() > LABEL_CHARS {
        format!(
            "{}…",
            label.chars().take(LABEL_CHARS - 1).collect::<String>()
        )
    } else {
        label.to_string()
    }
}

/// Horizontal bars scaled to the largest value, the largest first.
#[component]
pub fn BarChart(#[prop(into)] title: String, mut bars: Vec<Bar>) -> impl IntoView {
    bars.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
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
            let label = fitted(&bar.label);
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
