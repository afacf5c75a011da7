//! The caller's identity and the mode badge, shown in the top bar.

use super::api::whoami;
use crate::ui::notice::ErrorNotice;
use leptos::prelude::*;

/// Email of the caller and the mode (Local / Databricks).
#[component]
pub fn CallerBadge() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <div class="caller" aria-label="Signed in as">
            <Suspense fallback=|| view! { <span class="muted">"Identifying…"</span> }>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(me) => view! {
                            <span class="mode-badge" title=me.identity_source.clone()>{me.mode.badge()}</span>
                            <span class="caller-email" title=me.display_name.clone().unwrap_or_default()>{me.email.clone()}</span>
                        }.into_any(),
                        Err(err) => view! { <ErrorNotice error=err compact=true/> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
