//! The storage status, in words: connected as whom, not configured, or what is wrong. Shown in
//! the top bar and beside Save.

use super::api::store_status;
use crate::model::rulesets::StorageStatus;
use leptos::prelude::*;

fn describe(status: &StorageStatus) -> (String, &'static str) {
    if !status.configured {
        (
            format!("Storage not configured: {}", status.message),
            "warn",
        )
    } else if status.connected {
        // Where, in the user's words; the path or host is in the tooltip, the user in the top
        // bar.
        let place = if status.backend.starts_with("sqlite") {
            "on this machine"
        } else if status.backend.contains("postgres") || status.backend.contains("lakebase") {
            "in Lakebase"
        } else {
            "in the rule store"
        };
        (format!("Versions are saved {place}"), "pass")
    } else {
        (format!("Storage error: {}", status.message), "fail")
    }
}

/// A one-line storage status; `detail` adds whom the store sees (the path is in the tooltip).
#[component]
pub fn StorageBadge(#[prop(optional)] detail: bool) -> impl IntoView {
    let status = Resource::new(|| (), |_| store_status());
    view! {
        <Suspense fallback=|| view! { <span class="muted">"Checking storage…"</span> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(s) => {
                        let (text, class) = describe(&s);
                        let title = s.message.clone();
                        view! {
                            <span class=format!("storage-status {class}") title=title aria-label="Storage">
                                <span class="status-dot" aria-hidden="true"></span>
                                {text}
                                {detail.then(|| s.user.clone().map(|who| view! { <small class="muted">{format!(" (as {who})")}</small> }))}
                            </span>
                        }.into_any()
                    }
                    Err(e) => view! { <span class="storage-status fail" aria-label="Storage">{format!("Storage unknown: {}", e.message)}</span> }.into_any(),
                }
            })}
        </Suspense>
    }
}
