//! The Tables page: catalogs → schemas → tables as links (they work before the WASM loads), a
//! "go to table" box, the chosen table's columns and a grid of sample rows.

use super::api::{describe_table, list_catalogs, list_schemas, list_tables, sample_table};
use super::selection::Selection;
use super::table_form::TableNameForm;
use crate::features::overview::view::{Opens, RuleTablesList};
use crate::links::{catalog_href, generate_href, schema_href, table_href};
use crate::model::catalog::{
    CatalogInfo, DEFAULT_SAMPLE_LIMIT, MAX_SAMPLE_LIMIT, SampleRows, SchemaInfo, TableDescription,
    TableInfo,
};
use crate::model::error::ApiError;
use crate::ui::data_grid::DataGrid;
use crate::ui::format::group_thousands;
use crate::ui::notice::{Empty, ErrorNotice, Loading};
use crate::ui::pick_list::{PickItem, PickList, PickTexts};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The table browser with the selected table's preview.
#[component]
pub fn TablesPage() -> impl IntoView {
    let query = use_query_map();
    let selection = Memo::new(move |_| query.with(|q| Selection::from_params(|k| q.get(k))));

    // The landing page (nothing picked) starts with where the caller's rules stand.
    let landing = selection.with_untracked(|s| s.catalog.is_none() && s.table.is_none());
    view! {
        <h1>"Tables"</h1>
        {landing.then(|| view! { <RuleTablesList opens=Opens::Table heading="Your tables with rules"/> })}
        <h2 class:visually-hidden=!landing>"Browse the catalog"</h2>
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
    let catalogs = Resource::new(|| (), |_| async { list_catalogs().await.map(Some) });
    let texts = PickTexts {
        heading: "Catalogs",
        heading_id: "catalogs-heading",
        loading: "Loading catalogs…",
        unpicked: "",
        empty: "You cannot use any catalog. Ask a workspace admin for USE CATALOG on one.",
    };
    let item = move |c: CatalogInfo| PickItem {
        href: catalog_href(&c.name),
        label: c.name.clone(),
        selected: Signal::derive(move || {
            selection.with(|s| s.catalog.as_deref() == Some(c.name.as_str()))
        }),
        tag: None,
    };
    view! { <PickList texts items=catalogs item/> }
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
    let texts = PickTexts {
        heading: "Schemas",
        heading_id: "schemas-heading",
        loading: "Loading schemas…",
        unpicked: "Pick a catalog first.",
        empty: "No schema here that you may use.",
    };
    let item = move |s: SchemaInfo| PickItem {
        href: schema_href(&s.catalog, &s.name),
        label: s.name.clone(),
        selected: Signal::derive(move || {
            selection.with(|sel| sel.schema.as_deref() == Some(s.name.as_str()))
        }),
        tag: None,
    };
    // With a schema or table picked, the deeper column or the preview shows a refusal.
    let denial_below = selection.with_untracked(|s| s.schema.is_some() || s.table.is_some());
    view! { <PickList texts items=schemas item denial_below/> }
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
    let texts = PickTexts {
        heading: "Tables",
        heading_id: "tables-heading",
        loading: "Loading tables…",
        unpicked: "Pick a schema first.",
        empty: "No table here that you may read. Ask for SELECT on a table of this schema.",
    };
    let item = move |t: TableInfo| PickItem {
        href: table_href(&t.full_name),
        label: t.name.clone(),
        tag: Some(t.table_type.clone()),
        selected: Signal::derive(move || {
            selection.with(|s| s.table.as_deref() == Some(t.full_name.as_str()))
        }),
    };
    let denial_below = selection.with_untracked(|s| s.table.is_some());
    view! { <PickList texts items=tables item denial_below/> }
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
                <Suspense fallback=|| view! { <Loading what="Loading the table's columns…"/> }>
                    {move || Suspend::new(async move {
                        match description.await {
                            // Refused: the one error, and no action the user cannot take.
                            Err(error) => view! { <ErrorNotice error/> }.into_any(),
                            Ok(None) => ().into_any(),
                            Ok(Some(d)) => { let generate = generate_href(&d.table.full_name, None, None); view! {
                                <p>
                                    <a class="button primary" href=generate>
                                        "Generate rules for this table"
                                    </a>
                                </p>
                                <ColumnList description=d/>
                                <SampleControls selection/>
                                <SampleGrid sample/>
                            }.into_any() },
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
