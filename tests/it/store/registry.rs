//! The registry's reviewed entries in both store backends: a registry rule's versions move
//! draft → pending → approved or rejected with four-eyes decided on the locked row, stale moves
//! are conflicts that change nothing, and twenty concurrent approvals of one version approve it
//! once.

use super::{ALICE_TOKEN, BOB_TOKEN, caller, pg, pg_store_on, sqlite_store};
use dqx_manager::model::registry_entries::{EntryKind, RegistryVersion};
use dqx_manager::model::review::{Roles, VersionStatus};
use dqx_manager::server::caller::Caller;
use dqx_manager::server::error::AppError;
use dqx_manager::server::store::RuleStore;
use dqx_manager::server::store::registry::{EntryMove, NewEntry};
use serde_json::json;
use std::sync::Arc;

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let (_dir, store) = super::sqlite_store().await;
                    super::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(pg) = super::pg() else { return };
                    let store = super::pg_store_on(&pg, &pg.database).await;
                    super::$name(std::sync::Arc::new(store)).await;
                }
            )*
        }
    };
}

on_both_backends!(
    a_registry_rule_is_drafted_submitted_and_approved_by_someone_else,
    twenty_concurrent_approvals_approve_a_registry_version_once,
);

fn alice() -> Caller {
    caller("alice@example.com", Some(ALICE_TOKEN))
}

fn bob() -> Caller {
    caller("bob@example.com", Some(BOB_TOKEN))
}

fn roles(who: &Caller, approver: bool) -> Roles {
    Roles {
        email: who.email.clone(),
        approver,
        ..Roles::default()
    }
}

/// A rule name no other test uses.
fn fresh_name() -> String {
    format!("key_present_{}", uuid::Uuid::new_v4().simple())
}

fn draft(name: &str) -> NewEntry {
    NewEntry {
        kind: EntryKind::Rule,
        name: name.into(),
        body: json!({"rule": {"criticality": "error",
            "check": {"function": "is_not_null", "arguments": {"column": "{{ key }}"}}}}),
        status: VersionStatus::Draft,
    }
}

fn moving(
    name: &str,
    version: i32,
    from: VersionStatus,
    to: VersionStatus,
    by: Roles,
) -> EntryMove {
    EntryMove {
        kind: EntryKind::Rule,
        name: name.into(),
        version,
        expected: from,
        to,
        reason: None,
        actor: by,
    }
}

async fn versions(store: &dyn RuleStore, name: &str) -> Vec<RegistryVersion> {
    store
        .registry_versions(&bob(), EntryKind::Rule, Some(name), 50)
        .await
        .unwrap()
}

