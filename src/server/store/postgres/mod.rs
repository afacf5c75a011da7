//! The Lakebase rule store: Postgres reached as the caller (user = e-mail, password = the caller's
//! token, SSL required), one small pool per user. A save holds a per-table advisory lock for its
//! transaction, so concurrent saves of a table get consecutive versions and leave exactly one
//! active; the unique (table, version) key and a retry guard against writers that do not lock
//! (such as the older app).

pub mod attest;
pub mod credential;
pub mod pools;
mod registry;
mod signed;

use super::lifecycle::{StoreFailure, Transition, run_transition};
use super::queries;
use super::rows::{no_version, utc_text};
use super::{AuditAction, NewRuleSet, RuleStore, SAVE_ATTEMPTS};
use crate::model::results::ValidationResult;
use crate::model::review::ImpactPreview;
use crate::model::rulesets::{
    AuditEvent, RuleSet, RuleSetSummary, SavedRuleSet, StorageStatus, TableOverview,
};
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use credential::DatabaseCredential;
use pools::{PgTarget, PoolLimits, Pools};
use serde_json::Value;
use sqlx::{Connection, PgPool};
use std::sync::Arc;

/// Whom Postgres sees.
pub enum StoreIdentity {
    /// Each caller, with their own token (`LAKEBASE_AUTH=user`).
    User,
    /// The app's service principal with a minted credential (`LAKEBASE_AUTH=service_principal`).
    ServicePrincipal(Arc<DatabaseCredential>),
}

/// Rule sets in Lakebase, as each caller (or as the service principal, recording the caller).
pub struct PgStore {
    pools: Pools,
    identity: StoreIdentity,
    /// The key user-mode writes are signed with, read as the tables' owner when migrating.
    key: std::sync::RwLock<Option<Arc<attest::AttestKey>>>,
    /// When each (caller, table) read proof was last written, so a busy page does not write one
    /// per request (a proof lasts a day in the database).
    proofs: signed::ProofCache,
}

impl PgStore {
    /// A store reached as each caller.
    pub fn new(target: PgTarget, limits: PoolLimits) -> Self {
        Self {
            pools: Pools::new(target, limits),
            identity: StoreIdentity::User,
            key: Default::default(),
            proofs: Default::default(),
        }
    }

    /// A store reached as the service principal.
    pub fn as_service_principal(
        target: PgTarget,
        limits: PoolLimits,
        credential: Arc<DatabaseCredential>,
    ) -> Self {
        Self {
            pools: Pools::new(target, limits),
            identity: StoreIdentity::ServicePrincipal(credential),
            key: Default::default(),
            proofs: Default::default(),
        }
    }

    /// Migrates as the service principal (its role and a fresh credential).
    pub async fn migrate_as_service_principal(&self) -> Result<(), AppError> {
        match &self.identity {
            StoreIdentity::ServicePrincipal(c) => {
                let token = c.current().await?;
                self.migrate(&c.role, &token).await
            }
            StoreIdentity::User => Err(AppError::internal(
                "migrating",
                "this store connects as each user",
            )),
        }
    }

    fn where_(&self) -> String {
        let t = self.pools.target();
        format!("{}:{}/{}", t.host, t.port, t.database)
    }

