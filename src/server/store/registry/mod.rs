//! The registry's reviewed entries in the rule store (issue 31): each version of a registry rule
//! or binding is a row moved through review as a rule set's version is (the same legal moves,
//! the same compare-and-set on the status the mover saw, four-eyes decided on the row read under
//! the entry's lock, and an audit entry in the same transaction), in both backends.

pub mod sqlite;

use crate::model::registry_entries::{EntryKind, RegistryVersion};
use crate::model::review::{Roles, VersionStatus};
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::store::lifecycle::Transition;
use crate::server::store::rows::utc_text;
use chrono::NaiveDateTime;
use serde_json::Value;
use sqlx::types::Json;

/// A new version of a registry entry.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub name: String,
    pub body: Value,
    /// Draft, pending at once (a binding is submitted as it is made), or approved at once (no
    /// approver group exists, so nothing is reviewed).
    pub status: VersionStatus,
}

/// One move of an entry's version through review.
#[derive(Debug, Clone)]
pub struct EntryMove {
    pub kind: EntryKind,
    pub name: String,
    pub version: i32,
    /// The status the mover saw; the move happens only if the version still has it.
    pub expected: VersionStatus,
    pub to: VersionStatus,
    pub reason: Option<String>,
    /// The mover's roles for everything the entry covers, checked on the locked row.
    pub actor: Roles,
}

impl EntryMove {
    /// The same move as a rule-set transition, for the checks both share (its "table" is the
    /// entry's label, which the messages name).
    pub fn as_transition(&self) -> Transition {
        Transition {
            table_name: self.kind.label(&self.name),
            version: self.version,
            expected: self.expected,
            to: self.to,
            reason: self.reason.clone(),
            actor: self.actor.clone(),
        }
    }

    /// The lock every write of the entry holds.
    pub fn lock_key(&self) -> String {
        self.kind.audit_key(&self.name)
    }
}

/// Registry entries as the caller.
#[async_trait::async_trait]
pub trait RegistryStore: Send + Sync {
    /// Saves the entry's next version, with its audit entry.
    async fn registry_save(
        &self,
        caller: &Caller,
        new: &NewEntry,
    ) -> Result<RegistryVersion, AppError>;
    /// Moves a version through review if it still has the status the mover saw.
    async fn registry_move(
        &self,
        caller: &Caller,
        entry_move: &EntryMove,
    ) -> Result<RegistryVersion, AppError>;
    /// Versions of every entry of a kind (or of one, by name), by name then newest first.
    async fn registry_versions(
        &self,
        caller: &Caller,
        kind: EntryKind,
        name: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RegistryVersion>, AppError>;
}

/// The columns every read selects.
pub const ENTRY_COLUMNS: &str = "kind, name, version, body, status, created_by, created_at, submitted_by, submitted_at, reviewed_by, reviewed_at, review_reason";

/// The read of every entry of kind `$1`, at most `$2`.
pub fn select_sql(by_name: bool) -> String {
    if by_name {
        format!(
            "SELECT {ENTRY_COLUMNS} FROM dq_registry_entries WHERE kind = $1 AND name = $3 ORDER BY name, version DESC LIMIT $2"
        )
    } else {
        format!(
            "SELECT {ENTRY_COLUMNS} FROM dq_registry_entries WHERE kind = $1 ORDER BY name, version DESC LIMIT $2"
        )
    }
}

/// The review columns of one version (`$1` kind, `$2` name, `$3` version).
pub const SELECT_STATE: &str = "SELECT status, created_by, created_at, submitted_by, submitted_at, reviewed_by, reviewed_at FROM dq_registry_entries WHERE kind = $1 AND name = $2 AND version = $3";

/// One stored version.
#[derive(Debug, sqlx::FromRow)]
pub struct EntryRow {
    pub kind: String,
    pub name: String,
    pub version: i32,
    pub body: Json<Value>,
    pub status: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub review_reason: Option<String>,
}

impl EntryRow {
    pub fn into_version(self) -> RegistryVersion {
        RegistryVersion {
            kind: if self.kind == "binding" {
                EntryKind::Binding
            } else {
                EntryKind::Rule
            },
            name: self.name,
            version: self.version,
            status: VersionStatus::from_stored(Some(&self.status)),
            body: self.body.0,
            created_by: Some(self.created_by),
            created_at: Some(utc_text(self.created_at)),
            submitted_by: self.submitted_by,
            submitted_at: self.submitted_at.map(utc_text),
            reviewed_by: self.reviewed_by,
            reviewed_at: self.reviewed_at.map(utc_text),
            review_reason: self.review_reason,
        }
    }
}

/// The version a Postgres function answered with (`dq_registry_json`).
pub fn version_from_json(answer: &Value) -> Result<RegistryVersion, AppError> {
    let time = |key: &str| {
        answer[key].as_str().and_then(|t| {
            NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(utc_text)
        })
    };
    let text = |key: &str| answer[key].as_str().map(str::to_string);
    let version = answer["version"]
        .as_i64()
        .and_then(|v| i32::try_from(v).ok());
    let (Some(name), Some(version)) = (text("name"), version) else {
        return Err(AppError::internal(
            "reading what the rule store saved in the registry",
            format!("unexpected answer {answer}"),
        ));
    };
    Ok(RegistryVersion {
        kind: if answer["kind"] == "binding" {
            EntryKind::Binding
        } else {
            EntryKind::Rule
        },
        name,
        version,
        status: VersionStatus::from_stored(answer["status"].as_str()),
        body: answer["body"].clone(),
        created_by: text("created_by"),
        created_at: time("created_at"),
        submitted_by: text("submitted_by"),
        submitted_at: time("submitted_at"),
        reviewed_by: text("reviewed_by"),
        reviewed_at: time("reviewed_at"),
        review_reason: text("review_reason"),
    })
}
