//! The review actions behind the server functions: submit, approve (four-eyes), reject (with a
//! reason), comment, the review queue, one version's review page, and the impact-preview run
//! request. Each takes a caller already proved able to read the table and their roles for it.

use crate::model::review::{
    MAX_COMMENT_CHARS, ReviewFacts, ReviewQueueItem, Roles, VersionReview, VersionStatus,
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
/// Versions one person may have waiting for review at once.
pub const MAX_PENDING_PER_USER: usize = 20;

/// Why the caller may not approve (or reject) this version as the summary shows it, or `None`.
pub fn approval_refusal(roles: &Roles, version: &RuleSetSummary) -> Option<String> {
    crate::model::review::approval_refusal(roles, &ReviewFacts::of(version))
}

/// Why the caller may not submit this version as the summary shows it, or `None`.
pub fn submit_refusal(roles: &Roles, version: &RuleSetSummary) -> Option<String> {
    crate::model::review::submit_refusal(roles, &ReviewFacts::of(version))
}

/// Submits a draft for review. Who may submit is decided by the store on the row it reads
/// under the table's lock (`Transition::actor`), not on an earlier read.
pub async fn submit(
    store: &dyn RuleStore,
    caller: &Caller,
    roles: &Roles,
    table: &str,
    version: i32,
) -> Result<RuleSetSummary, AppError> {
    let waiting = store
        .pending(caller, QUEUE_LIMIT)
        .await?
        .iter()
        .filter(|s| {
            s.submitted_by
                .as_deref()
                .is_some_and(|who| who.eq_ignore_ascii_case(&caller.email))
        })
        .count();
    if waiting >= MAX_PENDING_PER_USER {
        return Err(AppError::BadRequest(format!(
            "you have {waiting} versions waiting for review, the most one person may have ({MAX_PENDING_PER_USER}); wait for reviewers to decide on some of them before submitting more"
        )));
    }
    let transition = Transition {
        table_name: table.to_string(),
        version,
        expected: VersionStatus::Draft,
        to: VersionStatus::Pending,
        reason: None,
        actor: roles.clone(),
    };
    store.transition(caller, &transition).await
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
        actor: roles.clone(),
    };
    // Four-eyes and the approver role are checked by the store on the row it reads under the
    // table's lock: a read here could be overtaken by a submit before the write.
    transition.check_legal()?;
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
    let comments = store
        .version_trail(caller, table, version)
        .await?
        .iter()
        .filter(|e| e.action == AuditAction::Comment.as_str())
        .count();
    if comments as i64 >= crate::server::store::MAX_COMMENTS {
        return Err(AppError::BadRequest(format!(
            "version {version} of {table} already has {comments} comments, the most one version keeps ({}); decide on it, or save a new version to go on discussing",
            crate::server::store::MAX_COMMENTS
        )));
    }
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
/// the newest stored impact preview (when the caller may see it: `kept`), and what the caller
/// may do.
pub async fn detail(
    store: &dyn RuleStore,
    workspace: &dyn crate::server::workspace::Workspace,
    review: &super::ReviewService,
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
    let (preview, preview_hidden) = match store.latest_preview(caller, table, version).await? {
        None => (None, None),
        Some(kept) => {
            match super::kept::visible_preview(&review.readable, workspace, caller, kept).await {
                Ok(shown) => (Some(shown), None),
                Err(why) => (None, Some(why)),
            }
        }
    };
    let cannot_approve_because = approval_refusal(&roles, &set.summary);
    let can_submit = submit_refusal(&roles, &set.summary).is_none();
    Ok(VersionReview {
        active_version: active.map(|a| a.summary.version),
        diff,
        thread,
        preview,
        preview_hidden,
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
    // Which tables wait for review, which of them the caller may read (asked as them), and
    // only then their versions: a store that shows rows to proven readers shows those.
    let tables = store.pending_tables(caller, QUEUE_LIMIT).await?;
    let readable = review
        .readable
        .prove(store, workspace, caller, tables)
        .await?;
    let pending = store.pending(caller, QUEUE_LIMIT).await?;
    let mut seen: BTreeMap<String, Roles> = BTreeMap::new();
    let mut items = Vec::new();
    for summary in pending {
        if readable.get(&summary.table_name) != Some(&true) {
            continue;
        }
        if !seen.contains_key(&summary.table_name) {
            let Ok(name) = TableName::parse(&summary.table_name) else {
                continue;
            };
            seen.insert(
                summary.table_name.clone(),
                review.roles(caller, Some(&name)).await?,
            );
        }
        let Some(roles) = seen.get(&summary.table_name) else {
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
    let authors = crate::server::jobs::withhold::Authors {
        version: set.summary.created_by.clone(),
        active: active.as_ref().and_then(|a| a.summary.created_by.clone()),
    };
    Ok(JobRequest::Impact {
        table: table.clone(),
        version,
        against_version: active.map(|a| a.summary.version),
        before,
        after: set.rules,
        changes,
        sample_rows,
        authors,
    })
}
