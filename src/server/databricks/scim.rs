//! Who the caller is, from SCIM `Me` with the caller's token (when the proxy forwarded no e-mail).

use super::DatabricksClient;
use super::error::Principal;
use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use reqwest::Method;
use serde_json::Value;

/// The caller's e-mail (primary e-mail, else `userName`) and display name.
pub async fn me(
    client: &DatabricksClient,
    token: &SecretToken,
) -> Result<(String, Option<String>), AppError> {
    let body = client
        .call(Method::GET, "/api/2.0/preview/scim/v2/Me", token, None)
        .await
        .map_err(|e| e.to_app(Principal::User, "finding out who you are", &client.site()))?;
    let emails = body.get("emails").and_then(Value::as_array);
    let primary = emails.and_then(|list| {
        list.iter()
            .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
            .or_else(|| list.first())
            .and_then(|e| e.get("value"))
            .and_then(Value::as_str)
    });
    let email = primary
        .or_else(|| body.get("userName").and_then(Value::as_str))
        .ok_or_else(|| AppError::Unauthorized("the workspace did not say who you are".into()))?;
    let display = body
        .get("displayName")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok((email.to_string(), display))
}
