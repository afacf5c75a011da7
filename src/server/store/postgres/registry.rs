//! The registry's entries in Lakebase: every write is one of the database's own functions
//! (`dq_op_registry_save` / `dq_op_registry_move`, migration 0010), signed through `dq_write`
//! in user mode and called directly by the tables' owner otherwise, so both identities write
//! through the same checks. A move is first checked here under the same lock, for refusals in
//! the app's words (who moved it, and when).

use super::PgStore;
use super::signed::fields;
use crate::model::registry_entries::{EntryKind, RegistryVersion};
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::store::lifecycle::{self, ReviewState, StoreFailure};
use crate::server::store::registry::{
    EntryMove, EntryRow, NewEntry, RegistryStore, SELECT_STATE, select_sql, version_from_json,
};
use serde_json::{Value, json};
use sqlx::types::Json;

impl PgStore {
    /// One registry operation in `tx`: signed for the caller in user mode, else called directly.
    async fn registry_call(
        &self,
        tx: &mut sqlx::PgConnection,
        caller: &Caller,
        op: &str,
        request: Value,
    ) -> Result<RegistryVersion, StoreFailure> {
        let answer = if self.signs_writes() {
            self.signed_write(&mut *tx, caller, op, fields(request))
                .await?
        } else {
            let sql = match op {
                "registry_save" => "SELECT dq_op_registry_save($1, $2)",
                _ => "SELECT dq_op_registry_move($1, $2)",
            };
            let (answer,): (Json<Value>,) = sqlx::query_as(sql)
                .bind(Json(request))
                .bind(&caller.email)
                .fetch_one(&mut *tx)
                .await?;
            answer.0
        };
        version_from_json(&answer).map_err(StoreFailure::App)
    }

    async fn try_registry_move(
        &self,
        caller: &Caller,
        entry_move: &EntryMove,
    ) -> Result<RegistryVersion, StoreFailure> {
        let transition = entry_move.as_transition();
        transition.check_legal().map_err(StoreFailure::App)?;
        let pool = self.pool(caller).await.map_err(StoreFailure::App)?;
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(entry_move.lock_key())
            .execute(&mut *tx)
            .await?;
        let state: Option<ReviewState> = sqlx::query_as(SELECT_STATE)
            .bind(entry_move.kind.as_str())
            .bind(&entry_move.name)
            .bind(entry_move.version)
            .fetch_optional(&mut *tx)
            .await?;
        lifecycle::check_current(&transition, state.as_ref()).map_err(StoreFailure::App)?;
        if let Some(state) = state.as_ref() {
            lifecycle::check_allowed(&transition, state).map_err(StoreFailure::App)?;
        }
        let actor = &entry_move.actor;
        let request = json!({
            "kind": entry_move.kind.as_str(),
            "name": entry_move.name,
            "version": entry_move.version,
            "expected": entry_move.expected.as_str(),
            "to": entry_move.to.as_str(),
            "reason": entry_move.reason,
            "audit_id": uuid::Uuid::new_v4().to_string(),
            "approver": actor.approver,
            "admin": actor.admin,
            "self_approval": actor.self_approval_allowed,
        });
        let moved = self
            .registry_call(&mut tx, caller, "registry_move", request)
            .await?;
        tx.commit().await?;
        Ok(moved)
    }
}

#[async_trait::async_trait]
impl RegistryStore for PgStore {
    async fn registry_save(
        &self,
        caller: &Caller,
        new: &NewEntry,
    ) -> Result<RegistryVersion, AppError> {
        let doing = format!("saving {}", new.kind.label(&new.name));
        let pool = self.pool(caller).await?;
        let request = json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "audit_id": uuid::Uuid::new_v4().to_string(),
            "kind": new.kind.as_str(),
            "name": new.name,
            "body": new.body,
            "status": new.status.as_str(),
        });
        let saved = async {
            let mut tx = pool.begin().await?;
            let saved = self
                .registry_call(&mut tx, caller, "registry_save", request)
                .await?;
            tx.commit().await?;
            Ok::<_, StoreFailure>(saved)
        }
        .await;
        saved.map_err(|f| self.failure(&doing, &caller.email, f))
    }

    async fn registry_move(
        &self,
        caller: &Caller,
        entry_move: &EntryMove,
    ) -> Result<RegistryVersion, AppError> {
        self.try_registry_move(caller, entry_move)
            .await
            .map_err(|f| {
                self.failure(
                    &format!(
                        "moving version {} of {} to {}",
                        entry_move.version,
                        entry_move.kind.label(&entry_move.name),
                        entry_move.to.as_str()
                    ),
                    &caller.email,
                    f,
                )
            })
    }

    async fn registry_versions(
        &self,
        caller: &Caller,
        kind: EntryKind,
        name: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RegistryVersion>, AppError> {
        let pool = self.pool(caller).await?;
        let sql = select_sql(name.is_some());
        let mut query = sqlx::query_as::<_, EntryRow>(&sql)
            .bind(kind.as_str())
            .bind(i64::from(limit));
        if let Some(name) = name {
            query = query.bind(name.to_string());
        }
        query
            .fetch_all(&pool)
            .await
            .map(|rows| rows.into_iter().map(EntryRow::into_version).collect())
            .map_err(|e| self.error("reading the rule registry", &caller.email, e))
    }
}
