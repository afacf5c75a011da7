//! The registry's entries in the local SQLite store: every write takes SQLite's write lock up
//! front (`BEGIN IMMEDIATE`), so the version it reads is the one it moves.

use super::{
    ENTRY_COLUMNS, EntryMove, EntryRow, NewEntry, RegistryStore, SELECT_STATE, select_sql,
};
use crate::model::registry_entries::{EntryKind, RegistryVersion};
use crate::model::review::VersionStatus;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::store::lifecycle::{self, ReviewState, StoreFailure};
use crate::server::store::rows::now;
use crate::server::store::sqlite::SqliteStore;
use sqlx::types::Json;

const INSERT: &str = "INSERT INTO dq_registry_entries (id, kind, name, version, body, status, created_by, created_at, submitted_by, submitted_at, reviewed_by, reviewed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
/// `$1` status, `$2` who, `$3` when, `$4` reason (a submit has none); `$5`–`$7` the version.
const SUBMIT: &str = "UPDATE dq_registry_entries SET status = $1, submitted_by = $2, submitted_at = $3 WHERE kind = $5 AND name = $6 AND version = $7";
const DECIDE: &str = "UPDATE dq_registry_entries SET status = $1, reviewed_by = $2, reviewed_at = $3, review_reason = $4 WHERE kind = $5 AND name = $6 AND version = $7";

fn one_sql() -> String {
    format!(
        "SELECT {ENTRY_COLUMNS} FROM dq_registry_entries WHERE kind = $1 AND name = $2 AND version = $3"
    )
}

impl SqliteStore {
    async fn try_registry_save(
        &self,
        caller: &Caller,
        new: &NewEntry,
    ) -> Result<RegistryVersion, sqlx::Error> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let (next,): (i32,) = sqlx::query_as(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM dq_registry_entries WHERE kind = $1 AND name = $2",
        )
        .bind(new.kind.as_str())
        .bind(&new.name)
        .fetch_one(&mut *tx)
        .await?;
        let at = now();
        let submitted = new.status != VersionStatus::Draft;
        let reviewed = new.status == VersionStatus::Approved;
        sqlx::query(INSERT)
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(new.kind.as_str())
            .bind(&new.name)
            .bind(next)
            .bind(Json(&new.body))
            .bind(new.status.as_str())
            .bind(&caller.email)
            .bind(at)
            .bind(submitted.then_some(&caller.email))
            .bind(submitted.then_some(at))
            .bind(reviewed.then_some(&caller.email))
            .bind(reviewed.then_some(at))
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            caller,
            new.kind,
            &new.name,
            next,
            "save",
            serde_json::json!({"status": new.status.as_str()}),
        )
        .await?;
        let row: EntryRow = sqlx::query_as(&one_sql())
            .bind(new.kind.as_str())
            .bind(&new.name)
            .bind(next)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.into_version())
    }

    async fn try_registry_move(
        &self,
        caller: &Caller,
        entry_move: &EntryMove,
    ) -> Result<RegistryVersion, StoreFailure> {
        let transition = entry_move.as_transition();
        transition.check_legal().map_err(StoreFailure::App)?;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
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
        let at = now();
        let (sql, reason) = match entry_move.to {
            VersionStatus::Pending => (SUBMIT, None),
            VersionStatus::Rejected => (DECIDE, entry_move.reason.clone()),
            _ => (DECIDE, None),
        };
        sqlx::query(sql)
            .bind(entry_move.to.as_str())
            .bind(&caller.email)
            .bind(at)
            .bind(reason)
            .bind(entry_move.kind.as_str())
            .bind(&entry_move.name)
            .bind(entry_move.version)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            caller,
            entry_move.kind,
            &entry_move.name,
            entry_move.version,
            transition.action().as_str(),
            lifecycle::audit_detail(&transition),
        )
        .await?;
        let row: EntryRow = sqlx::query_as(&one_sql())
            .bind(entry_move.kind.as_str())
            .bind(&entry_move.name)
            .bind(entry_move.version)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.into_version())
    }
}

/// The entry's audit entry, in the write's transaction.
async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    caller: &Caller,
    kind: EntryKind,
    name: &str,
    version: i32,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(lifecycle::INSERT_AUDIT)
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(now())
        .bind(&caller.email)
        .bind(action)
        .bind(kind.audit_key(name))
        .bind(version)
        .bind(Json(detail))
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

#[async_trait::async_trait]
impl RegistryStore for SqliteStore {
    async fn registry_save(
        &self,
        caller: &Caller,
        new: &NewEntry,
    ) -> Result<RegistryVersion, AppError> {
        self.try_registry_save(caller, new)
            .await
            .map_err(|e| AppError::internal(format!("saving {}", new.kind.label(&new.name)), e))
    }

    async fn registry_move(
        &self,
        caller: &Caller,
        entry_move: &EntryMove,
    ) -> Result<RegistryVersion, AppError> {
        self.try_registry_move(caller, entry_move)
            .await
            .map_err(|failure| match failure {
                StoreFailure::App(e) => e,
                StoreFailure::Db(e) => AppError::internal(
                    format!(
                        "moving version {} of {} to {}",
                        entry_move.version,
                        entry_move.kind.label(&entry_move.name),
                        entry_move.to.as_str()
                    ),
                    e,
                ),
            })
    }

    async fn registry_versions(
        &self,
        _caller: &Caller,
        kind: EntryKind,
        name: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RegistryVersion>, AppError> {
        let sql = select_sql(name.is_some());
        let mut query = sqlx::query_as::<_, EntryRow>(&sql)
            .bind(kind.as_str())
            .bind(i64::from(limit));
        if let Some(name) = name {
            query = query.bind(name);
        }
        query
            .fetch_all(self.pool())
            .await
            .map(|rows| rows.into_iter().map(EntryRow::into_version).collect())
            .map_err(|e| AppError::internal("reading the rule registry", e))
    }
}
