//! Registry rules' lifecycle: save a version (checked as a DQX check with its placeholders),
//! submit it, approve or reject it (four-eyes, on the row the store locks), and read the
//! registry. Only approved versions apply anywhere.

use crate::model::registry_entries::{
    EntryKind, MAX_LISTED, RegistryRuleDetail, RegistryRuleSummary, RegistryVersion,
    newest_approved, rule_body, rule_name, summaries,
};
use crate::model::review::{Roles, VersionStatus};
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::review::ReviewService;
use crate::server::review::service::bounded_text;
use crate::server::store::RuleStore;
use crate::server::store::registry::{EntryMove, NewEntry};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a save of a registry rule carries.
#[derive(Debug, Clone)]
pub struct RuleDraft {
    pub name: String,
    pub rule: Value,
    pub description: Option<String>,
    pub dimension: Option<String>,
}

/// Saves the rule's next version: a draft for review, or approved at once when no approver
/// group exists (nothing in the app is reviewed then).
pub async fn save(
    store: &dyn RuleStore,
    review: &ReviewService,
    caller: &Caller,
    draft: RuleDraft,
) -> Result<RegistryVersion, AppError> {
    let name = rule_name(&draft.name).map_err(AppError::BadRequest)?;
    let body =
        rule_body(draft.rule, draft.description, draft.dimension).map_err(AppError::BadRequest)?;
    let body = serde_json::to_value(&body)
        .map_err(|e| AppError::internal("writing the registry rule", e))?;
    let status = if review.policy.approvers.is_empty() {
        VersionStatus::Approved
    } else {
        VersionStatus::Draft
    };
    let new = NewEntry {
        kind: EntryKind::Rule,
        name,
        body,
        status,
    };
    store.registry_save(caller, &new).await
}

/// A move of one version, as the caller asked for it.
#[derive(Debug, Clone)]
pub struct Decision {
    pub name: String,
    pub version: i32,
    /// The status the caller saw.
    pub expected: VersionStatus,
    pub to: VersionStatus,
    pub reason: Option<String>,
}

/// One review move of a registry rule's version, as `roles` allow.
pub async fn decide(
    store: &dyn RuleStore,
    caller: &Caller,
    roles: Roles,
    decision: Decision,
) -> Result<RegistryVersion, AppError> {
    let Decision {
        name,
        version,
        expected,
        to,
        reason,
    } = decision;
    let name = rule_name(&name).map_err(AppError::BadRequest)?;
    let reason = match (to, reason) {
        (VersionStatus::Rejected, Some(r)) => Some(bounded_text("the reason", &r)?),
        (VersionStatus::Rejected, None) => {
            return Err(AppError::BadRequest(
                "say why the version is rejected (reason)".into(),
            ));
        }
        _ => None,
    };
    let entry_move = EntryMove {
        kind: EntryKind::Rule,
        name,
        version,
        expected,
        to,
        reason,
        actor: roles,
    };
    // The store refuses illegal moves first, under the entry's lock.
    store.registry_move(caller, &entry_move).await
}

/// Every registry rule, by name.
pub async fn list(
    parts: &super::Parts<'_>,
    caller: &Caller,
) -> Result<Vec<RegistryRuleSummary>, AppError> {
    let versions = parts
        .rules
        .registry_versions(caller, EntryKind::Rule, None, MAX_LISTED)
        .await?;
    let mut listed = summaries(versions);
    let used = where_used(parts, caller).await;
    for rule in &mut listed {
        rule.used_on = used
            .as_ref()
            .map(|u| u.get(&rule.name).map_or(0, BTreeSet::len));
    }
    Ok(listed)
}

/// Bindings in force whose coverage the registry list counts at most (each reads the catalog).
pub const MAX_COUNTED_BINDINGS: usize = 100;

/// The tables each rule's bindings in force cover now for the caller, by rule; `None` when
/// there are more bindings than are counted or the catalog could not be read.
async fn where_used(
    parts: &super::Parts<'_>,
    caller: &Caller,
) -> Option<BTreeMap<String, BTreeSet<String>>> {
    let bindings = super::bindings::all(parts.rules, caller).await.ok()?;
    let in_force = super::bindings::in_force(&bindings);
    if in_force.len() > MAX_COUNTED_BINDINGS {
        return None;
    }
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, _, body) in in_force {
        match super::coverage(parts, caller, &body.scope).await {
            Ok(covered) => used.entry(body.rule).or_default().extend(covered.tables),
            Err(error) => {
                tracing::warn!(request_id = %caller.request_id, %error, binding = %id, "where-used not counted: a binding's coverage could not be read");
                return None;
            }
        }
    }
    Some(used)
}

/// One registry rule with its versions, newest first, and its bindings as the caller sees them.
pub async fn detail(
    parts: &super::Parts<'_>,
    caller: &Caller,
    name: &str,
) -> Result<RegistryRuleDetail, AppError> {
    let name = rule_name(name).map_err(AppError::BadRequest)?;
    let versions = parts
        .rules
        .registry_versions(caller, EntryKind::Rule, Some(&name), MAX_LISTED)
        .await?;
    if versions.is_empty() {
        return Err(AppError::NotFound(format!(
            "the registry has no rule named {name}"
        )));
    }
    let bindings = super::bindings::views_of_rule(parts, caller, &name).await?;
    Ok(RegistryRuleDetail {
        approved_version: newest_approved(&versions),
        name,
        versions,
        bindings,
    })
}
