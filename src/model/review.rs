//! Review of rule-set versions as the store, the server functions and the UI see them: a
//! version's status (draft → pending → approved / rejected), the caller's roles for a table, the
//! review queue, and the change-impact preview a reviewer reads before approving.

use super::rulesets::{AuditEvent, RuleSet, RuleSetDiff, RuleSetSummary};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Rows an impact preview reads by default, and at most.
pub const DEFAULT_PREVIEW_ROWS: u64 = 10_000;
/// The version a registry change's per-table preview is filed under: no saved version of the
/// table (versions start at 1), so it is never kept with a table's review.
pub const REGISTRY_PREVIEW_VERSION: i32 = 0;
pub const MAX_PREVIEW_ROWS: u64 = 100_000;
/// Longest comment or rejection reason, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;
/// Rows that start (or stop) failing shown in a preview, per rule and overall.
pub const PREVIEW_SAMPLE_ROWS: usize = 5;

/// Where a version is in its review. Versions saved before review existed (and those the older
/// app wrote) carry no status and count as approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VersionStatus {
    Draft,
    Pending,
    #[default]
    Approved,
    Rejected,
}

impl VersionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Pending => "pending",
            VersionStatus::Approved => "approved",
            VersionStatus::Rejected => "rejected",
        }
    }

    /// The stored text read back; none (an older row) or anything unknown is approved.
    pub fn from_stored(text: Option<&str>) -> Self {
        match text.map(str::trim) {
            Some("draft") => VersionStatus::Draft,
            Some("pending") => VersionStatus::Pending,
            Some("rejected") => VersionStatus::Rejected,
            _ => VersionStatus::Approved,
        }
    }

    /// How the UI names it.
    pub fn label(self) -> &'static str {
        match self {
            VersionStatus::Draft => "Draft",
            VersionStatus::Pending => "Pending review",
            VersionStatus::Approved => "Approved",
            VersionStatus::Rejected => "Rejected",
        }
    }
}

/// What the caller may do for a table (or in general), and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Roles {
    pub email: String,
    /// The caller's groups, as the workspace (or the local file) lists them.
    pub groups: Vec<String>,
    /// The table asked about, when one was.
    pub table: Option<String>,
    /// Anyone who may read the table may author rule sets for it.
    pub author: bool,
    /// Named an approver for the table (or anywhere, without a table).
    pub approver: bool,
    pub admin: bool,
    /// Whether saves of the table go through review (an approver group covers it).
    pub review_required: bool,
    /// `DQX_ALLOW_SELF_APPROVAL=true`: authors may approve their own versions.
    pub self_approval_allowed: bool,
    /// The approver groups that cover the table, for "ask someone in …".
    pub approver_groups: Vec<String>,
}

/// The facts of one version that decide who may move it: read from the row inside the
/// transaction that moves it, never from an earlier read.
#[derive(Debug, Clone, Copy)]
pub struct ReviewFacts<'a> {
    pub table: &'a str,
    pub version: i32,
    pub status: VersionStatus,
    pub created_by: Option<&'a str>,
    pub submitted_by: Option<&'a str>,
}

impl<'a> ReviewFacts<'a> {
    /// The facts as a summary shows them (for what a page offers; the store decides again).
    pub fn of(summary: &'a RuleSetSummary) -> Self {
        Self {
            table: &summary.table_name,
            version: summary.version,
            status: summary.status,
            created_by: summary.created_by.as_deref(),
            submitted_by: summary.submitted_by.as_deref(),
        }
    }
}

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

/// Why `roles` may not approve (or reject) the version now, or `None` when they may.
pub fn approval_refusal(roles: &Roles, version: &ReviewFacts<'_>) -> Option<String> {
    if version.status != VersionStatus::Pending {
        return Some(format!(
            "version {} is {}, not pending review",
            version.version,
            version.status.as_str()
        ));
    }
    if !roles.self_approval_allowed {
        let me = |who: Option<&str>| who.is_some_and(|w| w.eq_ignore_ascii_case(&roles.email));
        if me(version.created_by) {
            return Some(format!(
                "you wrote this version; someone else must approve it (four-eyes: {})",
                approvers_in_words(roles)
            ));
        }
        if me(version.submitted_by) {
            return Some(
                "you submitted this version; someone else must approve it (four-eyes)".into(),
            );
        }
    }
    if !roles.approver && !roles.admin {
        return Some(format!(
            "you are not an approver for {}; {}",
            version.table,
            approvers_in_words(roles)
        ));
    }
    None
}

