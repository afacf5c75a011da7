//! The embedded local workspace: Apache DataFusion over a folder laid out
//! `catalog/schema/table.{parquet,csv}`, with users and grants from `local-workspace.toml`.
//!
//! Grants are enforced twice: each method checks them first (for a precise message), and every
//! query runs in a session holding only the tables the caller may read, so SQL cannot reach
//! around a grant.

pub mod directory;
pub mod sample_data;
pub mod scan;
pub mod sessions;
pub mod values;

use crate::engine::sql::read_only_options;
use crate::model::catalog::{CatalogInfo, SampleRows, SchemaInfo, TableDescription, TableInfo};
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::workspace::{BackendHealth, Workspace};
use datafusion::arrow::array::{Array, Int64Array, RecordBatch};
use datafusion::catalog::{
    CatalogProvider, MemoryCatalogProvider, MemorySchemaProvider, SchemaProvider,
};
use datafusion::execution::context::{SessionConfig, SessionContext};
use directory::{LocalDirectory, LocalUser};
use scan::LocalTable;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The local workspace: the tables found at start-up and who may read them.
/// Rows profiled for an analysis.
pub const ANALYSIS_PROFILE_ROWS: u64 = 100_000;

/// Rows a triage reads at most on the embedded engine.
pub const TRIAGE_ROWS: u64 = 200_000;

pub struct LocalWorkspace {
    root: PathBuf,
    directory: Arc<LocalDirectory>,
    tables: BTreeMap<TableName, LocalTable>,
    sessions: sessions::Sessions,
}

impl LocalWorkspace {
    /// Scans `root` and registers every table found there.
    pub async fn open(root: &Path, directory: Arc<LocalDirectory>) -> Result<Self, AppError> {
        let tables = scan::scan_workspace(root).await?;
        Ok(Self {
            root: root.to_path_buf(),
            directory,
            tables,
            sessions: sessions::Sessions::default(),
        })
    }

    fn user(&self, caller: &Caller) -> Result<&LocalUser, AppError> {
        self.directory.find_by_email(&caller.email).ok_or_else(|| {
            AppError::Unauthorized(format!(
                "{} is not a user of the local workspace",
                caller.email
            ))
        })
    }

    fn catalog_exists(&self, catalog: &str) -> bool {
        self.tables.keys().any(|t| t.catalog == catalog)
    }

    fn schema_exists(&self, catalog: &str, schema: &str) -> bool {
        self.tables
            .keys()
            .any(|t| t.catalog == catalog && t.schema == schema)
    }

    fn check_catalog(&self, user: &LocalUser, catalog: &str) -> Result<(), AppError> {
        if !self.catalog_exists(catalog) {
            return Err(AppError::NotFound(format!(
                "catalog {catalog} does not exist"
            )));
        }
        if !user.can_use_catalog(catalog) {
            return Err(AppError::PermissionDenied(format!(
                "you don't have USE CATALOG on {catalog}"
            )));
        }
        Ok(())
    }

    fn check_schema(&self, user: &LocalUser, catalog: &str, schema: &str) -> Result<(), AppError> {
        self.check_catalog(user, catalog)?;
        if !self.schema_exists(catalog, schema) {
            return Err(AppError::NotFound(format!(
                "schema {catalog}.{schema} does not exist"
            )));
        }
        if !user.can_use_schema(catalog, schema) {
            return Err(AppError::PermissionDenied(format!(
                "you don't have USE SCHEMA on {catalog}.{schema}"
            )));
        }
        Ok(())
    }

    fn check_select(&self, user: &LocalUser, table: &TableName) -> Result<&LocalTable, AppError> {
        self.check_schema(user, &table.catalog, &table.schema)?;
        let found = self
            .tables
            .get(table)
            .ok_or_else(|| AppError::NotFound(format!("table {table} does not exist")))?;
        if !user.can_select(&table.catalog, &table.schema, &table.table) {
            return Err(AppError::PermissionDenied(format!(
                "you don't have SELECT on {table}"
            )));
        }
        Ok(found)
    }

