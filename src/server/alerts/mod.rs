//! Alerts: per table, DQX actions (a `DQAlert` bound to a condition) that a reader of the table
//! sets, stored as DQX stores actions; after each run the app makes, each alert of the table is
//! evaluated with DQX's semantics (condition, then frequency and notify-on gating) once per
//! (run, alert), and a firing one is delivered to its destinations with retries, every attempt
//! logged and linked to the run.

pub mod deliver;
pub mod dqx_sql;
pub mod guard;
pub mod store;
pub mod workspace;

use crate::model::alerts::{
    Alert, AlertList, AlertSpec, Delivery, DeliveryList, DeliveryOutcome, Frequency,
    MAX_ALERT_NAME_CHARS, MAX_ALERTS_PER_TABLE, MAX_DESTINATIONS, NotifyOn, ShownDestination,
    shown_url,
};
use crate::model::condition::{Condition, Value as CondValue};
use crate::model::metrics::RunMetrics;
use crate::model::results::ValidationResult;
use crate::model::rule_metrics;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::review::readable::ReadableCache;
use crate::server::store::{AuditAction, RuleStore, ops::audit_quietly};
use crate::server::workspace::Workspace;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use store::{AlertEvent, AlertStore, DeliveryRow, StoredAlert};

use crate::model::health::alerting::{HEALTH_VARIABLES, is_health_variable};

/// The metrics a condition may read: DQX's summary metric names.
pub const METRIC_NAMES: [&str; 5] = [
    "input_row_count",
    "error_row_count",
    "warning_row_count",
    "valid_row_count",
    "check_metrics",
];

/// Alerts in this mode.
pub struct Alerts {
    /// Where they are kept, or why there is no such place here.
    pub store: Result<AlertPlace, String>,
    pub sender: deliver::Sender,
    /// The health variables a condition may read here: all of them where the app judges health
    /// passes itself; in a workspace, what the health job hands DQX's actions.
    pub health_variables: &'static [&'static str],
}

/// Where alerts are kept.
pub enum AlertPlace {
    /// One store the app reaches with its own identity (the local SQLite or Postgres store).
    Shared(Arc<dyn AlertStore>),
    /// DQX's actions and action-events tables in a workspace, reached as each caller.
    Workspace(Arc<workspace::DqxTables>),
}

/// The parts of the app an alert request uses.
pub struct Parts<'a> {
    pub alerts: &'a Alerts,
    pub rules: &'a dyn RuleStore,
    pub workspace: &'a dyn Workspace,
    pub readable: &'a ReadableCache,
}

impl Alerts {
    /// The store as `caller` reaches it (a workspace's tables need one).
    fn store(&self, caller: Option<&Caller>) -> Result<Arc<dyn AlertStore>, AppError> {
        match &self.store {
            Err(why) => Err(AppError::Unavailable(why.clone())),
            Ok(AlertPlace::Shared(store)) => Ok(store.clone()),
            Ok(AlertPlace::Workspace(tables)) => match caller {
                Some(caller) => tables.as_caller(caller),
                None => Err(AppError::Unavailable(
                    "a workspace's alerts are read as a user, and this evaluation has none".into(),
                )),
            },
        }
    }
}

/// Sets (or replaces) an alert on a table the caller was proven to read.
pub async fn set(
    parts: &Parts<'_>,
    caller: &Caller,
    spec: AlertSpec,
    now: DateTime<Utc>,
) -> Result<Alert, AppError> {
    let store = parts.alerts.store(Some(caller))?;
    check_spec(&spec)?;
    check_health_variables(&spec, parts.alerts.health_variables)?;
    check_rule_names(parts, caller, &spec).await?;
    for destination in &spec.destinations {
        guard::check(
            destination.kind,
            &destination.url,
            parts.alerts.sender.allow_loopback,
        )
        .await
        .map_err(AppError::BadRequest)?;
    }
    let existing = store
        .alerts(Some(&spec.table), MAX_ALERTS_PER_TABLE + 1)
        .await?;
    if existing.len() >= MAX_ALERTS_PER_TABLE && !existing.iter().any(|a| a.name == spec.name) {
        return Err(AppError::TooManyRequests(format!(
            "{} already has {MAX_ALERTS_PER_TABLE} alerts, the most a table keeps; delete one or change an existing one",
            spec.table
        )));
    }
    let stored = StoredAlert {
        table: spec.table.clone(),
        name: spec.name.clone(),
        action_json: spec.action_json(),
        created_at: now.naive_utc(),
        owner: caller.email.clone(),
    };
    store.put(&stored).await?;
    let detail = serde_json::json!({"alert": spec.name, "condition": spec.condition});
    audit_quietly(
        parts.rules,
        caller,
        AuditAction::SetAlert,
        &spec.table,
        None,
        Some(detail),
    )
    .await;
    shown(&stored)
        .ok_or_else(|| AppError::internal("showing the alert", "its action_json did not read back"))
}

