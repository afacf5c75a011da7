//! Health in a Databricks workspace runs on the platform's scheduler, as schedules do: one
//! Databricks job per scope, made by the app's service principal from the bundle's health job
//! (`DQ_HEALTH_JOB_ID`: its notebook and environment), tagged with the scope and its owner. The
//! job observes only the tables the owner was proven to read when they set it, none with a row
//! filter or a column mask, and appends `health.*` rows to DQX's metrics table: counts and
//! figures, never rows. Who owns a scope is decided on what the platform holds after the write.

use super::store::StoredScope;
use crate::model::table_name::TableName;
use crate::server::databricks::job_settings::JobDefinition;
use crate::server::databricks::jobs::Jobs;
use crate::server::error::AppError;
use crate::server::schedule::jobs::{TAG_KIND, TAG_OWNER};
use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};

/// Names of the app's health jobs: this, then the scope's id.
pub const JOB_NAME_PREFIX: &str = "dqx-health ";
/// The kind tag's value on a health job, and the tag naming its scope.
pub const TAG_KIND_VALUE: &str = "health";
pub const TAG_SCOPE: &str = "dqx-health-scope";

/// What the UI says health observations run as, in a workspace.
pub const RUNS_AS_SERVICE_PRINCIPAL: &str = "as a Databricks job, as the app's service principal, on the tables you could read when you turned it on (none with a row filter or column mask); it writes counts and figures to DQX's metrics table, never rows";

/// The health jobs of one workspace.
pub struct HealthJobs {
    /// The Jobs API as the service principal.
    pub jobs: Jobs,
    /// The bundle's health job, copied for each scope.
    pub template_job_id: i64,
    /// DQX's metrics table, which the jobs write and the app reads as each viewer.
    pub metrics_table: TableName,
    /// How often a scope is observed (`DQX_HEALTH_INTERVAL_MINUTES`).
    pub interval_minutes: u32,
    /// DQX's actions and action-events tables, whose health alerts the job evaluates with DQX's
    /// actions after each table's observation (none: it evaluates none).
    pub alert_tables: Option<(TableName, TableName)>,
}

/// Where a job writes and what it alerts through: DQX's metrics table, and its actions and
/// action-events tables (empty: no alerts).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobPlaces {
    pub metrics_table: String,
    pub actions_location: String,
    pub action_events_location: String,
}

/// One scope's job: what it observes, for whom, and whether it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthJobSpec {
    pub scope_id: String,
    /// The registry scope, as JSON.
    pub scope: String,
    pub owner: String,
    pub enabled: bool,
    /// The tables the job observes: read by the owner, none filtered or masked.
    pub tables: Vec<String>,
}

/// A Quartz expression firing every `minutes` (a divisor of an hour, or whole hours dividing a
/// day; anything else, hourly).
pub fn quartz_every(minutes: u32) -> String {
    match minutes {
        m if m > 0 && m < 60 && 60 % m == 0 => format!("0 0/{m} * * * ?"),
        m if m >= 60 && m % 60 == 0 && 24 % (m / 60) == 0 && m / 60 > 1 => {
            format!("0 0 0/{} * * ?", m / 60)
        }
        _ => "0 0 * * * ?".to_string(),
    }
}

/// A tag's value.
fn tag<'a>(settings: &'a Value, key: &str) -> Option<&'a str> {
    settings.get("tags")?.get(key)?.as_str()
}

/// A parameter's default.
fn parameter<'a>(settings: &'a Value, name: &str) -> Option<&'a str> {
    settings
        .get("parameters")?
        .as_array()?
        .iter()
        .find(|p| p.get("name").and_then(Value::as_str) == Some(name))?
        .get("default")?
        .as_str()
}

