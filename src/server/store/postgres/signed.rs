//! The rule store's writes in Lakebase user mode: each is one call of `dq_write` (migration
//! 0005) with a request the app signed for the caller, so the database writes it as the
//! connected user after checking it itself; users' roles may not write the tables directly.

use super::PgStore;
use crate::model::results::ValidationResult;
use crate::model::review::{ImpactPreview, VersionStatus};
use crate::model::rulesets::SavedRuleSet;
use crate::server::caller::Caller;
use crate::server::store::lifecycle::{self, ReviewState, StoreFailure, Transition};
use crate::server::store::rows::utc_text;
use crate::server::store::{AuditAction, NewRuleSet};
use serde_json::{Map, Value, json};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a written read proof is taken as fresh here (the database keeps it a day).
const PROOF_FRESH: Duration = Duration::from_secs(600);
/// Proofs remembered at most; past it the older ones are forgotten (they are written again).
const PROOFS_KEPT: usize = 10_000;

/// When each (caller, table) read proof was last written by this process.
#[derive(Default)]
pub struct ProofCache(Mutex<HashMap<(String, String), Instant>>);

impl ProofCache {
    /// Whether a proof for the pair was written within `PROOF_FRESH`.
    pub fn fresh(&self, email: &str, table: &str) -> bool {
        let proofs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        proofs
            .get(&(email.to_lowercase(), table.to_string()))
            .is_some_and(|at| at.elapsed() < PROOF_FRESH)
    }

    /// Notes a proof just written.
    pub fn record(&self, email: &str, table: &str) {
        let mut proofs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if proofs.len() >= PROOFS_KEPT {
            proofs.retain(|_, at| at.elapsed() < PROOF_FRESH / 2);
        }
        if proofs.len() >= PROOFS_KEPT {
            proofs.clear();
        }
        proofs.insert((email.to_lowercase(), table.to_string()), Instant::now());
    }
}

/// `value`'s fields as a map (an object always is one).
pub(super) fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl PgStore {
    /// One `dq_write` call on `executor`: `op` with `fields`, signed for the caller.
    pub(super) async fn signed_write<'e, E>(
        &self,
        executor: E,
        caller: &Caller,
        op: &str,
        fields: Map<String, Value>,
    ) -> Result<Value, StoreFailure>
    where
        E: sqlx::PgExecutor<'e>,
    {
        let key = self.key().map_err(StoreFailure::App)?;
        let (claim, signature) = key.sign(&caller.email, op, fields);
        let (answer,): (sqlx::types::Json<Value>,) = sqlx::query_as("SELECT dq_write($1, $2)")
            .bind(claim)
            .bind(signature)
            .fetch_one(executor)
            .await?;
        Ok(answer.0)
    }

    /// A save as the caller: the database numbers the version and records its author.
    pub(super) async fn signed_save(
        &self,
        pool: &PgPool,
        caller: &Caller,
        new: &NewRuleSet,
    ) -> Result<SavedRuleSet, StoreFailure> {
        let id = uuid::Uuid::new_v4();
        let request = json!({
            "id": id.to_string(),
            "table_name": new.table_name,
            "rules": new.rules,
            "user_prompt": new.user_prompt,
            "ai_summary": new.ai_summary,
            "metadata": new.metadata,
            "restored_from": new.restored_from,
            "draft": new.draft,
        });
        let answer = self
            .signed_write(pool, caller, "save", fields(request))
            .await?;
        let version = answer["version"]
            .as_i64()
            .and_then(|v| i32::try_from(v).ok());
        let created_at = answer["created_at"]
            .as_str()
            .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").ok());
        let (Some(version), Some(created_at)) = (version, created_at) else {
            return Err(StoreFailure::App(crate::server::error::AppError::internal(
                "reading what the rule store saved",
                format!("unexpected answer {answer}"),
            )));
        };
        Ok(SavedRuleSet {
            id: id.to_string(),
            version,
            created_at: utc_text(created_at),
            status: VersionStatus::from_stored(answer["status"].as_str()),
            is_active: !new.draft,
            unchanged: false,
        })
    }

    /// A review move as the caller: refused here with the app's words when it is stale or not
    /// the caller's to make (read under the table's lock), then made by the database, which
    /// checks the same on the row it locks.
    pub(super) async fn signed_transition(
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
        let state: Option<ReviewState> = sqlx::query_as(lifecycle::SELECT_STATE)
            .bind(&transition.table_name)
            .bind(transition.version)
            .fetch_optional(&mut *tx)
            .await?;
        lifecycle::check_current(transition, state.as_ref()).map_err(StoreFailure::App)?;
        if let Some(state) = state.as_ref() {
            lifecycle::check_allowed(transition, state).map_err(StoreFailure::App)?;
        }
        let actor = &transition.actor;
        let request = json!({
            "table_name": transition.table_name,
            "version": transition.version,
            "expected": transition.expected.as_str(),
            "to": transition.to.as_str(),
            "reason": transition.reason,
            "audit_id": uuid::Uuid::new_v4().to_string(),
            "approver": actor.approver,
            "admin": actor.admin,
            "self_approval": actor.self_approval_allowed,
        });
        self.signed_write(&mut *tx, caller, "transition", fields(request))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An audit entry as the caller.
    pub(super) async fn signed_audit(
        &self,
        pool: &PgPool,
        caller: &Caller,
        action: AuditAction,
        table: &str,
        version: Option<i32>,
        detail: Option<Value>,
    ) -> Result<(), StoreFailure> {
        let request = json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "action": action.as_str(),
            "table_name": table,
            "version": version,
            "detail": detail,
        });
        self.signed_write(pool, caller, "audit", fields(request))
            .await
            .map(|_| ())
    }

    /// A validation run as the caller, once per run id (whether it was new).
    pub(super) async fn signed_run(
        &self,
        pool: &PgPool,
        caller: &Caller,
        run_id: &str,
        version: Option<i32>,
        result: &ValidationResult,
    ) -> Result<bool, StoreFailure> {
        let request = json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "run_id": run_id,
            "version": version,
            "result": result,
        });
        let answer = self
            .signed_write(pool, caller, "run", fields(request))
            .await?;
        Ok(answer["inserted"].as_bool().unwrap_or(false))
    }

    /// A proof that the caller may read `table` (they were just probed as themselves), so
    /// their own connection shows its rows.
    pub(super) async fn signed_reader(
        &self,
        pool: &PgPool,
        caller: &Caller,
        table: &str,
    ) -> Result<(), StoreFailure> {
        let request = json!({ "table_name": table });
        self.signed_write(pool, caller, "reader", fields(request))
            .await
            .map(|_| ())
    }

    /// An impact preview as the caller, once per run id (whether it was new).
    pub(super) async fn signed_preview(
        &self,
        pool: &PgPool,
        caller: &Caller,
        run_id: &str,
        preview: &ImpactPreview,
    ) -> Result<bool, StoreFailure> {
        let request = json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "run_id": run_id,
            "preview": preview,
        });
        let answer = self
            .signed_write(pool, caller, "preview", fields(request))
            .await?;
        Ok(answer["inserted"].as_bool().unwrap_or(false))
    }
}