/// Refuses a health condition reading a variable this deployment's health does not give.
fn check_health_variables(spec: &AlertSpec, offered: &[&str]) -> Result<(), AppError> {
    let Ok(condition) = Condition::parse(&spec.condition) else {
        return Ok(());
    };
    match condition
        .names()
        .into_iter()
        .find(|n| is_health_variable(n) && !offered.contains(&n.as_str()))
    {
        Some(name) => Err(AppError::BadRequest(format!(
            "here health alerts are evaluated by each scope's health job with DQX's actions, which reads {}; '{name}' judges an observation against the table's history, which the job does not do — use a threshold such as health_minutes_since_change > 180 or health_row_count < 1000",
            offered.join(" and ")
        ))),
        None => Ok(()),
    }
}

/// Refuses an alert DQX would refuse, or one past the app's bounds, in words.
fn check_spec(spec: &AlertSpec) -> Result<(), AppError> {
    let bad = |m: String| Err(AppError::BadRequest(m));
    let name = spec.name.trim();
    if name.is_empty() || name.chars().count() > MAX_ALERT_NAME_CHARS {
        return bad(format!(
            "an alert needs a name of 1 to {MAX_ALERT_NAME_CHARS} characters"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || "_-. ".contains(c))
    {
        return bad(format!(
            "the alert name '{name}' may hold only letters, digits, spaces and _ - ."
        ));
    }
    let condition = Condition::parse(&spec.condition).map_err(AppError::BadRequest)?;
    let names = condition.names();
    let health = names.iter().filter(|n| is_health_variable(n)).count();
    if let Some(unknown) = names.iter().find(|n| {
        !METRIC_NAMES.contains(&n.as_str())
            && rule_metrics::parse(n).is_none()
            && !is_health_variable(n)
    }) {
        return bad(format!(
            "the condition reads '{unknown}', which is neither one of DQX's run metrics ({}), a rule's count (<rule>_error_count, <rule>_warning_count, for a rule named with letters, digits and _) nor health's ({})",
            METRIC_NAMES.join(", "),
            HEALTH_VARIABLES.join(", ")
        ));
    }
    if health > 0 && health < names.len() {
        return bad(
            "a condition reads either a run's metrics or health's (health_…), not both: health is judged after each health pass, run metrics after each run; make two alerts".into(),
        );
    }
    if spec.destinations.is_empty() || spec.destinations.len() > MAX_DESTINATIONS {
        return bad(format!(
            "an alert needs 1 to {MAX_DESTINATIONS} destinations"
        ));
    }
    if spec.severity.trim().is_empty() || spec.severity.chars().count() > 20 {
        return bad(
            "the severity is a word of at most 20 characters, such as error or warning".into(),
        );
    }
    Ok(())
}

/// Refuses a condition reading a rule's count when the table's active rules have no rule of
/// that name (a typo would otherwise never fire); with no active rules yet, any name is taken.
async fn check_rule_names(
    parts: &Parts<'_>,
    caller: &Caller,
    spec: &AlertSpec,
) -> Result<(), AppError> {
    let condition = Condition::parse(&spec.condition).map_err(AppError::BadRequest)?;
    let wanted: Vec<String> = condition
        .names()
        .iter()
        .filter_map(|n| rule_metrics::parse(n).map(|(rule, _)| rule.to_string()))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let active = match parts.rules.get(caller, &spec.table, None).await {
        Ok(set) => set,
        Err(AppError::NotFound(_)) => return Ok(()),
        Err(other) => return Err(other),
    };
    let names: Vec<&str> = active
        .rules
        .iter()
        .filter_map(|r| r.get("name").and_then(Value::as_str))
        .collect();
    match wanted.iter().find(|w| !names.contains(&w.as_str())) {
        None => Ok(()),
        Some(missing) => {
            let known: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| rule_metrics::is_identifier(n))
                .take(10)
                .collect();
            Err(AppError::BadRequest(format!(
                "the condition counts rule '{missing}', but {}'s active rules (version {}) have no rule of that name; rules a condition can count: {}",
                spec.table,
                active.summary.version,
                if known.is_empty() {
                    "none (name rules with letters, digits and _)".to_string()
                } else {
                    known.join(", ")
                }
            )))
        }
    }
}

/// The values a condition reads, with a rule's count 0 where the run has no such rule, as DQX's
/// custom metric counts it.
fn with_absent_rules(
    values: &BTreeMap<String, CondValue>,
    condition: &Condition,
) -> BTreeMap<String, CondValue> {
    let mut out = values.clone();
    for name in condition.names() {
        if rule_metrics::parse(&name).is_some() {
            out.entry(name).or_insert(CondValue::Int(0));
        }
    }
    out
}

/// A stored alert as shown: destinations without their secret parts.
fn shown(stored: &StoredAlert) -> Option<Alert> {
    let spec = AlertSpec::from_action_json(&stored.table, &stored.action_json)?;
    let mut action_json = stored.action_json.clone();
    if let Some(list) = action_json
        .pointer_mut("/action/destinations")
        .and_then(Value::as_array_mut)
    {
        for d in list {
            if let Some(url) = d.get("webhook_url").and_then(Value::as_str).map(shown_url) {
                d["webhook_url"] = Value::String(url);
            }
        }
    }
    Some(Alert {
        table: spec.table,
        name: spec.name,
        condition: spec.condition,
        destinations: spec
            .destinations
            .iter()
            .map(|d| ShownDestination {
                kind: d.kind,
                url: shown_url(&d.url),
            })
            .collect(),
        frequency: spec.frequency,
        notify_on: spec.notify_on,
        severity: spec.severity,
        owner: stored.owner.clone(),
        updated_at: stored
            .created_at
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        action_json,
    })
}

/// Which of `tables` the caller may read (probed as them, remembered a while).
async fn readable_tables(
    parts: &Parts<'_>,
    caller: &Caller,
    tables: impl IntoIterator<Item = String>,
) -> Result<std::collections::BTreeSet<String>, AppError> {
    let answers = parts
        .readable
        .prove(parts.rules, parts.workspace, caller, tables)
        .await?;
    Ok(answers
        .into_iter()
        .filter(|(_, may)| *may)
        .map(|(t, _)| t)
        .collect())
}

/// The alerts of `table` (proven readable), or of every table the caller may read.
pub async fn list(
    parts: &Parts<'_>,
    caller: &Caller,
    table: Option<&str>,
) -> Result<AlertList, AppError> {
    let store = parts.alerts.store(Some(caller))?;
    let all = store
        .alerts(
            table,
            crate::model::schedule::MAX_SCHEDULES * MAX_ALERTS_PER_TABLE,
        )
        .await?;
    let readable = readable_tables(parts, caller, all.iter().map(|a| a.table.clone())).await?;
    let alerts = all
        .iter()
        .filter(|a| readable.contains(&a.table))
        .filter_map(shown)
        .collect();
    Ok(AlertList { alerts })
}

/// Deletes an alert of a table the caller was proven to read.
pub async fn delete(
    parts: &Parts<'_>,
    caller: &Caller,
    table: &str,
    name: &str,
) -> Result<(), AppError> {
    let store = parts.alerts.store(Some(caller))?;
    if !store.delete(table, name).await? {
        return Err(AppError::NotFound(format!(
            "{table} has no alert named '{name}'"
        )));
    }
    let detail = serde_json::json!({"alert": name});
    audit_quietly(
        parts.rules,
        caller,
        AuditAction::DeleteAlert,
        table,
        None,
        Some(detail),
    )
    .await;
    Ok(())
}

/// Delivery attempts of `table` (proven readable) or of every table the caller may read.
pub async fn deliveries(
    parts: &Parts<'_>,
    caller: &Caller,
    table: Option<&str>,
    limit: u32,
) -> Result<DeliveryList, AppError> {
    let store = parts.alerts.store(Some(caller))?;
    let rows = store.deliveries(table, limit).await?;
    let mut names: Vec<String> = rows.iter().map(|r| r.table_name.clone()).collect();
    names.dedup();
    let readable = readable_tables(parts, caller, names).await?;
    let deliveries = rows
        .into_iter()
        .filter(|r| readable.contains(&r.table_name))
        .map(|r| Delivery {
            table: r.table_name,
            alert: r.action_name,
            run_id: r.run_id,
            destination: r.destination,
            outcome: DeliveryOutcome::parse(&r.outcome),
            attempt: u32::try_from(r.attempt).unwrap_or(0),
            reason: r.reason,
            at: r
                .at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        })
        .collect();
    Ok(DeliveryList { deliveries })
}

/// A finished run the app made, for its table's alerts.
#[derive(Debug, Clone)]
pub struct FinishedRun {
    pub run_id: String,
    pub run_time: DateTime<Utc>,
    pub result: ValidationResult,
}

/// DQX's observed metrics of a run (its summary metrics), as conditions read them and alerts
/// show them.
fn observed(m: &RunMetrics) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::from([
        (
            "input_row_count".to_string(),
            Value::from(m.input_row_count),
        ),
        (
            "error_row_count".to_string(),
            Value::from(m.error_row_count),
        ),
        (
            "valid_row_count".to_string(),
            Value::from(m.valid_row_count),
        ),
    ]);
    if let Some(warned) = m.warning_row_count {
        out.insert("warning_row_count".into(), Value::from(warned));
    }
    out.insert(
        "check_metrics".into(),
        Value::String(serde_json::to_string(&m.check_metrics).unwrap_or_default()),
    );
    out
}

