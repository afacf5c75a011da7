//! DQX Data Quality Manager: the library shared by the server binary (`ssr`) and the browser bundle (`hydrate`).
#![recursion_limit = "256"]

pub mod app;
#[cfg(feature = "ssr")]
pub mod engine;
pub mod features;
pub mod links;
pub mod model;
pub mod ui;
pub mod url;

#[cfg(feature = "ssr")]
pub mod bench;
#[cfg(feature = "ssr")]
pub mod bench_server;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod pull;
#[cfg(feature = "ssr")]
pub mod server;

/// Browser entry point: attaches the client-side app to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
