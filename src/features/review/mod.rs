//! Review: the queue of pending versions, one version's review page (diff, impact preview,
//! thread, decision), and the server functions behind them.

pub mod api;
pub mod impact_view;
pub mod view;

/// The review page of a table's version (or the queue without a version).
pub fn review_href(table: &str, version: Option<i32>) -> String {
    match version {
        Some(v) => format!(
            "/review?table={}&version={v}",
            crate::url::encode_query_value(table)
        ),
        None => "/review".into(),
    }
}
