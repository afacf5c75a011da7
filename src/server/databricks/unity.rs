//! Unity Catalog listings as the caller, following pagination (`max_results=0`) until no
//! `next_page_token` is returned — pages may be empty and still have one.

use super::DatabricksClient;
use super::error::Principal;
use super::uc_wire::{Page, UcTable};
use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use reqwest::Method;
use serde::de::DeserializeOwned;

/// Query values and path segments are percent-encoded like the app's own links.
pub use crate::url::encode_query_value as encode;

/// Pages safeguard: a listing longer than this many pages is an error, not a hang.
const MAX_PAGES: usize = 1_000;

/// Every item under `key` of `path` (which has its own query, or none), read as `T`.
pub async fn list_all<T: DeserializeOwned>(
    client: &DatabricksClient,
    token: &SecretToken,
    path: &str,
    key: &str,
    doing: &str,
) -> Result<Vec<T>, AppError> {
    let mut items = Vec::new();
    let mut page_token: Option<String> = None;
    let join = if path.contains('?') { '&' } else { '?' };
    for _ in 0..MAX_PAGES {
        let mut url = format!("{path}{join}max_results=0");
        if let Some(t) = &page_token {
            url.push_str(&format!("&page_token={}", encode(t)));
        }
        let page = client
            .call(Method::GET, &url, token, None)
            .await
            .map_err(|e| e.to_app(Principal::User, doing, &client.site()))?;
        let page = Page::<T>::parse(page, key).map_err(|e| AppError::internal(doing, e))?;
        items.extend(page.items);
        page_token = page.next_page_token;
        if page_token.is_none() {
            return Ok(items);
        }
    }
    Err(AppError::internal(
        doing,
        "the listing did not end after 1,000 pages",
    ))
}

/// One table's metadata.
pub async fn get_table(
    client: &DatabricksClient,
    token: &SecretToken,
    full_name: &str,
) -> Result<UcTable, AppError> {
    let doing = format!("reading {full_name}");
    let info = client
        .call(
            Method::GET,
            &format!("/api/2.1/unity-catalog/tables/{}", encode(full_name)),
            token,
            None,
        )
        .await
        .map_err(|e| e.to_app(Principal::User, &doing, &client.site()))?;
    UcTable::parse(info).map_err(|e| AppError::internal(&doing, e))
}
