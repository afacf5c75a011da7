//! Schedules in a Databricks workspace are the platform's: one Databricks job per table, made by
//! the app's service principal from the bundle's monitoring job (`DQ_MONITOR_JOB_ID`: its tasks,
//! notebook and environment) with the table's own Quartz cron schedule, time zone and pause
//! status, tagged with the table and its owner. The job loads the table's *published* rules with
//! DQX's `load_checks` and writes DQX's metrics table, so it runs exactly what pipelines load.

use super::store::StoredSchedule;
use crate::model::cron::Cron;
use crate::model::table_name::TableName;
use crate::server::databricks::job_settings::JobDefinition;
use crate::server::databricks::jobs::Jobs;
use crate::server::error::AppError;
use crate::server::publish::config::PublishConfig;
use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};

/// Names of the app's schedule jobs: this, then the table.
pub const JOB_NAME_PREFIX: &str = "dqx-monitor ";
/// Tags on a schedule job: that it is one, its table, its owner.
pub const TAG_KIND: &str = "dqx-manager";
pub const TAG_KIND_VALUE: &str = "schedule";
pub const TAG_TABLE: &str = "dqx-table";
pub const TAG_OWNER: &str = "dqx-owner";

/// What the UI says scheduled runs read with, in a workspace.
pub const RUNS_AS_SERVICE_PRINCIPAL: &str = "as a Databricks job, as the app's service principal (an admin grants it SELECT on monitored tables); each run shows counts, never rows";

/// The schedule jobs of one workspace.
pub struct JobSchedules {
    /// The Jobs API as the service principal.
    pub jobs: Jobs,
    /// The bundle's monitoring job, copied for each schedule.
    pub template_job_id: i64,
    /// Where active rule sets are published (the job loads them from there).
    pub publish: PublishConfig,
    /// DQX's metrics table, which the job writes.
    pub metrics_table: TableName,
    /// DQX's actions and action-events tables, where the job's DQX loads the table's alerts and
    /// records their evaluations (none: the job runs no alerts).
    pub alert_tables: Option<(TableName, TableName)>,
    /// The schedule jobs as last listed, for [`LISTING_LIFETIME`]: the Monitor page and the
    /// schedule bound read them on every request, and one listing is up to 20 Jobs API pages.
    /// Concurrent readers wait for one listing instead of each making their own.
    pub listed: tokio::sync::Mutex<Option<(std::time::Instant, Vec<JobDefinition>)>>,
}

/// How long a listing of the schedule jobs is reused (this process's own changes clear it).
pub const LISTING_LIFETIME: std::time::Duration = std::time::Duration::from_secs(30);

/// One schedule job's parameters and schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    pub table: String,
    pub cron: String,
    pub quartz: String,
    pub timezone: String,
    pub enabled: bool,
    pub owner: String,
    pub checks_location: String,
    pub run_config_name: String,
    pub metrics_table: String,
    /// DQX's actions table and action-events table (empty: no alerts).
    pub actions_location: String,
    pub action_events_location: String,
}

impl JobSchedules {
    /// Where the table's active rules are published for DQX's `load_checks`: a checks table (with
    /// its `run_config_name`), else a volume file.
    pub fn checks_for(&self, table: &TableName) -> Result<(String, String), AppError> {
        let name = table.to_string();
        if let Some(target) = self.publish.table.iter().find(|s| s.scopes.covers(table)) {
            return Ok((
                target.name.clone(),
                self.publish.run_config.for_table(&name),
            ));
        }
        if let Some(target) = self.publish.volume.iter().find(|s| s.scopes.covers(table)) {
            let folder = crate::server::publish::volume::parse_folder(&target.name)
                .map_err(AppError::BadRequest)?;
            return Ok((format!("{folder}/{name}.yaml"), name));
        }
        Err(AppError::BadRequest(format!(
            "a schedule in this workspace runs {name}'s published rules as DQX loads them, but no checks table or volume is configured for it; set DQX_PUBLISH_TABLE or DQX_PUBLISH_VOLUME to cover {name}, approve its rules, then schedule it"
        )))
    }

    /// The table's schedule job, if it has one.
    pub async fn find(&self, table: &str) -> Result<Option<JobDefinition>, AppError> {
        let named = self
            .jobs
            .list_jobs(Some(&format!("{JOB_NAME_PREFIX}{table}")))
            .await?;
        Ok(named
            .into_iter()
            .find(|j| tag(&j.settings, TAG_TABLE) == Some(table)))
    }

