//! A read-only data grid: sticky header, numbers right-aligned with thousands separators, NULL
//! shown distinctly, long values truncated with the full value on hover and focus.

use super::format::group_thousands;
use crate::model::catalog::ColumnInfo;
use leptos::prelude::*;

/// Characters shown before a value is truncated.
const MAX_CELL_CHARS: usize = 60;

/// Rows of text cells under typed column headers.
#[component]
pub fn DataGrid(
    #[prop(into)] caption: String,
    columns: Vec<ColumnInfo>,
    rows: Vec<Vec<Option<String>>>,
) -> impl IntoView {
    let numeric: Vec<bool> = columns.iter().map(ColumnInfo::is_numeric).collect();
    let header = columns
        .iter()
        .zip(&numeric)
        .map(|(c, &num)| {
            view! {
                <th scope="col" class:num=num>
                    <span class="col-name">{c.name.clone()}</span>
                    <span class="col-type">{c.data_type.clone()}</span>
                </th>
            }
        })
        .collect_view();
    let body = rows
        .into_iter()
        .map(|row| {
            let cells = row
                .into_iter()
                .zip(numeric.iter().copied())
                .map(|(cell, num)| cell_view(cell, num))
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    let label = caption.clone();
    view! {
        <div class="grid-scroll" tabindex="0" role="region" aria-label=label>
            <table class="data-grid">
                <caption>{caption}</caption>
                <thead><tr>{header}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

fn cell_view(cell: Option<String>, numeric: bool) -> AnyView {
    match cell {
        None => view! { <td class="null" class:num=numeric>"NULL"</td> }.into_any(),
        Some(value) => {
            let shown = if numeric {
                group_thousands(&value)
            } else {
                value.clone()
            };
            if shown.chars().count() > MAX_CELL_CHARS {
                let short: String = shown.chars().take(MAX_CELL_CHARS).collect();
                view! {
                    <td class:num=numeric>
                        <span class="truncated" tabindex="0" title=value>{short}"…"</span>
                    </td>
                }
                .into_any()
            } else if value.is_empty() {
                view! { <td class="empty-string" title="empty string">"(empty)"</td> }.into_any()
            } else {
                view! { <td class:num=numeric>{shown}</td> }.into_any()
            }
        }
    }
}
