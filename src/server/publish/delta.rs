//! The Unity Catalog table target: a Delta table in DQX's checks-table format
//! (`CHECKS_TABLE_SCHEMA`: `check` is a struct of `function`, `for_each_column` and `arguments`
//! as a `MAP<STRING, STRING>` of JSON texts, as DQX writes them), written with SQL on the
//! warehouse **as the approving user**, which DQX's `TableChecksStorageConfig` loads (the newest
//! batch for the `run_config_name`). The statements are plain SQL with escaped literals, so the
//! same text runs on a warehouse and on Apache Spark in the tests.

use super::rows::{CheckRow, check_rows};
use super::{Outcome, Publication, PublishTarget};
use crate::engine::sql::Dialect;
use crate::model::rules::fingerprint::python_json;
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::databricks::statements::Statements;
use crate::server::error::AppError;
use serde_json::Value;
use std::time::Duration;

/// How long one publishing statement may take on the warehouse.
const STATEMENT_LIMIT: Duration = Duration::from_secs(120);

/// `catalog.schema.table` in Unity Catalog.
pub struct DeltaTable {
    pub statements: Statements,
    pub location: TableName,
}

/// Parses `catalog.schema.table`.
pub fn parse_table(text: &str) -> Result<TableName, String> {
    TableName::parse(text.trim()).map_err(|e| {
        format!("'{text}' is not catalog.schema.table (the Unity Catalog table DQX loads checks from): {e}")
    })
}

fn lit(text: &str) -> String {
    Dialect::Spark.literal(text)
}

fn text_or_null(text: Option<&str>) -> String {
    text.map(lit)
        .unwrap_or_else(|| "CAST(NULL AS STRING)".into())
}

/// A `MAP<STRING, STRING>` of JSON texts (DQX stores `json.dumps` of every value).
fn json_map(object: Option<&Value>) -> String {
    match object.and_then(Value::as_object) {
        None => "CAST(NULL AS MAP<STRING, STRING>)".into(),
        Some(map) if map.is_empty() => "CAST(map() AS MAP<STRING, STRING>)".into(),
        Some(map) => {
            let pairs: Vec<String> = map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{}, {}", lit(k), lit(&python_json(v))))
                .collect();
            if pairs.is_empty() {
                return "CAST(map() AS MAP<STRING, STRING>)".into();
            }
            format!("CAST(map({}) AS MAP<STRING, STRING>)", pairs.join(", "))
        }
    }
}

fn columns_array(check: &Value) -> String {
    let columns: Vec<String> = check
        .get("for_each_column")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|c| match c {
                    Value::String(s) => lit(s),
                    other => lit(&other.to_string()),
                })
                .collect()
        })
        .unwrap_or_default();
    format!("CAST(array({}) AS ARRAY<STRING>)", columns.join(", "))
}

/// Creates the table in DQX's schema when it is missing.
pub fn create_sql(location: &TableName) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (name STRING, criticality STRING, \
         `check` STRUCT<`function`: STRING, for_each_column: ARRAY<STRING>, arguments: MAP<STRING, STRING>>, \
         filter STRING, run_config_name STRING, user_metadata MAP<STRING, STRING>, message_expr STRING, \
         created_at TIMESTAMP, rule_fingerprint STRING, rule_set_fingerprint STRING)",
        location.quoted()
    )
}

/// One row: the newest batch's fingerprint for the run config (DQX's own order), and how many
/// rows already carry this publication's fingerprint.
pub fn probe_sql(location: &TableName, run_config_name: &str, fingerprint: &str) -> String {
    let table = location.quoted();
    let rc = lit(run_config_name);
    format!(
        "SELECT (SELECT rule_set_fingerprint FROM {table} WHERE run_config_name = {rc} \
         ORDER BY created_at DESC NULLS LAST, rule_set_fingerprint DESC NULLS LAST LIMIT 1) AS newest, \
         (SELECT count(*) FROM {table} WHERE run_config_name = {rc} AND rule_set_fingerprint = {}) AS same",
        lit(fingerprint)
    )
}

/// Removes an older batch with the same fingerprint, so loading it again returns each rule once.
pub fn delete_sql(location: &TableName, run_config_name: &str, fingerprint: &str) -> String {
    format!(
        "DELETE FROM {} WHERE run_config_name = {} AND rule_set_fingerprint = {}",
        location.quoted(),
        lit(run_config_name),
        lit(fingerprint)
    )
}

