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

/// Identities read from SCIM `Me`, per token, for a few minutes: a workspace-dev caller is asked
/// about once, not on every request. Bounded: the oldest entries go first.
/// Token → (e-mail, display name, when read).
type MeEntries = std::collections::HashMap<String, (String, Option<String>, std::time::Instant)>;

#[derive(Default)]
pub struct MeCache {
    entries: std::sync::Mutex<MeEntries>,
}

/// How long a SCIM answer is reused, and how many are kept.
pub const ME_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(300);
pub const ME_CACHE_ENTRIES: usize = 1024;

impl MeCache {
    /// The caller's e-mail and display name, from the cache or SCIM `Me` as the token's holder.
    pub async fn me(
        &self,
        client: &DatabricksClient,
        token: &SecretToken,
    ) -> Result<(String, Option<String>), AppError> {
        let key = token.expose().to_string();
        if let Some((email, display, at)) = self.lock().get(&key).cloned()
            && at.elapsed() < ME_CACHE_TTL
        {
            return Ok((email, display));
        }
        let (email, display) = me(client, token).await?;
        let mut entries = self.lock();
        entries.retain(|_, (_, _, at)| at.elapsed() < ME_CACHE_TTL);
        if entries.len() >= ME_CACHE_ENTRIES
            && let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, (_, _, at))| *at)
                .map(|(k, _)| k.clone())
        {
            entries.remove(&oldest);
        }
        entries.insert(
            key,
            (email.clone(), display.clone(), std::time::Instant::now()),
        );
        Ok((email, display))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MeEntries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