fn condition_values(metrics: &BTreeMap<String, Value>) -> BTreeMap<String, CondValue> {
    metrics
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Value::Number(n) => n
                    .as_i64()
                    .map(CondValue::Int)
                    .unwrap_or_else(|| CondValue::Float(n.as_f64().unwrap_or(f64::NAN))),
                Value::Bool(b) => CondValue::Bool(*b),
                other => CondValue::Str(other.as_str().unwrap_or_default().to_string()),
            };
            (k.clone(), value)
        })
        .collect()
}

/// Whether DQX's gating lets an alert whose condition holds fire now.
fn may_fire(spec: &AlertSpec, state: &store::AlertState, run_time: DateTime<Utc>) -> bool {
    if spec.frequency != Frequency::Always
        && let Some(last) = state.last_fired
        && (run_time.naive_utc() - last).num_seconds() < spec.frequency.window_secs()
    {
        return false;
    }
    !(spec.notify_on == NotifyOn::StatusChange && state.last_status.as_deref() == Some("unhealthy"))
}

/// What an evaluation is of: a run, or a health pass, by id and time.
pub struct Fired<'a> {
    pub run_id: &'a str,
    pub run_time: DateTime<Utc>,
}

/// Whether the alert's condition reads health's variables.
fn reads_health(spec: &AlertSpec) -> bool {
    Condition::parse(&spec.condition).is_ok_and(|c| c.names().iter().any(|n| is_health_variable(n)))
}

