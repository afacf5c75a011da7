//! The Tables page: catalogs → schemas → tables as links (they work before the WASM loads), a
//! "go to table" box, the chosen table's columns and a grid of sample rows.

use super::api::{describe_table, list_catalogs, list_schemas, list_tables, sample_table};
use super::selection::{Selection, catalog_href, schema_href, table_href};
use super::table_form::TableNameForm;
use crate::model::catalog::{DEFAULT_SAMPLE_LIMIT, MAX_SAMPLE_LIMIT, SampleRows, TableDescription};
use crate::model::error::ApiError;
use crate::ui::data_grid::DataGrid;
use crate::ui::format::group_thousands;
use crate::ui::notice::{Empty, ErrorNotice, Loading};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The table browser with the selected table's preview.
#[component]
pub fn TablesPage() -> impl IntoView {
    let query = use_query_map();
    let selection = Memo::new(move |_| query.with(|q| Selection::from_params(|k| q.get(k))));

    view! {
        <h1>"Tables"</h1>
        <p class="lead">"Pick a table you may read to see its columns and sample rows."</p>
        <TableNameForm action="/" id="goto-table" button="Open table" selection/>
        <div class="browser">
            <CatalogColumn selection/>
            <SchemaColumn selection/>
            <TableColumn selection/>
        </div>
        <TablePreview selection/>
    }
}