    /// A DataFusion session that contains exactly the tables `user` may read. SQL is parsed in
    /// the Databricks dialect, so back-quoted identifiers mean the same as on a warehouse.
    pub fn session_for(&self, user: &LocalUser) -> Result<SessionContext, AppError> {
        self.session_with(user, SessionConfig::new())
    }

    /// `user`'s read-only session for previews, descriptions and probes: built once, reused.
    fn read_session(&self, user: &LocalUser) -> Result<SessionContext, AppError> {
        self.sessions.read_only(&user.email, || {
            let config = SessionConfig::new().with_batch_size(sessions::READ_BATCH_ROWS);
            self.session_with(user, config)
        })
    }

    fn session_with(
        &self,
        user: &LocalUser,
        config: SessionConfig,
    ) -> Result<SessionContext, AppError> {
        let config = config
            .set_str("datafusion.sql_parser.dialect", "databricks")
            .with_information_schema(false);
        let ctx = SessionContext::new_with_config_rt(config, self.sessions.runtime.clone());
        let mut catalogs: BTreeMap<&str, Arc<MemoryCatalogProvider>> = BTreeMap::new();
        for (name, table) in &self.tables {
            if !user.can_select(&name.catalog, &name.schema, &name.table) {
                continue;
            }
            let catalog = catalogs
                .entry(name.catalog.as_str())
                .or_insert_with(|| Arc::new(MemoryCatalogProvider::new()));
            let schema = match catalog.schema(&name.schema) {
                Some(schema) => schema,
                None => {
                    let schema: Arc<dyn SchemaProvider> = Arc::new(MemorySchemaProvider::new());
                    catalog
                        .register_schema(&name.schema, schema.clone())
                        .map_err(|e| AppError::internal("preparing the query session", e))?;
                    schema
                }
            };
            schema
                .register_table(name.table.clone(), table.provider.clone())
                .map_err(|e| AppError::internal("preparing the query session", e))?;
        }
        for (name, catalog) in catalogs {
            ctx.register_catalog(name, catalog);
        }
        Ok(ctx)
    }

    /// A session holding exactly the tables `caller` may read, for jobs run as the caller.
    pub fn session_for_caller(&self, caller: &Caller) -> Result<SessionContext, AppError> {
        self.session_for(self.user(caller)?)
    }

    /// Runs read-only SQL (no DDL, DML or statements) as `caller`.
    pub async fn query(&self, caller: &Caller, sql: &str) -> Result<Vec<RecordBatch>, AppError> {
        let user = self.user(caller)?;
        let ctx = self.read_session(user)?;
        run_read_only(&ctx, sql).await
    }
}

