//! Monitoring a table over time: its recorded runs as DQX summary metrics, shown to everyone who
//! may read the table (the caller is proven a reader before this is called), counts only.

use crate::model::metrics::{HistoryRun, RunHistory, RunMetrics};
use crate::model::rules::ResolvedRule;
use crate::model::rules::fingerprint::rule_set_fingerprint;
use crate::model::rules::validate::validate_rule_set;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::store::RuleStore;
use std::collections::BTreeMap;

/// The table's newest `limit` runs, whoever started them, each with DQX's metrics of it.
pub async fn run_history(
    store: &dyn RuleStore,
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
    let runs = stored
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
    Ok(RunHistory {
        table: table.to_string(),
        runs,
    })
}

/// The Monitor page's tables: those with saved rules or a schedule that the caller may read
/// (probed as them), each with its last runs as trend points, the rules failing in its last run
/// and its next scheduled run.
pub async fn overview(
    store: &dyn RuleStore,
    workspace: &dyn crate::server::workspace::Workspace,
    readable: &crate::server::review::readable::ReadableCache,
    schedules: &crate::server::schedule::Schedules,
    caller: &Caller,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::model::trends::MonitorOverview, AppError> {
    use crate::model::trends::{MonitorOverview, TREND_POINTS, TableTrend, TrendPoint};
    let mut names = store
        .rule_tables(caller, crate::model::rulesets::MAX_RULE_TABLES)
        .await?;
    let scheduled = match schedules {
        crate::server::schedule::Schedules::Embedded(s) => {
            s.all(crate::model::schedule::MAX_SCHEDULES).await?
        }
        crate::server::schedule::Schedules::Unavailable(_) => Vec::new(),
    };
    for s in &scheduled {
        if !names.contains(&s.table_name) {
            names.push(s.table_name.clone());
        }
    }
    let answers = readable
        .prove(store, workspace, caller, names.iter().cloned())
        .await?;
    let mut tables = Vec::new();
    for table in names.iter().filter(|n| answers.get(*n) == Some(&true)) {
        let mut runs = store.validation_runs(caller, table, TREND_POINTS).await?;
        let next_run_at = scheduled
            .iter()
            .find(|s| &s.table_name == table)
            .and_then(|s| crate::server::schedule::scheduler::next_run(s, now))
            .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        if runs.is_empty() && next_run_at.is_none() {
            continue;
        }
        runs.reverse();
        let failing_rules = runs
            .last()
            .map(|r| {
                r.result
                    .rule_results
                    .iter()
                    .filter(|rule| rule.violation_count > 0)
                    .map(|rule| rule.rule_name.clone())
                    .collect()
            })
            .unwrap_or_default();
        let points = runs
            .into_iter()
            .map(|r| TrendPoint {
                pass_rate: r.result.pass_rate,
                input_row_count: r.result.total_rows,
                error_row_count: r.result.invalid_rows,
                run_id: r.run_id,
                at: r.validated_at,
                version: r.version,
                trigger: r.trigger,
            })
            .collect();
        tables.push(TableTrend {
            table: table.clone(),
            points,
            failing_rules,
            next_run_at,
        });
    }
    Ok(MonitorOverview { tables })
}
