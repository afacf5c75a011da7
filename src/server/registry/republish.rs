//! After a registry change is approved, the published checks of the tables it touches are
//! written again (with the approver's rights, as any publish is), so pipelines that
//! `load_checks` get the resolved rules from then on; tables the approver may not read are left
//! to their next publish.

use super::Parts;
use super::bindings::{all, in_force};
use crate::model::registry::Scope;
use crate::model::registry_entries::{BindingBody, EntryKind, Follow};
use crate::server::caller::Caller;
use crate::server::state::AppState;
use std::collections::BTreeSet;

/// Tables one approval republishes at most.
pub const MAX_REPUBLISHED: usize = 200;

/// The scopes an approved entry touches: a binding's new scope and the one it replaces; a rule
/// version's bindings in force that follow the latest.
pub async fn touched_scopes(
    state: &AppState,
    caller: &Caller,
    kind: EntryKind,
    name: &str,
    approved_body: &serde_json::Value,
) -> Vec<Scope> {
    let bindings = match all(state.store.as_ref(), caller).await {
        Ok(b) => b,
        Err(error) => {
            tracing::warn!(request_id = %caller.request_id, %error, "not republished: the registry could not be read");
            return Vec::new();
        }
    };
    match kind {
        EntryKind::Binding => {
            let mut scopes: Vec<Scope> =
                serde_json::from_value::<BindingBody>(approved_body.clone())
                    .map(|b| vec![b.scope])
                    .unwrap_or_default();
            // The version in force before (the newest approved older than this one).
            if let Some(earlier) = bindings.get(name).and_then(|versions| {
                versions
                    .iter()
                    .filter(|v| v.status == crate::model::review::VersionStatus::Approved)
                    .nth(1)
            }) && let Ok(body) = serde_json::from_value::<BindingBody>(earlier.body.clone())
            {
                scopes.push(body.scope);
            }
            scopes
        }
        EntryKind::Rule => in_force(&bindings)
            .into_iter()
            .filter(|(_, _, b)| b.rule == name && b.follow == Follow::Latest)
            .map(|(_, _, b)| b.scope)
            .collect(),
    }
}

/// Republishes the tables `scopes` cover that the caller may read: the tables published.
pub async fn republish(state: &AppState, caller: &Caller, scopes: &[Scope]) -> Vec<String> {
    let parts = Parts {
        workspace: state.workspace.as_ref(),
        rules: state.store.as_ref(),
        readable: &state.review.readable,
    };
    let mut tables = BTreeSet::new();
    for scope in scopes {
        match super::coverage(&parts, caller, scope).await {
            Ok(covered) => tables.extend(covered.tables),
            Err(error) => {
                tracing::warn!(request_id = %caller.request_id, %error, "a scope's tables could not be listed to republish them");
            }
        }
    }
    let mut published = Vec::new();
    for table in tables.into_iter().take(MAX_REPUBLISHED) {
        let inherited =
            super::effective::inherited_checks(parts.workspace, parts.rules, caller, &table).await;
        let report = state
            .publisher
            .publish_active(state.store.as_ref(), caller, &table, inherited)
            .await;
        if report.is_some() {
            published.push(table);
        }
    }
    published
}
