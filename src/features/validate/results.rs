//! A validation result as the user reads it: a summary (rows checked, valid, invalid, pass rate),
//! a per-rule table with failures first (sortable by violations), a bar chart of violations per rule, each failing
//! rule's sample violating rows, and "Download report".

use crate::model::catalog::ColumnInfo;
use crate::model::results::{RuleResult, RuleStatus, ValidationResult};
use crate::ui::chart::{Bar, BarChart};
use crate::ui::data_grid::DataGrid;
use crate::ui::download::DownloadLink;
use crate::ui::format::{count, duration, percent};
use leptos::prelude::*;
use serde_json::Value;

fn status_word(status: RuleStatus) -> (&'static str, &'static str) {
    match status {
        RuleStatus::Pass => ("✓ pass", "pass"),
        RuleStatus::Fail => ("✗ fail", "fail"),
        RuleStatus::Warn => ("! warn", "warn"),
        RuleStatus::Error => ("⚠ error", "error"),
    }
}

/// Share of checked rows that violate the rule, as text.
fn violation_rate(rule: &RuleResult, total_rows: u64) -> String {
    if total_rows == 0 {
        return "–".into();
    }
    percent(rule.violation_count as f64 * 100.0 / total_rows as f64)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Order {
    /// Rules that could not run, then failing, then warning, most violations first; passing last.
    FailuresFirst,
    MostViolations,
    FewestViolations,
}

/// Where a status sorts when failures come first.
fn status_rank(status: RuleStatus) -> u8 {
    match status {
        RuleStatus::Error => 0,
        RuleStatus::Fail => 1,
        RuleStatus::Warn => 2,
        RuleStatus::Pass => 3,
    }
}

/// The whole result.
#[component]
pub fn ValidationResults(
    result: ValidationResult,
    /// The run, when its failures may be triaged.
    #[prop(optional, into)]
    run_id: Option<String>,
) -> impl IntoView {
    let report = serde_json::to_string_pretty(&result).unwrap_or_default();
    let file_name = format!("{}.validation.json", result.table_name.replace('.', "_"));
    let total_rows = result.total_rows;
    let bars: Vec<Bar> = result
        .rule_results
        .iter()
        .filter(|r| r.violation_count > 0 || r.status == RuleStatus::Error)
        .map(|r| Bar {
            label: r.rule_name.clone(),
            value: r.violation_count,
            class: status_word(r.status).1,
        })
        .collect();
    let failing: Vec<RuleResult> = result
        .rule_results
        .iter()
        .filter(|r| !r.sample_violations.is_empty())
        .cloned()
        .collect();
    let rules = result.rule_results.clone();
    view! {
        <section class="validation-results" aria-labelledby="results-heading">
            <h3 id="results-heading">{format!("Results for {}", result.table_name)}</h3>
            <dl class="summary-cards">
                <div><dt>"Rows checked"</dt><dd>{count(result.total_rows)}</dd></div>
                <div><dt>"Valid rows"</dt><dd>{count(result.valid_rows)}</dd></div>
                <div><dt>"Invalid rows"</dt><dd class:bad={result.invalid_rows > 0}>{count(result.invalid_rows)}</dd></div>
                <div><dt>"Rows with warnings"</dt><dd>{count(result.rows_with_warnings)}</dd></div>
                <div><dt>"Pass rate"</dt><dd>{percent(result.pass_rate)}</dd></div>
                <div><dt>"Rules"</dt><dd>{format!("{} passed, {} failed, {} warned", result.passed, result.failed, result.warnings)}</dd></div>
            </dl>
            <p class="muted">{format!("Checked at {} in {}.", crate::ui::format::when(&result.validated_at), duration(result.duration_ms))}</p>
            {result.note.clone().map(|note| view! { <p class="notice" role="note">{note}</p> })}
            <DownloadLink label="Download report" file_name=file_name mime="application/octet-stream" text=report/>
            <RuleTable rules total_rows/>
            {(!bars.is_empty()).then(|| view! { <BarChart title="Violations per rule" bars/> })}
            {run_id.filter(|_| result.rule_results.iter().any(|r| r.violation_count > 0)).map(|run_id| {
                let failing_rules: Vec<String> = result.rule_results.iter().filter(|r| r.violation_count > 0).map(|r| r.rule_name.clone()).collect();
                view! { <super::triage::TriagePanel run_id failing_rules/> }
            })}
            {(!failing.is_empty()).then(|| view! {
                <h4>"Sample violating rows"</h4>
                {failing.into_iter().map(|r| view! { <Samples rule=r/> }).collect_view()}
            })}
        </section>
    }
}

/// The per-rule table, sortable by violations.
#[component]
fn RuleTable(rules: Vec<RuleResult>, total_rows: u64) -> impl IntoView {
    let order = RwSignal::new(Order::FailuresFirst);
    let rows = move || {
        let mut sorted = rules.clone();
        match order.get() {
            Order::FailuresFirst => sorted
                .sort_by_key(|r| (status_rank(r.status), std::cmp::Reverse(r.violation_count))),
            Order::MostViolations => sorted.sort_by_key(|r| std::cmp::Reverse(r.violation_count)),
            Order::FewestViolations => sorted.sort_by_key(|r| r.violation_count),
        }
        sorted
            .into_iter()
            .map(|r| {
                let (word, class) = status_word(r.status);
                let columns = r.columns.clone().unwrap_or_default().join(", ");
                let rate = violation_rate(&r, total_rows);
                view! {
                    <tr>
                        <th scope="row" class="mono">{r.rule_name.clone()}</th>
                        <td class="mono">{r.function.clone()}</td>
                        <td class="mono">{columns}</td>
                        <td>{r.criticality.clone()}</td>
                        <td><span class=format!("status {class}")>{word}</span></td>
                        <td class="num">{count(r.violation_count)}</td>
                        <td class="num">{rate}</td>
                    </tr>
                    {(r.status == RuleStatus::Error).then(|| view! { <tr class="rule-message"><td colspan="7">{r.message.clone()}</td></tr> })}
                }
            })
            .collect_view()
    };
    let sort_label = move || match order.get() {
        Order::FailuresFirst => "Violations",
        Order::MostViolations => "Violations ▼",
        Order::FewestViolations => "Violations ▲",
    };
    let aria_sort = move || match order.get() {
        Order::FailuresFirst => "none",
        Order::MostViolations => "descending",
        Order::FewestViolations => "ascending",
    };
    let toggle = move |_| {
        order.update(|o| {
            *o = match o {
                Order::MostViolations => Order::FewestViolations,
                _ => Order::MostViolations,
            }
        })
    };
    view! {
        // As tall as its rules: the page scrolls, not a box inside it.
        <div class="grid-scroll full-height">
            <table class="data-grid rule-results">
                <caption>"Rule results"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Rule"</th>
                        <th scope="col">"Function"</th>
                        <th scope="col">"Columns"</th>
                        <th scope="col">"Criticality"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" class="num" aria-sort=aria_sort>
                            <button type="button" class="link" on:click=toggle>{sort_label}</button>
                        </th>
                        <th scope="col" class="num">"Violation rate"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// A failing rule's sample rows.
#[component]
fn Samples(rule: RuleResult) -> impl IntoView {
    let mut names: Vec<String> = Vec::new();
    for row in &rule.sample_violations {
        for key in row.keys() {
            if !names.contains(key) {
                names.push(key.clone());
            }
        }
    }
    // The message first: it says why the row failed.
    if let Some(at) = names.iter().position(|n| n == "_message") {
        let message = names.remove(at);
        names.insert(0, message);
    }
    let columns: Vec<ColumnInfo> = names
        .iter()
        .map(|n| ColumnInfo {
            name: n.clone(),
            data_type: String::new(),
            nullable: true,
        })
        .collect();
    let rows: Vec<Vec<Option<String>>> = rule
        .sample_violations
        .iter()
        .map(|row| {
            names
                .iter()
                .map(|n| match row.get(n) {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(other) => Some(other.to_string()),
                })
                .collect()
        })
        .collect();
    let caption = format!(
        "{}: {} of {} violating rows",
        rule.rule_name,
        rows.len(),
        count(rule.violation_count)
    );
    view! {
        <details class="samples">
            <summary>{caption.clone()}</summary>
            <DataGrid caption columns rows/>
        </details>
    }
}
