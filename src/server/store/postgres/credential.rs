//! Lakebase as the app's service principal (`LAKEBASE_AUTH=service_principal`): a Postgres
//! credential minted with `POST /api/2.0/database/credentials` using the service principal's
//! OAuth token, cached and minted again before it expires. The Postgres role is the service
//! principal's client id; the caller is still recorded as the author of what they save.

use crate::server::databricks::DatabricksClient;
use crate::server::databricks::auth::ServicePrincipal;
use crate::server::databricks::error::{CallSite, Principal};
use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Mint again when less than this is left.
const MARGIN: Duration = Duration::from_secs(300);

/// The service principal's database credential.
pub struct DatabaseCredential {
    client: DatabricksClient,
    sp: Arc<ServicePrincipal>,
    instance: String,
    /// The Postgres role: the service principal's client id.
    pub role: String,
    cached: Mutex<Option<(SecretToken, Instant)>>,
}

impl DatabaseCredential {
    pub fn new(
        client: DatabricksClient,
        sp: Arc<ServicePrincipal>,
        instance: String,
        role: String,
    ) -> Self {
        Self {
            client,
            sp,
            instance,
            role,
            cached: Mutex::new(None),
        }
    }

    /// A credential valid for at least a few minutes (one mint however many callers wait).
    pub async fn current(&self) -> Result<SecretToken, AppError> {
        let mut cached = self.cached.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && *until > Instant::now() + MARGIN
        {
            return Ok(token.clone());
        }
        let (token, until) = self.mint().await?;
        *cached = Some((token.clone(), until));
        Ok(token)
    }

    async fn mint(&self) -> Result<(SecretToken, Instant), AppError> {
        let body = json!({"instance_names": [self.instance], "request_id": uuid::Uuid::new_v4().to_string()});
        let site = CallSite {
            host: self.client.host.clone(),
            ..Default::default()
        };
        let doing = format!(
            "minting a database credential for Lakebase instance {}",
            self.instance
        );
        let reply = self
            .sp
            .call(Method::POST, "/api/2.0/database/credentials", Some(&body))
            .await?
            .map_err(|e| e.to_app(Principal::ServicePrincipal, &doing, &site))?;
        let token = reply.get("token").and_then(Value::as_str).ok_or_else(|| {
            AppError::Unavailable(format!("{doing}: the workspace returned no token"))
        })?;
        let lifetime = reply
            .get("expiration_time")
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| {
                (t.with_timezone(&chrono::Utc) - chrono::Utc::now())
                    .num_seconds()
                    .max(0) as u64
            })
            .unwrap_or(3600);
        tracing::info!(instance = %self.instance, expires_in = lifetime, "Lakebase credential minted for the service principal");
        Ok((
            SecretToken::new(token),
            Instant::now() + Duration::from_secs(lifetime),
        ))
    }
}
