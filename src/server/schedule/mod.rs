//! Schedules: per table, when its active (approved) rule set runs. Setting one proves, as the
//! caller, that they may read the table and every relation its active rules read; the schedule
//! records them as its owner. Locally the embedded scheduler (`scheduler`) fires them as the
//! owner; listing shows only the schedules of tables the viewer may read.

pub mod fire;
pub mod next;
pub mod scheduler;
pub mod store;

use crate::model::cron::Cron;
use crate::model::schedule::{MAX_SCHEDULES, Schedule, ScheduleList, ScheduleSet};
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::review::readable::ReadableCache;
use crate::server::store::{AuditAction, RuleStore, ops::audit_quietly};
use crate::server::workspace::Workspace;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use store::{ScheduleStore, StoredSchedule};

/// Where schedules live in this mode.
pub enum Schedules {
    /// Kept in the store and fired by the embedded scheduler as each schedule's owner.
    Embedded(Arc<dyn ScheduleStore>),
    /// Not available here, and why.
    Unavailable(String),
}

/// What the UI says scheduled runs read with, locally.
pub const RUNS_AS_OWNER: &str =
    "as the schedule's owner, on this app's embedded engine; each run shows counts, never rows";

/// What a schedule request asks for.
pub struct ScheduleRequest {
    pub cron: String,
    pub timezone: String,
    pub enabled: bool,
}

/// The parts of the app a schedule request uses.
pub struct Parts<'a> {
    pub schedules: &'a Schedules,
    pub rules: &'a dyn RuleStore,
    pub workspace: &'a dyn Workspace,
    pub readable: &'a ReadableCache,
}

impl Schedules {
    fn store(&self) -> Result<&Arc<dyn ScheduleStore>, AppError> {
        match self {
            Schedules::Embedded(store) => Ok(store),
            Schedules::Unavailable(why) => Err(AppError::Unavailable(why.clone())),
        }
    }
}

/// Sets the table's schedule for the caller (already proven to read the table).
pub async fn set(
    parts: &Parts<'_>,
    caller: &Caller,
    table: &TableName,
    request: ScheduleRequest,
    now: DateTime<Utc>,
) -> Result<ScheduleSet, AppError> {
    let store = parts.schedules.store()?;
    let cron = Cron::parse(&request.cron).map_err(AppError::BadRequest)?;
    let tz = next::zone(&request.timezone).map_err(AppError::BadRequest)?;
    let name = table.to_string();
    let existing = store.get(&name).await?;
    if existing.is_none() && store.all(MAX_SCHEDULES).await?.len() >= MAX_SCHEDULES {
        return Err(AppError::TooManyRequests(format!(
            "the app already keeps {MAX_SCHEDULES} schedules, the most it runs; delete one you no longer need, then set this one"
        )));
    }
    prove_rules_readable(parts, caller, table).await?;
    let stored = StoredSchedule {
        table_name: name.clone(),
        cron: cron.text.clone(),
        timezone: tz.name().to_string(),
        enabled: request.enabled,
        owner: caller.email.clone(),
        since: now.naive_utc(),
        updated_at: now.naive_utc(),
        last_due_at: existing.as_ref().and_then(|e| e.last_due_at),
        claimed_by: None,
        last_run_id: existing.as_ref().and_then(|e| e.last_run_id.clone()),
        last_error: None,
    };
    store.put(&stored).await?;
    let detail = serde_json::json!({"cron": stored.cron, "timezone": stored.timezone, "enabled": stored.enabled});
    audit_quietly(
        parts.rules,
        caller,
        AuditAction::Schedule,
        &name,
        None,
        Some(detail),
    )
    .await;
    let schedule = shown(&stored, now);
    Ok(ScheduleSet {
        next_run_at: schedule.next_run_at.clone(),
        schedule,
    })
}

/// The schedules of every table the caller may read (probed as them).
pub async fn list(
    parts: &Parts<'_>,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<ScheduleList, AppError> {
    let store = parts.schedules.store()?;
    let all = store.all(MAX_SCHEDULES).await?;
    let answers = parts
        .readable
        .prove(
            parts.rules,
            parts.workspace,
            caller,
            all.iter().map(|s| s.table_name.clone()),
        )
        .await?;
    let schedules = all
        .iter()
        .filter(|s| answers.get(&s.table_name) == Some(&true))
        .map(|s| shown(s, now))
        .collect();
    Ok(ScheduleList { schedules })
}

/// Deletes the table's schedule (the caller is proven to read the table).
pub async fn delete(parts: &Parts<'_>, caller: &Caller, table: &TableName) -> Result<(), AppError> {
    let store = parts.schedules.store()?;
    let name = table.to_string();
    if !store.delete(&name).await? {
        return Err(AppError::NotFound(format!(
            "{name} has no schedule to delete"
        )));
    }
    audit_quietly(
        parts.rules,
        caller,
        AuditAction::Unschedule,
        &name,
        None,
        None,
    )
    .await;
    Ok(())
}

/// Refuses unless the caller may read every table the active rules read besides `table`.
async fn prove_rules_readable(
    parts: &Parts<'_>,
    caller: &Caller,
    table: &TableName,
) -> Result<(), AppError> {
    let active = match parts.rules.get(caller, &table.to_string(), None).await {
        Ok(set) => set,
        Err(AppError::NotFound(_)) => {
            return Err(AppError::BadRequest(format!(
                "{table} has no active rule set; a schedule runs the active (approved) version, so save and approve one first"
            )));
        }
        Err(other) => return Err(other),
    };
    let described = parts.workspace.describe_table(caller, table).await?;
    let shape = crate::server::jobs::warehouse::shape_of(&described.columns);
    let resolved = crate::model::rules::validate::validate_rule_set(
        &serde_json::Value::Array(active.rules),
        None,
    )
    .rules;
    let reads = crate::engine::rule_reads::tables_each_rule_reads(table, &shape, &resolved);
    for (rule, read) in resolved.iter().zip(reads) {
        let tables = read.map_err(|why| {
            AppError::BadRequest(format!(
                "the tables rule '{}' reads cannot be determined ({why}), so it cannot be scheduled; change the rule",
                rule.name
            ))
        })?;
        for other in tables {
            if parts.workspace.probe_read(caller, &other).await.is_err() {
                return Err(AppError::PermissionDenied(format!(
                    "rule '{}' of {table} reads {other}, which you may not read; a schedule runs only rules that read tables its owner may read",
                    rule.name
                )));
            }
        }
    }
    Ok(())
}

/// A stored schedule as shown, with its next run as of `now`.
pub fn shown(stored: &StoredSchedule, now: DateTime<Utc>) -> Schedule {
    let text = |at: chrono::NaiveDateTime| {
        at.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    Schedule {
        table: stored.table_name.clone(),
        cron: stored.cron.clone(),
        timezone: stored.timezone.clone(),
        enabled: stored.enabled,
        owner: stored.owner.clone(),
        updated_at: text(stored.updated_at),
        next_run_at: scheduler::next_run(stored, now)
            .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        last_due_at: stored.last_due_at.map(text),
        last_run_id: stored.last_run_id.clone(),
        last_error: stored.last_error.clone(),
        runs_as: RUNS_AS_OWNER.to_string(),
    }
}
