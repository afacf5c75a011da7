//! The review actions behind the server functions: submit, approve (four-eyes), reject (with a
//! reason), comment, the review queue, one version's review page, and the impact-preview run
//! request. Each takes a caller already proved able to read the table and their roles for it.

use crate::model::review::{
    ImpactPreview, MAX_COMMENT_CHARS, ReviewQueueItem, Roles, VersionReview, VersionStatus,
};
use crate::model::rules::diff::diff_rules;
use crate::model::rulesets::{RuleSetDiff, RuleSetSummary};
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::jobs::JobRequest;
use crate::server::store::{AuditAction, RuleStore, Transition};
use serde_json::json;
use std::collections::BTreeMap;

/// Pending versions read for one queue at most.
pub const QUEUE_LIMIT: u32 = 200;

/// "members of dq-approvers", or that no group approves the table.
fn approvers_in_words(roles: &Roles) -> String {
    if roles.approver_groups.is_empty() {
        "no approver group covers this table (DQX_APPROVER_GROUPS)".into()
    } else {
        format!(
            "approvers are members of {}",
            roles.approver_groups.join(", ")
        )
    }
}

/// Why the caller may not approve (or reject) this version now, or `None` when they may.
pub fn approval_refusal(roles: &Roles, version: &RuleSetSummary) -> Option<String> {
    if version.status != VersionStatus::Pending {
        return Some(format!(
            "version {} is {}, not pending review",
            version.version,
            version.status.as_str()
        ));
    }
    if !roles.self_approval_allowed {
        let me = |who: &Option<String>| {
            who.as_deref()
                .is_some_and(|w| w.eq_ignore_ascii_case(&roles.email))
        };
        if me(&version.created_by) {
            return Some(format!(
                "you wrote this version; someone else must approve it (four-eyes: {})",
                approvers_in_words(roles)
            ));
        }
        if me(&version.submitted_by) {
            return Some(
                "you submitted this version; someone else must approve it (four-eyes)".into(),
            );
        }
    }
    if !roles.approver && !roles.admin {
        return Some(format!(
            "you are not an approver for {}; {}",
            version.table_name,
            approvers_in_words(roles)
        ));
    }
    None
}

/// Why the caller may not submit this version, or `None`.
pub fn submit_refusal(roles: &Roles, version: &RuleSetSummary) -> Option<String> {
    if version.status != VersionStatus::Draft {
        return Some(format!(
            "version {} is {}; only drafts are submitted",
            version.version,
            version.status.as_str()
        ));
    }
    let author = version.created_by.as_deref().unwrap_or_default();
    if !author.eq_ignore_ascii_case(&roles.email) && !roles.admin {
        return Some(format!(
            "only its author ({author}) or an admin may submit version {}",
            version.version
        ));
    }
    None
}

/// Submits a draft for review.
pub async fn submit(
    store: &dyn RuleStore,
    caller: &Caller,
    roles: &Roles,
    table: &str,
    version: i32,
) -> Result<RuleSetSummary, AppError> {
    let current = store.get(caller, table, Some(version)).await?.summary;
    if let Some(why) = submit_refusal(roles, &current) {
        return Err(refusal(why, &current));
    }
    let transition = Transition {
        table_name: table.to_string(),
        version,
        expected: VersionStatus::Draft,
        to: VersionStatus::Pending,
        reason: None,
    };
    store.transition(caller, &transition).await
}

/// A refusal: a status that moved on is a conflict, anything else is not the caller's to do.
fn refusal(why: String, current: &RuleSetSummary) -> AppError {
    if current.status == VersionStatus::Pending || current.status == VersionStatus::Draft {
        AppError::PermissionDenied(why)
    } else {
        AppError::Conflict(why)
    }
}

/// Approves (or, with a reason, rejects) a pending version the caller saw as `expected`.
pub async fn decide(
    store: &dyn RuleStore,
    caller: &Caller,
    roles: &Roles,
    table: &str,
    version: i32,
    expected: VersionStatus,
    rejection: Option<String>,
) -> Result<RuleSetSummary, AppError> {
    let to = if rejection.is_some() {
        VersionStatus::Rejected
    } else {
        VersionStatus::Approved
    };
    let transition = Transition {
        table_name: table.to_string(),
        version,
        expected,
        to,
        reason: rejection,
    };
    transition.check_legal()?;
    let current = store.get(caller, table, Some(version)).await?.summary;
    if current.status != expected {
        // The store's compare-and-set says who moved it and when.
        return store.transition(caller, &transition).await;
    }
    if let Some(why) = approval_refusal(roles, &current) {
        return Err(AppError::PermissionDenied(why));
    }
    store.transition(caller, &transition).await
}

/// A reason or comment within its bound, or why not.
pub fn bounded_text(what: &str, text: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::BadRequest(format!("{what} is required")));
    }
    let chars = text.chars().count();
    if chars > MAX_COMMENT_CHARS {
        return Err(AppError::BadRequest(format!(
            "{what} has {chars} characters; at most {MAX_COMMENT_CHARS} are kept — shorten it"
        )));
    }
    Ok(text.to_string())
}

