//! Waiting in the browser without blocking: an async sleep on `setTimeout` (no timer crate).

use leptos::prelude::set_timeout;
use std::time::Duration;

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u64) {
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    set_timeout(
        move || {
            let _ = tx.send(());
        },
        Duration::from_millis(ms),
    );
    let _ = rx.await;
}
