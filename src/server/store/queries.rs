//! The reads and appends both backends run with the same SQL, bindings and row mapping, written
//! once: each macro takes a pool (or connection) of either backend and evaluates to a
//! `Result<_, sqlx::Error>`; the backend only supplies its pool, its row-id type and its error
//! words. Locking, credentials and the save loop stay per backend.

/// The table's versions, newest first (`Vec<RuleSetSummary>`).
macro_rules! history {
    ($pool:expr, $table:expr, $limit:expr) => {{
        use $crate::server::store::rows::{RULE_SET_COLUMNS, RuleSetRow};
        sqlx::query_as::<_, RuleSetRow>(&format!(
            "SELECT {RULE_SET_COLUMNS} FROM dq_rules_events WHERE table_name = $1 ORDER BY version DESC LIMIT $2"
        ))
        .bind($table)
        .bind(i64::from($limit))
        .fetch_all($pool)
        .await
        .map(|rows| {
            rows.into_iter()
                .map(|r| r.into_rule_set().summary)
                .collect::<Vec<_>>()
        })
    }};
}
pub(crate) use history;

/// One version, or the active one when `$version` is `None` (`Option<RuleSet>`).
macro_rules! rule_set {
    ($pool:expr, $table:expr, $version:expr) => {{
        use $crate::server::store::rows::{RuleSetRow, select_one_sql};
        let version: Option<i32> = $version;
        let sql = select_one_sql(version.is_some());
        let mut query = sqlx::query_as::<_, RuleSetRow>(&sql).bind($table);
        if let Some(v) = version {
            query = query.bind(v);
        }
        query
            .fetch_optional($pool)
            .await
            .map(|row| row.map(RuleSetRow::into_rule_set))
    }};
}
pub(crate) use rule_set;

