//! Whether the page is live: `false` in the server-rendered HTML and until the WASM has hydrated,
//! so a button that needs the client renders disabled instead of swallowing an early click.

use leptos::prelude::*;

/// A signal that turns `true` once, on the client, after hydration.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}
