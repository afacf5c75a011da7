//! The "table name" box: a plain GET form (works without JavaScript) that puts `?table=` in the
//! URL of a page, with the reason a name in the URL did not parse.

use super::selection::Selection;
use leptos::prelude::*;

/// A form that opens `action?table=…`; `id` names its input, `button` says what it does.
#[component]
pub fn TableNameForm(
    #[prop(into)] action: String,
    #[prop(into)] id: String,
    #[prop(into)] button: String,
    selection: Memo<Selection>,
) -> impl IntoView {
    let current = move || selection.with(|s| s.table.clone().unwrap_or_default());
    view! {
        <form class="goto" method="get" action=action>
            <label for=id.clone()>"Table name"</label>
            <input
                id=id
                name="table"
                type="text"
                placeholder="catalog.schema.table"
                autocomplete="off"
                spellcheck="false"
                value=current
            />
            <button type="submit">{button}</button>
            {move || selection.with(|s| s.table_error.clone()).map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </form>
    }
}
