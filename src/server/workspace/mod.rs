//! The `Workspace` capability: what the caller may see and read in the catalog, behind one
//! trait with a local (DataFusion) implementation and, later, a Databricks one.

pub mod controls;
pub mod databricks;
pub mod health_sql;
pub mod local;
pub mod metrics_table;

use crate::model::catalog::{CatalogInfo, SampleRows, SchemaInfo, TableDescription, TableInfo};
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use serde::Serialize;

/// A backend's health as `/healthz` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct BackendHealth {
    pub kind: String,
    pub status: &'static str,
    pub detail: String,
}

/// Examples run on a backend's engine: where, in words, and per rule the verdicts or why they
/// could not run.
pub type ExamplesRan = (
    String,
    Vec<Result<Vec<crate::engine::examples::Verdict>, String>>,
);

/// Browse and read tables as the caller. Every method checks the caller's permissions.
#[async_trait::async_trait]
pub trait Workspace: Send + Sync {
    /// Whether the backend can serve requests, for `/healthz`.
    async fn health(&self) -> BackendHealth;
    /// Catalogs the caller may use.
    async fn list_catalogs(&self, caller: &Caller) -> Result<Vec<CatalogInfo>, AppError>;
    /// Schemas of `catalog` the caller may use.
    async fn list_schemas(
        &self,
        caller: &Caller,
        catalog: &str,
    ) -> Result<Vec<SchemaInfo>, AppError>;
    /// Tables of `catalog.schema` the caller may read.
    async fn list_tables(
        &self,
        caller: &Caller,
        catalog: &str,
        schema: &str,
    ) -> Result<Vec<TableInfo>, AppError>;
    /// Columns and row count of a table the caller may read.
    async fn describe_table(
        &self,
        caller: &Caller,
        table: &TableName,
    ) -> Result<TableDescription, AppError>;
    /// The columns of a table the caller may see, without reading its rows (Unity Catalog
    /// metadata in a workspace; the local engine describes the table).
    async fn columns(
        &self,
        caller: &Caller,
        table: &TableName,
    ) -> Result<Vec<crate::model::catalog::ColumnInfo>, AppError> {
        Ok(self.describe_table(caller, table).await?.columns)
    }
    /// The first `limit` rows of a table the caller may read.
    async fn sample_table(
        &self,
        caller: &Caller,
        table: &TableName,
        limit: u32,
    ) -> Result<SampleRows, AppError>;
    /// Proves the caller may read the table (a zero-row read as the caller).
    async fn probe_read(&self, caller: &Caller, table: &TableName) -> Result<(), AppError>;
    /// Why each rule's rows fail (`engine::triage`), read as the caller: a bounded sample on
    /// the embedded engine, the table on the warehouse. The triages and the rows looked at.
    async fn triage(
        &self,
        caller: &Caller,
        table: &TableName,
        rules: &[crate::model::rules::ResolvedRule],
    ) -> Result<(Vec<crate::model::triage::RuleTriage>, u64), AppError>;
    /// Runs rules' examples on the backend's own engine as the caller, over inline rows (no
    /// table is read): the warehouse in a workspace, so Spark's verdicts are proven too; `None`
    /// where the embedded engine is the only one (locally). Where they ran, and per rule the
    /// verdicts or why they could not run.
    async fn run_examples(
        &self,
        _caller: &Caller,
        _columns: &[String],
        _types: &[String],
        _rules: &[(
            crate::model::rules::ResolvedRule,
            Vec<crate::engine::examples::Example>,
        )],
    ) -> Result<Option<ExamplesRan>, AppError> {
        Ok(None)
    }
    /// The table's row filter and masked columns, read as the caller (none locally, where
    /// grants are whole tables).
    async fn access_controls(
        &self,
        _caller: &Caller,
        _table: &TableName,
    ) -> Result<controls::AccessControls, AppError> {
        Ok(controls::AccessControls::default())
    }
    /// Whether another user (by e-mail) may read the table, where the backend can tell without
    /// acting as them; `None` in a workspace, where the app cannot act as another user.
    fn may_read_as(&self, _email: &str, _table: &TableName) -> Option<bool> {
        None
    }
    /// A column profile for analysis, when the backend can compute one quickly; `None` where
    /// profiling belongs to the generation job (Databricks).
    async fn profile(
        &self,
        _caller: &Caller,
        _table: &TableName,
    ) -> Result<Option<crate::model::profile::TableProfile>, AppError> {
        Ok(None)
    }
    /// The column figures health observes (null and distinct counts, numeric means) over a
    /// bounded sample, read as the caller, masked columns left out: the analysis profile where
    /// the backend has one, else one sampled statement on the warehouse.
    async fn health_profile(
        &self,
        caller: &Caller,
        table: &TableName,
    ) -> Result<Option<crate::model::profile::TableProfile>, AppError> {
        self.profile(caller, table).await
    }
    /// DQX's metrics table (`metrics`), read as the caller: the summary-metric rows of the
    /// newest `runs_each` runs of each table in `locations` (by `input_location`).
    async fn metric_rows(
        &self,
        caller: &Caller,
        metrics: &TableName,
        locations: &[String],
        runs_each: u32,
    ) -> Result<Vec<crate::model::metrics::MetricRow>, AppError>;
    /// DQX's metrics table (`metrics`), read as the caller: the `health.*` rows of the newest
    /// `runs` health observations of `table`, oldest first (only the metrics in `only`, when
    /// given): where a workspace's health jobs write them (the embedded scheduler keeps its own
    /// in the rule store; the local engine reads the same rows from a metrics file).
    async fn health_rows(
        &self,
        _caller: &Caller,
        metrics: &TableName,
        _table: &str,
        _runs: usize,
        _only: Option<&[&str]>,
    ) -> Result<Vec<crate::model::metrics::MetricRow>, AppError> {
        Err(AppError::Unavailable(format!(
            "the embedded engine keeps health in its rule store, not in {metrics}"
        )))
    }
    /// The tables DQX's metrics table has runs of (at most `limit`), read as the caller.
    async fn metric_locations(
        &self,
        caller: &Caller,
        metrics: &TableName,
        limit: u32,
    ) -> Result<Vec<String>, AppError>;
    /// The tables the caller may read (`catalog.schema.table`, lower case, sorted), in one
    /// catalog or schema when given, at most `limit`.
    async fn visible_tables(
        &self,
        caller: &Caller,
        catalog: Option<&str>,
        schema: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, AppError>;
    /// Tags named `key` (with `value`, when given) on tables or columns, as the caller sees them
    /// (Unity Catalog's `information_schema.table_tags` / `column_tags`: only objects they may
    /// use), at most `limit`.
    async fn tags(
        &self,
        caller: &Caller,
        key: &str,
        value: Option<&str>,
        on: crate::model::registry::TagOn,
        limit: u32,
    ) -> Result<Vec<crate::model::registry::TagHit>, AppError>;
    /// How many tables `scope` covers that the caller may not read, where the catalog counts
    /// them without naming them to the caller: the embedded workspace knows every table; Unity
    /// Catalog's information schema lists only what the caller may see, so a workspace says
    /// `None` (the tables it lists but the caller may not read are counted by probing them).
    async fn unreadable_covered(
        &self,
        _caller: &Caller,
        _scope: &crate::model::registry::Scope,
    ) -> Result<Option<u64>, AppError> {
        Ok(None)
    }
    /// When the table last changed and any earlier change times its history shows (seconds
    /// since the epoch, UTC), read as the caller: the data file's modification time locally.
    async fn change_times(
        &self,
        _caller: &Caller,
        _table: &TableName,
    ) -> Result<(Option<i64>, Vec<i64>), AppError> {
        Ok((None, Vec::new()))
    }
    /// Appends a run's rows to DQX's metrics table as the caller (a workspace's Delta table;
    /// locally the app's runs stay in the rule store).
    async fn append_metric_rows(
        &self,
        _caller: &Caller,
        metrics: &TableName,
        _rows: &[crate::model::metrics::MetricRow],
    ) -> Result<(), AppError> {
        Err(AppError::Unavailable(format!(
            "the embedded engine does not write to {metrics}; the app's runs are kept in its rule store"
        )))
    }
}