/// A health job's settings: the template's tasks, environments and limits, with this scope's
/// name, tags, schedule and parameters.
pub fn job_settings(
    template: &Value,
    spec: &HealthJobSpec,
    places: &JobPlaces,
    interval_minutes: u32,
) -> Value {
    let mut settings: Map<String, Value> = template.as_object().cloned().unwrap_or_default();
    for key in ["schedule", "trigger", "continuous", "email_notifications"] {
        settings.remove(key);
    }
    settings.insert(
        "name".into(),
        json!(format!("{JOB_NAME_PREFIX}{}", spec.scope_id)),
    );
    settings.insert(
        "description".into(),
        json!(format!(
            "Observes the health of {} table(s) of {} for {}; managed by DQX Data Quality Manager (counts and figures only, never rows).",
            spec.tables.len(),
            spec.scope,
            spec.owner
        )),
    );
    settings.insert(
        "tags".into(),
        json!({TAG_KIND: TAG_KIND_VALUE, TAG_SCOPE: spec.scope_id, TAG_OWNER: spec.owner}),
    );
    settings.insert(
        "schedule".into(),
        json!({
            "quartz_cron_expression": quartz_every(interval_minutes),
            "timezone_id": "UTC",
            "pause_status": if spec.enabled { "UNPAUSED" } else { "PAUSED" },
        }),
    );
    settings.insert("max_concurrent_runs".into(), json!(1));
    let tables = serde_json::to_string(&spec.tables).unwrap_or_else(|_| "[]".into());
    let ours = [
        ("scope_id", spec.scope_id.as_str()),
        ("scope", spec.scope.as_str()),
        ("owner", spec.owner.as_str()),
        ("tables", tables.as_str()),
        ("metrics_table", places.metrics_table.as_str()),
        ("metrics_format", "delta"),
        ("actions_location", places.actions_location.as_str()),
        (
            "action_events_location",
            places.action_events_location.as_str(),
        ),
    ];
    let mut parameters: Vec<Value> = settings
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| {
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            !ours.iter().any(|(n, _)| *n == name)
        })
        .collect();
    parameters.extend(
        ours.iter()
            .map(|(name, value)| json!({"name": name, "default": value})),
    );
    if !parameters.iter().any(|p| p["name"] == "run_id") {
        parameters.push(json!({"name": "run_id", "default": "{{job.run_id}}"}));
    }
    settings.insert("parameters".into(), Value::Array(parameters));
    Value::Object(settings)
}

/// A health job as a stored scope and the tables it observes (`None` for any other job).
pub fn stored(settings: &Value, now: NaiveDateTime) -> Option<(StoredScope, Vec<String>)> {
    if tag(settings, TAG_KIND) != Some(TAG_KIND_VALUE) {
        return None;
    }
    let tables: Vec<String> = serde_json::from_str(parameter(settings, "tables")?).ok()?;
    let scope = StoredScope {
        scope_id: tag(settings, TAG_SCOPE)?.to_string(),
        scope: parameter(settings, "scope")?.to_string(),
        owner: tag(settings, TAG_OWNER).unwrap_or_default().to_string(),
        enabled: settings
            .get("schedule")
            .and_then(|s| s.get("pause_status"))
            .and_then(Value::as_str)
            != Some("PAUSED"),
        created_at: now,
        updated_at: now,
        last_observed_at: None,
        running_until: None,
        claimed_by: None,
        last_error: None,
    };
    Some((scope, tables))
}

/// A health job's owner.
fn owner_of(job: &JobDefinition) -> &str {
    tag(&job.settings, TAG_OWNER).unwrap_or_default()
}

/// Someone else's scope, in words.
fn not_yours(owner: &str) -> AppError {
    AppError::PermissionDenied(format!(
        "health for this scope is {owner}'s, observed for them; only they may turn it on or off (ask them, or watch a narrower scope of your own)"
    ))
}

impl HealthJobs {
    /// Where its jobs write and alert through.
    fn places(&self) -> JobPlaces {
        let (actions_location, action_events_location) = self
            .alert_tables
            .as_ref()
            .map(|(a, e)| (a.to_string(), e.to_string()))
            .unwrap_or_default();
        JobPlaces {
            metrics_table: self.metrics_table.to_string(),
            actions_location,
            action_events_location,
        }
    }

    /// The scope's jobs, oldest first (one, unless a race left two for a moment).
    async fn of_scope(&self, scope_id: &str) -> Result<Vec<JobDefinition>, AppError> {
        let mut found: Vec<JobDefinition> = self
            .jobs
            .list_jobs(Some(&format!("{JOB_NAME_PREFIX}{scope_id}")))
            .await?
            .into_iter()
            .filter(|j| {
                tag(&j.settings, TAG_KIND) == Some(TAG_KIND_VALUE)
                    && tag(&j.settings, TAG_SCOPE) == Some(scope_id)
            })
            .collect();
        found.sort_by_key(|j| j.job_id);
        Ok(found)
    }

    /// The scope's owner, if it has a job.
    pub async fn owner(&self, scope_id: &str) -> Result<Option<String>, AppError> {
        Ok(self
            .of_scope(scope_id)
            .await?
            .first()
            .map(|j| owner_of(j).to_string()))
    }

