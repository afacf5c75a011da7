//! The workspace of a Databricks deployment, always as the caller (their forwarded token, or the
//! developer's PAT in workspace-dev mode): listings from Unity Catalog, rows and row counts through
//! the Statement Execution API on `SQL_WAREHOUSE_ID`, and the read probe (`LIMIT 0`) that guards
//! every job.

use super::{BackendHealth, Workspace, health_sql};
use crate::model::catalog::{
    CatalogInfo, ColumnInfo, SampleRows, SchemaInfo, TableDescription, TableInfo,
};
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::databricks::statements::{Param, Rows, Statements};
use crate::server::databricks::uc_wire::{UcSecurable, UcTable};
use crate::server::databricks::unity::{encode, get_table, list_all};
use crate::server::databricks::{DatabricksClient, user_token};
use crate::server::error::AppError;
use std::time::Duration;

/// How long an interactive statement may take before it is canceled.
pub const STATEMENT_LIMIT: Duration = Duration::from_secs(120);

/// Unity Catalog and a SQL warehouse, as the caller.
pub struct DatabricksWorkspace {
    pub client: DatabricksClient,
    pub statements: Statements,
}

/// A Databricks `type_name` (`LONG`, `STRING`, ...) as a UC type (`bigint`, `string`, ...).
pub fn uc_type(type_name: &str) -> String {
    match type_name.to_uppercase().as_str() {
        "LONG" => "bigint",
        "INT" => "int",
        "SHORT" => "smallint",
        "BYTE" => "tinyint",
        "DOUBLE" => "double",
        "FLOAT" => "float",
        "BOOLEAN" => "boolean",
        "DATE" => "date",
        "TIMESTAMP" => "timestamp",
        "TIMESTAMP_NTZ" => "timestamp_ntz",
        "DECIMAL" => "decimal",
        "STRING" | "CHAR" => "string",
        "BINARY" => "binary",
        other => return other.to_lowercase(),
    }
    .to_string()
}

fn table_info(t: &UcTable, fallback: &TableName) -> TableInfo {
    let or = |v: &Option<String>, default: String| v.clone().unwrap_or(default);
    TableInfo {
        catalog: or(&t.catalog_name, fallback.catalog.clone()),
        schema: or(&t.schema_name, fallback.schema.clone()),
        name: or(&t.name, fallback.table.clone()),
        full_name: or(&t.full_name, fallback.to_string()),
        table_type: or(&t.table_type, "TABLE".into()),
        comment: t.comment.clone(),
    }
}

/// The columns of a Unity Catalog table description (`type_text`, else `type_name`); a column
/// without a name is left out.
fn uc_columns(info: &UcTable) -> Vec<ColumnInfo> {
    info.columns
        .iter()
        .filter_map(|c| {
            Some(ColumnInfo {
                name: c.name.clone()?,
                data_type: c
                    .type_text
                    .as_deref()
                    .map(str::to_lowercase)
                    .unwrap_or_else(|| uc_type(c.type_name.as_deref().unwrap_or_default())),
                nullable: c.nullable.unwrap_or(true),
            })
        })
        .collect()
}

/// `catalog.schema.table`, lower case, from an information-schema row's first three cells.
fn three_part(row: &[Option<String>]) -> Option<String> {
    let cell = |i: usize| row.get(i).cloned().flatten();
    Some(format!("{}.{}.{}", cell(0)?, cell(1)?, cell(2)?).to_lowercase())
}

impl DatabricksWorkspace {
    async fn sql(&self, caller: &Caller, sql: &str) -> Result<Rows, AppError> {
        self.query(caller, sql, &[]).await
    }

    /// Runs `sql` with its named parameters as the caller.
    async fn query(&self, caller: &Caller, sql: &str, params: &[Param]) -> Result<Rows, AppError> {
        self.statements
            .run(user_token(caller)?, sql, params, STATEMENT_LIMIT)
            .await
    }

