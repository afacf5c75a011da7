//! The list of tables with saved rules: one row per table with its active version, newest
//! version's status, last validation and pending reviews, linking to the page it is used on.

use super::api::list_rule_tables;
use crate::links::{history_href, review_href, table_href, validate_href};
use crate::model::error::ErrorKind;
use crate::model::rulesets::{LastValidation, RuleTables, TableOverview, VersionStatus};
use crate::ui::format::{count, percent, plural, when};
use crate::ui::notice::{Empty, ErrorNotice, Loading};
use leptos::prelude::*;

/// Where a table's name leads: the page the list is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opens {
    /// The table's columns and rows (the landing page).
    Table,
    /// Validating its active (else newest) version.
    Validate,
    /// Its saved versions.
    History,
}

impl Opens {
    fn href(self, t: &TableOverview) -> String {
        match self {
            Opens::Table => table_href(&t.table_name),
            Opens::Validate => validate_href(&t.table_name, shown_version(t)),
            Opens::History => history_href(&t.table_name),
        }
    }
}

/// The version a table's rules are validated with: the active one, else the newest.
fn shown_version(t: &TableOverview) -> i32 {
    t.active_version.unwrap_or(t.latest_version)
}

/// The list, loaded on its own (the page around it shows at once).
#[component]
pub fn RuleTablesList(opens: Opens, heading: &'static str) -> impl IntoView {
    let listed = Resource::new(|| (), |_| list_rule_tables());
    view! {
        <section class="rule-tables" aria-labelledby="rule-tables-heading">
            <h2 id="rule-tables-heading">{heading}</h2>
            <Suspense fallback=|| view! { <Loading what="Loading your tables with rules…"/> }>
                {move || Suspend::new(async move {
                    match listed.await {
                        Err(error) if error.kind == ErrorKind::Unavailable => {
                            view! { <Empty message=error.message/> }.into_any()
                        }
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        Ok(list) => view! { <Listed list opens/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Listed(list: RuleTables, opens: Opens) -> impl IntoView {
    let unchecked = (list.unchecked > 0).then(|| {
        view! {
            <p class="muted">{format!(
                "{} with rules {} still being checked for your access: reload in a minute to see them.",
                plural(list.unchecked, "more table"),
                if list.unchecked == 1 { "is" } else { "are" }
            )}</p>
        }
    });
    if list.tables.is_empty() {
        return view! {
            <Empty message="No table you may read has saved rules yet: pick a table, generate rules for it and save them."/>
            {unchecked}
        }
        .into_any();
    }
    let rows = list
        .tables
        .into_iter()
        .map(|t| view! { <OverviewRow t opens/> })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="data-grid rule-tables-grid">
                <caption class="visually-hidden">"Tables with saved rules"</caption>
                <thead><tr>
                    <th scope="col">"Table"</th>
                    <th scope="col">"Active"</th>
                    <th scope="col">"Newest version"</th>
                    <th scope="col">"Last validation"</th>
                    <th scope="col" class="num">"Pending reviews"</th>
                    <th scope="col" class="actions">"Actions"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {unchecked}
    }
    .into_any()
}

#[component]
fn OverviewRow(t: TableOverview, opens: Opens) -> impl IntoView {
    let name = t.table_name.clone();
    let active = match t.active_version {
        Some(v) => format!("v{v}"),
        None => "None yet".to_string(),
    };
    let newest = format!("v{} · {}", t.latest_version, t.latest_status.label());
    let changed = t.changed_at.as_deref().map(when).unwrap_or_default();
    let review = (t.pending_reviews > 0).then(|| {
        let pending_version =
            (t.latest_status == VersionStatus::Pending).then_some(t.latest_version);
        view! { " " <a href=review_href(&name, pending_version)>"Review"</a> }
    });
    view! {
        <tr>
            <th scope="row" class="mono"><a href=opens.href(&t)>{name.clone()}</a></th>
            <td data-label="Active">{active}</td>
            <td data-label="Newest version">{newest}<br/><small class="muted">{format!("{} · {changed}", plural(t.versions as usize, "version"))}</small></td>
            <td data-label="Last validation">{validation_cell(t.last_validation.as_ref())}</td>
            <td class="num" data-label="Pending reviews">{t.pending_reviews}</td>
            <td class="actions">
                <a href=validate_href(&name, shown_version(&t))>"Validate"</a>
                " "
                <a href=history_href(&name)>"History"</a>
                {review}
            </td>
        </tr>
    }
}

/// "98.5% of 1,000 rows" with the version and time, or that it never ran.
fn validation_cell(last: Option<&LastValidation>) -> impl IntoView + use<> {
    let Some(last) = last else {
        return view! { <span class="muted">"Not validated yet"</span> }.into_any();
    };
    let class = if last.invalid_rows == 0 {
        "status-ok"
    } else {
        "status-warn"
    };
    let which = match last.version {
        Some(v) => format!("v{v}"),
        None => "unsaved rules".to_string(),
    };
    view! {
        <span class=class>{format!("{} of {} rows pass", percent(last.pass_rate), count(last.total_rows))}</span>
        <br/><small class="muted">{format!("{which} · {}", when(&last.at))}</small>
    }
    .into_any()
}
