//! The score gauge: a half-circle arc filled to the score out of 10, with the number as text.

use leptos::prelude::*;

/// A 0–10 score as a gauge.
#[component]
pub fn ScoreGauge(score: f64) -> impl IntoView {
    let clamped = score.clamp(0.0, 10.0);
    // Arc from 180° (left) to 0° (right) over a circle of radius 40 centred at (50, 50).
    let angle = std::f64::consts::PI * (1.0 - clamped / 10.0);
    let (x, y) = (50.0 + 40.0 * angle.cos(), 50.0 - 40.0 * angle.sin());
    let filled = format!("M 10 50 A 40 40 0 0 1 {x:.2} {y:.2}");
    let class = if clamped >= 8.0 {
        "gauge good"
    } else if clamped >= 5.0 {
        "gauge fair"
    } else {
        "gauge poor"
    };
    let words = if clamped >= 8.0 {
        "good"
    } else if clamped >= 5.0 {
        "fair"
    } else {
        "poor"
    };
    let label = format!("Quality score {clamped:.1} of 10 ({words})");
    let title = label.clone();
    view! {
        <svg class=class role="img" aria-label=label.clone() viewBox="0 0 100 60" width="140" height="84">
            <title>{title}</title>
            <path class="gauge-track" d="M 10 50 A 40 40 0 0 1 90 50" fill="none" stroke-width="10"></path>
            <path class="gauge-fill" d=filled fill="none" stroke-width="10"></path>
            <text x="50" y="48" text-anchor="middle" class="gauge-value">{format!("{clamped:.1}")}</text>
            <text x="50" y="58" text-anchor="middle" class="gauge-words">{format!("of 10 · {words}")}</text>
        </svg>
    }
}
