//! The Lakebase target: a table in DQX's own Lakebase checks format (`name, criticality, check
//! jsonb, filter, run_config_name, user_metadata jsonb, message_expr, created_at,
//! rule_fingerprint, rule_set_fingerprint`), written as the approving user, which DQX's
//! `LakebaseChecksStorageConfig` loads (its newest batch for the `run_config_name`). A batch is
//! appended only when the newest batch does not already hold this rule set; an older batch with
//! the same fingerprint is replaced, so a restored rule set loads once.

use super::rows::check_rows;
use super::{Outcome, Publication, PublishTarget};
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::store::postgres::pools::{PgTarget, PoolLimits, Pools};
use sqlx::types::Json;

/// `database.schema.table` on the Lakebase instance.
pub struct LakebaseTable {
    pools: Pools,
    location: String,
    schema: String,
    table: String,
}

/// Splits and checks `database.schema.table`.
pub fn parse_location(text: &str) -> Result<(String, String, String), String> {
    let parts: Vec<&str> = text.split('.').map(str::trim).collect();
    match parts.as_slice() {
        [db, schema, table] if [db, schema, table].iter().all(|p| !p.is_empty()) => {
            Ok((db.to_string(), schema.to_string(), table.to_string()))
        }
        _ => Err(format!(
            "'{text}' is not database.schema.table (the Lakebase table DQX loads checks from)"
        )),
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl LakebaseTable {
    /// The target at `location` on the instance `target` points to (its database replaced).
    pub fn new(mut target: PgTarget, location: &str) -> Result<Self, String> {
        let (database, schema, table) = parse_location(location)?;
        target.database = database;
        Ok(Self {
            pools: Pools::new(target, PoolLimits::default()),
            location: location.to_string(),
            schema,
            table,
        })
    }

    fn qualified(&self) -> String {
        format!("{}.{}", quote(&self.schema), quote(&self.table))
    }

    async fn write(
        &self,
        pool: &sqlx::PgPool,
        publication: &Publication,
    ) -> Result<Outcome, sqlx::Error> {
        let table = self.qualified();
        // Created when missing and the user may; an existing table is used as it is.
        let created = sqlx::query(&format!(
            "CREATE TABLE IF NOT EXISTS {table} (name VARCHAR(255), criticality VARCHAR(50) DEFAULT 'error', \
             \"check\" JSONB, filter TEXT, run_config_name VARCHAR(255) DEFAULT 'default', user_metadata JSONB, \
             message_expr TEXT, created_at TIMESTAMP, rule_fingerprint VARCHAR(64), rule_set_fingerprint VARCHAR(64))"
        ))
        .execute(pool)
        .await;
        if let Err(e) = created {
            tracing::debug!(error = %e, "the publish table was not created (it may exist)");
        }
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(format!("{}/{}", self.location, publication.table))
            .execute(&mut *tx)
            .await?;
        let newest: Option<(Option<String>,)> = sqlx::query_as(&format!(
            "SELECT rule_set_fingerprint FROM {table} WHERE run_config_name = $1 \
             ORDER BY created_at DESC NULLS LAST LIMIT 1"
        ))
        .bind(&publication.run_config_name)
        .fetch_optional(&mut *tx)
        .await?;
        if newest.is_none() && publication.clears() {
            tx.rollback().await?;
            return Ok(Outcome::Unchanged);
        }
        if publication.clears() {
            // No rows stand for no checks: DQX then loads none for the run config.
            sqlx::query(&format!("DELETE FROM {table} WHERE run_config_name = $1"))
                .bind(&publication.run_config_name)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(Outcome::Written);
        }
        if newest.and_then(|(f,)| f).as_deref() == Some(publication.rule_set_fingerprint.as_str()) {
            tx.rollback().await?;
            return Ok(Outcome::Unchanged);
        }
        // A rule set published before (and since replaced) is written again as the newest batch:
        // its old rows go, so loading it returns each rule once.
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE run_config_name = $1 AND rule_set_fingerprint = $2"
        ))
        .bind(&publication.run_config_name)
        .bind(&publication.rule_set_fingerprint)
        .execute(&mut *tx)
        .await?;
        let created_at = chrono::Utc::now().naive_utc();
        for row in check_rows(publication) {
            sqlx::query(&format!(
                "INSERT INTO {table} (name, criticality, \"check\", filter, run_config_name, user_metadata, \
                 message_expr, created_at, rule_fingerprint, rule_set_fingerprint) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ))
            .bind(row.name)
            .bind(row.criticality)
            .bind(Json(row.check))
            .bind(row.filter)
            .bind(&publication.run_config_name)
            .bind(row.user_metadata.map(Json))
            .bind(row.message_expr)
            .bind(created_at)
            .bind(row.rule_fingerprint)
            .bind(&publication.rule_set_fingerprint)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Outcome::Written)
    }
}

#[async_trait::async_trait]
impl PublishTarget for LakebaseTable {
    fn describe(&self, _table: &str) -> String {
        format!("lakebase {}", self.location)
    }

    async fn publish(
        &self,
        caller: &Caller,
        publication: &Publication,
    ) -> Result<Outcome, AppError> {
        let token = caller.token.as_ref().ok_or_else(|| {
            AppError::Unauthorized(format!(
                "publishing to Lakebase needs {}'s own sign-in token",
                caller.email
            ))
        })?;
        let pool = self.pools.pool(&caller.email, token);
        self.write(&pool, publication).await.map_err(|e| match &e {
            sqlx::Error::Database(db) if db.code().as_deref() == Some("42501") => {
                AppError::PermissionDenied(format!(
                    "Lakebase refused {} writing {}: {}; grant the app's users INSERT and SELECT on it",
                    caller.email,
                    self.location,
                    db.message()
                ))
            }
            _ => AppError::internal(format!("publishing to {}", self.location), e),
        })
    }
}