    /// Creates the scope's job for `spec.owner`, or brings theirs to `spec`. Refused when the
    /// scope is another user's, including when their job was created in the same moment: the
    /// oldest job of a scope owns it, and a younger one this call made is deleted again.
    pub async fn put(&self, spec: &HealthJobSpec) -> Result<i64, AppError> {
        let existing = self.of_scope(&spec.scope_id).await?;
        if let Some(first) = existing.first() {
            if !owner_of(first).eq_ignore_ascii_case(&spec.owner) {
                return Err(not_yours(owner_of(first)));
            }
        } else if !spec.enabled {
            return Err(AppError::NotFound(
                "health is not on for this scope, so there is nothing to turn off".into(),
            ));
        }
        let template = self.jobs.get_job(self.template_job_id).await?;
        let settings = job_settings(
            &template.settings,
            spec,
            &self.places(),
            self.interval_minutes,
        );
        if let Some(first) = existing.first() {
            self.jobs.reset_job(first.job_id, &settings).await?;
            return Ok(first.job_id);
        }
        let created = self.jobs.create_job(&settings).await?;
        let now_held = self.of_scope(&spec.scope_id).await?;
        match now_held.first() {
            Some(first) if first.job_id != created => {
                let winner = owner_of(first).to_string();
                self.jobs.delete_job(created).await?;
                if winner.eq_ignore_ascii_case(&spec.owner) {
                    self.jobs.reset_job(first.job_id, &settings).await?;
                    return Ok(first.job_id);
                }
                Err(not_yours(&winner))
            }
            _ => Ok(created),
        }
    }

    /// Every health job, as stored scopes with the tables each observes.
    pub async fn all(
        &self,
        now: NaiveDateTime,
    ) -> Result<Vec<(StoredScope, Vec<String>)>, AppError> {
        let jobs = self.jobs.list_jobs(None).await?;
        let mut scopes: Vec<(i64, (StoredScope, Vec<String>))> = jobs
            .iter()
            .filter_map(|j| stored(&j.settings, now).map(|s| (j.job_id, s)))
            .collect();
        // The oldest job of a scope is the scope.
        scopes.sort_by_key(|(id, _)| *id);
        let mut seen = std::collections::BTreeSet::new();
        scopes.retain(|(_, (s, _))| seen.insert(s.scope_id.clone()));
        let mut out: Vec<(StoredScope, Vec<String>)> = scopes.into_iter().map(|(_, s)| s).collect();
        out.sort_by(|a, b| a.0.scope_id.cmp(&b.0.scope_id));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Value {
        json!({
            "name": "dqx-health",
            "timeout_seconds": 3600,
            "schedule": {"quartz_cron_expression": "0 0 0 * * ?", "timezone_id": "UTC"},
            "parameters": [{"name": "tables", "default": "[]"}, {"name": "run_id", "default": "{{job.run_id}}"}],
            "tasks": [{"task_key": "observe", "environment_key": "dqx",
                       "notebook_task": {"notebook_path": "/Workspace/bundle/files/notebooks/observe_health"}}],
            "environments": [{"environment_key": "dqx", "spec": {"client": "2"}}]
        })
    }

    fn spec() -> HealthJobSpec {
        HealthJobSpec {
            scope_id: "h0123456789ab".into(),
            scope: r#"{"pattern":"main.sales.*"}"#.into(),
            owner: "alice@example.com".into(),
            enabled: true,
            tables: vec!["main.sales.customers".into(), "main.sales.orders".into()],
        }
    }

    #[test]
    fn a_health_job_is_the_template_with_the_scopes_tables_tags_and_schedule_and_reads_back() {
        let places = JobPlaces {
            metrics_table: "main.dq.metrics".into(),
            actions_location: "main.dq.actions".into(),
            action_events_location: "main.dq.action_events".into(),
        };
        let settings = job_settings(&template(), &spec(), &places, 60);
        assert_eq!(settings["name"], "dqx-health h0123456789ab");
        assert_eq!(settings["tasks"], template()["tasks"]);
        assert_eq!(settings["tags"]["dqx-manager"], "health");
        assert_eq!(settings["tags"]["dqx-owner"], "alice@example.com");
        assert_eq!(
            settings["schedule"]["quartz_cron_expression"],
            "0 0 * * * ?"
        );
        assert_eq!(settings["max_concurrent_runs"], 1);
        assert_eq!(
            parameter(&settings, "metrics_table"),
            Some("main.dq.metrics")
        );
        assert_eq!(
            parameter(&settings, "tables"),
            Some(r#"["main.sales.customers","main.sales.orders"]"#)
        );
        let now = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let (scope, tables) = stored(&settings, now).unwrap();
        assert_eq!(scope.scope_id, "h0123456789ab");
        assert_eq!(scope.scope, r#"{"pattern":"main.sales.*"}"#);
        assert!(scope.enabled);
        assert_eq!(tables.len(), 2);
        let mut off = spec();
        off.enabled = false;
        let paused = job_settings(&template(), &off, &places, 60);
        assert!(!stored(&paused, now).unwrap().0.enabled);
        assert_eq!(stored(&template(), now), None);
    }

    #[test]
    fn intervals_become_quartz_expressions() {
        assert_eq!(quartz_every(15), "0 0/15 * * * ?");
        assert_eq!(quartz_every(60), "0 0 * * * ?");
        assert_eq!(quartz_every(180), "0 0 0/3 * * ?");
        assert_eq!(quartz_every(7), "0 0 * * * ?", "not a divisor: hourly");
    }
}
