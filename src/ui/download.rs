//! Downloads without JavaScript glue: a link whose `href` is a `data:` URL of the text, so "Save"
//! works the moment the page is hydrated and keeps working offline.

use leptos::prelude::*;

/// `data:` URL for `text` with `mime` type, every byte outside the unreserved set escaped.
pub fn data_url(mime: &str, text: &str) -> String {
    format!(
        "data:{mime};charset=utf-8,{}",
        crate::url::encode_query_value(text)
    )
}

/// A download link for text produced on demand.
#[component]
pub fn DownloadLink(
    #[prop(into)] label: String,
    #[prop(into)] file_name: Signal<String>,
    #[prop(into)] mime: String,
    #[prop(into)] text: Signal<String>,
) -> impl IntoView {
    let href = move || data_url(&mime, &text.get());
    view! {
        <a class="button secondary" href=href download=move || file_name.get()>{label}</a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls_escape_everything_that_could_break_them() {
        assert_eq!(
            data_url("application/json", "{\"a\": \"#%\"}"),
            "data:application/json;charset=utf-8,%7B%22a%22%3A%20%22%23%25%22%7D"
        );
    }
}
