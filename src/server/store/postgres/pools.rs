//! Connection pools per user for Lakebase: each user connects as themselves (role = e-mail,
//! password = their token), pools are small, their number is bounded (the least recently used is
//! closed first), idle connections close, and a pool is replaced when the user's token changes.
//! Pools are never shared between users.

use crate::server::secret::SecretToken;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where the database is.
#[derive(Debug, Clone)]
pub struct PgTarget {
    pub host: String,
    pub port: u16,
    pub database: String,
    /// A CA certificate to verify the server with (`LAKEBASE_CA_FILE`); system roots otherwise.
    pub ca_file: Option<std::path::PathBuf>,
    /// The role app users belong to, granted the store's tables (`LAKEBASE_APP_ROLE`).
    pub app_role: String,
}

/// The default role granted the store's tables.
pub const DEFAULT_APP_ROLE: &str = "dqx_app_users";

/// Limits of the pool set.
#[derive(Debug, Clone, Copy)]
pub struct PoolLimits {
    pub max_pools: usize,
    pub connections_per_pool: u32,
    pub idle: Duration,
    pub lifetime: Duration,
}

impl Default for PoolLimits {
    fn default() -> Self {
        Self {
            max_pools: 64,
            connections_per_pool: 3,
            idle: Duration::from_secs(60),
            lifetime: Duration::from_secs(20 * 60),
        }
    }
}

struct UserPool {
    /// A hash of the token the pool connects with (the token itself stays in the options).
    token_hash: u64,
    pool: PgPool,
    used: Instant,
}

/// The pools, keyed by the user's role name.
pub struct Pools {
    target: PgTarget,
    limits: PoolLimits,
    pools: Mutex<HashMap<String, UserPool>>,
}

fn hash_of(token: &SecretToken) -> u64 {
    let mut h = DefaultHasher::new();
    token.expose().hash(&mut h);
    h.finish()
}

impl Pools {
    pub fn new(target: PgTarget, limits: PoolLimits) -> Self {
        Self {
            target,
            limits,
            pools: Mutex::new(HashMap::new()),
        }
    }

    pub fn target(&self) -> &PgTarget {
        &self.target
    }

    /// Connection options for `user` with `password`: TLS with the server's certificate and
    /// host name verified (the password is the user's token), against `ca_file` or system roots.
    pub fn options(&self, user: &str, password: &SecretToken) -> PgConnectOptions {
        let options = PgConnectOptions::new()
            .host(&self.target.host)
            .port(self.target.port)
            .database(&self.target.database)
            .username(user)
            .password(password.expose())
            .ssl_mode(PgSslMode::VerifyFull)
            .application_name("dqx-manager");
        match &self.target.ca_file {
            Some(ca) => options.ssl_root_cert(ca),
            None => options,
        }
    }

    /// The pool of `user` for this token; a new token replaces the user's pool.
    pub fn pool(&self, user: &str, token: &SecretToken) -> PgPool {
        let token_hash = hash_of(token);
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(existing) = pools.get_mut(user)
            && existing.token_hash == token_hash
        {
            existing.used = Instant::now();
            return existing.pool.clone();
        }
        if !pools.contains_key(user) && pools.len() >= self.limits.max_pools {
            let oldest = pools
                .iter()
                .min_by_key(|(_, p)| p.used)
                .map(|(k, _)| k.clone());
            if let Some(evicted) = oldest.and_then(|k| pools.remove(&k)) {
                close_later(evicted.pool);
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(self.limits.connections_per_pool)
            .min_connections(0)
            .idle_timeout(self.limits.idle)
            .max_lifetime(self.limits.lifetime)
            .acquire_timeout(Duration::from_secs(15))
            .connect_lazy_with(self.options(user, token));
        if let Some(replaced) = pools.insert(
            user.to_string(),
            UserPool {
                token_hash,
                pool: pool.clone(),
                used: Instant::now(),
            },
        ) {
            close_later(replaced.pool);
        }
        pool
    }

    /// How many user pools are open.
    pub fn len(&self) -> usize {
        self.pools.lock().map(|p| p.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Closes a pool in the background (its connections finish their current work first).
fn close_later(pool: PgPool) {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(async move { pool.close().await });
    }
}
