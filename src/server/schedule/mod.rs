//! Schedules: per table, when its active (approved) rule set runs. Setting one proves, as the
//! caller, that they may read the table and every relation its active rules read; the schedule
//! records them as its owner. Locally the embedded scheduler (`scheduler`) fires them as the
//! owner; in a workspace each is a Databricks job (`jobs`), which reads as the app's service
//! principal, so no table it reads may have a row filter or a mask. Listing shows only the
//! schedules of tables the viewer may read.

pub mod fire;
pub mod jobs;
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
    /// Databricks jobs with the platform's own schedules.
    Jobs(Box<jobs::JobSchedules>),
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
    /// Every schedule, whoever may read its table (none where schedules are unavailable).
    pub async fn all(&self, now: DateTime<Utc>) -> Result<Vec<StoredSchedule>, AppError> {
        match self {
            Schedules::Embedded(store) => store.all(MAX_SCHEDULES).await,
            Schedules::Jobs(jobs) => jobs.all(now.naive_utc()).await,
            Schedules::Unavailable(_) => Ok(Vec::new()),
        }
    }

    /// Whose rights scheduled runs read with, in words.
    pub fn runs_as(&self) -> &'static str {
        match self {
            Schedules::Jobs(_) => jobs::RUNS_AS_SERVICE_PRINCIPAL,
            _ => RUNS_AS_OWNER,
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
    let cron = Cron::parse(&request.cron).map_err(AppError::BadRequest)?;
    let tz = next::zone(&request.timezone).map_err(AppError::BadRequest)?;
    let store = match parts.schedules {
        Schedules::Embedded(store) => store,
        Schedules::Jobs(jobs) => {
            return set_job(parts, jobs, caller, table, (cron, tz, request.enabled), now).await;
        }
        Schedules::Unavailable(why) => return Err(AppError::Unavailable(why.clone())),
    };
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
    Ok(audited_set(parts, caller, &stored, None, now, RUNS_AS_OWNER).await)
}

/// Audits a schedule just set (with the job it is, in a workspace) and answers it as shown.
async fn audited_set(
    parts: &Parts<'_>,
    caller: &Caller,
    stored: &StoredSchedule,
    job_id: Option<i64>,
    now: DateTime<Utc>,
    runs_as: &str,
) -> ScheduleSet {
    let mut detail = serde_json::json!({"cron": stored.cron, "timezone": stored.timezone, "enabled": stored.enabled});
    if let Some(id) = job_id {
        detail["job_id"] = serde_json::json!(id);
    }
    audit_quietly(
        parts.rules,
        caller,
        AuditAction::Schedule,
        &stored.table_name,
        None,
        Some(detail),
    )
    .await;
    let schedule = shown(stored, now, runs_as);
    ScheduleSet {
        next_run_at: schedule.next_run_at.clone(),
        schedule,
    }
}

/// Sets the table's schedule as a Databricks job: its published rules, on tables the caller may
/// read, none with a row filter or a mask (the job reads as the service principal).
async fn set_job(
    parts: &Parts<'_>,
    jobs: &jobs::JobSchedules,
    caller: &Caller,
    table: &TableName,
    (cron, tz, enabled): (Cron, chrono_tz::Tz, bool),
    now: DateTime<Utc>,
) -> Result<ScheduleSet, AppError> {
    let name = table.to_string();
    let (checks_location, run_config_name) = jobs.checks_for(table)?;
    let quartz = cron.to_quartz().map_err(AppError::BadRequest)?;
    let reads = prove_rules_readable(parts, caller, table).await?;
    for read in std::iter::once(table).chain(reads.iter()) {
        if let Some(what) = parts
            .workspace
            .access_controls(caller, read)
            .await?
            .describe()
        {
            return Err(AppError::BadRequest(format!(
                "{read} has {what}, so a scheduled job, which reads as the app's service principal, would see rows and values its readers may not; validate {name} on the warehouse instead, which reads as you"
            )));
        }
    }
    let all = jobs.all(now.naive_utc()).await?;
    if all.len() >= MAX_SCHEDULES && !all.iter().any(|s| s.table_name == name) {
        return Err(AppError::TooManyRequests(format!(
            "the app already keeps {MAX_SCHEDULES} schedules, the most it runs; delete one you no longer need, then set this one"
        )));
    }
    let (actions_location, action_events_location) = jobs
        .alert_tables
        .as_ref()
        .map(|(actions, events)| (actions.to_string(), events.to_string()))
        .unwrap_or_default();
    let spec = jobs::JobSpec {
        table: name.clone(),
        cron: cron.text.clone(),
        quartz,
        timezone: tz.name().to_string(),
        enabled,
        owner: caller.email.clone(),
        checks_location,
        run_config_name,
        metrics_table: jobs.metrics_table.to_string(),
        actions_location,
        action_events_location,
    };
    let job_id = jobs.put(&spec).await?;
    let stored = StoredSchedule {
        table_name: name,
        cron: spec.cron,
        timezone: spec.timezone,
        enabled,
        owner: spec.owner,
        since: now.naive_utc(),
        updated_at: now.naive_utc(),
        last_due_at: None,
        claimed_by: None,
        last_run_id: None,
        last_error: None,
    };
    Ok(audited_set(
        parts,
        caller,
        &stored,
        Some(job_id),
        now,
        jobs::RUNS_AS_SERVICE_PRINCIPAL,
    )
    .await)
}

/// The schedules of every table the caller may read (probed as them).
pub async fn list(
    parts: &Parts<'_>,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<ScheduleList, AppError> {
    let all = match parts.schedules {
        Schedules::Unavailable(why) => return Err(AppError::Unavailable(why.clone())),
        schedules => schedules.all(now).await?,
    };
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
        .map(|s| shown(s, now, parts.schedules.runs_as()))
        .collect();
    Ok(ScheduleList { schedules })
}

/// Deletes the table's schedule (the caller is proven to read the table).
pub async fn delete(parts: &Parts<'_>, caller: &Caller, table: &TableName) -> Result<(), AppError> {
    let name = table.to_string();
    let deleted = match parts.schedules {
        Schedules::Embedded(store) => store.delete(&name).await?,
        Schedules::Jobs(jobs) => jobs.delete(&name).await?,
        Schedules::Unavailable(why) => return Err(AppError::Unavailable(why.clone())),
    };
    if !deleted {
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

/// Refuses unless the caller may read every table the active rules read besides `table`; those
/// tables.
async fn prove_rules_readable(
    parts: &Parts<'_>,
    caller: &Caller,
    table: &TableName,
) -> Result<Vec<TableName>, AppError> {
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
    let mut read_tables = Vec::new();
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
            if !read_tables.contains(&other) {
                read_tables.push(other);
            }
        }
    }
    Ok(read_tables)
}

/// A stored schedule as shown, with its next run as of `now` and whose rights it reads with.
pub fn shown(stored: &StoredSchedule, now: DateTime<Utc>, runs_as: &str) -> Schedule {
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
        runs_as: runs_as.to_string(),
    }
}