/// Appends one audit event with row id `$id`.
macro_rules! append_audit {
    ($pool:expr, $id:expr, $actor:expr, $action:expr, $table:expr, $version:expr, $detail:expr) => {{
        let detail: Option<serde_json::Value> = $detail;
        sqlx::query(
            "INSERT INTO dq_audit_events (id, at, actor, action, table_name, version, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($id)
        .bind($crate::server::store::rows::now())
        .bind($actor)
        .bind($action.as_str())
        .bind($table)
        .bind($version)
        .bind(detail.map(sqlx::types::Json))
        .execute($pool)
        .await
        .map(|_| ())
    }};
}
pub(crate) use append_audit;

/// The table's newest audit events (`Vec<AuditEvent>`).
macro_rules! audit_trail {
    ($pool:expr, $table:expr, $limit:expr) => {{
        use $crate::server::store::rows::{AUDIT_COLUMNS, AuditRow};
        sqlx::query_as::<_, AuditRow>(&format!(
            "SELECT {AUDIT_COLUMNS} FROM dq_audit_events WHERE table_name = $1 ORDER BY at DESC LIMIT $2"
        ))
        .bind($table)
        .bind(i64::from($limit))
        .fetch_all($pool)
        .await
        .map(|rows| rows.into_iter().map(AuditRow::into_event).collect::<Vec<_>>())
    }};
}
pub(crate) use audit_trail;

/// The table's newest audit events of one action (`Vec<AuditEvent>`), so other actions cannot
/// crowd them out of the read.
macro_rules! audit_trail_of {
    ($pool:expr, $table:expr, $action:expr, $limit:expr) => {{
        use $crate::server::store::rows::{AUDIT_COLUMNS, AuditRow};
        sqlx::query_as::<_, AuditRow>(&format!(
            "SELECT {AUDIT_COLUMNS} FROM dq_audit_events WHERE table_name = $1 AND action = $2 ORDER BY at DESC LIMIT $3"
        ))
        .bind($table)
        .bind($action.as_str())
        .bind(i64::from($limit))
        .fetch_all($pool)
        .await
        .map(|rows| rows.into_iter().map(AuditRow::into_event).collect::<Vec<_>>())
    }};
}
pub(crate) use audit_trail_of;

/// One version's review thread, oldest first (`Vec<AuditEvent>`), in one statement: every review
/// transition and publish (up to `MAX_THREAD`), and apart from them the newest `MAX_COMMENTS`
/// comments, so no number of comments can push a decision out of the thread.
macro_rules! version_trail {
    ($pool:expr, $table:expr, $version:expr) => {{
        use $crate::server::store::lifecycle::{VERSION_COMMENTS, VERSION_EVENTS};
        use $crate::server::store::rows::{AUDIT_COLUMNS, AuditRow};
        sqlx::query_as::<_, AuditRow>(&format!(
            "SELECT * FROM (SELECT {AUDIT_COLUMNS} FROM dq_audit_events {VERSION_EVENTS}) AS decisions \
             UNION ALL SELECT * FROM (SELECT {AUDIT_COLUMNS} FROM dq_audit_events {VERSION_COMMENTS}) AS comments \
             ORDER BY at, action"
        ))
        .bind($table)
        .bind($version)
        .bind($crate::server::store::MAX_THREAD)
        .bind($crate::server::store::MAX_COMMENTS)
        .fetch_all($pool)
        .await
        .map(|rows| rows.into_iter().map(AuditRow::into_event).collect::<Vec<_>>())
    }};
}
pub(crate) use version_trail;

/// Pending versions of every table, oldest first (`Vec<RuleSetSummary>`).
macro_rules! pending {
    ($pool:expr, $limit:expr) => {{
        use $crate::server::store::rows::{RULE_SET_COLUMNS, RuleSetRow};
        sqlx::query_as::<_, RuleSetRow>(&format!(
            "SELECT {RULE_SET_COLUMNS} FROM dq_rules_events {}",
            $crate::server::store::lifecycle::PENDING
        ))
        .bind(i64::from($limit))
        .fetch_all($pool)
        .await
        .map(|rows| {
            rows.into_iter()
                .map(|r| r.into_rule_set().summary)
                .collect::<Vec<_>>()
        })
    }};
}
pub(crate) use pending;

/// Records a finished validation run once per run id, with row id `$id` (whether it was new);
/// `$trigger` is what started it (`Trigger::as_str`).
macro_rules! record_validation {
    ($pool:expr, $id:expr, $actor:expr, $run_id:expr, $version:expr, $result:expr, $trigger:expr) => {{
        let result: &$crate::model::results::ValidationResult = $result;
        sqlx::query(
            "INSERT INTO dq_validation_runs (id, run_id, table_name, rule_set_version, validated_by, validated_at, total_rows, invalid_rows, pass_rate, result, run_trigger) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (run_id) DO NOTHING",
        )
        .bind($id)
        .bind($run_id)
        .bind(&result.table_name)
        .bind($version)
        .bind($actor)
        .bind($crate::server::store::rows::now())
        .bind(result.total_rows as i64)
        .bind(result.invalid_rows as i64)
        .bind(result.pass_rate)
        .bind(sqlx::types::Json(result))
        .bind($trigger)
        .execute($pool)
        .await
        .map(|done| done.rows_affected() == 1)
    }};
}
pub(crate) use record_validation;

/// Keeps an impact preview once per run id, with row id `$id` (whether it was new).
macro_rules! save_preview {
    ($pool:expr, $id:expr, $actor:expr, $run_id:expr, $preview:expr) => {{
        let preview: &$crate::model::review::ImpactPreview = $preview;
        sqlx::query($crate::server::store::lifecycle::INSERT_PREVIEW)
            .bind($id)
            .bind(&preview.table_name)
            .bind(preview.version)
            .bind($actor)
            .bind($crate::server::store::rows::now())
            .bind(sqlx::types::Json(preview))
            .bind($run_id)
            .execute($pool)
            .await
            .map(|done| done.rows_affected() == 1)
    }};
}
pub(crate) use save_preview;

/// The newest impact preview of a version (`Option<ImpactPreview>`).
macro_rules! latest_preview {
    ($pool:expr, $table:expr, $version:expr) => {{
        sqlx::query_as::<_, (sqlx::types::Json<$crate::model::review::ImpactPreview>,)>(
            $crate::server::store::lifecycle::LATEST_PREVIEW,
        )
        .bind($table)
        .bind($version)
        .fetch_optional($pool)
        .await
        .map(|row| row.map(|(p,)| p.0))
    }};
}
pub(crate) use latest_preview;

/// Inside a save's transaction `$tx`: deactivates the table's active version unless the new one
/// is a draft, then inserts version `$next` with row id `$id`. Evaluates to
/// `Result<(created_at, status), sqlx::Error>`.
macro_rules! insert_version {
    ($tx:expr, $id:expr, $new:expr, $next:expr, $caller:expr) => {
        async {
            use sqlx::types::Json;
            use $crate::server::store::lifecycle::DEACTIVATE;
            use $crate::server::store::rows::{INSERT_RULE_SET, now, saved_status};
            let new: &$crate::server::store::NewRuleSet = $new;
            if !new.draft {
                sqlx::query(DEACTIVATE)
                    .bind(&new.table_name)
                    .bind(false)
                    .execute(&mut *$tx)
                    .await?;
            }
            let created_at = now();
            let status = saved_status(new.draft);
            sqlx::query(INSERT_RULE_SET)
                .bind($id)
                .bind(&new.table_name)
                .bind($next)
                .bind(Json(&new.rules))
                .bind(&new.user_prompt)
                .bind(new.ai_summary.as_ref().map(Json))
                .bind(created_at)
                .bind(&$caller.email)
                .bind(!new.draft)
                .bind(new.metadata.as_ref().map(Json))
                .bind(new.restored_from)
                .bind(status.as_str())
                .execute(&mut *$tx)
                .await?;
            Ok::<_, sqlx::Error>((created_at, status))
        }
        .await
    };
}
pub(crate) use insert_version;

/// Tables with saved rules, most recently changed first (`Vec<String>`).
macro_rules! rule_tables {
    ($pool:expr, $limit:expr) => {{
        sqlx::query_scalar::<_, String>($crate::server::store::rows::RULE_TABLES_SQL)
            .bind(i64::from($limit))
            .fetch_all($pool)
            .await
    }};
}
pub(crate) use rule_tables;

/// Where the rules of the tables bound by `$tables` stand (`Vec<TableOverview>`): `$in_tables`
/// is the backend's test of `table_name` against `$1`.
macro_rules! overviews {
    ($pool:expr, $in_tables:expr, $tables:expr) => {{
        use $crate::server::store::rows::{
            LastRunRow, OverviewRow, last_run_sql, overview_sql, overviews,
        };
        let tables = $tables;
        match sqlx::query_as::<_, OverviewRow>(&overview_sql($in_tables))
            .bind(tables.clone())
            .fetch_all($pool)
            .await
        {
            Err(e) => Err(e),
            Ok(rows) => sqlx::query_as::<_, LastRunRow>(&last_run_sql($in_tables))
                .bind(tables)
                .fetch_all($pool)
                .await
                .map(|runs| overviews(rows, runs)),
        }
    }};
}
pub(crate) use overviews;

/// A table's stored validation runs, newest first (`Vec<StoredRun>`).
macro_rules! validation_runs {
    ($pool:expr, $table:expr, $limit:expr) => {{
        use $crate::server::store::rows::{RUNS_SQL, RunRow};
        sqlx::query_as::<_, RunRow>(RUNS_SQL)
            .bind($table)
            .bind(i64::from($limit))
            .fetch_all($pool)
            .await
            .map(|rows| rows.into_iter().map(RunRow::into_run).collect::<Vec<_>>())
    }};
}
pub(crate) use validation_runs;