/// Removes every batch of the run config: a table left without checks loads none.
pub fn clear_sql(location: &TableName, run_config_name: &str) -> String {
    format!(
        "DELETE FROM {} WHERE run_config_name = {}",
        location.quoted(),
        lit(run_config_name)
    )
}

/// The values every row of one batch shares.
struct Batch {
    run_config_name: String,
    created_at: String,
    rule_set_fingerprint: String,
}

fn row_values(row: &CheckRow, batch: &Batch) -> String {
    let function = row.check.get("function").and_then(Value::as_str);
    let arguments = match row.check.get("arguments") {
        Some(args) if args.is_object() => json_map(Some(args)),
        _ => "CAST(map() AS MAP<STRING, STRING>)".into(),
    };
    format!(
        "({}, {}, named_struct('function', {}, 'for_each_column', {}, 'arguments', {arguments}), {}, {}, {}, {}, {}, {}, {})",
        text_or_null(row.name.as_deref()),
        lit(&row.criticality),
        text_or_null(function),
        columns_array(&row.check),
        text_or_null(row.filter.as_deref()),
        batch.run_config_name,
        json_map(row.user_metadata.as_ref()),
        text_or_null(row.message_expr.as_deref()),
        batch.created_at,
        lit(&row.rule_fingerprint),
        batch.rule_set_fingerprint,
    )
}

/// Appends the publication as one batch (one statement), every row stamped `created_at_micros`.
pub fn insert_sql(
    location: &TableName,
    publication: &Publication,
    created_at_micros: i64,
) -> String {
    let batch = Batch {
        run_config_name: lit(&publication.run_config_name),
        created_at: format!("timestamp_micros({created_at_micros})"),
        rule_set_fingerprint: lit(&publication.rule_set_fingerprint),
    };
    let rows: Vec<String> = check_rows(publication)
        .iter()
        .map(|row| row_values(row, &batch))
        .collect();
    format!(
        "INSERT INTO {} (name, criticality, `check`, filter, run_config_name, user_metadata, message_expr, \
         created_at, rule_fingerprint, rule_set_fingerprint) VALUES {}",
        location.quoted(),
        rows.join(", ")
    )
}

impl DeltaTable {
    async fn run(
        &self,
        caller: &Caller,
        sql: &str,
        doing: &str,
    ) -> Result<Vec<Vec<Option<String>>>, AppError> {
        let token = crate::server::databricks::user_token(caller)?;
        match self.statements.run(token, sql, &[], STATEMENT_LIMIT).await {
            Ok(rows) => Ok(rows.rows),
            Err(AppError::PermissionDenied(words)) => Err(AppError::PermissionDenied(format!(
                "{doing} {} as {}: {words}; grant the app's users SELECT and MODIFY on it (and CREATE TABLE on its schema for the first publish)",
                self.location, caller.email
            ))),
            Err(e) => Err(e),
        }
    }
}

#[async_trait::async_trait]
impl PublishTarget for DeltaTable {
    fn describe(&self, _table: &str) -> String {
        format!("table {}", self.location)
    }

    async fn publish(
        &self,
        caller: &Caller,
        publication: &Publication,
    ) -> Result<Outcome, AppError> {
        let probe = probe_sql(
            &self.location,
            &publication.run_config_name,
            &publication.rule_set_fingerprint,
        );
        let rows = match self.run(caller, &probe, "reading").await {
            Ok(rows) => rows,
            Err(AppError::NotFound(_)) => {
                self.run(caller, &create_sql(&self.location), "creating")
                    .await?;
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        let first = rows.into_iter().next().unwrap_or_default();
        let newest = first.first().cloned().flatten();
        let same: u64 = first
            .get(1)
            .cloned()
            .flatten()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if publication.clears() {
            if newest.is_none() {
                return Ok(Outcome::Unchanged);
            }
            let clear = clear_sql(&self.location, &publication.run_config_name);
            self.run(caller, &clear, "clearing").await?;
            return Ok(Outcome::Written);
        }
        if newest.as_deref() == Some(publication.rule_set_fingerprint.as_str()) {
            return Ok(Outcome::Unchanged);
        }
        if same > 0 {
            let delete = delete_sql(
                &self.location,
                &publication.run_config_name,
                &publication.rule_set_fingerprint,
            );
            self.run(caller, &delete, "replacing an older copy in")
                .await?;
        }
        let now = chrono::Utc::now().timestamp_micros();
        self.run(
            caller,
            &insert_sql(&self.location, publication, now),
            "writing",
        )
        .await?;
        Ok(Outcome::Written)
    }
}