/// Plans and runs read-only SQL on the query runtime (off the request workers).
async fn run_read_only(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, AppError> {
    let (ctx, sql) = (ctx.clone(), sql.to_string());
    crate::server::runtime::on_query_runtime(async move {
        let frame = ctx
            .sql_with_options(&sql, read_only_options())
            .await
            .map_err(|e| AppError::internal("planning the query", e))?;
        frame
            .collect()
            .await
            .map_err(|e| AppError::internal("reading the table", e))
    })
    .await
    .map_err(|e| AppError::internal("running the query", e))?
}

impl LocalWorkspace {
    /// Runs read-only `sql` over `table` as `caller` (proven to read it first), answering the
    /// column names and every cell as text.
    async fn read_as_text(
        &self,
        caller: &Caller,
        table: &TableName,
        sql: &str,
    ) -> Result<(Vec<String>, Vec<Vec<Option<String>>>), AppError> {
        let user = self.user(caller)?;
        self.check_select(user, table)?;
        let ctx = self.read_session(user)?;
        let batches = run_read_only(&ctx, sql).await?;
        let columns = batches
            .first()
            .map(|b| {
                b.schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect()
            })
            .unwrap_or_default();
        let rows = values::rows_as_text(&batches)
            .map_err(|e| AppError::internal(format!("reading {table}"), e))?;
        Ok((columns, rows))
    }

    /// Runs one of the fixed read-only statements on `table` as `user`; while the table's file
    /// is unchanged the kept answer is served.
    async fn run_fixed(
        &self,
        user: &LocalUser,
        table: &LocalTable,
        sql: &str,
    ) -> Result<Vec<RecordBatch>, AppError> {
        let stamp = table.stamp();
        if let Some(kept) = stamp.and_then(|s| self.sessions.answer(sql, s)) {
            return Ok(kept);
        }
        let ctx = self.read_session(user)?;
        let batches = run_read_only(&ctx, sql).await?;
        if let Some(stamp) = stamp {
            self.sessions.keep_answer(sql, stamp, &batches);
        }
        Ok(batches)
    }
}

fn table_info(name: &TableName, table: &LocalTable) -> TableInfo {
    TableInfo {
        catalog: name.catalog.clone(),
        schema: name.schema.clone(),
        name: name.table.clone(),
        full_name: name.to_string(),
        table_type: table.format.label().to_string(),
        comment: None,
    }
}

#[async_trait::async_trait]
impl Workspace for LocalWorkspace {
    async fn health(&self) -> BackendHealth {
        let catalogs: std::collections::BTreeSet<&str> =
            self.tables.keys().map(|t| t.catalog.as_str()).collect();
        BackendHealth {
            kind: "local (Apache DataFusion)".into(),
            status: "ok",
            detail: format!(
                "{} tables in {} catalogs under {}",
                self.tables.len(),
                catalogs.len(),
                self.root.display()
            ),
        }
    }

    async fn list_catalogs(&self, caller: &Caller) -> Result<Vec<CatalogInfo>, AppError> {
        let user = self.user(caller)?;
        let mut names: Vec<&str> = self.tables.keys().map(|t| t.catalog.as_str()).collect();
        names.dedup();
        Ok(names
            .into_iter()
            .filter(|c| user.can_use_catalog(c))
            .map(|c| CatalogInfo {
                name: c.to_string(),
                comment: None,
            })
            .collect())
    }

    async fn list_schemas(
        &self,
        caller: &Caller,
        catalog: &str,
    ) -> Result<Vec<SchemaInfo>, AppError> {
        let user = self.user(caller)?;
        let catalog = catalog.to_lowercase();
        self.check_catalog(user, &catalog)?;
        let mut names: Vec<&str> = self
            .tables
            .keys()
            .filter(|t| t.catalog == catalog)
            .map(|t| t.schema.as_str())
            .collect();
        names.dedup();
        Ok(names
            .into_iter()
            .filter(|s| user.can_use_schema(&catalog, s))
            .map(|s| SchemaInfo {
                catalog: catalog.clone(),
                name: s.to_string(),
                comment: None,
            })
            .collect())
    }

    async fn list_tables(
        &self,
        caller: &Caller,
        catalog: &str,
        schema: &str,
    ) -> Result<Vec<TableInfo>, AppError> {
        let user = self.user(caller)?;
        let (catalog, schema) = (catalog.to_lowercase(), schema.to_lowercase());
        self.check_schema(user, &catalog, &schema)?;
        Ok(self
            .tables
            .iter()
            .filter(|(name, _)| name.catalog == catalog && name.schema == schema)
            .filter(|(name, _)| user.can_select(&name.catalog, &name.schema, &name.table))
            .map(|(name, table)| table_info(name, table))
            .collect())
    }

    async fn describe_table(
        &self,
        caller: &Caller,
        table: &TableName,
    ) -> Result<TableDescription, AppError> {
        let user = self.user(caller)?;
        let found = self.check_select(user, table)?;
        let batches = self
            .run_fixed(
                user,
                found,
                &format!("SELECT count(*) FROM {}", table.quoted()),
            )
            .await?;
        let row_count = batches
            .first()
            .and_then(|b| b.column(0).as_any().downcast_ref::<Int64Array>().cloned())
            .filter(|a| !a.is_empty())
            .map(|a| a.value(0).max(0) as u64);
        Ok(TableDescription {
            table: table_info(table, found),
            columns: values::columns_of(&found.provider.schema()),
            row_count,
        })
    }

    async fn sample_table(
        &self,
        caller: &Caller,
        table: &TableName,
        limit: u32,
    ) -> Result<SampleRows, AppError> {
        let user = self.user(caller)?;
        let found = self.check_select(user, table)?;
        let batches = self
            .run_fixed(
                user,
                found,
                &format!("SELECT * FROM {} LIMIT {limit}", table.quoted()),
            )
            .await?;
        let rows = values::rows_as_text(&batches)
            .map_err(|e| AppError::internal("rendering the sample", e))?;
        Ok(SampleRows {
            table: table.to_string(),
            columns: values::columns_of(&found.provider.schema()),
            rows,
            limit,
        })
    }

    async fn profile(
        &self,
        caller: &Caller,
        table: &TableName,
    ) -> Result<Option<crate::model::profile::TableProfile>, AppError> {
        let user = self.user(caller)?;
        self.check_select(user, table)?;
        let ctx = self.session_for(user)?;
        let (quoted, name) = (table.quoted(), table.to_string());
        // On the query runtime: profiling reads the whole sample.
        let profiled = crate::server::runtime::on_query_runtime(async move {
            crate::engine::profile::profile_table(&ctx, &quoted, &name, Some(ANALYSIS_PROFILE_ROWS))
                .await
        })
        .await
        .map_err(|e| AppError::internal(format!("profiling {table}"), e))?;
        profiled
            .map(Some)
            .map_err(|e| AppError::internal(format!("profiling {table}"), e))
    }

    async fn triage(
        &self,
        caller: &Caller,
        table: &TableName,
        rules: &[crate::model::rules::ResolvedRule],
    ) -> Result<(Vec<crate::model::triage::RuleTriage>, u64), AppError> {
        let user = self.user(caller)?;
        self.check_select(user, table)?;
        let ctx = self.session_for(user)?;
        let quoted = table.quoted();
        let rules = rules.to_vec();
        // On the query runtime: the grouped statements read the whole sample.
        let triaged = crate::server::runtime::on_query_runtime(async move {
            crate::engine::triage::triage_local(&ctx, &quoted, &rules, TRIAGE_ROWS).await
        })
        .await
        .map_err(|e| AppError::internal(format!("triaging {table}"), e))?;
        triaged.map_err(|e| AppError::internal(format!("triaging {table}"), e))
    }

    fn may_read_as(&self, email: &str, table: &TableName) -> Option<bool> {
        let known = self
            .directory
            .find_by_email(email)
            .is_some_and(|user| self.check_select(user, table).is_ok());
        Some(known)
    }

    async fn visible_tables(
        &self,
        caller: &Caller,
        catalog: Option<&str>,
        schema: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, AppError> {
        let user = self.user(caller)?;
        let mut out: Vec<String> = self
            .tables
            .keys()
            .filter(|t| catalog.is_none_or(|c| t.catalog.eq_ignore_ascii_case(c)))
            .filter(|t| schema.is_none_or(|s| t.schema.eq_ignore_ascii_case(s)))
            .filter(|t| user.can_select(&t.catalog, &t.schema, &t.table))
            .map(|t| t.to_string().to_lowercase())
            .collect();
        out.sort();
        out.truncate(limit as usize);
        Ok(out)
    }

    async fn tags(
        &self,
        caller: &Caller,
        key: &str,
        value: Option<&str>,
        on: crate::model::registry::TagOn,
        limit: u32,
    ) -> Result<Vec<crate::model::registry::TagHit>, AppError> {
        use crate::model::registry::{TagHit, TagOn};
        let user = self.user(caller)?;
        let mut hits = Vec::new();
        for tag in &self.directory.tags {
            let parts: Vec<&str> = tag.on.split('.').map(str::trim).collect();
            let (table, column) = match (on, parts.as_slice()) {
                (TagOn::Table, [c, s, t]) => (TableName::new(c, s, t), None),
                (TagOn::Column, [c, s, t, col]) => (TableName::new(c, s, t), Some(col.to_string())),
                _ => continue,
            };
            let Ok(table) = table else { continue };
            let wanted = tag.key.eq_ignore_ascii_case(key) && value.is_none_or(|v| v == tag.value);
            if wanted && self.check_select(user, &table).is_ok() {
                hits.push(TagHit {
                    table: table.to_string(),
                    column,
                    key: tag.key.clone(),
                    value: tag.value.clone(),
                });
            }
        }
        hits.sort();
        hits.truncate(limit as usize);
        Ok(hits)
    }

    async fn unreadable_covered(
        &self,
        caller: &Caller,
        scope: &crate::model::registry::Scope,
    ) -> Result<Option<u64>, AppError> {
        use crate::model::registry::{TagHit, TagOn};
        let user = self.user(caller)?;
        let all: Vec<String> = self
            .tables
            .keys()
            .map(|t| t.to_string().to_lowercase())
            .collect();
        let mut hits = Vec::new();
        if let Some(wanted) = &scope.tag {
            for tag in &self.directory.tags {
                let parts: Vec<&str> = tag.on.split('.').map(str::trim).collect();
                let (table, column) = match (wanted.on, parts.as_slice()) {
                    (TagOn::Table, [c, s, t]) => (format!("{c}.{s}.{t}"), None),
                    (TagOn::Column, [c, s, t, col]) => {
                        (format!("{c}.{s}.{t}"), Some(col.to_string()))
                    }
                    _ => continue,
                };
                if tag.key.eq_ignore_ascii_case(&wanted.key) && tag.value == wanted.value {
                    hits.push(TagHit {
                        table: table.to_lowercase(),
                        column,
                        key: tag.key.clone(),
                        value: tag.value.clone(),
                    });
                }
            }
        }
        let hidden = scope
            .covered(&all, &hits)
            .into_iter()
            .filter(|t| all.contains(t))
            .filter(|t| {
                let p: Vec<&str> = t.split('.').collect();
                !matches!(p.as_slice(), [c, s, n] if user.can_select(c, s, n))
            })
            .count();
        Ok(Some(hidden as u64))
    }

    async fn metric_rows(
        &self,
        caller: &Caller,
        metrics: &TableName,
        locations: &[String],
        runs_each: u32,
    ) -> Result<Vec<crate::model::metrics::MetricRow>, AppError> {
        use super::metrics_table::{Values, decode, recent_runs};
        if locations.is_empty() {
            return Ok(Vec::new());
        }
        let statement = recent_runs(metrics, locations, runs_each, Values::Literal);
        let (columns, rows) = self.read_as_text(caller, metrics, &statement.sql).await?;
        Ok(decode(&columns, rows))
    }

    async fn health_rows(
        &self,
        caller: &Caller,
        metrics: &TableName,
        table: &str,
        runs: usize,
        only: Option<&[&str]>,
    ) -> Result<Vec<crate::model::metrics::MetricRow>, AppError> {
        use super::metrics_table::{Values, decode, health_runs};
        let statement = health_runs(metrics, table, runs, only, Values::Literal);
        let (columns, rows) = self.read_as_text(caller, metrics, &statement.sql).await?;
        let mut out = decode(&columns, rows);
        out.sort_by(|a, b| (&a.run_time, &a.run_id).cmp(&(&b.run_time, &b.run_id)));
        Ok(out)
    }

    async fn metric_locations(
        &self,
        caller: &Caller,
        metrics: &TableName,
        limit: u32,
    ) -> Result<Vec<String>, AppError> {
        let statement = super::metrics_table::locations(metrics, limit);
        let (_, rows) = self.read_as_text(caller, metrics, &statement.sql).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect())
    }

    async fn change_times(
        &self,
        caller: &Caller,
        table: &TableName,
    ) -> Result<(Option<i64>, Vec<i64>), AppError> {
        let user = self.user(caller)?;
        let found = self.check_select(user, table)?;
        let modified = found.stamp().and_then(|(_, at)| {
            at.duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|d| d.as_secs() as i64)
        });
        Ok((modified, Vec::new()))
    }

    async fn probe_read(&self, caller: &Caller, table: &TableName) -> Result<(), AppError> {
        let user = self.user(caller)?;
        let found = self.check_select(user, table)?;
        self.run_fixed(
            user,
            found,
            &format!("SELECT * FROM {} LIMIT 0", table.quoted()),
        )
        .await?;
        Ok(())
    }
}