#[component]
fn CatalogColumn(selection: Memo<Selection>) -> impl IntoView {
    let catalogs = Resource::new(|| (), |_| list_catalogs());
    view! {
        <section class="browser-column" aria-labelledby="catalogs-heading">
            <h2 id="catalogs-heading">"Catalogs"</h2>
            <Suspense fallback=|| view! { <Loading what="Loading catalogs…"/> }>
                {move || Suspend::new(async move {
                    match catalogs.await {
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <Empty message="You cannot use any catalog. Ask a workspace admin for USE CATALOG on one."/>
                        }.into_any(),
                        Ok(list) => {
                            let items = list.into_iter().map(|c| {
                                let href = catalog_href(&c.name);
                                let name = c.name.clone();
                                let selected = move || selection.with(|s| s.catalog.as_deref() == Some(c.name.as_str()));
                                view! {
                                    <li><a href=href aria-current=move || selected().then_some("true")>{name}</a></li>
                                }
                            }).collect_view();
                            view! { <ul class="pick-list">{items}</ul> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SchemaColumn(selection: Memo<Selection>) -> impl IntoView {
    let schemas = Resource::new(
        move || selection.with(|s| s.catalog.clone()),
        |catalog| async move {
            match catalog {
                Some(catalog) => list_schemas(catalog).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <section class="browser-column" aria-labelledby="schemas-heading">
            <h2 id="schemas-heading">"Schemas"</h2>
            <Suspense fallback=|| view! { <Loading what="Loading schemas…"/> }>
                {move || Suspend::new(async move {
                    match schemas.await {
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        Ok(None) => view! { <Empty message="Pick a catalog first."/> }.into_any(),
                        Ok(Some(list)) if list.is_empty() => view! {
                            <Empty message="No schema here that you may use."/>
                        }.into_any(),
                        Ok(Some(list)) => {
                            let items = list.into_iter().map(|s| {
                                let name = s.name.clone();
                                let selected = move || selection.with(|sel| sel.schema.as_deref() == Some(name.as_str()));
                                let href = schema_href(&s.catalog, &s.name);
                                view! {
                                    <li><a href=href aria-current=move || selected().then_some("true")>{s.name.clone()}</a></li>
                                }
                            }).collect_view();
                            view! { <ul class="pick-list">{items}</ul> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn TableColumn(selection: Memo<Selection>) -> impl IntoView {
    let tables = Resource::new(
        move || selection.with(|s| s.catalog.clone().zip(s.schema.clone())),
        |picked| async move {
            match picked {
                Some((catalog, schema)) => list_tables(catalog, schema).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <section class="browser-column" aria-labelledby="tables-heading">
            <h2 id="tables-heading">"Tables"</h2>
            <Suspense fallback=|| view! { <Loading what="Loading tables…"/> }>
                {move || Suspend::new(async move {
                    match tables.await {
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        Ok(None) => view! { <Empty message="Pick a schema first."/> }.into_any(),
                        Ok(Some(list)) if list.is_empty() => view! {
                            <Empty message="No table here that you may read. Ask for SELECT on a table of this schema."/>
                        }.into_any(),
                        Ok(Some(list)) => {
                            let items = list.into_iter().map(|t| {
                                let full = t.full_name.clone();
                                let selected = move || selection.with(|s| s.table.as_deref() == Some(full.as_str()));
                                let href = table_href(&t.full_name);
                                view! {
                                    <li>
                                        <a href=href aria-current=move || selected().then_some("true")>{t.name.clone()}</a>
                                        <span class="tag">{t.table_type.clone()}</span>
                                    </li>
                                }
                            }).collect_view();
                            view! { <ul class="pick-list">{items}</ul> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Columns and sample rows of the selected table.
#[component]
fn TablePreview(selection: Memo<Selection>) -> impl IntoView {
    let description = Resource::new(
        move || selection.with(|s| s.table.clone()),
        |table| async move {
            match table {
                Some(table) => describe_table(table).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let sample = Resource::new(
        move || selection.with(|s| s.table.clone().map(|t| (t, s.limit))),
        |picked| async move {
            match picked {
                Some((table, limit)) => sample_table(table, limit).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Show when=move || selection.with(|s| s.table.is_some())>
            <section class="preview" aria-labelledby="preview-heading">
                <h2 id="preview-heading">{move || selection.with(|s| s.table.clone().unwrap_or_default())}</h2>
                <p>
                    <a class="button primary" href=move || selection.with(|s| crate::features::generate::view::generate_href(s.table.as_deref().unwrap_or_default(), None, None))>
                        "Generate rules for this table"
                    </a>
                </p>
                <Suspense fallback=|| view! { <Loading what="Loading the table's columns…"/> }>
                    {move || Suspend::new(async move {
                        match description.await {
                            Err(error) => view! { <ErrorNotice error/> }.into_any(),
                            Ok(None) => ().into_any(),
                            Ok(Some(d)) => view! {
                                <ColumnList description=d/>
                                <SampleControls selection/>
                                <SampleGrid sample/>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </Show>
    }
}

/// The sample rows, once loaded.
#[component]
fn SampleGrid(sample: Resource<Result<Option<SampleRows>, ApiError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <Loading what="Loading sample rows…"/> }>
            {move || Suspend::new(async move {
                match sample.await {
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    Ok(None) => ().into_any(),
                    Ok(Some(s)) if s.rows.is_empty() => view! { <Empty message="This table has no rows."/> }.into_any(),
                    Ok(Some(s)) => {
                        let caption = format!(
                            "Sample rows of {} (first {} rows)",
                            s.table,
                            group_thousands(&s.rows.len().to_string())
                        );
                        view! { <DataGrid caption columns=s.columns rows=s.rows/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn ColumnList(description: TableDescription) -> impl IntoView {
    let count = description
        .row_count
        .map(|n| format!("{} rows", group_thousands(&n.to_string())))
        .unwrap_or_else(|| "row count unknown".to_string());
    let rows = description
        .columns
        .into_iter()
        .map(|c| {
            view! {
                <tr>
                    <th scope="row">{c.name}</th>
                    <td class="mono">{c.data_type}</td>
                    <td>{if c.nullable { "yes" } else { "no" }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="table-meta">
            <span class="tag">{description.table.table_type}</span>
            " "
            <span>{count}</span>
        </p>
        <details class="columns" open>
            <summary>"Columns"</summary>
            <table class="column-list">
                <caption class="visually-hidden">"Columns and types"</caption>
                <thead><tr><th scope="col">"Column"</th><th scope="col">"Type"</th><th scope="col">"Nullable"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}

/// How many sample rows to show; a GET form so it works without JavaScript.
#[component]
fn SampleControls(selection: Memo<Selection>) -> impl IntoView {
    let table = move || selection.with(|s| s.table.clone().unwrap_or_default());
    let limit = move || {
        selection.with(|s| {
            s.limit
                .unwrap_or(DEFAULT_SAMPLE_LIMIT)
                .min(MAX_SAMPLE_LIMIT)
                .to_string()
        })
    };
    view! {
        <form class="sample-controls" method="get" action="/">
            <input type="hidden" name="table" value=table/>
            <label for="sample-limit">"Rows to show"</label>
            <input id="sample-limit" name="limit" type="number" min="1" max=MAX_SAMPLE_LIMIT.to_string() value=limit/>
            <button type="submit">"Show rows"</button>
            {move || selection.with(|s| s.limit_error.clone()).map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </form>
    }
}