    /// Runs `statement` with its named parameters as the caller.
    async fn run(
        &self,
        caller: &Caller,
        statement: &super::metrics_table::Statement,
    ) -> Result<Rows, AppError> {
        let params: Vec<Param> = statement
            .params
            .iter()
            .map(|(name, value)| Param {
                name: name.clone(),
                value: value.clone(),
            })
            .collect();
        self.query(caller, &statement.sql, &params).await
    }
}

#[async_trait::async_trait]
impl Workspace for DatabricksWorkspace {
    async fn visible_tables(
        &self,
        caller: &Caller,
        catalog: Option<&str>,
        schema: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, AppError> {
        let mut params = Vec::new();
        let mut filter = String::new();
        if let Some(c) = catalog {
            params.push(Param::text("catalog", c));
            filter.push_str(" AND table_catalog = :catalog");
        }
        if let Some(s) = schema {
            params.push(Param::text("schema", s));
            filter.push_str(" AND table_schema = :schema");
        }
        let sql = format!(
            "SELECT table_catalog, table_schema, table_name FROM system.information_schema.tables \
             WHERE table_schema <> 'information_schema'{filter} \
             ORDER BY table_catalog, table_schema, table_name LIMIT {limit}"
        );
        let rows = self.query(caller, &sql, &params).await?;
        Ok(rows.rows.iter().filter_map(|row| three_part(row)).collect())
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
        let (view, column) = match on {
            TagOn::Table => ("table_tags", ""),
            TagOn::Column => ("column_tags", ", column_name"),
        };
        let mut params = vec![Param::text("key", key)];
        let value_filter = match value {
            Some(v) => {
                params.push(Param::text("value", v));
                " AND tag_value = :value"
            }
            None => "",
        };
        let sql = format!(
            "SELECT catalog_name, schema_name, table_name{column}, tag_name, tag_value \
             FROM system.information_schema.{view} WHERE tag_name = :key{value_filter} \
             ORDER BY catalog_name, schema_name, table_name{column} LIMIT {limit}"
        );
        let rows = self.query(caller, &sql, &params).await?;
        Ok(rows
            .rows
            .into_iter()
            .filter_map(|row| {
                let cell = |i: usize| row.get(i).cloned().flatten();
                let table = three_part(&row)?;
                let (column, k, v) = match on {
                    TagOn::Table => (None, cell(3)?, cell(4)?),
                    TagOn::Column => (Some(cell(3)?), cell(4)?, cell(5)?),
                };
                Some(TagHit {
                    table,
                    column,
                    key: k,
                    value: v,
                })
            })
            .collect())
    }

    async fn health(&self) -> BackendHealth {
        BackendHealth {
            kind: "Databricks (Unity Catalog + SQL warehouse)".into(),
            status: "ok",
            detail: format!(
                "{} warehouse {}",
                self.client.host, self.statements.warehouse
            ),
        }
    }

    async fn list_catalogs(&self, caller: &Caller) -> Result<Vec<CatalogInfo>, AppError> {
        let items: Vec<UcSecurable> = list_all(
            &self.client,
            user_token(caller)?,
            "/api/2.1/unity-catalog/catalogs",
            "catalogs",
            "listing catalogs",
        )
        .await?;
        let mut out: Vec<CatalogInfo> = items
            .iter()
            .filter_map(|c| {
                Some(CatalogInfo {
                    name: c.name.clone()?,
                    comment: c.comment.clone(),
                })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn list_schemas(
        &self,
        caller: &Caller,
        catalog: &str,
    ) -> Result<Vec<SchemaInfo>, AppError> {
        let path = format!(
            "/api/2.1/unity-catalog/schemas?catalog_name={}",
            encode(catalog)
        );
        let items: Vec<UcSecurable> = list_all(
            &self.client,
            user_token(caller)?,
            &path,
            "schemas",
            &format!("listing schemas of {catalog}"),
        )
        .await?;
        let mut out: Vec<SchemaInfo> = items
            .iter()
            .filter_map(|s| {
                Some(SchemaInfo {
                    catalog: catalog.to_string(),
                    name: s.name.clone()?,
                    comment: s.comment.clone(),
                })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn list_tables(
        &self,
        caller: &Caller,
        catalog: &str,
        schema: &str,
    ) -> Result<Vec<TableInfo>, AppError> {
        let path = format!(
            "/api/2.1/unity-catalog/tables?catalog_name={}&schema_name={}&omit_columns=true&omit_properties=true",
            encode(catalog),
            encode(schema)
        );
        let items: Vec<UcTable> = list_all(
            &self.client,
            user_token(caller)?,
            &path,
            "tables",
            &format!("listing tables of {catalog}.{schema}"),
        )
        .await?;
        let mut out: Vec<TableInfo> = items
            .iter()
            .filter_map(|t| {
                let name = TableName::new(catalog, schema, t.name.as_deref()?).ok()?;
                Some(table_info(t, &name))
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn describe_table(
        &self,
        caller: &Caller,
        table: &TableName,
    ) -> Result<TableDescription, AppError> {
        let info = get_table(&self.client, user_token(caller)?, &table.to_string()).await?;
        let columns = uc_columns(&info);
        // Counting also proves SELECT (UC metadata is visible with less).
        let counted = self
            .sql(
                caller,
                &format!("SELECT count(*) AS row_count FROM {}", table.quoted()),
            )
            .await?;
        let row_count = counted
            .rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .and_then(|n| n.parse::<u64>().ok());
        Ok(TableDescription {
            table: table_info(&info, table),
            columns,
            row_count,
        })
    }

    async fn access_controls(
        &self,
        caller: &Caller,
        table: &TableName,
    ) -> Result<super::controls::AccessControls, AppError> {
        let info = get_table(&self.client, user_token(caller)?, &table.to_string()).await?;
        Ok(super::controls::AccessControls {
            row_filter: info.row_filter.as_ref().map(|f| f.name()),
            masked_columns: info
                .columns
                .iter()
                .filter(|c| c.mask.is_some())
                .map(|c| c.name.clone().unwrap_or_default())
                .collect(),
        })
    }

    async fn columns(
        &self,
        caller: &Caller,
        table: &TableName,
    ) -> Result<Vec<ColumnInfo>, AppError> {
        let info = get_table(&self.client, user_token(caller)?, &table.to_string()).await?;
        Ok(uc_columns(&info))
    }

    async fn sample_table(
        &self,
        caller: &Caller,
        table: &TableName,
        limit: u32,
    ) -> Result<SampleRows, AppError> {
        let rows = self
            .sql(
                caller,
                &format!("SELECT * FROM {} LIMIT {limit}", table.quoted()),
            )
            .await?;
        Ok(SampleRows {
            table: table.to_string(),
            columns: rows
                .columns
                .iter()
                .map(|(name, t)| ColumnInfo {
                    name: name.clone(),
                    data_type: uc_type(t),
                    nullable: true,
                })
                .collect(),
            rows: rows.rows,
            limit,
        })
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
        let statement = recent_runs(metrics, locations, runs_each, Values::Named);
        let rows = self.run(caller, &statement).await?;
        let columns: Vec<String> = rows.columns.iter().map(|(n, _)| n.clone()).collect();
        Ok(decode(&columns, rows.rows))
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
        let statement = health_runs(metrics, table, runs, only, Values::Named);
        let rows = self.run(caller, &statement).await?;
        let columns: Vec<String> = rows.columns.iter().map(|(n, _)| n.clone()).collect();
        let mut out = decode(&columns, rows.rows);
        out.sort_by(|a, b| (&a.run_time, &a.run_id).cmp(&(&b.run_time, &b.run_id)));
        Ok(out)
    }

    async fn metric_locations(
        &self,
        caller: &Caller,
        metrics: &TableName,
        limit: u32,
    ) -> Result<Vec<String>, AppError> {
        let rows = self
            .run(caller, &super::metrics_table::locations(metrics, limit))
            .await?;
        Ok(rows
            .rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect())
    }

    async fn append_metric_rows(
        &self,
        caller: &Caller,
        metrics: &TableName,
        rows: &[crate::model::metrics::MetricRow],
    ) -> Result<(), AppError> {
        if rows.is_empty() {
            return Ok(());
        }
        self.run(caller, &super::metrics_table::insert(metrics, rows))
            .await
            .map(|_| ())
    }

    async fn change_times(
        &self,
        caller: &Caller,
        table: &TableName,
    ) -> Result<(Option<i64>, Vec<i64>), AppError> {
        match self
            .sql(caller, &health_sql::history_statement(table))
            .await
        {
            Ok(rows) => Ok(health_sql::change_times(&rows)),
            // Not a Delta table (a view, a foreign table): no history to read, which freshness
            // shows as not enough history rather than failing the observation.
            Err(AppError::BadRequest(why)) => {
                tracing::debug!(%table, %why, "no Delta history for health");
                Ok((None, Vec::new()))
            }
            Err(other) => Err(other),
        }
    }

    async fn health_profile(
        &self,
        caller: &Caller,
        table: &TableName,
    ) -> Result<Option<crate::model::profile::TableProfile>, AppError> {
        let info = get_table(&self.client, user_token(caller)?, &table.to_string()).await?;
        let columns = uc_columns(&info);
        let masked: Vec<String> = info
            .columns
            .iter()
            .filter(|c| c.mask.is_some())
            .filter_map(|c| c.name.clone())
            .collect();
        let measured = health_sql::measured(&columns, &masked);
        let rows = self
            .sql(caller, &health_sql::sample_statement(table, &measured))
            .await?;
        Ok(Some(health_sql::profile_from(&rows, table, &measured, 0)))
    }

    async fn triage(
        &self,
        caller: &Caller,
        table: &TableName,
        rules: &[crate::model::rules::ResolvedRule],
    ) -> Result<(Vec<crate::model::triage::RuleTriage>, u64), AppError> {
        use crate::engine::triage::{TableShape, TriageInput, triage_with};
        let info = get_table(&self.client, user_token(caller)?, &table.to_string()).await?;
        let columns = uc_columns(&info);
        let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let types: Vec<String> = columns.iter().map(|c| c.data_type.clone()).collect();
        let nullable = vec![true; names.len()];
        let quoted = table.quoted();
        let input = TriageInput {
            dialect: crate::engine::sql::Dialect::Spark,
            shape: TableShape {
                table_sql: &quoted,
                columns: &names,
                types: &types,
                nullable: &nullable,
            },
            now: "current_timestamp()".into(),
            sample_limit: None,
        };
        let runner = CallerText {
            workspace: self,
            caller,
        };
        triage_with(&runner, &input, rules)
            .await
            .map_err(|e| AppError::BadRequest(format!("triaging {table} on the warehouse: {e}")))
    }

    async fn run_examples(
        &self,
        caller: &Caller,
        columns: &[String],
        types: &[String],
        rules: &[(
            crate::model::rules::ResolvedRule,
            Vec<crate::engine::examples::Example>,
        )],
    ) -> Result<Option<super::ExamplesRan>, AppError> {
        user_token(caller)?;
        let runner = CallerText {
            workspace: self,
            caller,
        };
        let verdicts = crate::engine::examples::run_examples(
            &runner,
            crate::engine::sql::Dialect::Spark,
            columns,
            types,
            rules,
        )
        .await;
        Ok(Some((
            format!("SQL warehouse {}, as you", self.statements.warehouse),
            verdicts,
        )))
    }

    async fn probe_read(&self, caller: &Caller, table: &TableName) -> Result<(), AppError> {
        self.sql(caller, &format!("SELECT * FROM {} LIMIT 0", table.quoted()))
            .await
            .map(|_| ())
    }
}

/// Statements as the caller on the warehouse, as text rows (for the engine's triage).
struct CallerText<'a> {
    workspace: &'a DatabricksWorkspace,
    caller: &'a Caller,
}

#[async_trait::async_trait]
impl crate::engine::text_query::TextQuery for CallerText<'_> {
    async fn query(&self, sql: &str) -> Result<crate::engine::text_query::TextRows, String> {
        Ok(self
            .workspace
            .sql(self.caller, sql)
            .await
            .map_err(|e| e.user_message())?
            .into())
    }
}
