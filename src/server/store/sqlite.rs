//! The local rule store: one SQLite file under the data folder. Saves take SQLite's write lock up
//! front (`BEGIN IMMEDIATE`), so concurrent saves for a table queue instead of racing.

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
use serde_json::Value;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Rule sets in a SQLite file.
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

fn failed(context: &str, err: sqlx::Error) -> AppError {
    AppError::internal(context, err)
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and runs its migrations.
    pub async fn open(path: &Path) -> Result<Self, AppError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| AppError::internal(format!("creating {}", parent.display()), e))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| failed(&format!("opening the rule store {}", path.display()), e))?;
        sqlx::migrate!("src/server/store/migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| AppError::internal("migrating the rule store", e))?;
        Ok(Self {
            pool,
            path: path.to_path_buf(),
        })
    }

    /// The connection pool (for the scheduler's statements on the same file).
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn try_save(
        &self,
        caller: &Caller,
        new: &NewRuleSet,
    ) -> Result<SavedRuleSet, sqlx::Error> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let (next,): (i64,) = sqlx::query_as(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM dq_rules_events WHERE table_name = $1",
        )
        .bind(&new.table_name)
        .fetch_one(&mut *tx)
        .await?;
        let id = uuid::Uuid::new_v4().to_string();
        let (created_at, status) = queries::insert_version!(tx, &id, new, next, caller)?;
        tx.commit().await?;
        Ok(SavedRuleSet {
            id,
            version: next as i32,
            created_at: utc_text(created_at),
            status,
            is_active: !new.draft,
            unchanged: false,
        })
    }
}

#[async_trait::async_trait]
impl RuleStore for SqliteStore {
    async fn status(&self, caller: &Caller) -> StorageStatus {
        let ok = sqlx::query("SELECT 1").execute(&self.pool).await;
        StorageStatus {
            configured: true,
            connected: ok.is_ok(),
            backend: "sqlite".into(),
            user: Some(caller.email.clone()),
            message: match ok {
                Ok(_) => format!("local file {}", self.path.display()),
                Err(e) => format!("cannot open {}: {e}", self.path.display()),
            },
        }
    }

    async fn save(&self, caller: &Caller, new: NewRuleSet) -> Result<SavedRuleSet, AppError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_save(caller, &new).await {
                Ok(saved) => return Ok(saved),
                Err(e) if is_unique_violation(&e) && attempt < SAVE_ATTEMPTS => continue,
                Err(e) if is_unique_violation(&e) => {
                    return Err(super::versions_taken(&new.table_name));
                }
                Err(e) => return Err(failed(&format!("saving rules for {}", new.table_name), e)),
            }
        }
    }

    async fn history(
        &self,
        _caller: &Caller,
        table: &str,
        limit: u32,
    ) -> Result<Vec<RuleSetSummary>, AppError> {
        queries::history!(&self.pool, table, limit)
            .map_err(|e| failed(&format!("reading the history of {table}"), e))
    }

    async fn get(
        &self,
        _caller: &Caller,
        table: &str,
        version: Option<i32>,
    ) -> Result<RuleSet, AppError> {
        queries::rule_set!(&self.pool, table, version)
            .map_err(|e| failed(&format!("reading rules of {table}"), e))?
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
        let id = uuid::Uuid::new_v4().to_string();
        queries::append_audit!(
            &self.pool,
            id,
            &caller.email,
            action,
            table,
            version,
            detail
        )
        .map_err(|e| failed("writing the audit trail", e))
    }

    async fn audit_trail(
        &self,
        _caller: &Caller,
        table: &str,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, AppError> {
        queries::audit_trail!(&self.pool, table, limit)
            .map_err(|e| failed("reading the audit trail", e))
    }

    async fn audit_trail_of(
        &self,
        _caller: &Caller,
        table: &str,
        action: AuditAction,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, AppError> {
        queries::audit_trail_of!(&self.pool, table, action, limit)
            .map_err(|e| failed("reading the audit trail", e))
    }

    async fn record_validation(
        &self,
        caller: &Caller,
        run_id: &str,
        version: Option<i32>,
        result: &ValidationResult,
    ) -> Result<bool, AppError> {
        let id = uuid::Uuid::new_v4().to_string();
        queries::record_validation!(
            &self.pool,
            id,
            &caller.email,
            run_id,
            version,
            result,
            "manual"
        )
        .map_err(|e| failed("recording the validation run", e))
    }

    async fn validation_runs(
        &self,
        _caller: &Caller,
        table: &str,
        limit: u32,
    ) -> Result<Vec<super::StoredRun>, AppError> {
        queries::validation_runs!(&self.pool, table, limit)
            .map_err(|e| failed(&format!("reading the runs of {table}"), e))
    }

    async fn transition(
        &self,
        caller: &Caller,
        transition: &Transition,
    ) -> Result<RuleSetSummary, AppError> {
        let done = self.try_transition(caller, transition).await;
        match done {
            Ok(()) => Ok(self
                .get(caller, &transition.table_name, Some(transition.version))
                .await?
                .summary),
            Err(StoreFailure::App(e)) => Err(e),
            Err(StoreFailure::Db(e)) => Err(failed(
                &format!(
                    "moving version {} of {} to {}",
                    transition.version,
                    transition.table_name,
                    transition.to.as_str()
                ),
                e,
            )),
        }
    }

    async fn pending(&self, _caller: &Caller, limit: u32) -> Result<Vec<RuleSetSummary>, AppError> {
        queries::pending!(&self.pool, limit).map_err(|e| failed("reading the review queue", e))
    }

    async fn rule_tables(&self, _caller: &Caller, limit: u32) -> Result<Vec<String>, AppError> {
        queries::rule_tables!(&self.pool, limit)
            .map_err(|e| failed("listing the tables with rules", e))
    }

    async fn overviews(
        &self,
        _caller: &Caller,
        tables: &[String],
    ) -> Result<Vec<TableOverview>, AppError> {
        let names = serde_json::to_string(tables)
            .map_err(|e| AppError::internal("listing the tables with rules", e))?;
        queries::overviews!(&self.pool, "IN (SELECT value FROM json_each($1))", names)
            .map_err(|e| failed("reading where the tables' rules stand", e))
    }

    async fn version_trail(
        &self,
        _caller: &Caller,
        table: &str,
        version: i32,
    ) -> Result<Vec<AuditEvent>, AppError> {
        queries::version_trail!(&self.pool, table, version)
            .map_err(|e| failed("reading the review thread", e))
    }

    async fn save_preview(
        &self,
        caller: &Caller,
        run_id: &str,
        preview: &ImpactPreview,
    ) -> Result<bool, AppError> {
        let id = uuid::Uuid::new_v4().to_string();
        queries::save_preview!(&self.pool, id, &caller.email, run_id, preview)
            .map_err(|e| failed("keeping the impact preview", e))
    }

    async fn latest_preview(
        &self,
        _caller: &Caller,
        table: &str,
        version: i32,
    ) -> Result<Option<ImpactPreview>, AppError> {
        queries::latest_preview!(&self.pool, table, version)
            .map_err(|e| failed("reading the impact preview", e))
    }
}

impl SqliteStore {
    async fn try_transition(
        &self,
        caller: &Caller,
        transition: &Transition,
    ) -> Result<(), StoreFailure> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        run_transition!(
            tx,
            transition,
            &caller.email,
            uuid::Uuid::new_v4().to_string()
        );
        tx.commit().await?;
        Ok(())
    }
}
