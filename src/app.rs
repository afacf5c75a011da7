//! The HTML shell, the router and the page layout (top bar, navigation, main area).

use crate::features::catalog::view::TablesPage;
use crate::features::generate::view::GeneratePage;
use crate::features::history::status::StorageBadge;
use crate::features::history::view::HistoryPage;
use crate::features::monitor::page::MonitorPage;
use crate::features::registry::view::RegistryPage;
use crate::features::review::view::ReviewPage;
use crate::features::runs::view::{RunPage, RunsPage};
use crate::features::session::view::CallerBadge;
use crate::features::validate::page::ValidatorPage;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, lazy_route, path};

/// The document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app: layout and routes. Pages render completely on the server (`SsrMode::Async`), so
/// they are readable and navigable before (or without) the WASM.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/dqx-manager.css"/>
        <Title text="DQX Data Quality Manager"/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <div class="layout">
                <header class="top-bar">
                    <a class="product" href="/">"DQX Data Quality Manager"</a>
                    <div class="top-status">
                        <StorageBadge/>
                        <CallerBadge/>
                    </div>
                </header>
                <nav class="side-nav" aria-label="Main">
                    <ul>
                        <li><A href="/" exact=true>"Tables"</A></li>
                        <li><A href="/generate">"Generate"</A></li>
                        <li><A href="/validate">"Validate"</A></li>
                        <li><A href="/history">"History"</A></li>
                        <li><A href="/review">"Review"</A></li>
                        <li><A href="/monitor">"Monitor"</A></li>
                        <li><A href="/registry">"Registry"</A></li>
                        <li><A href="/runs">"Runs"</A></li>
                    </ul>
                </nav>
                <main id="main" class="content">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=TablesPage ssr=SsrMode::Async/>
                        <Route path=path!("/generate") view={Lazy::<GenerateRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/validate") view={Lazy::<ValidateRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/history") view={Lazy::<HistoryRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/review") view={Lazy::<ReviewRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/monitor") view={Lazy::<MonitorRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/registry") view={Lazy::<RegistryRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/runs") view={Lazy::<RunsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/runs/:id") view={Lazy::<RunRoute>::new()} ssr=SsrMode::Async/>
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

// The pages after the first are lazy routes: built with `cargo leptos build --split`, each one's
// code is a separate wasm file that the browser fetches when the page is first shown, so the
// tables page (where everybody starts) loads only its own code.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(GenerateRoute, GeneratePage);
lazy_page!(ValidateRoute, ValidatorPage);
lazy_page!(HistoryRoute, HistoryPage);
lazy_page!(ReviewRoute, ReviewPage);
lazy_page!(MonitorRoute, MonitorPage);
lazy_page!(RegistryRoute, RegistryPage);
lazy_page!(RunsRoute, RunsPage);
lazy_page!(RunRoute, RunPage);

/// Shown for unknown paths, with a 404 status.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address. " <a href="/">"Go to the tables"</a></p>
    }
}
