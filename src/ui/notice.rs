//! Notices: loading (announced to screen readers), empty states that say what to do, and errors
//! in the user's terms with the request id for support.

use crate::model::error::ApiError;
use leptos::prelude::*;

/// A polite live region saying what is loading.
#[component]
pub fn Loading(#[prop(into)] what: String) -> impl IntoView {
    view! { <p class="loading" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>{what}</p> }
}

/// An empty state: what is missing and what to do about it.
#[component]
pub fn Empty(#[prop(into)] message: String) -> impl IntoView {
    view! { <p class="empty">{message}</p> }
}

/// An error next to the action that failed.
#[component]
pub fn ErrorNotice(error: ApiError, #[prop(optional)] compact: bool) -> impl IntoView {
    let class = if compact {
        "notice error compact"
    } else {
        "notice error"
    };
    view! {
        <div class=class role="alert">
            <strong>{error.kind.title()}</strong>
            " "
            <span class="notice-message">{error.message.clone()}</span>
            {error.request_id.clone().map(|id| view! { <small class="request-id">"request id " {id}</small> })}
        </div>
    }
}

/// Results computed for other rules than those on screen: says so, with the action that
/// computes them again. `what` names the results ("validation", "analysis").
#[component]
pub fn StaleNotice(
    what: &'static str,
    #[prop(into)] action: String,
    on_rerun: Callback<()>,
    #[prop(into)] disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="notice stale" role="status">
            <strong>"Rules changed"</strong>
            {format!(" since this {what}: the results below are for the rules as they were. ")}
            <button type="button" class="secondary" on:click=move |_| on_rerun.run(()) disabled=disabled>{action}</button>
        </div>
    }
}
