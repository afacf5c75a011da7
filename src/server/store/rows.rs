//! Rows as both backends return them (the same column names and decodable types), their
//! conversion to the model, and the SQL they share.

use crate::model::review::VersionStatus;
use crate::model::rulesets::{AuditEvent, LastValidation, RuleSet, RuleSetSummary, TableOverview};
use chrono::NaiveDateTime;
use serde_json::Value;
use sqlx::types::Json;

/// Columns of a rule-set row, in the order `RuleSetRow` reads them.
pub const RULE_SET_COLUMNS: &str = "CAST(id AS TEXT) AS id, table_name, version, rules, user_prompt, ai_summary, created_at, created_by, is_active, metadata, restored_from, status, submitted_by, submitted_at, reviewed_by, reviewed_at, review_reason";

/// One version by number (`$1` table, `$2` version) or the active one (`$1` table).
pub fn select_one_sql(by_version: bool) -> String {
    if by_version {
        format!(
            "SELECT {RULE_SET_COLUMNS} FROM dq_rules_events WHERE table_name = $1 AND version = $2"
        )
    } else {
        format!(
            "SELECT {RULE_SET_COLUMNS} FROM dq_rules_events WHERE table_name = $1 AND is_active ORDER BY version DESC LIMIT 1"
        )
    }
}

/// A new version (`$1`..`$12`: id, table, version, rules, prompt, analysis, created at, author,
/// active, metadata, restored from, status).
pub const INSERT_RULE_SET: &str = "INSERT INTO dq_rules_events (id, table_name, version, rules, user_prompt, ai_summary, created_at, created_by, is_active, metadata, restored_from, status) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// The status a save writes: a draft under review, else approved (active at once).
pub fn saved_status(draft: bool) -> crate::model::review::VersionStatus {
    if draft {
        crate::model::review::VersionStatus::Draft
    } else {
        crate::model::review::VersionStatus::Approved
    }
}

pub const AUDIT_COLUMNS: &str = "at, actor, action, table_name, version, detail";

/// A row of `dq_rules_events`.
#[derive(Debug, sqlx::FromRow)]
pub struct RuleSetRow {
    pub id: String,
    pub table_name: String,
    pub version: i32,
    pub rules: Json<Value>,
    pub user_prompt: Option<String>,
    pub ai_summary: Option<Json<Value>>,
    pub created_at: Option<NaiveDateTime>,
    pub created_by: Option<String>,
    pub is_active: Option<bool>,
    pub metadata: Option<Json<Value>>,
    pub restored_from: Option<i32>,
    pub status: Option<String>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub review_reason: Option<String>,
}

/// A row of `dq_audit_events`.
#[derive(Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub table_name: String,
    pub version: Option<i32>,
    pub detail: Option<Json<Value>>,
}

