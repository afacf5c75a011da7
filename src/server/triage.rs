//! One triage request: the caller's finished validation run (another's is "not found"), the
//! rules it checked, and why each failing rule's rows fail, read as the caller — never as the
//! service principal, and only on a table the caller may read now.

use crate::model::rules::validate::validate_rule_set;
use crate::model::table_name::TableName;
use crate::model::triage::Triage;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::state::AppState;
use serde_json::Value;

/// Failing rules triaged in one request at most (those with the most failing rows first).
pub const MAX_TRIAGED_RULES: usize = 20;

/// Triages `run_id` (one rule when `rule_name` is given).
pub async fn triage_for(
    state: &AppState,
    caller: &Caller,
    run_id: &str,
    rule_name: Option<&str>,
) -> Result<Triage, AppError> {
    let status = state.jobs.status(caller, run_id).await?;
    let Some(validation) = status.validation else {
        return Err(AppError::BadRequest(format!(
            "run {run_id} is not a finished validation; triage reads the results of a validation run"
        )));
    };
    let table = TableName::parse(&validation.table_name)
        .map_err(|e| AppError::internal("reading the run's table", e))?;
    let rules = state.jobs.validated_rules(caller, run_id).await?;
    if rules.is_empty() {
        return Err(AppError::BadRequest(format!(
            "the rules of run {run_id} are no longer kept; validate again to see why rows fail"
        )));
    }
    // The columns only (Unity Catalog metadata in a workspace): no row is counted for them.
    let columns = state.workspace.columns(caller, &table).await?;
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let resolved = validate_rule_set(&Value::Array(rules), Some(&names)).rules;
    let mut failing: Vec<(&str, u64)> = validation
        .rule_results
        .iter()
        .filter(|r| r.violation_count > 0)
        .filter(|r| rule_name.is_none_or(|n| n == r.rule_name))
        .map(|r| (r.rule_name.as_str(), r.violation_count))
        .collect();
    if let Some(name) = rule_name
        && failing.is_empty()
    {
        return Err(AppError::BadRequest(format!(
            "no rows fail a rule named {name} in run {run_id}; pick a failing rule from its results"
        )));
    }
    failing.sort_by_key(|f| std::cmp::Reverse(f.1));
    failing.truncate(MAX_TRIAGED_RULES);
    let picked: Vec<_> = resolved
        .into_iter()
        .filter(|r| failing.iter().any(|(n, _)| *n == r.name))
        .collect();
    let (rules, rows) = state.workspace.triage(caller, &table, &picked).await?;
    let mut triage = Triage {
        run_id: run_id.to_string(),
        table_name: table.to_string(),
        rules,
        rows,
        summary: None,
    };
    triage.summary = crate::server::assistant::triage::summarize(
        state.analysis.assistant.as_ref(),
        caller,
        &triage,
    )
    .await;
    Ok(triage)
}
