//! Promoting rule sets as the caller: each source table's active rule set (a table they are
//! proven to read) copied to its target (a table they read too), rules the target's columns
//! cannot hold left out and reported, saved as a draft for review where review applies there.

use crate::model::promote::{
    MAX_PROMOTED, Place, PromoteReport, PromotedTable, split_rules, target_of,
};
use crate::model::rulesets::MAX_RULE_TABLES;
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::state::AppState;
use crate::server::store::{AuditAction, NewRuleSet, ops};
use serde_json::json;
use std::collections::BTreeMap;

/// Promotes `from` to `to`: a report per table (a table that could not be promoted says why).
pub async fn promote(
    state: &AppState,
    caller: &Caller,
    from: &str,
    to: &str,
) -> Result<PromoteReport, AppError> {
    let source = Place::parse(from).map_err(|e| AppError::BadRequest(format!("from: {e}")))?;
    let target = Place::parse(to).map_err(|e| AppError::BadRequest(format!("to: {e}")))?;
    let candidates: Vec<String> = match &source {
        Place::Table(t) => vec![t.join(".")],
        Place::Schema(_) => state
            .store
            .rule_tables(caller, MAX_RULE_TABLES)
            .await?
            .into_iter()
            .map(|t| t.to_lowercase())
            .filter(|t| source.holds(t))
            .collect(),
    };
    let proven = state
        .review
        .readable
        .prove(
            state.store.as_ref(),
            state.workspace.as_ref(),
            caller,
            candidates.clone(),
        )
        .await?;
    let mut sources: Vec<String> = proven
        .into_iter()
        .filter(|(_, may)| *may)
        .map(|(t, _)| t.to_lowercase())
        .collect();
    sources.sort();
    if sources.is_empty() {
        return Err(AppError::NotFound(format!(
            "no rule set you may read is saved under {from}"
        )));
    }
    let mut pairs = Vec::new();
    for s in &sources {
        let t = target_of(&source, &target, s).map_err(AppError::BadRequest)?;
        if &t == s {
            return Err(AppError::BadRequest(format!(
                "{from} and {to} are the same place; promote to another catalog or schema"
            )));
        }
        pairs.push((s.clone(), t));
    }
    // A name inside a rule is mapped only to a target the caller may read (one that exists).
    let targets: Vec<String> = pairs.iter().map(|(_, t)| t.clone()).collect();
    let reachable: Vec<String> = state
        .review
        .readable
        .prove(
            state.store.as_ref(),
            state.workspace.as_ref(),
            caller,
            targets,
        )
        .await?
        .into_iter()
        .filter(|(_, may)| *may)
        .map(|(t, _)| t.to_lowercase())
        .collect();
    let renames: BTreeMap<String, String> = pairs
        .iter()
        .filter(|(_, t)| reachable.contains(t))
        .cloned()
        .collect();
    let not_promoted = pairs.len().saturating_sub(MAX_PROMOTED);
    let mut report = PromoteReport {
        tables: Vec::new(),
        not_promoted,
    };
    for (s, t) in pairs.into_iter().take(MAX_PROMOTED) {
        let outcome = one(state, caller, &s, &t, &renames).await;
        report
            .tables
            .push(outcome.unwrap_or_else(|e| PromotedTable {
                from: s,
                to: t,
                from_version: None,
                version: None,
                status: None,
                copied: 0,
                skipped: Vec::new(),
                error: Some(e.user_message()),
            }));
    }
    Ok(report)
}

async fn one(
    state: &AppState,
    caller: &Caller,
    from: &str,
    to: &str,
    renames: &BTreeMap<String, String>,
) -> Result<PromotedTable, AppError> {
    let active = state.store.get(caller, from, None).await?;
    let target = TableName::parse(to).map_err(|e| AppError::BadRequest(e.to_string()))?;
    // Read as the caller: a target they may not read (or that does not exist) is refused here.
    let columns: Vec<String> = state
        .workspace
        .columns(caller, &target)
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let (kept, skipped) = split_rules(&active.rules, &columns, renames);
    let mut promoted = PromotedTable {
        from: from.to_string(),
        to: to.to_string(),
        from_version: Some(active.summary.version),
        version: None,
        status: None,
        copied: kept.len(),
        skipped,
        error: None,
    };
    if kept.is_empty() {
        promoted.error = Some(format!(
            "nothing saved: every rule of {from} reads columns {to} lacks"
        ));
        return Ok(promoted);
    }
    state.store.prove_reader(caller, to).await?;
    let new = NewRuleSet {
        table_name: to.to_string(),
        rules: kept,
        user_prompt: Some(format!(
            "promoted from {from} version {}",
            active.summary.version
        )),
        ai_summary: None,
        metadata: Some(json!({"promoted_from": from, "promoted_version": active.summary.version})),
        restored_from: None,
        draft: state.review.saves_draft(&target),
    };
    let saved = ops::save_checked(
        state.store.as_ref(),
        caller,
        new,
        Some(&columns),
        AuditAction::Import,
    )
    .await?;
    if saved.is_active {
        let inherited =
            crate::server::registry::effective::inherited_in_app(state, caller, to).await;
        state
            .publisher
            .publish_active(state.store.as_ref(), caller, to, inherited)
            .await;
    }
    promoted.version = Some(saved.version);
    promoted.status = Some(saved.status);
    Ok(promoted)
}
