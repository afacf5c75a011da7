//! The Statement Execution API's answers as types (reference: databricks-api.md, "SQL
//! statements"): a submit or poll response and a result chunk. Read tolerantly: every field the
//! contract does not promise is optional, unknown fields are ignored, and a shape that does not
//! fit is an error that says so instead of a silent default.

use serde::Deserialize;
use serde_json::Value;

/// `POST /api/2.0/sql/statements` and `GET …/{id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatementResponse {
    pub statement_id: Option<String>,
    pub status: StatementStatus,
    pub manifest: Manifest,
    pub result: Option<ResultChunk>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatementStatus {
    /// PENDING, RUNNING, SUCCEEDED, FAILED, CANCELED, CLOSED.
    pub state: Option<String>,
    pub sql_state: Option<String>,
    pub error: Option<StatementFailure>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatementFailure {
    pub message: Option<String>,
    pub error_code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Manifest {
    pub schema: ManifestSchema,
    pub truncated: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ManifestSchema {
    pub columns: Vec<ManifestColumn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ManifestColumn {
    pub name: String,
    pub type_name: Option<String>,
}

/// One chunk of rows (`result` of a response, or `GET …/result/chunks/{n}`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResultChunk {
    /// JSON_ARRAY rows: strings, or null for SQL NULL.
    pub data_array: Vec<Vec<Value>>,
    pub next_chunk_internal_link: Option<String>,
}

impl StatementResponse {
    /// Reads a response; a shape that does not fit says which field.
    pub fn parse(value: Value) -> Result<Self, String> {
        serde_json::from_value(value)
            .map_err(|e| format!("the workspace answered a statement in an unexpected shape: {e}"))
    }

    /// The state, `PENDING` when the answer has none yet.
    pub fn state(&self) -> &str {
        self.status.state.as_deref().unwrap_or("PENDING")
    }

    /// (name, upper-case Databricks type) of every column; `STRING` when the type is missing.
    pub fn columns(&self) -> Vec<(String, String)> {
        self.manifest
            .schema
            .columns
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.type_name.as_deref().unwrap_or("STRING").to_uppercase(),
                )
            })
            .collect()
    }
}

impl ResultChunk {
    /// Reads a chunk; a shape that does not fit says which field.
    pub fn parse(value: Value) -> Result<Self, String> {
        serde_json::from_value(value).map_err(|e| {
            format!("the workspace answered a result chunk in an unexpected shape: {e}")
        })
    }

    /// The rows as text cells (`None` is SQL NULL; a number or boolean is written as JSON).
    pub fn cells(&self) -> Vec<Vec<Option<String>>> {
        self.data_array
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| match c {
                        Value::Null => None,
                        Value::String(s) => Some(s.clone()),
                        other => Some(other.to_string()),
                    })
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_minimal_answer_reads_with_defaults() {
        let r = StatementResponse::parse(json!({"statement_id": "s1"})).unwrap();
        assert_eq!(r.state(), "PENDING");
        assert!(r.columns().is_empty() && r.result.is_none());
    }

    #[test]
    fn a_full_answer_reads_every_part() {
        let r = StatementResponse::parse(json!({
            "statement_id": "s1", "status": {"state": "SUCCEEDED"}, "extra": 1,
            "manifest": {"schema": {"columns": [{"name": "n", "type_name": "long"}, {"name": "s"}]}, "truncated": true},
            "result": {"data_array": [["1", null], [2, true]], "next_chunk_internal_link": "/x"}
        }))
        .unwrap();
        assert_eq!(
            r.columns(),
            [("n".into(), "LONG".into()), ("s".into(), "STRING".into())]
        );
        assert!(r.manifest.truncated);
        let chunk = r.result.unwrap();
        assert_eq!(
            chunk.cells(),
            [
                vec![Some("1".into()), None],
                vec![Some("2".into()), Some("true".into())]
            ]
        );
        assert_eq!(chunk.next_chunk_internal_link.as_deref(), Some("/x"));
    }

    #[test]
    fn a_wrong_shape_is_named() {
        let e = StatementResponse::parse(json!({"status": {"state": 5}})).unwrap_err();
        assert!(e.contains("unexpected shape"), "{e}");
    }
}