    /// Creates the table's job, or brings it to `spec`: only the pause status changed is an
    /// `update` of the schedule; anything else replaces the settings whole (`reset`).
    pub async fn put(&self, spec: &JobSpec) -> Result<i64, AppError> {
        let template = self.jobs.get_job(self.template_job_id).await?;
        let settings = job_settings(&template.settings, spec);
        self.changed().await;
        match self.find(&spec.table).await? {
            None => self.jobs.create_job(&settings).await,
            Some(job) => {
                let mut same = job.settings.clone();
                if let Some(schedule) = same.get_mut("schedule") {
                    schedule["pause_status"] = settings["schedule"]["pause_status"].clone();
                }
                if same == settings {
                    let changes = json!({"schedule": settings["schedule"]});
                    self.jobs.update_job(job.job_id, &changes).await?;
                } else {
                    self.jobs.reset_job(job.job_id, &settings).await?;
                }
                Ok(job.job_id)
            }
        }
    }

    /// Deletes the table's job; whether it had one.
    pub async fn delete(&self, table: &str) -> Result<bool, AppError> {
        self.changed().await;
        match self.find(table).await? {
            Some(job) => self.jobs.delete_job(job.job_id).await.map(|()| true),
            None => Ok(false),
        }
    }

    /// Every schedule job, as stored schedules (the platform keeps their firing state).
    pub async fn all(&self, now: NaiveDateTime) -> Result<Vec<StoredSchedule>, AppError> {
        let mut listed = self.listed.lock().await;
        let fresh = listed
            .as_ref()
            .filter(|(at, _)| at.elapsed() < LISTING_LIFETIME)
            .map(|(_, jobs)| jobs.clone());
        let jobs = match fresh {
            Some(jobs) => jobs,
            None => {
                let jobs = self.jobs.list_jobs(None).await?;
                *listed = Some((std::time::Instant::now(), jobs.clone()));
                jobs
            }
        };
        Ok(jobs
            .iter()
            .filter_map(|j| stored(&j.settings, now))
            .collect())
    }

    /// Forgets the listing after a change this process made.
    async fn changed(&self) {
        *self.listed.lock().await = None;
    }
}

/// A tag's value.
fn tag<'a>(settings: &'a Value, key: &str) -> Option<&'a str> {
    settings.get("tags")?.get(key)?.as_str()
}

/// The job's description, which also carries the schedule's 5-field cron.
fn description(spec: &JobSpec) -> String {
    format!(
        "Runs {}'s published DQX rules on cron `{}` ({}), set by {}; managed by DQX Data Quality Manager (counts only, never rows).",
        spec.table, spec.cron, spec.timezone, spec.owner
    )
}

