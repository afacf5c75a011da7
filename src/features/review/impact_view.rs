//! An impact preview as a reviewer reads it: pass rate and failing rows before → after, then per
//! rule whether it was added, removed or changed, its violations before → after, and the rows
//! that start or stop failing, with a few of them.

use crate::model::review::ImpactPreview;
use crate::ui::format::{count, duration, percent};
use leptos::prelude::*;
use serde_json::{Map, Value};

fn opt_count(n: Option<u64>) -> String {
    n.map(count).unwrap_or_else(|| "—".into())
}

fn row_text(row: &Map<String, Value>) -> String {
    row.iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            Value::Null => format!("{k}=null"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn sample_list(rows: &[Map<String, Value>]) -> impl IntoView + use<> {
    let items = rows
        .iter()
        .map(|r| view! { <li class="mono">{row_text(r)}</li> })
        .collect_view();
    view! { <ul class="sample-rows">{items}</ul> }
}

/// The preview.
#[component]
pub fn ImpactView(
    preview: ImpactPreview,
    /// Names of the version's warning rules: their rows are flagged but do not fail.
    #[prop(optional)]
    warnings: Vec<String>,
) -> impl IntoView {
    let against = match preview.against_version {
        Some(v) => format!("v{v} (active)"),
        None => "nothing active".into(),
    };
    // The rules that make rows start failing first, most first; the rest as they came.
    let mut rules: Vec<_> = preview.rules.iter().collect();
    rules.sort_by_key(|r| std::cmp::Reverse(r.rows_start_failing));
    let rows = rules
        .into_iter()
        .map(|r| {
            let samples = (!r.samples.is_empty()).then(|| {
                view! {
                    <details class="row-samples">
                        <summary>{format!("Show {}", crate::ui::format::plural(r.samples.len(), "row"))}</summary>
                        {sample_list(&r.samples)}
                    </details>
                }
            });
            let warns = warnings.contains(&r.rule_name);
            view! {
                <tr class=format!("change-{}", r.change)>
                    <th scope="row" class="mono">{r.rule_name.clone()}{warns.then(|| view! { " " <span class="tag">"warning"</span> })}</th>
                    <td>{r.change.clone()}</td>
                    <td class="num">{format!("{} → {}", opt_count(r.violations_before), opt_count(r.violations_after))}</td>
                    <td class="num">{count(r.rows_start_failing)}</td>
                    <td class="num">{count(r.rows_stop_failing)}</td>
                    <td>{r.skipped.clone()}{samples}</td>
                </tr>
            }
        })
        .collect_view();
    let start = (!preview.start_failing_samples.is_empty())
        .then(|| sample_list(&preview.start_failing_samples));
    let stop = (!preview.stop_failing_samples.is_empty())
        .then(|| sample_list(&preview.stop_failing_samples));
    view! {
        <div class="impact" role="region" aria-label="Impact preview">
            <p class="impact-summary">
                {format!(
                    "On {} rows ({}), against {}: pass rate {} → {}, failing rows {} → {}; {} rows start failing, {} stop failing. A row fails on an error; a warning flags it without failing it.",
                    count(preview.rows_checked), preview.sample, against,
                    percent(preview.pass_rate_before), percent(preview.pass_rate_after),
                    count(preview.invalid_before), count(preview.invalid_after),
                    count(preview.rows_start_failing), count(preview.rows_stop_failing),
                )}
            </p>
            <p class="muted">{format!("Run by {} at {} in {}.", preview.computed_by, crate::ui::format::when(&preview.computed_at), duration(preview.duration_ms))}</p>
            <div class="grid-scroll full-height"><table class="data-grid impact-rules">
                <caption>"Impact per rule"</caption>
                <thead><tr>
                    <th scope="col">"Rule"</th><th scope="col">"Change"</th><th scope="col" class="num">"Violations before → after"</th>
                    <th scope="col" class="num">"Start failing"</th><th scope="col" class="num">"Stop failing"</th><th scope="col">"Rows that start failing"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table></div>
            {start.map(|s| view! { <h4>"Rows that start failing"</h4>{s} })}
            {stop.map(|s| view! { <h4>"Rows that stop failing"</h4>{s} })}
        </div>
    }
}
