//! Who the caller is and which groups they are in, from SCIM `Me` with the caller's token
//! (for the e-mail when the proxy forwarded none, and for review roles).

use super::DatabricksClient;
use super::error::Principal;
use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use reqwest::Method;

/// What SCIM `Me` says of the token's holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeInfo {
    pub email: String,
    pub display_name: Option<String>,
    /// The groups the user is in (direct and inherited), by display name.
    pub groups: Vec<String>,
}

/// The fields of SCIM `Me` the app reads; every one optional, as the contract promises little.
#[derive(Debug, serde::Deserialize)]
struct MeBody {
    #[serde(default, rename = "userName")]
    user_name: Option<String>,
    #[serde(default, rename = "displayName")]
    display_name: Option<String>,
    #[serde(default)]
    emails: Vec<MeEmail>,
    #[serde(default)]
    groups: Vec<MeGroup>,
}

#[derive(Debug, serde::Deserialize)]
struct MeEmail {
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    primary: Option<bool>,
}

#[derive(Debug, serde::Deserialize)]
struct MeGroup {
    #[serde(default)]
    display: Option<String>,
}

/// The caller's e-mail (primary e-mail, else `userName`), display name and groups.
pub async fn me(client: &DatabricksClient, token: &SecretToken) -> Result<MeInfo, AppError> {
    let body = client
        .call(Method::GET, "/api/2.0/preview/scim/v2/Me", token, None)
        .await
        .map_err(|e| e.to_app(Principal::User, "finding out who you are", &client.site()))?;
    let body: MeBody = serde_json::from_value(body)
        .map_err(|e| AppError::internal("reading the workspace's answer about who you are", e))?;
    let primary = body
        .emails
        .iter()
        .find(|e| e.primary == Some(true))
        .or_else(|| body.emails.first())
        .and_then(|e| e.value.clone());
    let email = primary
        .or(body.user_name)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| AppError::Unauthorized("the workspace did not say who you are".into()))?;
    let mut groups: Vec<String> = body.groups.into_iter().filter_map(|g| g.display).collect();
    groups.sort();
    groups.dedup();
    Ok(MeInfo {
        email,
        display_name: body.display_name,
        groups,
    })
}

/// Identities read from SCIM `Me`, per token, for a few minutes: a workspace-dev caller is asked
/// about once, not on every request. Bounded: the oldest entries go first.
/// Token → (what SCIM said, when read).
type MeEntries = std::collections::HashMap<String, (MeInfo, std::time::Instant)>;

#[derive(Default)]
pub struct MeCache {
    entries: std::sync::Mutex<MeEntries>,
}

/// How long a SCIM answer is reused, and how many are kept.
pub const ME_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(300);
pub const ME_CACHE_ENTRIES: usize = 1024;

impl MeCache {
    /// What SCIM `Me` says of the token's holder, from the cache or asked as the holder.
    pub async fn me(
        &self,
        client: &DatabricksClient,
        token: &SecretToken,
    ) -> Result<MeInfo, AppError> {
        let key = token.expose().to_string();
        if let Some((info, at)) = self.lock().get(&key).cloned()
            && at.elapsed() < ME_CACHE_TTL
        {
            return Ok(info);
        }
        let info = me(client, token).await?;
        let mut entries = self.lock();
        entries.retain(|_, (_, at)| at.elapsed() < ME_CACHE_TTL);
        if entries.len() >= ME_CACHE_ENTRIES
            && let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(k, _)| k.clone())
        {
            entries.remove(&oldest);
        }
        entries.insert(key, (info.clone(), std::time::Instant::now()));
        Ok(info)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MeEntries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
