//! Two versions side by side: rules only in the older one, rules only in the newer one, and for
//! rules in both, each changed field with its value before and after.

use crate::model::rulesets::RuleSetDiff;
use crate::ui::format::{arguments_text, value_text};
use leptos::prelude::*;
use serde_json::Value;

/// A rule in one line: `name: function(key=value, …)`, with its criticality when it warns.
fn rule_line(rule: &Value) -> String {
    let name = crate::model::rules::diff::rule_key(rule);
    let function = match crate::model::rules::rule_function(rule) {
        "" => "?",
        f => f,
    };
    let args = crate::model::rules::rule_arguments(rule)
        .map(arguments_text)
        .unwrap_or_default();
    let warn = if rule.get("criticality").and_then(Value::as_str) == Some("warn") {
        " (warning)"
    } else {
        ""
    };
    format!("{name}: {function}({args}){warn}")
}

fn field_text(value: &Option<Value>) -> String {
    match value {
        None => "(absent)".into(),
        Some(v) => value_text(v),
    }
}

/// A rule set as a list, one rule a line (a first version, with nothing to compare it with).
#[component]
pub fn RuleList(rules: Vec<Value>) -> impl IntoView {
    let items = rules
        .iter()
        .map(|r| view! { <li class="mono">{rule_line(r)}</li> })
        .collect_view();
    view! { <ul class="diff-added rule-list">{items}</ul> }
}

/// The diff of two versions.
#[component]
pub fn DiffView(diff: RuleSetDiff) -> impl IntoView {
    let removed = diff
        .removed
        .iter()
        .map(|r| view! { <li class="mono">{rule_line(r)}</li> })
        .collect_view();
    let added = diff
        .added
        .iter()
        .map(|r| view! { <li class="mono">{rule_line(r)}</li> })
        .collect_view();
    let changes = diff
        .changed
        .iter()
        .flat_map(|c| {
            c.fields.iter().map(move |f| {
                view! {
                    <tr>
                        <th scope="row" class="mono">{c.name.clone()}</th>
                        <td class="mono">{f.field.clone()}</td>
                        <td class="mono diff-before">{field_text(&f.before)}</td>
                        <td class="mono diff-after">{field_text(&f.after)}</td>
                    </tr>
                }
            })
        })
        .collect_view();
    let same = diff.unchanged;
    let summary = format!(
        "From version {} to {}: {} added, {} removed, {} changed, {} unchanged.",
        diff.from,
        diff.to,
        diff.added.len(),
        diff.removed.len(),
        diff.changed.len(),
        same
    );
    view! {
        <div class="diff">
            <p role="status">{summary}</p>
            <div class="diff-columns">
                <section aria-label=format!("Only in version {}", diff.from)>
                    <h4>{format!("Only in version {} (removed)", diff.from)}</h4>
                    {if diff.removed.is_empty() { view! { <p class="muted">"None"</p> }.into_any() } else { view! { <ul class="diff-removed">{removed}</ul> }.into_any() }}
                </section>
                <section aria-label=format!("Only in version {}", diff.to)>
                    <h4>{format!("Only in version {} (added)", diff.to)}</h4>
                    {if diff.added.is_empty() { view! { <p class="muted">"None"</p> }.into_any() } else { view! { <ul class="diff-added">{added}</ul> }.into_any() }}
                </section>
            </div>
            {(!diff.changed.is_empty()).then(|| view! {
                <div class="grid-scroll">
                    <table class="data-grid">
                        <caption>"Changed rules"</caption>
                        <thead><tr>
                            <th scope="col">"Rule"</th><th scope="col">"Field"</th>
                            <th scope="col">{format!("Version {}", diff.from)}</th><th scope="col">{format!("Version {}", diff.to)}</th>
                        </tr></thead>
                        <tbody>{changes}</tbody>
                    </table>
                </div>
            })}
        </div>
    }
}

/// One rule's change as a hunk: an added or removed rule in one line, a changed rule as its
/// changed fields with their values before and after.
#[component]
pub fn RuleHunk(before: Option<Value>, after: Option<Value>) -> impl IntoView {
    match (before, after) {
        (Some(before), Some(after)) => {
            let rows = crate::model::rules::diff::field_changes(&before, &after)
                .into_iter()
                .map(|f| {
                    view! {
                        <tr>
                            <td class="mono">{f.field.clone()}</td>
                            <td class="mono diff-before">{field_text(&f.before)}</td>
                            <td class="mono diff-after">{field_text(&f.after)}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="data-grid hunk-fields">
                    <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
        (None, Some(after)) => {
            view! { <ul class="diff-added"><li class="mono">{rule_line(&after)}</li></ul> }
                .into_any()
        }
        (Some(before), None) => {
            view! { <ul class="diff-removed"><li class="mono">{rule_line(&before)}</li></ul> }
                .into_any()
        }
        (None, None) => ().into_any(),
    }
}
