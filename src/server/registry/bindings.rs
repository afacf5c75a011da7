//! Bindings: where a registry rule applies (a scope) and what its placeholders become there (a
//! mapping), following its newest approved version or pinned to one. A new or changed binding is
//! reviewed like a rule-set change of the tables it covers: its approver must cover everything
//! the scope can reach (`reach`), not only the tables they happen to see.

use super::{Parts, coverage};
use crate::model::registry::{Mapping, Scope};
use crate::model::registry_entries::{
    BindingBody, BindingSaved, BindingView, EntryKind, Follow, MAX_LISTED, RegistryVersion,
    RuleBody, applied_version, by_entry, check_binding, newest_approved, reach, rule_name,
};
use crate::model::review::{Roles, VersionStatus};
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::review::ReviewService;
use crate::server::review::service::bounded_text;
use crate::server::store::RuleStore;
use crate::server::store::registry::{EntryMove, NewEntry};
use std::collections::BTreeMap;

/// Bindings one registry rule's page shows at most.
pub const MAX_SHOWN_BINDINGS: usize = 50;

/// A bind as asked for.
#[derive(Debug, Clone)]
pub struct BindRequest {
    pub rule: String,
    pub scope: Scope,
    pub mapping: BTreeMap<String, Mapping>,
    pub follow: Follow,
    /// A binding to change (its next version); a new binding without it.
    pub binding_id: Option<String>,
}

/// A new binding id: `b` and twelve hex digits.
fn new_binding_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("b{}", &id[..12])
}

/// A binding id as given, or why it is not one.
pub fn binding_id(text: &str) -> Result<String, AppError> {
    let id = text.trim().to_lowercase();
    let ok =
        id.len() == 13 && id.starts_with('b') && id[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Ok(id)
    } else {
        Err(AppError::BadRequest(format!(
            "'{text}' is not a binding id (b and twelve hex digits, as bind_registry_rule answered)"
        )))
    }
}

/// Saves a binding's next version, submitted for review at once (approved at once when no
/// approver group exists), after checking its rule, pin, mapping and scope.
pub async fn bind(
    parts: &Parts<'_>,
    review: &ReviewService,
    caller: &Caller,
    request: BindRequest,
) -> Result<BindingSaved, AppError> {
    let rule = rule_name(&request.rule).map_err(AppError::BadRequest)?;
    let versions = parts
        .rules
        .registry_versions(caller, EntryKind::Rule, Some(&rule), MAX_LISTED)
        .await?;
    let checked_against = match request.follow {
        Follow::Pinned { version } => applied_version(request.follow, &versions).ok_or_else(|| {
            AppError::BadRequest(format!(
                "{rule} has no approved version {version} to pin; pin an approved version or follow the latest"
            ))
        })?,
        // Until a version is approved the binding applies nothing; its mapping must fit the
        // newest version meanwhile.
        Follow::Latest => applied_version(Follow::Latest, &versions)
            .or(versions.first())
            .ok_or_else(|| {
                AppError::NotFound(format!("the registry has no rule named {rule}"))
            })?,
    };
    let rule_body: RuleBody = serde_json::from_value(checked_against.body.clone())
        .map_err(|e| AppError::internal(format!("reading registry rule {rule}"), e))?;
    let body = BindingBody {
        rule: rule.clone(),
        scope: request.scope,
        mapping: request.mapping,
        follow: request.follow,
        retired: false,
    };
    check_binding(&body, &rule_body).map_err(AppError::BadRequest)?;
    let id = match request.binding_id {
        Some(given) => {
            let id = binding_id(&given)?;
            let earlier = parts
                .rules
                .registry_versions(caller, EntryKind::Binding, Some(&id), 1)
                .await?;
            let Some(earlier) = earlier.first() else {
                return Err(AppError::NotFound(format!("there is no binding {id}")));
            };
            let earlier: BindingBody = serde_json::from_value(earlier.body.clone())
                .map_err(|e| AppError::internal(format!("reading binding {id}"), e))?;
            if earlier.rule != rule {
                return Err(AppError::BadRequest(format!(
                    "binding {id} binds {}, not {rule}; make a new binding for {rule}",
                    earlier.rule
                )));
            }
            id
        }
        None => new_binding_id(),
    };
    save_version(parts, review, caller, id, &body).await
}

/// Saves `body` as binding `id`'s next version, submitted for review at once (approved at once
/// when no approver group exists), with what its scope covers now for the caller.
async fn save_version(
    parts: &Parts<'_>,
    review: &ReviewService,
    caller: &Caller,
    id: String,
    body: &BindingBody,
) -> Result<BindingSaved, AppError> {
    let covered = coverage(parts, caller, &body.scope).await?;
    let status = if review.policy.approvers.is_empty() {
        VersionStatus::Approved
    } else {
        VersionStatus::Pending
    };
    let new = NewEntry {
        kind: EntryKind::Binding,
        name: id.clone(),
        body: serde_json::to_value(body)
            .map_err(|e| AppError::internal("writing the binding", e))?,
        status,
    };
    let saved = parts.rules.registry_save(caller, &new).await?;
    Ok(BindingSaved {
        binding_id: id,
        version: saved.version,
        status: saved.status,
        coverage: covered,
    })
}