/// Adds a comment to a version's review thread.
pub async fn comment(
    store: &dyn RuleStore,
    caller: &Caller,
    table: &str,
    version: i32,
    text: &str,
) -> Result<(), AppError> {
    let text = bounded_text("a comment", text)?;
    store.get(caller, table, Some(version)).await?;
    store
        .audit(
            caller,
            AuditAction::Comment,
            table,
            Some(version),
            Some(json!({ "text": text })),
        )
        .await
}

/// The review page of one version: the version, its diff against the active one, its thread,
/// the newest stored impact preview, and what the caller may do.
pub async fn detail(
    store: &dyn RuleStore,
    caller: &Caller,
    roles: Roles,
    table: &str,
    version: i32,
) -> Result<VersionReview, AppError> {
    let set = store.get(caller, table, Some(version)).await?;
    let active = match store.get(caller, table, None).await {
        Ok(active) => Some(active),
        Err(AppError::NotFound(_)) => None,
        Err(other) => return Err(other),
    };
    let before = active.as_ref().map(|a| a.rules.clone()).unwrap_or_default();
    let (added, removed, changed, unchanged) = diff_rules(&before, &set.rules);
    let diff = RuleSetDiff {
        table_name: table.to_string(),
        from: active.as_ref().map_or(0, |a| a.summary.version),
        to: version,
        added,
        removed,
        changed,
        unchanged,
    };
    let thread = store.version_trail(caller, table, version).await?;
    let preview = store.latest_preview(caller, table, version).await?;
    let cannot_approve_because = approval_refusal(&roles, &set.summary);
    let can_submit = submit_refusal(&roles, &set.summary).is_none();
    Ok(VersionReview {
        active_version: active.map(|a| a.summary.version),
        diff,
        thread,
        preview,
        can_approve: cannot_approve_because.is_none(),
        cannot_approve_because,
        can_submit,
        roles,
        version: set,
    })
}

/// Pending versions of tables the caller may read (proved as the caller), that they may
/// approve or wrote, each saying whether they may approve it.
pub async fn queue(
    store: &dyn RuleStore,
    workspace: &dyn crate::server::workspace::Workspace,
    review: &super::ReviewService,
    caller: &Caller,
) -> Result<Vec<ReviewQueueItem>, AppError> {
    let pending = store.pending(caller, QUEUE_LIMIT).await?;
    let mut seen: BTreeMap<String, Option<Roles>> = BTreeMap::new();
    let mut items = Vec::new();
    for summary in pending {
        if !seen.contains_key(&summary.table_name) {
            let roles = match TableName::parse(&summary.table_name) {
                Ok(name) if workspace.probe_read(caller, &name).await.is_ok() => {
                    Some(review.roles(caller, Some(&name)).await?)
                }
                _ => None,
            };
            seen.insert(summary.table_name.clone(), roles);
        }
        let Some(Some(roles)) = seen.get(&summary.table_name) else {
            continue;
        };
        let mine = summary
            .created_by
            .as_deref()
            .is_some_and(|w| w.eq_ignore_ascii_case(&caller.email));
        if !(roles.approver || roles.admin || mine) {
            continue;
        }
        let cannot_approve_because = approval_refusal(roles, &summary);
        items.push(ReviewQueueItem {
            can_approve: cannot_approve_because.is_none(),
            cannot_approve_because,
            summary,
        });
    }
    Ok(items)
}

/// The run that previews `version` against the active version on `sample_rows` rows.
pub async fn impact_request(
    store: &dyn RuleStore,
    caller: &Caller,
    table: &TableName,
    version: i32,
    sample_rows: u64,
) -> Result<JobRequest, AppError> {
    let name = table.to_string();
    let set = store.get(caller, &name, Some(version)).await?;
    let active = match store.get(caller, &name, None).await {
        Ok(active) => Some(active),
        Err(AppError::NotFound(_)) => None,
        Err(other) => return Err(other),
    };
    let before = active.as_ref().map(|a| a.rules.clone()).unwrap_or_default();
    let (added, removed, changed, _) = diff_rules(&before, &set.rules);
    let mut changes = BTreeMap::new();
    let name_of = crate::model::rules::diff::rule_key;
    for rule in &added {
        changes.insert(name_of(rule), "added".to_string());
    }
    for rule in &removed {
        changes.insert(name_of(rule), "removed".to_string());
    }
    for change in &changed {
        changes.insert(change.name.clone(), "changed".to_string());
    }
    Ok(JobRequest::Impact {
        table: table.clone(),
        version,
        against_version: active.map(|a| a.summary.version),
        before,
        after: set.rules,
        changes,
        sample_rows,
    })
}

/// The preview as it is kept with the review: counts only. Row values are shown to whoever ran
/// the preview (read as them); another reviewer may not be allowed to see them.
pub fn kept_preview(preview: &ImpactPreview) -> ImpactPreview {
    let mut kept = preview.clone();
    kept.start_failing_samples.clear();
    kept.stop_failing_samples.clear();
    for rule in &mut kept.rules {
        rule.samples.clear();
    }
    kept
}
