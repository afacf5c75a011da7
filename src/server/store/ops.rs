//! What the server functions do with a store beyond one call: save after validating (against the
//! table's columns, read as the caller), restore an old version as a new one, export as
//! DQX-loadable text, import text as a new version, diff two versions. Each writes the audit
//! trail.

use super::{AuditAction, NewRuleSet, RuleStore};
use crate::model::rules::diff::diff_rules;
use crate::model::rules::validate::validate_rule_set;
use crate::model::rules::{RulesFormat, parse_rules_text, rules_to_text};
use crate::model::rulesets::{ExportedRuleSet, RuleSetDiff, SavedRuleSet};
use crate::server::caller::Caller;
use crate::server::error::AppError;
use serde_json::{Value, json};

/// Problems named in one refusal at most.
const PROBLEMS_SHOWN: usize = 5;

/// Refuses rules the validator finds errors in, with its messages.
pub fn check_rules(rules: &[Value], columns: Option<&[String]>) -> Result<(), AppError> {
    refuse_invalid(rules, columns, "nothing was saved")
}

/// Refuses rules with errors: the count, the first few problems with their places, and what was
/// not done (`consequence`).
pub fn refuse_invalid(
    rules: &[Value],
    columns: Option<&[String]>,
    consequence: &str,
) -> Result<(), AppError> {
    let validation = validate_rule_set(&Value::Array(rules.to_vec()), columns);
    if validation.is_valid() {
        return Ok(());
    }
    let errors: Vec<String> = validation.errors().map(|p| p.located()).collect();
    let mut message = format!(
        "the rules have {}; {consequence}: {}",
        crate::model::words::plural(errors.len(), "problem"),
        errors
            .iter()
            .take(PROBLEMS_SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    );
    if errors.len() > PROBLEMS_SHOWN {
        message.push_str(&format!("; and {} more", errors.len() - PROBLEMS_SHOWN));
    }
    Err(AppError::BadRequest(message))
}

/// Validates, saves and audits a new version. A save of the rules and prompt the newest
/// version already holds, while that version is the caller's draft or waiting for review, or
/// is active, answers with it instead of making an identical one (so "Submit" after "Save draft"
/// submits the draft). A rejected version's rules saved again are a new draft that can be resubmitted.
pub async fn save_checked(
    store: &dyn RuleStore,
    caller: &Caller,
    new: NewRuleSet,
    columns: Option<&[String]>,
    action: AuditAction,
) -> Result<SavedRuleSet, AppError> {
    check_rules(&new.rules, columns)?;
    if action == AuditAction::Save
        && let Some(existing) = unchanged(store, caller, &new).await?
    {
        return Ok(existing);
    }
    let table = new.table_name.clone();
    let count = new.rules.len();
    let restored_from = new.restored_from;
    let saved = store.save(caller, new).await?;
    let detail =
        json!({"rules": count, "restored_from": restored_from, "status": saved.status.as_str()});
    audit_quietly(
        store,
        caller,
        action,
        &table,
        Some(saved.version),
        Some(detail),
    )
    .await;
    Ok(saved)
}

/// The newest version, when it holds `new`'s rules and prompt and a save would only repeat it.
async fn unchanged(
    store: &dyn RuleStore,
    caller: &Caller,
    new: &NewRuleSet,
) -> Result<Option<SavedRuleSet>, AppError> {
    use crate::model::review::VersionStatus::{Approved, Draft, Pending};
    let Some(latest) = store
        .history(caller, &new.table_name, 1)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    // A draft or a pending version answers only its author: another person's save of the same
    // rules is their own version, to submit and be reviewed as theirs.
    let own = latest
        .created_by
        .as_deref()
        .is_some_and(|who| who.eq_ignore_ascii_case(&caller.email));
    let repeatable = match latest.status {
        Draft | Pending => new.draft && own,
        Approved => latest.is_active,
        _ => false,
    };
    if !repeatable {
        return Ok(None);
    }
    let held = store
        .get(caller, &new.table_name, Some(latest.version))
        .await?;
    let prompt = |p: Option<&str>| {
        p.map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
    };
    let same = held.rules == new.rules
        && prompt(held.summary.user_prompt.as_deref()) == prompt(new.user_prompt.as_deref());
    Ok(same.then(|| SavedRuleSet {
        id: latest.id,
        version: latest.version,
        created_at: latest.created_at.unwrap_or_default(),
        status: latest.status,
        is_active: latest.is_active,
        unchanged: true,
    }))
}

/// Writes an audit entry; a failure is logged, not shown (the action itself succeeded).
pub async fn audit_quietly(
    store: &dyn RuleStore,
    caller: &Caller,
    action: AuditAction,
    table: &str,
    version: Option<i32>,
    detail: Option<Value>,
) {
    if let Err(error) = store.audit(caller, action, table, version, detail).await {
        tracing::warn!(request_id = %caller.request_id, %error, action = action.as_str(), "audit entry not written");
    }
}

/// Saves version `version`'s rules as a new version that records where it came from (a draft
/// when review applies).
pub async fn restore(
    store: &dyn RuleStore,
    caller: &Caller,
    table: &str,
    version: i32,
    draft: bool,
) -> Result<SavedRuleSet, AppError> {
    let old = store.get(caller, table, Some(version)).await?;
    let new = NewRuleSet {
        table_name: table.to_string(),
        rules: old.rules,
        user_prompt: old.summary.user_prompt,
        ai_summary: old.ai_summary,
        metadata: old.metadata,
        restored_from: Some(version),
        draft,
    };
    // Restoring what was saved before is not re-validated against today's columns: it is the
    // user's record; the validator still refuses structurally invalid rules.
    save_checked(store, caller, new, None, AuditAction::Restore).await
}

/// The version as DQX-loadable YAML or JSON.
pub async fn export(
    store: &dyn RuleStore,
    caller: &Caller,
    table: &str,
    version: Option<i32>,
    format: RulesFormat,
) -> Result<ExportedRuleSet, AppError> {
    let set = store.get(caller, table, version).await?;
    let text = rules_to_text(&Value::Array(set.rules), format)
        .map_err(|e| AppError::internal("writing the rules as text", e))?;
    let extension = match format {
        RulesFormat::Json => "json",
        RulesFormat::Yaml => "yaml",
    };
    let version = set.summary.version;
    audit_quietly(
        store,
        caller,
        AuditAction::Export,
        table,
        Some(version),
        Some(json!({"format": extension})),
    )
    .await;
    Ok(ExportedRuleSet {
        file_name: format!(
            "{}.v{version}.dqx-rules.{extension}",
            table.replace('.', "_")
        ),
        version,
        text,
    })
}

/// Parses, validates and saves text as a new version (a draft when review applies).
#[allow(clippy::too_many_arguments)]
pub async fn import(
    store: &dyn RuleStore,
    caller: &Caller,
    table: &str,
    text: &str,
    format: RulesFormat,
    columns: Option<&[String]>,
    draft: bool,
) -> Result<SavedRuleSet, AppError> {
    let value = parse_rules_text(text, format).map_err(AppError::BadRequest)?;
    let Value::Array(rules) = value else {
        return Err(AppError::BadRequest(
            "a rule set is a list of rules (it starts with [ in JSON, - in YAML)".into(),
        ));
    };
    let new = NewRuleSet {
        table_name: table.to_string(),
        rules,
        metadata: Some(json!({"imported": true})),
        draft,
        ..Default::default()
    };
    save_checked(store, caller, new, columns, AuditAction::Import).await
}

/// How version `to` differs from `from`.
pub async fn diff(
    store: &dyn RuleStore,
    caller: &Caller,
    table: &str,
    from: i32,
    to: i32,
) -> Result<RuleSetDiff, AppError> {
    let a = store.get(caller, table, Some(from)).await?;
    let b = store.get(caller, table, Some(to)).await?;
    let (added, removed, changed, unchanged) = diff_rules(&a.rules, &b.rules);
    Ok(RuleSetDiff {
        table_name: table.to_string(),
        from,
        to,
        added,
        removed,
        changed,
        unchanged,
    })
}

/// How many of a table's newest publish events are searched for publish outcomes.
pub const PUBLISH_EVENTS_READ: u32 = 500;

/// The table's versions, newest first, each with how its last publish went (from the newest
/// [`PUBLISH_EVENTS_READ`] publish events, which no other action can crowd out).
pub async fn history_with_publishing(
    store: &dyn RuleStore,
    caller: &Caller,
    table: &str,
    limit: u32,
) -> Result<Vec<crate::model::rulesets::RuleSetSummary>, AppError> {
    let mut versions = store.history(caller, table, limit).await?;
    let trail = store
        .audit_trail_of(caller, table, AuditAction::Publish, PUBLISH_EVENTS_READ)
        .await?;
    for version in &mut versions {
        version.published = trail
            .iter()
            .filter(|e| e.action == "publish" && e.version == Some(version.version))
            .find_map(crate::model::rulesets::PublishStatus::from_event);
    }
    Ok(versions)
}
