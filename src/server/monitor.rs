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