async fn a_registry_rule_is_drafted_submitted_and_approved_by_someone_else(
    store: Arc<dyn RuleStore>,
) {
    let name = fresh_name();
    let v1 = store.registry_save(&alice(), &draft(&name)).await.unwrap();
    assert_eq!((v1.version, v1.status), (1, VersionStatus::Draft));
    assert_eq!(v1.created_by.as_deref(), Some("alice@example.com"));
    assert_eq!(v1.body["rule"]["check"]["arguments"]["column"], "{{ key }}");

    // Only its author submits.
    let by_bob = moving(
        &name,
        1,
        VersionStatus::Draft,
        VersionStatus::Pending,
        roles(&bob(), true),
    );
    let err = store.registry_move(&bob(), &by_bob).await.unwrap_err();
    assert!(matches!(err, AppError::PermissionDenied(_)), "{err:?}");
    let submit = moving(
        &name,
        1,
        VersionStatus::Draft,
        VersionStatus::Pending,
        roles(&alice(), true),
    );
    let pending = store.registry_move(&alice(), &submit).await.unwrap();
    assert_eq!(pending.status, VersionStatus::Pending);
    assert_eq!(pending.submitted_by.as_deref(), Some("alice@example.com"));

    // Four-eyes: its author, approver or not, may not approve it.
    let own = moving(
        &name,
        1,
        VersionStatus::Pending,
        VersionStatus::Approved,
        roles(&alice(), true),
    );
    let err = store.registry_move(&alice(), &own).await.unwrap_err();
    assert!(err.to_string().contains("four-eyes"), "{err}");
    // Nor may someone who is no approver.
    let plain = moving(
        &name,
        1,
        VersionStatus::Pending,
        VersionStatus::Approved,
        roles(&bob(), false),
    );
    let err = store.registry_move(&bob(), &plain).await.unwrap_err();
    assert!(err.to_string().contains("not an approver"), "{err}");

    let approve = moving(
        &name,
        1,
        VersionStatus::Pending,
        VersionStatus::Approved,
        roles(&bob(), true),
    );
    let approved = store.registry_move(&bob(), &approve).await.unwrap();
    assert_eq!(approved.status, VersionStatus::Approved);
    assert_eq!(approved.reviewed_by.as_deref(), Some("bob@example.com"));

    // A stale move is a conflict that says who moved it, and changes nothing.
    let err = store.registry_move(&bob(), &approve).await.unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    assert!(
        err.to_string().contains("approved by bob@example.com"),
        "{err}"
    );

    // A second version, rejected with its reason; the first stays approved.
    let v2 = store.registry_save(&alice(), &draft(&name)).await.unwrap();
    assert_eq!(v2.version, 2);
    let submit2 = moving(
        &name,
        2,
        VersionStatus::Draft,
        VersionStatus::Pending,
        roles(&alice(), false),
    );
    store.registry_move(&alice(), &submit2).await.unwrap();
    let reject = EntryMove {
        reason: Some("the key is customer_id, not a placeholder".into()),
        ..moving(
            &name,
            2,
            VersionStatus::Pending,
            VersionStatus::Rejected,
            roles(&bob(), true),
        )
    };
    let rejected = store.registry_move(&bob(), &reject).await.unwrap();
    assert_eq!(rejected.status, VersionStatus::Rejected);
    assert_eq!(
        rejected.review_reason.as_deref(),
        Some("the key is customer_id, not a placeholder")
    );
    let all = versions(store.as_ref(), &name).await;
    assert_eq!(
        all.iter()
            .map(|v| (v.version, v.status))
            .collect::<Vec<_>>(),
        [(2, VersionStatus::Rejected), (1, VersionStatus::Approved)]
    );

    // Every step is in the audit trail, filed under the entry, readable by another user.
    let trail = store
        .audit_trail(&bob(), &EntryKind::Rule.audit_key(&name), 50)
        .await
        .unwrap();
    let mut actions: Vec<(String, Option<i32>)> = trail
        .iter()
        .map(|e| (e.action.clone(), e.version))
        .collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            ("approve".to_string(), Some(1)),
            ("reject".to_string(), Some(2)),
            ("save".to_string(), Some(1)),
            ("save".to_string(), Some(2)),
            ("submit".to_string(), Some(1)),
            ("submit".to_string(), Some(2)),
        ]
    );
}

async fn twenty_concurrent_approvals_approve_a_registry_version_once(store: Arc<dyn RuleStore>) {
    let name = fresh_name();
    store.registry_save(&alice(), &draft(&name)).await.unwrap();
    let submit = moving(
        &name,
        1,
        VersionStatus::Draft,
        VersionStatus::Pending,
        roles(&alice(), false),
    );
    store.registry_move(&alice(), &submit).await.unwrap();
    let approvals = (0..20).map(|_| {
        let store = store.clone();
        let name = name.clone();
        tokio::spawn(async move {
            let approve = moving(
                &name,
                1,
                VersionStatus::Pending,
                VersionStatus::Approved,
                roles(&bob(), true),
            );
            store.registry_move(&bob(), &approve).await
        })
    });
    let mut approved = 0;
    for done in futures::future::join_all(approvals).await {
        match done.unwrap() {
            Ok(v) => {
                assert_eq!(v.status, VersionStatus::Approved);
                approved += 1;
            }
            Err(e) => assert!(matches!(e, AppError::Conflict(_)), "{e:?}"),
        }
    }
    assert_eq!(approved, 1, "exactly one of the twenty approvals lands");
    let all = versions(store.as_ref(), &name).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, VersionStatus::Approved);
    let approvals = store
        .audit_trail(&bob(), &EntryKind::Rule.audit_key(&name), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "approve")
        .count();
    assert_eq!(approvals, 1);
}
