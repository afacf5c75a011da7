//! Jobs on Databricks, on explicit request only: the generation and validation jobs of the
//! bundle, started with `run-now` as the job identity (the app's service principal), after
//! proving with the **caller's** token that the caller may read every table the job will read —
//! the target, and for validation each table the rules name (found by parsing the compiled SQL;
//! rules whose reads cannot be determined are refused). Runs are owned by the user who started
//! them; only that user may see or cancel them. Results are the jobs' JSON documents
//! (ARCHITECTURE §5), read tolerantly from the task run's notebook output; a validation job's
//! counts are kept and its sample rows are replaced by rows read as the caller on the warehouse.

use super::{JobRequest, JobRunner, run_not_found};
use crate::model::results::ValidationResult;
use crate::model::rules::validate::validate_rule_set;
use crate::model::runs::{GenerationResult, RunKind, RunState, RunStatus, RunSummary};
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::databricks::job_wire::Run;
use crate::server::databricks::jobs::Jobs;
use crate::server::error::AppError;
use crate::server::jobs::warehouse::WarehouseWork;
use crate::server::workspace::Workspace;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Job ids from the configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct JobIds {
    pub generation: Option<i64>,
    pub validation: Option<i64>,
}

struct Owned {
    owner: String,
    kind: RunKind,
    table: String,
    table_name: TableName,
    /// The rules a validation job checks, to read its samples again as the caller.
    rules: Vec<Value>,
    started_at: String,
    rule_set_version: Option<i32>,
    /// The last status seen; kept once terminal.
    last: Option<RunStatus>,
}

/// Runs the bundle's jobs.
pub struct DatabricksJobRunner {
    workspace: Arc<dyn Workspace>,
    jobs: Option<Jobs>,
    ids: JobIds,
    runs: Mutex<HashMap<String, Owned>>,
    /// The warehouse as the caller, for sample rows of a job's violations.
    warehouse: Option<Arc<WarehouseWork>>,
    bounds: super::RunBounds,
}

/// A validation job's document, read to the §5 contract: fields it does not promise may be
/// missing (`rows_with_warnings` is then unknown and said so), row values are dropped.
fn read_validation(text: &str) -> Result<ValidationResult, serde_json::Error> {
    let document: Value = serde_json::from_str(text)?;
    let has_warning_rows = document.get("rows_with_warnings").is_some();
    let mut result: ValidationResult = serde_json::from_value(document)?;
    for rule in &mut result.rule_results {
        rule.sample_violations.clear();
    }
    if !has_warning_rows {
        result.note = Some("the job did not report how many rows carry only warnings".into());
    }
    Ok(result)
}

