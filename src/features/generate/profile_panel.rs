//! The column statistics behind generated rules (nulls, distinct values, ranges, top values), so
//! the user sees why each rule exists.

use crate::model::profile::ColumnProfile;
use crate::ui::format::{count, percent};
use leptos::prelude::*;

/// Most frequent values shown per column.
const TOP_SHOWN: usize = 5;

fn range(c: &ColumnProfile) -> String {
    match (&c.min, &c.max) {
        (Some(lo), Some(hi)) => format!("{lo} … {hi}"),
        _ => match (c.min_length, c.max_length) {
            (Some(lo), Some(hi)) => format!("length {lo} … {hi}"),
            _ => "–".into(),
        },
    }
}

fn top(c: &ColumnProfile) -> String {
    if c.top_values.is_empty() {
        return "–".into();
    }
    let mut shown: Vec<String> = c
        .top_values
        .iter()
        .take(TOP_SHOWN)
        .map(|(v, n)| format!("{v} ({})", count(*n)))
        .collect();
    if c.top_values.len() > TOP_SHOWN {
        shown.push(format!("+{} more", c.top_values.len() - TOP_SHOWN));
    }
    shown.join(", ")
}

/// The profile as a table.
#[component]
pub fn ProfilePanel(columns: Vec<ColumnProfile>, rows: u64) -> impl IntoView {
    let body = columns
        .into_iter()
        .map(|c| {
            let nulls = if c.count == 0 {
                "–".to_string()
            } else {
                format!(
                    "{} ({})",
                    count(c.null_count),
                    percent(c.null_count as f64 * 100.0 / c.count as f64)
                )
            };
            view! {
                <tr>
                    <th scope="row" class="mono">{c.name.clone()}</th>
                    <td class="mono">{c.data_type.clone()}</td>
                    <td class="num">{nulls}</td>
                    <td class="num">{count(c.distinct_count.min(c.count.saturating_sub(c.null_count)))}</td>
                    <td class="mono">{range(&c)}</td>
                    <td class="mono">{top(&c)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <details class="profile-panel" open>
            <summary>{format!("Column profile ({} rows profiled)", count(rows))}</summary>
            <div class="grid-scroll">
                <table class="data-grid">
                    <caption class="visually-hidden">"Column profile"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Column"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col" class="num">"Nulls"</th>
                            <th scope="col" class="num">"Distinct (approx.)"</th>
                            <th scope="col">"Range"</th>
                            <th scope="col">"Top values"</th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        </details>
    }
}