/// Saves a retirement of binding `id` as its next version (the version in force, retired),
/// submitted for review at once (approved at once when no approver group exists): once approved
/// the binding applies nowhere and the tables it covered are published without it.
pub async fn retire(
    parts: &Parts<'_>,
    review: &ReviewService,
    caller: &Caller,
    id: &str,
) -> Result<BindingSaved, AppError> {
    let id = binding_id(id)?;
    let versions = parts
        .rules
        .registry_versions(caller, EntryKind::Binding, Some(&id), MAX_LISTED)
        .await?;
    if versions.is_empty() {
        return Err(AppError::NotFound(format!("there is no binding {id}")));
    }
    let in_force = applied_version(Follow::Latest, &versions).ok_or_else(|| {
            AppError::BadRequest(format!(
                "binding {id} has no approved version, so it applies nowhere: nothing to retire (reject its pending version instead)"
            ))
        })?;
    let mut body: BindingBody = serde_json::from_value(in_force.body.clone())
        .map_err(|e| AppError::internal(format!("reading binding {id}"), e))?;
    if body.retired {
        return Err(AppError::Conflict(format!(
            "binding {id} is already retired (version {})",
            in_force.version
        )));
    }
    body.retired = true;
    save_version(parts, review, caller, id, &body).await
}

/// The caller's roles for a binding version: an approver only through groups covering all its
/// scope may reach.
pub async fn roles_for_binding(
    review: &ReviewService,
    caller: &Caller,
    body: &BindingBody,
) -> Result<Roles, AppError> {
    let groups = review.groups(caller).await?;
    Ok(review
        .policy
        .roles_for_reach(&caller.email, groups, &reach(&body.scope)))
}

/// Approves (or, with a reason, rejects) a binding's version (its newest when none is named)
/// that the caller saw as `expected`.
pub async fn decide(
    store: &dyn RuleStore,
    review: &ReviewService,
    caller: &Caller,
    id: &str,
    version: Option<i32>,
    expected: VersionStatus,
    rejection: Option<String>,
) -> Result<RegistryVersion, AppError> {
    let id = binding_id(id)?;
    let versions = store
        .registry_versions(caller, EntryKind::Binding, Some(&id), MAX_LISTED)
        .await?;
    let chosen = match version {
        Some(v) => versions.iter().find(|x| x.version == v),
        None => versions.first(),
    }
    .ok_or_else(|| AppError::NotFound(format!("there is no binding {id} (or no such version)")))?;
    let body: BindingBody = serde_json::from_value(chosen.body.clone())
        .map_err(|e| AppError::internal(format!("reading binding {id}"), e))?;
    let roles = roles_for_binding(review, caller, &body).await?;
    let (to, reason) = match rejection {
        Some(r) => (
            VersionStatus::Rejected,
            Some(bounded_text("the reason", &r)?),
        ),
        None => (VersionStatus::Approved, None),
    };
    let entry_move = EntryMove {
        kind: EntryKind::Binding,
        name: id,
        version: chosen.version,
        expected,
        to,
        reason,
        actor: roles,
    };
    // The store refuses illegal moves first, under the entry's lock.
    store.registry_move(caller, &entry_move).await
}

/// Every binding's versions by id, newest first.
pub async fn all(
    store: &dyn RuleStore,
    caller: &Caller,
) -> Result<BTreeMap<String, Vec<RegistryVersion>>, AppError> {
    let versions = store
        .registry_versions(caller, EntryKind::Binding, None, MAX_LISTED)
        .await?;
    Ok(by_entry(versions))
}

/// The bindings in force: each binding's newest approved version, with its body, unless that
/// version retires it.
pub fn in_force(
    bindings: &BTreeMap<String, Vec<RegistryVersion>>,
) -> Vec<(String, i32, BindingBody)> {
    bindings
        .iter()
        .filter_map(|(id, versions)| {
            let approved = newest_approved(versions)?;
            let v = versions.iter().find(|v| v.version == approved)?;
            let body: BindingBody = serde_json::from_value(v.body.clone()).ok()?;
            (!body.retired).then(|| (id.clone(), approved, body))
        })
        .collect()
}

/// The bindings of one rule as the caller sees them (each with what it covers now for them).
pub async fn views_of_rule(
    parts: &Parts<'_>,
    caller: &Caller,
    rule: &str,
) -> Result<Vec<BindingView>, AppError> {
    let bindings = all(parts.rules, caller).await?;
    let mut out = Vec::new();
    for (id, versions) in bindings {
        let Some(latest) = versions.first().cloned() else {
            continue;
        };
        let Ok(body) = serde_json::from_value::<BindingBody>(latest.body.clone()) else {
            continue;
        };
        if body.rule != rule {
            continue;
        }
        if out.len() >= MAX_SHOWN_BINDINGS {
            break;
        }
        let coverage = coverage(parts, caller, &body.scope).await?;
        out.push(BindingView {
            binding_id: id,
            approved_version: newest_approved(&versions),
            latest,
            coverage,
        });
    }
    Ok(out)
}

/// The caller's roles for approving a version of `rule`: it reaches everywhere its bindings
/// in force that follow the latest version reach (a rule bound nowhere yet reaches nothing, and
/// any approver decides it).
pub async fn roles_for_rule(
    store: &dyn RuleStore,
    review: &ReviewService,
    caller: &Caller,
    rule: &str,
) -> Result<Roles, AppError> {
    let bindings = all(store, caller).await?;
    let mut reached: Vec<Vec<String>> = in_force(&bindings)
        .into_iter()
        .filter(|(_, _, b)| b.rule == rule && b.follow == Follow::Latest)
        .flat_map(|(_, _, b)| reach(&b.scope))
        .collect();
    reached.sort();
    reached.dedup();
    if reached.is_empty() {
        return review.roles(caller, None).await;
    }
    let groups = review.groups(caller).await?;
    Ok(review
        .policy
        .roles_for_reach(&caller.email, groups, &reached))
}