/// Why `roles` may not submit the version, or `None`.
pub fn submit_refusal(roles: &Roles, version: &ReviewFacts<'_>) -> Option<String> {
    if version.status != VersionStatus::Draft {
        return Some(format!(
            "version {} is {}; only drafts are submitted",
            version.version,
            version.status.as_str()
        ));
    }
    let author = version.created_by.unwrap_or_default();
    if !author.eq_ignore_ascii_case(&roles.email) && !roles.admin {
        return Some(format!(
            "only its author ({author}) or an admin may submit version {}",
            version.version
        ));
    }
    None
}

/// One pending version in the review queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewQueueItem {
    #[serde(flatten)]
    pub summary: RuleSetSummary,
    /// Whether the caller may approve it, and why not when not.
    pub can_approve: bool,
    pub cannot_approve_because: Option<String>,
}

/// Everything the Review page shows for one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionReview {
    pub version: RuleSet,
    /// The version active now, which this one would replace.
    pub active_version: Option<i32>,
    /// How this version differs from the active one (from an empty set when none is active).
    pub diff: RuleSetDiff,
    /// Submit, approve, reject and comment entries for this version, oldest first.
    pub thread: Vec<AuditEvent>,
    /// The newest stored impact preview of this version, if one was run and the caller may see
    /// it.
    pub preview: Option<ImpactPreview>,
    /// Why a stored preview is not shown to the caller.
    #[serde(default)]
    pub preview_hidden: Option<String>,
    pub roles: Roles,
    pub can_approve: bool,
    pub cannot_approve_because: Option<String>,
    pub can_submit: bool,
}

/// What a change does to one rule's results on the sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleImpact {
    pub rule_name: String,
    /// `added`, `removed`, `changed` or `unchanged`.
    pub change: String,
    /// Rows the rule flags on the sample under the active version (`None`: not in it).
    pub violations_before: Option<u64>,
    pub violations_after: Option<u64>,
    /// Rows the rule flags under the new version and not under the active one, and back.
    pub rows_start_failing: u64,
    pub rows_stop_failing: u64,
    /// A few rows that start failing under this rule (values as text, plus `_message`).
    pub samples: Vec<Map<String, Value>>,
    /// Why the rule could not run on the sample, when it could not.
    #[serde(default)]
    pub skipped: Option<String>,
}

/// The change-impact preview: the pending version and the active one run on the same fixed
/// sample of the table, as the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactPreview {
    pub table_name: String,
    pub version: i32,
    /// The active version compared against (`None`: nothing was active, so every rule is new).
    pub against_version: Option<i32>,
    /// The rows asked for and the rows the sample held.
    pub sample_rows: u64,
    pub rows_checked: u64,
    /// How the sample was chosen, in words.
    pub sample: String,
    pub invalid_before: u64,
    pub invalid_after: u64,
    pub pass_rate_before: f64,
    pub pass_rate_after: f64,
    /// Rows with an error under the new version and none under the active one, and back.
    pub rows_start_failing: u64,
    pub rows_stop_failing: u64,
    pub start_failing_samples: Vec<Map<String, Value>>,
    pub stop_failing_samples: Vec<Map<String, Value>>,
    pub rules: Vec<RuleImpact>,
    /// RFC 3339, UTC, and who ran it.
    pub computed_at: String,
    pub computed_by: String,
    pub duration_ms: u64,
    /// Tables besides the previewed one that the rules it ran read (a kept preview is shown
    /// only to callers who may read all of them); `None` in a preview kept before they were
    /// recorded, shown only to whoever ran it.
    #[serde(default)]
    pub reads: Option<Vec<String>>,
}

/// The `expected_status` a transition carries, parsed from its text.
pub fn parse_status(text: &str) -> Result<VersionStatus, String> {
    match text.trim() {
        "draft" => Ok(VersionStatus::Draft),
        "pending" => Ok(VersionStatus::Pending),
        "approved" => Ok(VersionStatus::Approved),
        "rejected" => Ok(VersionStatus::Rejected),
        other => Err(format!(
            "'{other}' is not a version status; use draft, pending, approved or rejected"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_without_a_status_count_as_approved() {
        assert_eq!(VersionStatus::from_stored(None), VersionStatus::Approved);
        assert_eq!(
            VersionStatus::from_stored(Some("pending")),
            VersionStatus::Pending
        );
        assert_eq!(
            VersionStatus::from_stored(Some(VersionStatus::Draft.as_str())),
            VersionStatus::Draft
        );
    }

    #[test]
    fn a_bad_expected_status_names_the_choices() {
        let err = parse_status("done").unwrap_err();
        assert!(
            err.contains("draft, pending, approved or rejected"),
            "{err}"
        );
        assert_eq!(parse_status(" pending "), Ok(VersionStatus::Pending));
    }
}