/// A schedule job's settings: the template's tasks, environments and limits, with this table's
/// name, tags, schedule and parameters.
pub fn job_settings(template: &Value, spec: &JobSpec) -> Value {
    let mut settings: Map<String, Value> = template.as_object().cloned().unwrap_or_default();
    for key in ["schedule", "trigger", "continuous", "email_notifications"] {
        settings.remove(key);
    }
    settings.insert(
        "name".into(),
        json!(format!("{JOB_NAME_PREFIX}{}", spec.table)),
    );
    settings.insert("description".into(), json!(description(spec)));
    settings.insert(
        "tags".into(),
        json!({TAG_KIND: TAG_KIND_VALUE, TAG_TABLE: spec.table, TAG_OWNER: spec.owner}),
    );
    settings.insert(
        "schedule".into(),
        json!({
            "quartz_cron_expression": spec.quartz,
            "timezone_id": spec.timezone,
            "pause_status": if spec.enabled { "UNPAUSED" } else { "PAUSED" },
        }),
    );
    settings.insert("max_concurrent_runs".into(), json!(1));
    let ours = [
        ("table_name", spec.table.as_str()),
        ("checks_location", spec.checks_location.as_str()),
        ("run_config_name", spec.run_config_name.as_str()),
        ("metrics_table", spec.metrics_table.as_str()),
        ("metrics_format", "delta"),
        ("actions_location", spec.actions_location.as_str()),
        (
            "action_events_location",
            spec.action_events_location.as_str(),
        ),
        ("owner", spec.owner.as_str()),
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

/// A schedule job's settings as a stored schedule (`None` for a job that is not one).
pub fn stored(settings: &Value, now: NaiveDateTime) -> Option<StoredSchedule> {
    if tag(settings, TAG_KIND) != Some(TAG_KIND_VALUE) {
        return None;
    }
    let table = tag(settings, TAG_TABLE)?.to_string();
    let text = settings.get("description")?.as_str()?;
    let cron = text.split('`').nth(1)?.to_string();
    Cron::parse(&cron).ok()?;
    let schedule = settings.get("schedule")?;
    Some(StoredSchedule {
        table_name: table,
        cron,
        timezone: schedule.get("timezone_id")?.as_str()?.to_string(),
        enabled: schedule.get("pause_status").and_then(Value::as_str) != Some("PAUSED"),
        owner: tag(settings, TAG_OWNER).unwrap_or_default().to_string(),
        since: now,
        updated_at: now,
        last_due_at: None,
        claimed_by: None,
        last_run_id: None,
        last_error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Value {
        json!({
            "name": "dqx-monitor-rules",
            "timeout_seconds": 7200,
            "max_concurrent_runs": 1,
            "schedule": {"quartz_cron_expression": "0 0 0 * * ?", "timezone_id": "UTC"},
            "parameters": [
                {"name": "table_name", "default": ""},
                {"name": "actions_location", "default": ""},
                {"name": "run_id", "default": "{{job.run_id}}"}
            ],
            "tasks": [{"task_key": "monitor", "environment_key": "dqx",
                       "notebook_task": {"notebook_path": "/Workspace/bundle/files/notebooks/monitor_dq_rules"}}],
            "environments": [{"environment_key": "dqx", "spec": {"client": "2"}}]
        })
    }

    fn spec() -> JobSpec {
        let cron = Cron::parse("*/10 6-18 * * 1-5").unwrap();
        JobSpec {
            table: "main.sales.orders".into(),
            quartz: cron.to_quartz().unwrap(),
            cron: cron.text,
            timezone: "Europe/Berlin".into(),
            enabled: true,
            owner: "alice@example.com".into(),
            checks_location: "main.dq.checks".into(),
            run_config_name: "main.sales.orders".into(),
            metrics_table: "main.dq.metrics".into(),
            actions_location: "main.dq.actions".into(),
            action_events_location: "main.dq.action_events".into(),
        }
    }

    #[test]
    fn a_schedule_job_is_the_template_with_the_tables_schedule_tags_and_parameters() {
        let settings = job_settings(&template(), &spec());
        assert_eq!(settings["name"], "dqx-monitor main.sales.orders");
        assert_eq!(
            settings["tasks"],
            template()["tasks"],
            "the bundle's notebook"
        );
        assert_eq!(settings["environments"], template()["environments"]);
        assert_eq!(settings["schedule"]["timezone_id"], "Europe/Berlin");
        assert_eq!(settings["schedule"]["pause_status"], "UNPAUSED");
        assert_eq!(
            settings["schedule"]["quartz_cron_expression"],
            spec().quartz.as_str()
        );
        assert_eq!(settings["tags"]["dqx-table"], "main.sales.orders");
        assert_eq!(settings["tags"]["dqx-owner"], "alice@example.com");
        let default = |name: &str| {
            settings["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .map(|p| p["default"].clone())
        };
        assert_eq!(default("table_name"), Some(json!("main.sales.orders")));
        assert_eq!(default("checks_location"), Some(json!("main.dq.checks")));
        assert_eq!(default("metrics_table"), Some(json!("main.dq.metrics")));
        assert_eq!(default("run_id"), Some(json!("{{job.run_id}}")));
        assert_eq!(default("actions_location"), Some(json!("main.dq.actions")));
        assert_eq!(
            default("action_events_location"),
            Some(json!("main.dq.action_events"))
        );
        let names: Vec<&str> = settings["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names.iter().filter(|n| **n == "table_name").count(),
            1,
            "{names:?}"
        );
    }

    #[test]
    fn a_schedule_job_reads_back_as_its_schedule_and_other_jobs_do_not() {
        let mut paused = spec();
        paused.enabled = false;
        let now = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let back = stored(&job_settings(&template(), &paused), now).unwrap();
        assert_eq!(back.table_name, "main.sales.orders");
        assert_eq!(back.cron, "*/10 6-18 * * 1-5");
        assert_eq!(back.timezone, "Europe/Berlin");
        assert!(!back.enabled);
        assert_eq!(back.owner, "alice@example.com");
        assert_eq!(stored(&template(), now), None);
    }
}
