//! The service principal's token (OAuth M2M): minted at `POST {host}/oidc/v1/token` with client
//! credentials and `scope=all-apis`, cached, and refreshed ahead of expiry by exactly one request
//! however many callers need it at once. A token the workspace refuses is dropped and minted once.

use super::error::{CallSite, Principal};
use super::{CallError, DatabricksClient};
use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The longest a token is refreshed before it expires.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(120);

/// How long before expiry a token of `lifetime` is replaced: a quarter of its life, at most
/// `REFRESH_MARGIN`, so a short-lived token still serves most of its window (one mint per window,
/// whatever the concurrency).
pub fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(REFRESH_MARGIN)
}

struct Cached {
    token: SecretToken,
    /// When to mint the next one (before expiry, by `refresh_margin`).
    refresh_at: Instant,
    /// Bumped on each mint, so a refused token is replaced once, not by every caller.
    generation: u64,
}

/// The app's service principal.
pub struct ServicePrincipal {
    client: DatabricksClient,
    client_id: String,
    secret: SecretToken,
    cached: Mutex<Option<Cached>>,
}

impl ServicePrincipal {
    pub fn new(client: DatabricksClient, client_id: String, secret: SecretToken) -> Self {
        Self {
            client,
            client_id,
            secret,
            cached: Mutex::new(None),
        }
    }

    /// A valid token and its generation; mints one (single flight: the lock is held while
    /// minting, so concurrent callers wait for the same new token).
    pub async fn token(&self) -> Result<(SecretToken, u64), AppError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && c.refresh_at > Instant::now()
        {
            return Ok((c.token.clone(), c.generation));
        }
        let generation = cached.as_ref().map(|c| c.generation + 1).unwrap_or(1);
        let fresh = self.mint().await?;
        let token = fresh.0.clone();
        *cached = Some(Cached {
            token: fresh.0,
            refresh_at: fresh.1,
            generation,
        });
        Ok((token, generation))
    }

    /// Drops the token of `generation` (the workspace refused it); a newer one is kept.
    pub async fn invalidate(&self, generation: u64) {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_mut().filter(|c| c.generation == generation) {
            c.refresh_at = Instant::now();
        }
    }

    /// Calls the workspace as the service principal; a refused token is replaced once (one mint
    /// however many calls saw the refusal) and the call sent again.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Result<Value, CallError>, AppError> {
        let mut refreshed = false;
        loop {
            let (token, generation) = self.token().await?;
            match self.client.call(method.clone(), path, &token, body).await {
                Err(CallError::Api(f)) if f.is_invalid_token() && !refreshed => {
                    tracing::info!("the service principal's token was refused; minting a new one");
                    self.invalidate(generation).await;
                    refreshed = true;
                }
                other => return Ok(other),
            }
        }
    }

    async fn mint(&self) -> Result<(SecretToken, Instant), AppError> {
        let site = CallSite {
            host: self.client.host.clone(),
            ..Default::default()
        };
        let body = self
            .client
            .call_form(
                "/oidc/v1/token",
                &self.client_id,
                &self.secret,
                &[("grant_type", "client_credentials"), ("scope", "all-apis")],
            )
            .await
            .map_err(|e| {
                e.to_app(
                    Principal::ServicePrincipal,
                    "signing in as the app's service principal",
                    &site,
                )
            })?;
        let body = super::job_wire::TokenResponse::parse(body).map_err(AppError::Unavailable)?;
        let lifetime = body.expires_in().unwrap_or(3600);
        let token = body.access_token.ok_or_else(|| {
            AppError::Unavailable("the workspace's token endpoint returned no access_token".into())
        })?;
        tracing::info!(expires_in = lifetime, "service principal token minted");
        let lifetime = Duration::from_secs(lifetime);
        Ok((
            SecretToken::new(token),
            Instant::now() + lifetime - refresh_margin(lifetime),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_scales_with_the_lifetime() {
        assert_eq!(refresh_margin(Duration::from_secs(3600)), REFRESH_MARGIN);
        assert_eq!(
            refresh_margin(Duration::from_secs(60)),
            Duration::from_secs(15)
        );
        assert!(refresh_margin(Duration::from_secs(1)) < Duration::from_secs(1));
    }
}
