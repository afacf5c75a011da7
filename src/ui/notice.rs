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
