//! Every page's address in one place, next to the router in `app.rs`: pages link to each other
//! through these, never through another feature's module.

use crate::url::encode_query_value;

/// The catalog browser on a catalog.
pub fn catalog_href(catalog: &str) -> String {
    format!("/?catalog={}", encode_query_value(catalog))
}

/// The catalog browser on a schema.
pub fn schema_href(catalog: &str, schema: &str) -> String {
    format!(
        "/?catalog={}&schema={}",
        encode_query_value(catalog),
        encode_query_value(schema)
    )
}

/// The catalog browser on a table (its columns and rows).
pub fn table_href(full_name: &str) -> String {
    format!("/?table={}", encode_query_value(full_name))
}

/// The Generate page for `table`, following the given runs.
pub fn generate_href(table: &str, generation: Option<&str>, validation: Option<&str>) -> String {
    let mut url = format!("/generate?table={}", encode_query_value(table));
    if let Some(id) = generation {
        url.push_str(&format!("&generation={}", encode_query_value(id)));
    }
    if let Some(id) = validation {
        url.push_str(&format!("&validation={}", encode_query_value(id)));
    }
    url
}

/// The Generate page with a saved version open in the editor.
pub fn edit_version_href(table: &str, version: i32) -> String {
    format!(
        "/generate?table={}&version={version}",
        encode_query_value(table)
    )
}

/// A table's History page.
pub fn history_href(table: &str) -> String {
    format!("/history?table={}", encode_query_value(table))
}

/// A table's page on Monitor (its trends, schedule and alerts).
pub fn monitor_href(table: &str) -> String {
    format!("/monitor?table={}", encode_query_value(table))
}

/// The Monitor page's health view, or one table's health.
pub fn health_href(table: Option<&str>) -> String {
    match table {
        None => "/monitor?view=health".to_string(),
        Some(t) => format!("/monitor?view=health&table={}", encode_query_value(t)),
    }
}

/// The Generate page with a prompt written for the user ("write a rule for this").
pub fn generate_prompt_href(table: &str, prompt: &str) -> String {
    format!(
        "/generate?table={}&prompt={}",
        encode_query_value(table),
        encode_query_value(prompt)
    )
}

/// The Validate page on a saved version.
pub fn validate_href(table: &str, version: i32) -> String {
    format!(
        "/validate?table={}&version={version}",
        encode_query_value(table)
    )
}

/// The review page of a table's version (or the queue without a version).
pub fn review_href(table: &str, version: Option<i32>) -> String {
    match version {
        Some(v) => format!("/review?table={}&version={v}", encode_query_value(table)),
        None => "/review".into(),
    }
}

/// A registry rule's page.
pub fn registry_href(rule: &str) -> String {
    format!("/registry?rule={}", encode_query_value(rule))
}

/// One run's page.
pub fn run_href(run_id: &str) -> String {
    format!("/runs/{}", encode_query_value(run_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_encoded_in_every_link() {
        assert_eq!(catalog_href("a&b"), "/?catalog=a%26b");
        assert_eq!(schema_href("main", "s s"), "/?catalog=main&schema=s%20s");
        assert_eq!(table_href("main.sales.orders"), "/?table=main.sales.orders");
        assert_eq!(
            generate_href("main.sales.x&y", Some("run 1"), None),
            "/generate?table=main.sales.x%26y&generation=run%201"
        );
        assert_eq!(
            edit_version_href("a.b.c", 3),
            "/generate?table=a.b.c&version=3"
        );
        assert_eq!(history_href("a.b.c#"), "/history?table=a.b.c%23");
        assert_eq!(validate_href("a.b.c", 2), "/validate?table=a.b.c&version=2");
        assert_eq!(
            review_href("a.b.c", Some(4)),
            "/review?table=a.b.c&version=4"
        );
        assert_eq!(review_href("a.b.c", None), "/review");
        assert_eq!(run_href("wh-1/2"), "/runs/wh-1%2F2");
    }
}
