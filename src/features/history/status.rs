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
        let who = status.user.clone().unwrap_or_default();
        (format!("Saving to {} as {who}", status.backend), "pass")
    } else {
        (format!("Storage error: {}", status.message), "fail")
    }
}

/// A one-line storage status; `detail` adds where the data is.
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
                                {detail.then(|| view! { <small class="muted">" (" {s.message.clone()} ")"</small> })}
                            </span>
                        }.into_any()
                    }
                    Err(e) => view! { <span class="storage-status fail" aria-label="Storage">{format!("Storage unknown: {}", e.message)}</span> }.into_any(),
                }
            })}
        </Suspense>
    }
}
