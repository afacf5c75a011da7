//! Monitoring a table over time: its recorded runs as DQX summary metrics, with the runs a team's
//! DQX pipelines wrote to DQX's metrics table (read as the viewer), shown to everyone who may read
//! the table (the caller is proven a reader before this is called), counts only.

use crate::model::metrics::{HistoryRun, RunHistory, RunMetrics};
use crate::model::rules::ResolvedRule;
use crate::model::rules::fingerprint::rule_set_fingerprint;
use crate::model::rules::validate::validate_rule_set;
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::store::RuleStore;
use crate::server::workspace::Workspace;
use std::collections::{BTreeMap, BTreeSet};

/// Where a team's DQX pipelines report: DQX's metrics table (`DQX_METRICS_TABLE`), when one is
/// configured, read through the workspace as the viewer.
#[derive(Clone, Copy)]
pub struct Pipelines<'a> {
    pub workspace: &'a dyn Workspace,
    pub metrics: Option<&'a TableName>,
}

impl Pipelines<'_> {
    /// The newest `runs_each` runs of each of `locations` in the metrics table that are not among
    /// `known` (the app's own runs), by location; or, in words, why they could not be read.
    pub async fn runs(
        &self,
        caller: &Caller,
        locations: &[String],
        runs_each: u32,
        known: &BTreeSet<String>,
    ) -> Result<BTreeMap<String, Vec<HistoryRun>>, String> {
        let Some(metrics) = self.metrics else {
            return Ok(BTreeMap::new());
        };
        let rows = self
            .workspace
            .metric_rows(caller, metrics, locations, runs_each)
            .await
            .map_err(|e| format!("Runs from DQX's metrics table {metrics} are not shown: {e}"))?;
        let mut by_run: BTreeMap<(String, String), Vec<_>> = BTreeMap::new();
        for row in rows {
            let Some(location) = row.input_location.clone() else {
                continue;
            };
            if !known.contains(&row.run_id) {
                by_run
                    .entry((location, row.run_id.clone()))
                    .or_default()
                    .push(row);
            }
        }
        let mut runs: BTreeMap<String, Vec<HistoryRun>> = BTreeMap::new();
        for ((location, _), rows) in by_run {
            let starter = crate::server::workspace::metrics_table::pipeline_starter(
                rows.first().and_then(|r| r.run_name.as_deref()),
            );
            if let Some(run) = HistoryRun::from_pipeline(&rows, starter) {
                runs.entry(location).or_default().push(run);
            }
        }
        Ok(runs)
    }

    /// The tables the metrics table has runs of, as the viewer (none when it cannot be read:
    /// the runs' own read says why).
    pub async fn locations(&self, caller: &Caller, limit: u32) -> Vec<String> {
        let Some(metrics) = self.metrics else {
            return Vec::new();
        };
        match self
            .workspace
            .metric_locations(caller, metrics, limit)
            .await
        {
            Ok(found) => found
                .into_iter()
                .filter_map(|l| TableName::parse(&l).ok().map(|n| n.to_string()))
                .collect(),
            Err(error) => {
                tracing::info!(request_id = %caller.request_id, %error, "metrics table not listed");
                Vec::new()
            }
        }
    }
}

/// Newest first; runs at the same time by id, so the order is stable.
fn newest_first(runs: &mut [HistoryRun]) {
    runs.sort_by(|a, b| {
        b.started_at
            .cmp(&a.started_at)
            .then_with(|| a.run_id.cmp(&b.run_id))
    });
}

/// The table's newest `limit` runs, whoever started them, each with DQX's metrics of it.
pub async fn run_history(
    store: &dyn RuleStore,
    pipelines: Pipelines<'_>,
    caller: &Caller,
    table: &str,
    limit: u32,
) -> Result<RunHistory, AppError> {
    let stored = store.validation_runs(caller, table, limit).await?;
    // The rules each saved version ran, resolved once per version, for the fingerprints.
    let mut rules_of: BTreeMap<i32, Vec<ResolvedRule>> = BTreeMap::new();
    for version in stored.iter().filter_map(|r| r.version) {
        if rules_of.contains_key(&version) {
            continue;
        }
        let rules = match store.get(caller, table, Some(version)).await {
            Ok(set) => validate_rule_set(&serde_json::Value::Array(set.rules), None).rules,
            Err(AppError::NotFound(_)) => Vec::new(),
            Err(other) => return Err(other),
        };
        rules_of.insert(version, rules);
    }
    let known: BTreeSet<String> = stored.iter().map(|r| r.run_id.clone()).collect();
    let mut runs: Vec<HistoryRun> = stored
        .into_iter()
        .map(|run| {
            let rules = run
                .version
                .and_then(|v| rules_of.get(&v))
                .map(Vec::as_slice)
                .unwrap_or_default();
            let metrics = RunMetrics::of(&run.result, rules);
            HistoryRun {
                run_id: run.run_id,
                started_at: run.validated_at,
                trigger: run.trigger,
                version: run.version,
                started_by: run.validated_by,
                pass_rate: run.result.pass_rate,
                rule_set_fingerprint: (!rules.is_empty()).then(|| rule_set_fingerprint(rules)),
                metrics,
            }
        })
        .collect();
    // A pipeline that ran a saved version's rules (by DQX's fingerprint) shows that version.
    let versions: BTreeMap<String, i32> = rules_of
        .iter()
        .filter(|(_, rules)| !rules.is_empty())
        .map(|(v, rules)| (rule_set_fingerprint(rules), *v))
        .collect();
    let mut note = None;
    match pipelines
        .runs(caller, &[table.to_string()], limit, &known)
        .await
    {
        Ok(mut found) => {
            for mut run in found.remove(table).unwrap_or_default() {
                run.version = run
                    .rule_set_fingerprint
                    .as_ref()
                    .and_then(|f| versions.get(f).copied());
                runs.push(run);
            }
        }
        Err(why) => note = Some(why),
    }
    newest_first(&mut runs);
    runs.truncate(limit as usize);
    Ok(RunHistory {
        table: table.to_string(),
        runs,
        note,
    })
}