    /// Runs the migrations as `user` (the identity that owns the tables: the app's service
    /// principal on Databricks, an admin role in tests).
    pub async fn migrate(&self, user: &str, password: &SecretToken) -> Result<(), AppError> {
        let mut conn = sqlx::PgConnection::connect_with(&self.pools.options(user, password))
            .await
            .map_err(|e| self.error("connecting to migrate the rule store", user, e))?;
        sqlx::migrate!("src/server/store/migrations/postgres")
            .run(&mut conn)
            .await
            .map_err(|e| {
                AppError::internal(format!("migrating the rule store at {}", self.where_()), e)
            })?;
        // Instances (and tests) starting together grant one at a time: concurrent GRANTs on
        // the same tables can fail with "tuple concurrently updated".
        let mut tx = sqlx::Connection::begin(&mut conn)
            .await
            .map_err(|e| AppError::internal("granting the app users' role", e))?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(GRANT_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(|e| AppError::internal("waiting to grant the app users' role", e))?;
        self.grant_app_role(&mut tx).await?;
        tx.commit()
            .await
            .map_err(|e| AppError::internal("granting the app users' role", e))?;
        let (key,): (Vec<u8>,) =
            sqlx::query_as("SELECT attest_key FROM dq_store_keys WHERE id = 1")
                .fetch_one(&mut conn)
                .await
                .map_err(|e| AppError::internal("reading the rule store's signing key", e))?;
        *self.key.write().unwrap_or_else(|p| p.into_inner()) =
            Some(Arc::new(attest::AttestKey::new(key)));
        let _ = conn.close().await;
        Ok(())
    }

    /// Whether writes are signed for `dq_write` (user mode) rather than made directly (the
    /// service principal owns the tables).
    fn signs_writes(&self) -> bool {
        matches!(self.identity, StoreIdentity::User)
    }

    /// The signing key, or why user-mode writes are refused without it (fail closed).
    fn key(&self) -> Result<Arc<attest::AttestKey>, AppError> {
        self.key
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| {
                AppError::Unavailable(
                    "the rule store was not migrated at start-up, so its signing key is unknown and nothing can be written; see the app's log, fix the Lakebase setup and restart the app".into(),
                )
            })
    }