/// Times are stored as UTC without a zone; shown as RFC 3339.
pub fn utc_text(at: NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Now, as stored.
pub fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// The rules list of a row (the older app always stored a list; anything else counts as one).
fn rules_of(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

impl RuleSetRow {
    pub fn into_rule_set(self) -> RuleSet {
        let rules = rules_of(self.rules.0);
        let ai_summary = self.ai_summary.map(|j| j.0).filter(|v| !v.is_null());
        let ai_overview = ai_summary.as_ref().map(|a| overview(a, rules.len()));
        let status = VersionStatus::from_stored(self.status.as_deref());
        let reviewed_at = self.reviewed_at.map(utc_text);
        let (approved, rejected) = match status {
            VersionStatus::Approved => (
                (self.reviewed_by.clone(), reviewed_at.clone()),
                (None, None),
            ),
            VersionStatus::Rejected => (
                (None, None),
                (self.reviewed_by.clone(), reviewed_at.clone()),
            ),
            _ => ((None, None), (None, None)),
        };
        RuleSet {
            summary: RuleSetSummary {
                id: self.id,
                table_name: self.table_name,
                version: self.version,
                created_at: self.created_at.map(utc_text),
                created_by: self.created_by,
                is_active: self.is_active.unwrap_or(false),
                user_prompt: self.user_prompt,
                rule_count: rules.len(),
                restored_from: self.restored_from,
                has_ai_summary: ai_summary.is_some(),
                ai_overview,
                status,
                submitted_by: self.submitted_by,
                submitted_at: self.submitted_at.map(utc_text),
                approved_by: approved.0,
                approved_at: approved.1,
                rejected_by: rejected.0,
                rejected_at: rejected.1,
                rejection_reason: (status == VersionStatus::Rejected)
                    .then_some(self.review_reason)
                    .flatten(),
                published: None,
            },
            rules,
            ai_summary,
            metadata: self.metadata.map(|j| j.0).filter(|v| !v.is_null()),
        }
    }
}

impl AuditRow {
    pub fn into_event(self) -> AuditEvent {
        AuditEvent {
            at: utc_text(self.at),
            actor: self.actor,
            action: self.action,
            table_name: self.table_name,
            version: self.version,
            detail: self.detail.map(|j| j.0),
        }
    }
}

/// A saved analysis in one line: its score and summary (the older app's fields), said to be
/// out of date when it counted another number of rules than the version holds (saved by an
/// older app, before analyses were kept only with the rules they looked at).
fn overview(summary: &Value, rule_count: usize) -> String {
    let text = summary
        .get("summary")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let short: String = text.chars().take(160).collect();
    let line = match summary.get("overall_quality_score").and_then(Value::as_f64) {
        Some(score) => format!("{score}/10: {short}"),
        None => short,
    };
    match summary.pointer("/based_on/rules").and_then(Value::as_u64) {
        Some(n) if n != rule_count as u64 => {
            format!("Out of date: analysed {n} rules, not these {rule_count}. {line}")
        }
        _ => line,
    }
}

/// The user-facing error for a missing version.
pub fn no_version(table: &str, version: Option<i32>) -> crate::server::error::AppError {
    crate::server::error::AppError::NotFound(match version {
        Some(v) => format!("{table} has no saved version {v}"),
        None => format!("no rule set is saved for {table} yet"),
    })
}

/// Tables with saved rules, most recently changed first (`$1` limit).
pub const RULE_TABLES_SQL: &str = "SELECT table_name FROM dq_rules_events GROUP BY table_name \
     ORDER BY MAX(created_at) DESC NULLS LAST, table_name LIMIT $1";

/// Where each table's rules stand; `in_tables` is the backend's test of `table_name` against
/// the tables bound as `$1`.
pub fn overview_sql(in_tables: &str) -> String {
    format!(
        "SELECT r.table_name, COUNT(*) AS versions, MAX(r.version) AS latest_version, \
         MAX(CASE WHEN r.is_active THEN r.version END) AS active_version, \
         SUM(CASE WHEN r.status = 'pending' THEN 1 ELSE 0 END) AS pending_reviews, \
         MAX(r.created_at) AS changed_at, \
         (SELECT l.status FROM dq_rules_events l WHERE l.table_name = r.table_name \
           ORDER BY l.version DESC LIMIT 1) AS latest_status \
         FROM dq_rules_events r WHERE r.table_name {in_tables} GROUP BY r.table_name"
    )
}

/// The newest validation run of each table (ties on the time give several rows).
pub fn last_run_sql(in_tables: &str) -> String {
    format!(
        "SELECT v.table_name, v.pass_rate, v.validated_at, v.rule_set_version, v.total_rows, v.invalid_rows \
         FROM dq_validation_runs v WHERE v.table_name {in_tables} AND v.validated_at = \
         (SELECT MAX(w.validated_at) FROM dq_validation_runs w WHERE w.table_name = v.table_name)"
    )
}

/// A row of [`overview_sql`].
#[derive(Debug, sqlx::FromRow)]
pub struct OverviewRow {
    pub table_name: String,
    pub versions: i64,
    pub latest_version: i32,
    pub active_version: Option<i32>,
    pub pending_reviews: Option<i64>,
    pub changed_at: Option<NaiveDateTime>,
    pub latest_status: Option<String>,
}

/// A row of [`last_run_sql`].
#[derive(Debug, sqlx::FromRow)]
pub struct LastRunRow {
    pub table_name: String,
    pub pass_rate: f64,
    pub validated_at: NaiveDateTime,
    pub rule_set_version: Option<i32>,
    pub total_rows: i64,
    pub invalid_rows: i64,
}

/// The overviews, newest change first, each with its table's newest run.
pub fn overviews(rows: Vec<OverviewRow>, runs: Vec<LastRunRow>) -> Vec<TableOverview> {
    let mut last: std::collections::HashMap<String, LastValidation> =
        std::collections::HashMap::new();
    for run in runs {
        last.entry(run.table_name).or_insert(LastValidation {
            pass_rate: run.pass_rate,
            at: utc_text(run.validated_at),
            version: run.rule_set_version,
            total_rows: u64::try_from(run.total_rows).unwrap_or(0),
            invalid_rows: u64::try_from(run.invalid_rows).unwrap_or(0),
        });
    }
    let mut list: Vec<(Option<NaiveDateTime>, TableOverview)> = rows
        .into_iter()
        .map(|row| {
            let overview = TableOverview {
                last_validation: last.remove(&row.table_name),
                versions: u32::try_from(row.versions).unwrap_or(u32::MAX),
                latest_version: row.latest_version,
                latest_status: VersionStatus::from_stored(row.latest_status.as_deref()),
                active_version: row.active_version,
                pending_reviews: u32::try_from(row.pending_reviews.unwrap_or(0)).unwrap_or(0),
                changed_at: row.changed_at.map(utc_text),
                table_name: row.table_name,
            };
            (row.changed_at, overview)
        })
        .collect();
    list.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.table_name.cmp(&b.1.table_name))
    });
    list.into_iter().map(|(_, overview)| overview).collect()
}

/// A table's stored validation runs, newest first (`$1` table, `$2` limit).
pub const RUNS_SQL: &str = "SELECT run_id, validated_by, validated_at, rule_set_version, result, run_trigger \
     FROM dq_validation_runs WHERE table_name = $1 ORDER BY validated_at DESC LIMIT $2";

/// A row of [`RUNS_SQL`].
#[derive(Debug, sqlx::FromRow)]
pub struct RunRow {
    pub run_id: String,
    pub validated_by: String,
    pub validated_at: NaiveDateTime,
    pub rule_set_version: Option<i32>,
    pub result: Json<crate::model::results::ValidationResult>,
    pub run_trigger: String,
}

impl RunRow {
    pub fn into_run(self) -> crate::server::store::StoredRun {
        crate::server::store::StoredRun {
            run_id: self.run_id,
            validated_by: self.validated_by,
            validated_at: utc_text(self.validated_at),
            version: self.rule_set_version,
            result: self.result.0,
            trigger: crate::model::metrics::Trigger::parse(&self.run_trigger),
        }
    }
}