/// The Monitor page's tables: those with saved rules, a schedule or runs in DQX's metrics table
/// that the caller may read (probed as them), each with its last runs (the app's and its
/// pipelines') as trend points, the rules failing in its last run and its next scheduled run.
pub async fn overview(
    store: &dyn RuleStore,
    pipelines: Pipelines<'_>,
    readable: &crate::server::review::readable::ReadableCache,
    schedules: &crate::server::schedule::Schedules,
    caller: &Caller,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::model::trends::MonitorOverview, AppError> {
    use crate::model::trends::{MonitorOverview, TREND_POINTS, TableTrend};
    use crate::server::workspace::metrics_table::MAX_PIPELINE_TABLES;
    let mut names = store
        .rule_tables(caller, crate::model::rulesets::MAX_RULE_TABLES)
        .await?;
    let scheduled = schedules.all(now).await.unwrap_or_else(|error| {
        tracing::warn!(request_id = %caller.request_id, %error, "schedules not listed for the Monitor page");
        Vec::new()
    });
    let reported = pipelines.locations(caller, MAX_PIPELINE_TABLES).await;
    for name in scheduled.iter().map(|s| &s.table_name).chain(&reported) {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    let answers = readable
        .prove(store, pipelines.workspace, caller, names.iter().cloned())
        .await?;
    let names: Vec<String> = names
        .into_iter()
        .filter(|n| answers.get(n) == Some(&true))
        .collect();
    let mut points: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    let mut known = BTreeSet::new();
    for table in &names {
        let runs = store.validation_runs(caller, table, TREND_POINTS).await?;
        known.extend(runs.iter().map(|r| r.run_id.clone()));
        points.insert(
            table.clone(),
            runs.into_iter().map(Entry::recorded).collect(),
        );
    }
    let mut note = None;
    match pipelines.runs(caller, &names, TREND_POINTS, &known).await {
        Ok(found) => {
            for (table, runs) in found {
                let entries = points.entry(table).or_default();
                entries.extend(runs.iter().map(Entry::reported));
            }
        }
        Err(why) => note = Some(why),
    }
    let mut tables = Vec::new();
    for table in names {
        let mut entries = points.remove(&table).unwrap_or_default();
        let next_run_at = scheduled
            .iter()
            .find(|s| s.table_name == table)
            .and_then(|s| crate::server::schedule::scheduler::next_run(s, now))
            .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        if entries.is_empty() && next_run_at.is_none() {
            continue;
        }
        entries.sort_by(|a, b| a.point.at.cmp(&b.point.at));
        let keep_from = entries.len().saturating_sub(TREND_POINTS as usize);
        let entries = entries.split_off(keep_from);
        let failing_rules = entries
            .last()
            .map(|e| e.failing.clone())
            .unwrap_or_default();
        tables.push(TableTrend {
            table,
            points: entries.into_iter().map(|e| e.point).collect(),
            failing_rules,
            next_run_at,
        });
    }
    Ok(MonitorOverview { tables, note })
}

/// One run on a table's trend line, with the rules it found failing.
struct Entry {
    point: crate::model::trends::TrendPoint,
    failing: Vec<String>,
}

impl Entry {
    /// A run the app recorded.
    fn recorded(run: crate::server::store::StoredRun) -> Self {
        let failing = run
            .result
            .rule_results
            .iter()
            .filter(|rule| rule.violation_count > 0)
            .map(|rule| rule.rule_name.clone())
            .collect();
        Self {
            point: crate::model::trends::TrendPoint {
                pass_rate: run.result.pass_rate,
                input_row_count: run.result.total_rows,
                error_row_count: run.result.invalid_rows,
                run_id: run.run_id,
                at: run.validated_at,
                version: run.version,
                trigger: run.trigger,
            },
            failing,
        }
    }

    /// A run a pipeline reported to DQX's metrics table.
    fn reported(run: &HistoryRun) -> Self {
        let failing = run
            .metrics
            .check_metrics
            .iter()
            .filter(|c| c.error_count + c.warning_count > 0)
            .map(|c| c.check_name.clone())
            .collect();
        Self {
            point: crate::model::trends::TrendPoint {
                pass_rate: run.pass_rate,
                input_row_count: run.metrics.input_row_count,
                error_row_count: run.metrics.error_row_count,
                run_id: run.run_id.clone(),
                at: run.started_at.clone(),
                version: run.version,
                trigger: run.trigger,
            },
            failing,
        }
    }
}