/// Evaluates `table`'s health alerts after a health pass observed it (`metrics`: health's
/// variables), as any alert is: once per pass and alert, DQX's gating, deliveries logged.
pub async fn after_health(
    alerts: &Alerts,
    table: &str,
    pass: &Fired<'_>,
    metrics: &BTreeMap<String, Value>,
    caller: Option<&Caller>,
) {
    let Ok(store) = alerts.store(caller) else {
        return;
    };
    let list = match store.alerts(Some(table), MAX_ALERTS_PER_TABLE).await {
        Ok(list) => list,
        Err(error) => {
            tracing::warn!(%table, %error, "the table's alerts could not be read");
            return;
        }
    };
    let values = condition_values(metrics);
    for stored in list {
        let Some(spec) = AlertSpec::from_action_json(table, &stored.action_json) else {
            continue;
        };
        if !reads_health(&spec) {
            continue;
        }
        if let Err(error) =
            evaluate_one(alerts, store.as_ref(), &spec, pass, metrics, &values).await
        {
            tracing::warn!(%table, alert = %spec.name, %error, "a health alert could not be evaluated");
        }
    }
}

/// Evaluates the table's alerts for a finished run and delivers those that fire (once per run
/// and alert, whoever else evaluates the same run). Failures are logged, never raised: a run's
/// result stands whatever its alerts do.
pub async fn after_run(alerts: &Alerts, run: &FinishedRun, caller: Option<&Caller>) {
    let Ok(store) = alerts.store(caller) else {
        return;
    };
    let table = &run.result.table_name;
    let list = match store.alerts(Some(table), MAX_ALERTS_PER_TABLE).await {
        Ok(list) => list,
        Err(error) => {
            tracing::warn!(%table, %error, "the table's alerts could not be read");
            return;
        }
    };
    let summary = RunMetrics::of(&run.result, &[]);
    let metrics = observed(&summary);
    let fired_by = Fired {
        run_id: &run.run_id,
        run_time: run.run_time,
    };
    let mut values = condition_values(&metrics);
    values.extend(
        rule_metrics::counts(&summary.check_metrics)
            .into_iter()
            .map(|(name, n)| (name, CondValue::Int(i64::try_from(n).unwrap_or(i64::MAX)))),
    );
    for stored in list {
        let Some(spec) = AlertSpec::from_action_json(table, &stored.action_json) else {
            continue;
        };
        // Health's conditions are judged after health passes only.
        if reads_health(&spec) {
            continue;
        }
        if let Err(error) =
            evaluate_one(alerts, store.as_ref(), &spec, &fired_by, &metrics, &values).await
        {
            tracing::warn!(%table, alert = %spec.name, %error, "an alert could not be evaluated");
        }
    }
}

