//! A column of links to pick one thing from (the Tables page's catalogs, schemas and tables):
//! loading, an error (or, when a deeper pick shows the same refusal, a word about it), "pick the
//! parent first", an empty list, or the links with the picked one marked `aria-current`. Links
//! work before the WASM loads.

use crate::model::error::{ApiError, ErrorKind};
use crate::ui::notice::{Empty, ErrorNotice, Loading};
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// One link of the list.
pub struct PickItem {
    pub label: String,
    pub href: String,
    pub selected: Signal<bool>,
    /// A small tag after the link (a table's type).
    pub tag: Option<String>,
}

/// What the column says in each state.
#[derive(Clone, Copy)]
pub struct PickTexts {
    pub heading: &'static str,
    pub heading_id: &'static str,
    pub loading: &'static str,
    /// Nothing to list yet: the parent is not picked.
    pub unpicked: &'static str,
    pub empty: &'static str,
}

/// The column: `items` loads the entries (`None` while the parent is not picked), `item` turns
/// one into its link.
#[component]
pub fn PickList<T, F>(
    texts: PickTexts,
    items: Resource<Result<Option<Vec<T>>, ApiError>>,
    item: F,
    /// A refusal is shown further down the page (for a deeper pick), so here it is only named:
    /// one "permission denied" box, not one per column.
    #[prop(optional)]
    denial_below: bool,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> PickItem + Copy + Send + Sync + 'static,
{
    view! {
        <section class="browser-column" aria-labelledby=texts.heading_id>
            <h2 id=texts.heading_id>{texts.heading}</h2>
            <Suspense fallback=move || view! { <Loading what=texts.loading/> }>
                {move || Suspend::new(async move {
                    match items.await {
                        Err(error) if denial_below && error.kind == ErrorKind::PermissionDenied => {
                            view! { <Empty message="Not available to you (see below)."/> }.into_any()
                        }
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        Ok(None) => view! { <Empty message=texts.unpicked/> }.into_any(),
                        Ok(Some(list)) if list.is_empty() => view! { <Empty message=texts.empty/> }.into_any(),
                        Ok(Some(list)) => {
                            let links = list.into_iter().map(item).map(|p| {
                                let selected = p.selected;
                                view! {
                                    <li>
                                        <a href=p.href aria-current=move || selected.get().then_some("true")>{p.label}</a>
                                        {p.tag.map(|t| view! { <span class="tag">{t}</span> })}
                                    </li>
                                }
                            }).collect_view();
                            view! { <ul class="pick-list">{links}</ul> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