/// The rules with every unnamed one given its DQX default name, so the job's counts (per rule
/// name) are looked up by exactly the names the app shows.
fn named(rules: &[Value]) -> Vec<Value> {
    rules
        .iter()
        .map(|rule| {
            let mut rule = rule.clone();
            let unnamed = rule
                .get("name")
                .and_then(Value::as_str)
                .is_none_or(|n| n.trim().is_empty());
            let single = crate::model::rules::rule_for_each_column(&rule).is_none();
            if unnamed && single {
                let resolved = validate_rule_set(&Value::Array(vec![rule.clone()]), None);
                if let ([only], Some(object)) = (resolved.rules.as_slice(), rule.as_object_mut()) {
                    object.insert("name".into(), json!(only.name));
                }
            }
            rule
        })
        .collect()
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Maps a run's states to ours: `None` while it is not terminal.
fn terminal_state(run: &Run) -> Option<(RunState, Option<String>)> {
    let life = run.life_cycle();
    if !matches!(life, "TERMINATED" | "SKIPPED" | "INTERNAL_ERROR") {
        return None;
    }
    let result = run.state.result_state.as_deref().unwrap_or("");
    let code = run.status.termination_details.code.as_deref().unwrap_or("");
    let message = run.message();
    Some(match (result, code) {
        ("SUCCESS", _) => (RunState::Completed, None),
        ("CANCELED", _) | (_, "USER_CANCELED") | (_, "CANCELED") => (RunState::Canceled, message),
        _ => (
            RunState::Failed,
            Some(message.unwrap_or_else(|| format!("the job ended {life} {result}"))),
        ),
    })
}

fn phase_of(run: &Run) -> (RunState, String) {
    match run.life_cycle() {
        "QUEUED" | "PENDING" | "BLOCKED" | "WAITING_FOR_RETRY" => {
            (RunState::Pending, "waiting for serverless compute".into())
        }
        "TERMINATING" => (RunState::Running, "finishing".into()),
        _ => (RunState::Running, "running on Databricks".into()),
    }
}

fn elapsed_ms(run: &Run) -> u64 {
    let start = run.start_time.unwrap_or(0);
    let end = run.end_time.filter(|e| *e > 0);
    if start <= 0 {
        return 0;
    }
    let end = end.unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    (end - start).max(0) as u64
}

impl DatabricksJobRunner {
    pub fn new(
        workspace: Arc<dyn Workspace>,
        jobs: Option<Jobs>,
        ids: JobIds,
        warehouse: Option<Arc<WarehouseWork>>,
    ) -> Self {
        Self {
            workspace,
            jobs,
            ids,
            runs: Mutex::new(HashMap::new()),
            warehouse,
            bounds: super::RunBounds::default(),
        }
    }

    /// The same runner with other per-user bounds.
    pub fn with_bounds(mut self, bounds: super::RunBounds) -> Self {
        self.bounds = bounds;
        self
    }

    /// Forgets ended runs past their time to live and, per user, the oldest ended ones beyond
    /// the number kept; refuses a new run when the caller has too many that have not ended.
    fn admit(&self, owner: &str) -> Result<(), AppError> {
        let mut runs = self.runs();
        let now = chrono::Utc::now();
        let ttl = chrono::Duration::from_std(self.bounds.ttl).unwrap_or(chrono::Duration::days(1));
        let ended = |o: &Owned| {
            o.last
                .as_ref()
                .is_some_and(|l| l.summary.state.is_terminal())
        };
        runs.retain(|_, o| {
            !ended(o)
                || chrono::DateTime::parse_from_rfc3339(&o.started_at)
                    .map(|at| now - at.with_timezone(&chrono::Utc) < ttl)
                    .unwrap_or(false)
        });
        let mut mine: Vec<(String, String)> = runs
            .iter()
            .filter(|(_, o)| o.owner == owner && ended(o))
            .map(|(id, o)| (o.started_at.clone(), id.clone()))
            .collect();
        if mine.len() > self.bounds.kept_per_user {
            mine.sort();
            for (_, id) in mine.iter().take(mine.len() - self.bounds.kept_per_user) {
                runs.remove(id);
            }
        }
        let active = runs
            .values()
            .filter(|o| o.owner == owner && !ended(o))
            .count();
        self.bounds.admit(active)
    }

    /// Proves, as the caller, that they may read every table the job will read. A validation
    /// job is given only rules the app accounts for field by field (`job_safe`: built-in checks
    /// over the table's columns with literal arguments, no SQL text), so the tables it reads are
    /// exactly the target and the `ref_table`s the rules name — no parse of rule text decides
    /// them. Nothing is asked of the service principal before.
    async fn probe_everything(
        &self,
        caller: &Caller,
        request: &JobRequest,
    ) -> Result<(), AppError> {
        let table = request.table();
        let mut tables = std::collections::BTreeSet::from([table.clone()]);
        if let JobRequest::Validation { rules, .. } = request {
            let columns: Vec<String> = self
                .workspace
                .columns(caller, table)
                .await?
                .into_iter()
                .map(|c| c.name)
                .collect();
            crate::model::rules::job_safe::job_refusal(rules, &columns)
                .map_err(AppError::BadRequest)?;
            for rule in rules {
                let named = crate::model::rules::rule_arguments(rule)
                    .and_then(|a| a.get("ref_table"))
                    .and_then(Value::as_str);
                if let Some(name) = named {
                    tables.insert(TableName::parse(name).map_err(|e| {
                        AppError::BadRequest(format!("ref_table '{name}' is not a table name: {e}"))
                    })?);
                }
            }
        }
        for t in &tables {
            self.workspace.probe_read(caller, t).await?;
            self.refuse_controlled(caller, t).await?;
        }
        Ok(())
    }

    /// Refuses a table with a row filter or a masked column: the job would read it as the
    /// service principal, whose view of its rows and values is not the caller's.
    async fn refuse_controlled(&self, caller: &Caller, table: &TableName) -> Result<(), AppError> {
        match self.access_controls(caller, table).await?.describe() {
            None => Ok(()),
            Some(what) => Err(AppError::BadRequest(format!(
                "{table} has {what}, so a DQX job, which reads as the app's service principal, would see rows and values you do not; validate on the warehouse (engine \"warehouse\", the default), which reads it as you"
            ))),
        }
    }

    /// The table's row filter and masked columns, read as the caller.
    pub async fn access_controls(
        &self,
        caller: &Caller,
        table: &TableName,
    ) -> Result<crate::server::workspace::controls::AccessControls, AppError> {
        self.workspace.access_controls(caller, table).await
    }

    /// Whether a validation job can be started (a job identity and the job's id are set).
    pub fn can_validate(&self) -> bool {
        self.jobs.is_some() && self.ids.validation.is_some()
    }

    fn runs(&self) -> MutexGuard<'_, HashMap<String, Owned>> {
        self.runs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn jobs(&self) -> Result<&Jobs, AppError> {
        self.jobs.as_ref().ok_or_else(|| {
            AppError::Unavailable(
                "jobs need the app's service principal (DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET) or, for development, DATABRICKS_TOKEN".into(),
            )
        })
    }

    fn summary(
        id: &str,
        owned: &Owned,
        state: RunState,
        elapsed: u64,
        message: Option<String>,
    ) -> RunSummary {
        RunSummary {
            run_id: id.to_string(),
            kind: owned.kind,
            table_name: owned.table.clone(),
            state,
            started_at: owned.started_at.clone(),
            elapsed_ms: elapsed,
            message,
        }
    }

    /// The job's result document, from the first task's notebook output.
    async fn output(
        &self,
        run: &Run,
        kind: RunKind,
    ) -> Result<(Option<GenerationResult>, Option<ValidationResult>), (String, bool)> {
        let jobs = self.jobs().map_err(|e| (e.user_message(), false))?;
        let task = run.tasks.first().and_then(|t| t.run_id).ok_or((
            "the run has no task to read a result from".to_string(),
            false,
        ))?;
        let out = jobs
            .get_output(task)
            .await
            .map_err(|e| (e.user_message(), false))?;
        if let Some(error) = &out.error {
            return Err((format!("the job failed: {error}"), false));
        }
        if out.notebook_output.truncated {
            return Err((
                "Databricks cut the job's result at 5 MB, so it cannot be read; validate fewer rules at once or lower the sample size".into(),
                true,
            ));
        }
        let text = out.notebook_output.result.as_deref().ok_or((
            "the job finished without returning a result (dbutils.notebook.exit was not called)"
                .to_string(),
            false,
        ))?;
        let bad = |e: serde_json::Error| {
            (
                format!("the job returned a result this app cannot read: {e}"),
                false,
            )
        };
        Ok(match kind {
            RunKind::Generation => (Some(serde_json::from_str(text).map_err(bad)?), None),
            RunKind::Validation => (None, Some(read_validation(text).map_err(bad)?)),
            RunKind::Impact => {
                return Err(("an impact preview is not a job's result".into(), false));
            }
        })
    }
}

impl DatabricksJobRunner {
    /// A finished job's result with sample rows read as the caller on the warehouse, or a note
    /// saying why there are none.
    async fn with_samples(
        &self,
        caller: &Caller,
        run_id: &str,
        mut result: ValidationResult,
    ) -> ValidationResult {
        let found = {
            let runs = self.runs();
            runs.get(run_id)
                .map(|o| (o.table_name.clone(), o.rules.clone()))
        };
        let Some((table, rules)) = found else {
            return result;
        };
        let why_none = match &self.warehouse {
            None => Some(
                "sample rows are not shown: no SQL warehouse is configured to read them as you"
                    .to_string(),
            ),
            Some(warehouse) => match warehouse
                .samples_for(caller, &table, &rules, &mut result)
                .await
            {
                Ok(()) => None,
                Err(error) => Some(format!(
                    "sample rows could not be read as you: {}",
                    error.user_message()
                )),
            },
        };
        if let Some(why) = why_none {
            result.note = Some(match result.note.take() {
                Some(earlier) => format!("{earlier}; {why}"),
                None => why,
            });
        }
        result
    }
}

#[async_trait::async_trait]
impl JobRunner for DatabricksJobRunner {
    async fn start(&self, caller: &Caller, request: JobRequest) -> Result<RunSummary, AppError> {
        let table = request.table().clone();
        self.admit(&caller.email)?;
        // As the caller, before the service principal is asked for anything.
        self.probe_everything(caller, &request).await?;
        let jobs = self.jobs()?;
        let (kind, job_id, variable, mut params) = match &request {
            JobRequest::Generation {
                prompt,
                sample_limit,
                ..
            } => (
                RunKind::Generation,
                self.ids.generation,
                "DQ_GENERATION_JOB_ID",
                Map::from_iter([
                    ("user_prompt".to_string(), json!(prompt)),
                    ("sample_limit".to_string(), json!(sample_limit.to_string())),
                ]),
            ),
            JobRequest::Validation { rules, .. } => (
                RunKind::Validation,
                self.ids.validation,
                "DQ_VALIDATION_JOB_ID",
                Map::from_iter([(
                    "rules".to_string(),
                    json!(
                        serde_json::to_string(&named(rules))
                            .map_err(|e| AppError::internal("encoding the rules", e))?
                    ),
                )]),
            ),
            JobRequest::Impact { .. } => {
                return Err(AppError::BadRequest(
                    "impact previews run on the SQL warehouse as you, not as a job".into(),
                ));
            }
        };
        let job_id = job_id.ok_or_else(|| {
            AppError::Unavailable(format!(
                "{variable} is not set: deploy the bundle in resources/ and set it to the job's id"
            ))
        })?;
        // The quoted form, exactly the name the caller's probe read.
        params.insert("table_name".into(), json!(table.quoted()));
        params.insert("requested_by".into(), json!(caller.email));
        let idempotency = format!("dqx-{}", uuid::Uuid::new_v4().simple());
        let run_id = jobs
            .run_now(job_id, params, &idempotency)
            .await?
            .to_string();
        tracing::info!(%run_id, job_id, user = %caller.email, request_id = %caller.request_id, "job run started");
        let rule_set_version = match &request {
            JobRequest::Validation {
                rule_set_version, ..
            } => *rule_set_version,
            JobRequest::Generation { .. } | JobRequest::Impact { .. } => None,
        };
        let rules = match &request {
            JobRequest::Validation { rules, .. } => rules.clone(),
            JobRequest::Generation { .. } | JobRequest::Impact { .. } => Vec::new(),
        };
        let owned = Owned {
            owner: caller.email.clone(),
            kind,
            table: table.to_string(),
            table_name: table.clone(),
            rules,
            started_at: now_text(),
            rule_set_version,
            last: None,
        };
        let summary = Self::summary(&run_id, &owned, RunState::Pending, 0, None);
        self.runs().insert(run_id, owned);
        Ok(summary)
    }

    async fn status(&self, caller: &Caller, run_id: &str) -> Result<RunStatus, AppError> {
        let kind = {
            let runs = self.runs();
            let owned = runs
                .get(run_id)
                .filter(|o| o.owner == caller.email)
                .ok_or_else(|| run_not_found(run_id))?;
            if let Some(last) = owned
                .last
                .as_ref()
                .filter(|l| l.summary.state.is_terminal())
            {
                return Ok(last.clone());
            }
            owned.kind
        };
        let numeric: i64 = run_id.parse().map_err(|_| run_not_found(run_id))?;
        let run = self.jobs()?.get_run(numeric).await?;
        let elapsed = elapsed_ms(&run);
        let (state, phase, message, generation, validation, truncated) = match terminal_state(&run)
        {
            None => {
                let (state, phase) = phase_of(&run);
                (state, phase, None, None, None, false)
            }
            Some((RunState::Completed, _)) => match self.output(&run, kind).await {
                Ok((g, v)) => (RunState::Completed, "done".to_string(), None, g, v, false),
                Err((message, truncated)) => (
                    RunState::Failed,
                    "failed".into(),
                    Some(message),
                    None,
                    None,
                    truncated,
                ),
            },
            Some((state, message)) => (
                state,
                state.label().to_lowercase(),
                message,
                None,
                None,
                false,
            ),
        };
        let validation = match validation {
            Some(result) => Some(self.with_samples(caller, run_id, result).await),
            None => None,
        };
        let mut runs = self.runs();
        let owned = runs.get_mut(run_id).ok_or_else(|| run_not_found(run_id))?;
        let status = RunStatus {
            summary: Self::summary(run_id, owned, state, elapsed, message),
            phase,
            progress: None,
            generation,
            validation,
            truncated,
            rule_set_version: owned.rule_set_version,
            runs_on: Some("as a DQX job run by the app".into()),
            impact: None,
            cross_table: None,
        };
        owned.last = Some(status.clone());
        Ok(status)
    }

    async fn cancel(&self, caller: &Caller, run_id: &str) -> Result<RunStatus, AppError> {
        {
            let runs = self.runs();
            runs.get(run_id)
                .filter(|o| o.owner == caller.email)
                .ok_or_else(|| run_not_found(run_id))?;
        }
        let numeric: i64 = run_id.parse().map_err(|_| run_not_found(run_id))?;
        self.jobs()?.cancel(numeric).await?;
        tracing::info!(run_id, user = %caller.email, "job run cancel requested");
        self.status(caller, run_id).await
    }

    async fn list(&self, caller: &Caller) -> Result<Vec<RunSummary>, AppError> {
        let (ended, open): (Vec<RunSummary>, Vec<String>) = {
            let runs = self.runs();
            let mut ended = Vec::new();
            let mut open = Vec::new();
            for (id, o) in runs.iter().filter(|(_, o)| o.owner == caller.email) {
                match o.last.as_ref().filter(|l| l.summary.state.is_terminal()) {
                    Some(last) => ended.push(last.summary.clone()),
                    None => open.push(id.clone()),
                }
            }
            (ended, open)
        };
        // Runs that have not ended are asked about now, so the list is current.
        let mut mine = ended;
        for id in open {
            mine.push(self.status(caller, &id).await?.summary);
        }
        mine.sort_by(|a, b| b.started_at.cmp(&a.started_at));
        Ok(mine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnamed_rules_travel_with_their_default_names() {
        let rules = vec![
            json!({"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}),
            json!({"name": "mine", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}),
        ];
        let sent = named(&rules);
        assert_eq!(sent[0]["name"], "email_is_null");
        assert_eq!(sent[1]["name"], "mine");
    }
}