    /// Grants the app users' role what a direct connection may do, and no more: read the
    /// tables and call `dq_write`, which writes only what the app signed for the connected user
    /// and checks review itself. No table is writable by it. The role is created (without
    /// login) when missing and the migrating identity may create it; the deployment makes each
    /// user a member (`GRANT dqx_app_users TO "user@example.com"`).
    async fn grant_app_role(&self, conn: &mut sqlx::PgConnection) -> Result<(), AppError> {
        let role = &self.pools.target().app_role;
        let quoted = quote_role(role)?;
        let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_roles WHERE rolname = $1")
            .bind(role)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| AppError::internal("looking up the app users' role", e))?;
        if exists.is_none() {
            sqlx::raw_sql(&format!("CREATE ROLE {quoted} NOLOGIN"))
                .execute(&mut *conn)
                .await
                .map_err(|e| {
                    AppError::Unavailable(format!(
                        "the rule store's role {role} does not exist and could not be created ({e}); create it and grant it to the app's users (LAKEBASE_APP_ROLE)"
                    ))
                })?;
        }
        // Reads only; every write goes through dq_write, which checks what it writes.
        let grants = format!(
            "GRANT SELECT ON dq_rules_events, dq_validation_runs, dq_audit_events, dq_impact_previews, dq_registry_entries TO {quoted}; \
             REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON dq_rules_events, dq_validation_runs, dq_audit_events, dq_impact_previews, dq_registry_entries FROM {quoted}; \
             REVOKE ALL ON dq_store_keys, dq_table_readers FROM {quoted}; \
             GRANT EXECUTE ON FUNCTION dq_write(TEXT, TEXT), dq_reads(TEXT), dq_pending_tables(INTEGER), dq_rule_tables(INTEGER) TO {quoted}"
        );
        sqlx::raw_sql(&grants)
            .execute(&mut *conn)
            .await
            .map_err(|e| AppError::internal("granting the app users' role", e))?;
        Ok(())
    }

    /// The pool to use for the caller: their own, or the service principal's.
    async fn pool(&self, caller: &Caller) -> Result<PgPool, AppError> {
        if let StoreIdentity::ServicePrincipal(c) = &self.identity {
            let token = c.current().await?;
            return Ok(self.pools.pool(&c.role, &token));
        }
        let token = caller.token.as_ref().ok_or_else(|| {
            AppError::Unauthorized(format!(
                "saving rules in Lakebase needs your own sign-in token, and this request for {} carries none",
                caller.email
            ))
        })?;
        Ok(self.pools.pool(&caller.email, token))
    }

    /// Open user pools (for tests and health).
    pub fn pool_count(&self) -> usize {
        self.pools.len()
    }

    /// A failed write in the user's terms: the store's own refusal as it is, else the database's.
    fn failure(&self, doing: &str, user: &str, failure: StoreFailure) -> AppError {
        match failure {
            StoreFailure::App(e) => e,
            StoreFailure::Db(e) => self.error(doing, user, e),
        }
    }

    /// A database error in the user's terms; never carries a token (Postgres does not echo
    /// passwords, and connection options are not printed).
    fn error(&self, doing: &str, user: &str, err: sqlx::Error) -> AppError {
        let place = self.where_();
        match &err {
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.to_string()).unwrap_or_default();
                match code.as_str() {
                    // dq_write's own refusals (migration 0005), in words meant for the user.
                    "DQ403" => AppError::PermissionDenied(format!(
                        "the rule store refused {doing}: {}",
                        db.message()
                    )),
                    "DQ409" => AppError::Conflict(format!(
                        "the rule store refused {doing}: {}",
                        db.message()
                    )),
                    "28P01" | "28000" => AppError::PermissionDenied(format!(
                        "Lakebase at {place} did not accept {user}'s sign-in ({}); ask a workspace admin to create a Postgres role for {user} on the Lakebase instance",
                        db.message()
                    )),
                    "42501" => AppError::PermissionDenied(format!(
                        "Lakebase refused {doing} for {user}: {}; the tables need to be granted to your role",
                        db.message()
                    )),
                    "3D000" => AppError::Unavailable(format!(
                        "Lakebase at {place} has no database named in LAKEBASE_DATABASE"
                    )),
                    _ => AppError::internal(doing, err),
                }
            }
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => {
                AppError::Unavailable(format!(
                    "cannot reach Lakebase at {place} while {doing}; try again shortly"
                ))
            }
            _ => AppError::internal(doing, err),
        }
    }

    async fn try_save(
        &self,
        pool: &PgPool,
        caller: &Caller,
        new: &NewRuleSet,
    ) -> Result<SavedRuleSet, sqlx::Error> {
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(&new.table_name)
            .execute(&mut *tx)
            .await?;
        let (next,): (i32,) = sqlx::query_as(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM dq_rules_events WHERE table_name = $1",
        )
        .bind(&new.table_name)
        .fetch_one(&mut *tx)
        .await?;
        let id = uuid::Uuid::new_v4();
        let (created_at, status) = queries::insert_version!(tx, id, new, next, caller)?;
        tx.commit().await?;
        Ok(SavedRuleSet {
            id: id.to_string(),
            version: next,
            created_at: utc_text(created_at),
            status,
            is_active: !new.draft,
            unchanged: false,
        })
    }

    async fn try_transition(
        &self,
        pool: &PgPool,
        caller: &Caller,
        transition: &Transition,
    ) -> Result<(), StoreFailure> {
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(&transition.table_name)
            .execute(&mut *tx)
            .await?;
        run_transition!(tx, transition, &caller.email, uuid::Uuid::new_v4());
        tx.commit().await?;
        Ok(())
    }
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[async_trait::async_trait]
impl RuleStore for PgStore {
    async fn status(&self, caller: &Caller) -> StorageStatus {
        let base = StorageStatus {
            configured: true,
            connected: false,
            backend: "lakebase (postgres)".into(),
            user: Some(caller.email.clone()),
            message: String::new(),
        };
        let pool = match self.pool(caller).await {
            Ok(pool) => pool,
            Err(e) => {
                return StorageStatus {
                    message: e.user_message(),
                    ..base
                };
            }
        };
        match sqlx::query("SELECT 1").execute(&pool).await {
            Ok(_) => StorageStatus {
                connected: true,
                message: match &self.identity {
                    StoreIdentity::User => {
                        format!("connected to {} as {}", self.where_(), caller.email)
                    }
                    StoreIdentity::ServicePrincipal(c) => format!(
                        "connected to {} as the app's service principal ({}); saves are recorded as {}",
                        self.where_(),
                        c.role,
                        caller.email
                    ),
                },
                ..base
            },
            Err(e) => StorageStatus {
                message: self
                    .error("checking the connection", &caller.email, e)
                    .user_message(),
                ..base
            },
        }
    }