async fn evaluate_one(
    alerts: &Alerts,
    store: &dyn AlertStore,
    spec: &AlertSpec,
    run: &Fired<'_>,
    metrics: &BTreeMap<String, Value>,
    values: &BTreeMap<String, CondValue>,
) -> Result<(), AppError> {
    let verdict =
        Condition::parse(&spec.condition).and_then(|c| c.evaluate(&with_absent_rules(values, &c)));
    let (fired, status) = match verdict {
        Err(_) => (false, "config_error"),
        Ok(false) => (false, "healthy"),
        Ok(true) => {
            let state = store.state(&spec.table, &spec.name).await?;
            (may_fire(spec, &state, run.run_time), "unhealthy")
        }
    };
    let event = AlertEvent {
        run_id: run.run_id.to_string(),
        table: spec.table.clone(),
        name: spec.name.clone(),
        condition: spec.condition.clone(),
        fired,
        status: status.to_string(),
        run_time: run.run_time.naive_utc(),
    };
    if !store.record_event(&event).await? {
        return Ok(());
    }
    if fired {
        deliver_all(alerts, store, spec, run, metrics).await;
    }
    store.finish_event(&event, spec, metrics).await
}

/// Delivers a firing alert to each of its destinations, with retries, each attempt logged.
async fn deliver_all(
    alerts: &Alerts,
    store: &dyn AlertStore,
    spec: &AlertSpec,
    run: &Fired<'_>,
    metrics: &BTreeMap<String, Value>,
) {
    let message = deliver::Message {
        action_name: spec.name.clone(),
        condition: spec.condition.clone(),
        table: spec.table.clone(),
        run_id: run.run_id.to_string(),
        run_time: run.run_time,
        severity: spec.severity.clone(),
        metrics: metrics.clone(),
    };
    for destination in &spec.destinations {
        let shown = destination.shown();
        let last = alerts
            .sender
            .deliver(destination.kind, &destination.url, &message, |attempt| {
                let row = DeliveryRow {
                    run_id: run.run_id.to_string(),
                    table_name: spec.table.clone(),
                    action_name: spec.name.clone(),
                    destination: shown.clone(),
                    outcome: attempt.outcome.as_str().to_string(),
                    attempt: i64::from(attempt.attempt),
                    reason: attempt.reason.clone(),
                    at: Utc::now().naive_utc(),
                };
                async move {
                    if let Err(error) = store.log_delivery(&row).await {
                        tracing::warn!(%error, "an alert delivery was not logged");
                    }
                }
            })
            .await;
        tracing::info!(table = %spec.table, alert = %spec.name, destination = %shown,
            outcome = last.outcome.as_str(), attempt = last.attempt, "alert delivery");
    }
}