    async fn save(&self, caller: &Caller, new: NewRuleSet) -> Result<SavedRuleSet, AppError> {
        let pool = self.pool(caller).await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let saved = if self.signs_writes() {
                self.signed_save(&pool, caller, &new).await
            } else {
                self.try_save(&pool, caller, &new)
                    .await
                    .map_err(StoreFailure::Db)
            };
            match saved {
                Ok(saved) => return Ok(saved),
                Err(StoreFailure::Db(e)) if is_unique_violation(&e) && attempt < SAVE_ATTEMPTS => {
                    continue;
                }
                Err(StoreFailure::Db(e)) if is_unique_violation(&e) => {
                    return Err(super::versions_taken(&new.table_name));
                }
                Err(failure) => {
                    return Err(self.failure(
                        &format!("saving rules for {}", new.table_name),
                        &caller.email,
                        failure,
                    ));
                }
            }
        }
    }

    async fn history(
        &self,
        caller: &Caller,
        table: &str,
        limit: u32,
    ) -> Result<Vec<RuleSetSummary>, AppError> {
        let pool = self.pool(caller).await?;
        queries::history!(&pool, table, limit)
            .map_err(|e| self.error(&format!("reading the history of {table}"), &caller.email, e))
    }

    async fn get(
        &self,
        caller: &Caller,
        table: &str,
        version: Option<i32>,
    ) -> Result<RuleSet, AppError> {
        let pool = self.pool(caller).await?;
        queries::rule_set!(&pool, table, version)
            .map_err(|e| self.error(&format!("reading rules of {table}"), &caller.email, e))?
            .ok_or_else(|| no_version(table, version))
    }

    async fn audit(
        &self,
        caller: &Caller,
        action: AuditAction,
        table: &str,
        version: Option<i32>,
        detail: Option<Value>,
    ) -> Result<(), AppError> {
        let pool = self.pool(caller).await?;
        if self.signs_writes() {
            return self
                .signed_audit(&pool, caller, action, table, version, detail)
                .await
                .map_err(|f| self.failure("writing the audit trail", &caller.email, f));
        }
        let id = uuid::Uuid::new_v4();
        queries::append_audit!(&pool, id, &caller.email, action, table, version, detail)
            .map_err(|e| self.error("writing the audit trail", &caller.email, e))
    }

    async fn audit_trail(
        &self,
        caller: &Caller,
        table: &str,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, AppError> {
        let pool = self.pool(caller).await?;
        queries::audit_trail!(&pool, table, limit)
            .map_err(|e| self.error("reading the audit trail", &caller.email, e))
    }

    async fn audit_trail_of(
        &self,
        caller: &Caller,
        table: &str,
        action: AuditAction,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, AppError> {
        let pool = self.pool(caller).await?;
        queries::audit_trail_of!(&pool, table, action, limit)
            .map_err(|e| self.error("reading the audit trail", &caller.email, e))
    }

    async fn record_validation(
        &self,
        caller: &Caller,
        run_id: &str,
        version: Option<i32>,
        result: &ValidationResult,
    ) -> Result<bool, AppError> {
        let pool = self.pool(caller).await?;
        if self.signs_writes() {
            return self
                .signed_run(&pool, caller, run_id, version, result)
                .await
                .map_err(|f| self.failure("recording the validation run", &caller.email, f));
        }
        let id = uuid::Uuid::new_v4();
        queries::record_validation!(&pool, id, &caller.email, run_id, version, result, "manual")
            .map_err(|e| self.error("recording the validation run", &caller.email, e))
    }

    async fn validation_runs(
        &self,
        caller: &Caller,
        table: &str,
        limit: u32,
    ) -> Result<Vec<super::StoredRun>, AppError> {
        let pool = self.pool(caller).await?;
        queries::validation_runs!(&pool, table, limit)
            .map_err(|e| self.error(&format!("reading the runs of {table}"), &caller.email, e))
    }

    async fn transition(
        &self,
        caller: &Caller,
        transition: &Transition,
    ) -> Result<RuleSetSummary, AppError> {
        let pool = self.pool(caller).await?;
        let moved = if self.signs_writes() {
            self.signed_transition(&pool, caller, transition).await
        } else {
            self.try_transition(&pool, caller, transition).await
        };
        match moved {
            Ok(()) => Ok(self
                .get(caller, &transition.table_name, Some(transition.version))
                .await?
                .summary),
            Err(failure) => Err(self.failure(
                &format!(
                    "moving version {} of {} to {}",
                    transition.version,
                    transition.table_name,
                    transition.to.as_str()
                ),
                &caller.email,
                failure,
            )),
        }
    }

    async fn pending_tables(&self, caller: &Caller, limit: u32) -> Result<Vec<String>, AppError> {
        if !self.signs_writes() {
            return Ok(super::tables_of(self.pending(caller, limit).await?));
        }
        let pool = self.pool(caller).await?;
        sqlx::query_scalar::<_, String>("SELECT dq_pending_tables($1)")
            .bind(i32::try_from(limit).unwrap_or(i32::MAX))
            .fetch_all(&pool)
            .await
            .map_err(|e| self.error("reading the review queue", &caller.email, e))
    }

    async fn rule_tables(&self, caller: &Caller, limit: u32) -> Result<Vec<String>, AppError> {
        let pool = self.pool(caller).await?;
        let listed = if self.signs_writes() {
            // Row security hides tables the caller was not yet proven to read: their names come
            // from the definer, and nothing else about them.
            sqlx::query_scalar::<_, String>("SELECT dq_rule_tables($1)")
                .bind(i32::try_from(limit).unwrap_or(i32::MAX))
                .fetch_all(&pool)
                .await
        } else {
            queries::rule_tables!(&pool, limit)
        };
        listed.map_err(|e| self.error("listing the tables with rules", &caller.email, e))
    }

    async fn overviews(
        &self,
        caller: &Caller,
        tables: &[String],
    ) -> Result<Vec<TableOverview>, AppError> {
        let pool = self.pool(caller).await?;
        queries::overviews!(&pool, "= ANY($1)", tables.to_vec())
            .map_err(|e| self.error("reading where the tables' rules stand", &caller.email, e))
    }

    async fn prove_reader(&self, caller: &Caller, table: &str) -> Result<(), AppError> {
        if !self.signs_writes() || self.proofs.fresh(&caller.email, table) {
            return Ok(());
        }
        let pool = self.pool(caller).await?;
        self.signed_reader(&pool, caller, table)
            .await
            .map_err(|f| self.failure("recording that you may read the table", &caller.email, f))?;
        self.proofs.record(&caller.email, table);
        Ok(())
    }

    async fn pending(&self, caller: &Caller, limit: u32) -> Result<Vec<RuleSetSummary>, AppError> {
        let pool = self.pool(caller).await?;
        queries::pending!(&pool, limit)
            .map_err(|e| self.error("reading the review queue", &caller.email, e))
    }

    async fn version_trail(
        &self,
        caller: &Caller,
        table: &str,
        version: i32,
    ) -> Result<Vec<AuditEvent>, AppError> {
        let pool = self.pool(caller).await?;
        queries::version_trail!(&pool, table, version)
            .map_err(|e| self.error("reading the review thread", &caller.email, e))
    }

    async fn save_preview(
        &self,
        caller: &Caller,
        run_id: &str,
        preview: &ImpactPreview,
    ) -> Result<bool, AppError> {
        let pool = self.pool(caller).await?;
        if self.signs_writes() {
            return self
                .signed_preview(&pool, caller, run_id, preview)
                .await
                .map_err(|f| self.failure("keeping the impact preview", &caller.email, f));
        }
        let id = uuid::Uuid::new_v4();
        queries::save_preview!(&pool, id, &caller.email, run_id, preview)
            .map_err(|e| self.error("keeping the impact preview", &caller.email, e))
    }

    async fn latest_preview(
        &self,
        caller: &Caller,
        table: &str,
        version: i32,
    ) -> Result<Option<ImpactPreview>, AppError> {
        let pool = self.pool(caller).await?;
        queries::latest_preview!(&pool, table, version)
            .map_err(|e| self.error("reading the impact preview", &caller.email, e))
    }
}

/// The advisory lock that serialises granting the app users' role (an arbitrary constant).
const GRANT_LOCK: i64 = 0x6471_785f_6772_616e;

/// A role name as a quoted identifier; names with control characters are refused.
fn quote_role(role: &str) -> Result<String, AppError> {
    if role.is_empty() || role.len() > 63 || role.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!(
            "LAKEBASE_APP_ROLE '{role}' is not a role name"
        )));
    }
    Ok(format!("\"{}\"", role.replace('"', "\"\"")))
}
