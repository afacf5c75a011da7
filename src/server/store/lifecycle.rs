//! A version's review transitions as both backends make them: which moves are legal, the SQL
//! they share, the compare-and-set on the status the caller saw (a stale one is a 409 that says
//! who moved it and when), and the audit entry written in the same transaction.

use super::AuditAction;
use super::rows::now;
use crate::model::review::{ReviewFacts, Roles, VersionStatus, approval_refusal, submit_refusal};
use crate::server::error::AppError;
use chrono::NaiveDateTime;

/// One move of a version through review.
#[derive(Debug, Clone)]
pub struct Transition {
    pub table_name: String,
    pub version: i32,
    /// The status the caller saw; the move happens only if the version still has it.
    pub expected: VersionStatus,
    pub to: VersionStatus,
    /// The rejection reason (required for a rejection).
    pub reason: Option<String>,
    /// The mover's roles for the table: who may submit or decide is checked against the row
    /// read under the table's lock, in the transaction that writes the move.
    pub actor: Roles,
}

impl Transition {
    /// The audit action this move is recorded as.
    pub fn action(&self) -> AuditAction {
        match self.to {
            VersionStatus::Pending => AuditAction::Submit,
            VersionStatus::Approved => AuditAction::Approve,
            _ => AuditAction::Reject,
        }
    }

    /// Refuses moves review does not have: draft → pending, pending → approved or rejected.
    pub fn check_legal(&self) -> Result<(), AppError> {
        let legal = matches!(
            (self.expected, self.to),
            (VersionStatus::Draft, VersionStatus::Pending)
                | (VersionStatus::Pending, VersionStatus::Approved)
                | (VersionStatus::Pending, VersionStatus::Rejected)
        );
        if legal {
            Ok(())
        } else {
            Err(AppError::BadRequest(format!(
                "a version cannot go from {} to {}: drafts are submitted, pending versions are approved or rejected",
                self.expected.as_str(),
                self.to.as_str()
            )))
        }
    }
}

/// The review columns of one version, read under the transaction's lock.
#[derive(Debug, sqlx::FromRow)]
pub struct ReviewState {
    pub status: Option<String>,
    pub created_by: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
}

pub const SELECT_STATE: &str = "SELECT status, created_by, created_at, submitted_by, submitted_at, reviewed_by, reviewed_at FROM dq_rules_events WHERE table_name = $1 AND version = $2";
/// `$1` table: no version of it is active any more.
pub const DEACTIVATE: &str =
    "UPDATE dq_rules_events SET is_active = $2 WHERE table_name = $1 AND is_active";
/// `$1` table, `$2` version, `$3` expected status, `$4` who, `$5` when.
pub const SUBMIT: &str = "UPDATE dq_rules_events SET status = 'pending', submitted_by = $4, submitted_at = $5 WHERE table_name = $1 AND version = $2 AND COALESCE(status, 'approved') = $3";
/// `$6`: active (true).
pub const APPROVE: &str = "UPDATE dq_rules_events SET status = 'approved', is_active = $6, reviewed_by = $4, reviewed_at = $5 WHERE table_name = $1 AND version = $2 AND COALESCE(status, 'approved') = $3";
/// `$6`: the reason.
pub const REJECT: &str = "UPDATE dq_rules_events SET status = 'rejected', reviewed_by = $4, reviewed_at = $5, review_reason = $6 WHERE table_name = $1 AND version = $2 AND COALESCE(status, 'approved') = $3";
pub const INSERT_AUDIT: &str = "INSERT INTO dq_audit_events (id, at, actor, action, table_name, version, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub const PENDING: &str =
    "WHERE status = 'pending' ORDER BY submitted_at, table_name, version LIMIT $1";
/// A version's audit events other than comments (its transitions and publishes), the oldest `$3`.
pub const VERSION_EVENTS: &str =
    "WHERE table_name = $1 AND version = $2 AND action <> 'comment' ORDER BY at, action LIMIT $3";
/// A version's newest `$4` comments.
pub const VERSION_COMMENTS: &str =
    "WHERE table_name = $1 AND version = $2 AND action = 'comment' ORDER BY at DESC LIMIT $4";
/// Kept once per run (`$7` the run id).
pub const INSERT_PREVIEW: &str = "INSERT INTO dq_impact_previews (id, table_name, version, computed_by, computed_at, result, run_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (run_id) DO NOTHING";
pub const LATEST_PREVIEW: &str = "SELECT result FROM dq_impact_previews WHERE table_name = $1 AND version = $2 ORDER BY computed_at DESC LIMIT 1";

/// The statement that makes the move (its extra bind follows the common five).
pub fn update_sql(to: VersionStatus) -> &'static str {
    match to {
        VersionStatus::Pending => SUBMIT,
        VersionStatus::Approved => APPROVE,
        _ => REJECT,
    }
}

/// Refuses the move when the version is gone or has moved on since the caller saw it.
pub fn check_current(transition: &Transition, state: Option<&ReviewState>) -> Result<(), AppError> {
    let Some(state) = state else {
        return Err(super::rows::no_version(
            &transition.table_name,
            Some(transition.version),
        ));
    };
    let current = VersionStatus::from_stored(state.status.as_deref());
    if current == transition.expected {
        return Ok(());
    }
    let (who, at) = match current {
        VersionStatus::Approved | VersionStatus::Rejected => {
            (state.reviewed_by.as_deref(), state.reviewed_at)
        }
        VersionStatus::Pending => (state.submitted_by.as_deref(), state.submitted_at),
        VersionStatus::Draft => (state.created_by.as_deref(), state.created_at),
    };
    let verb = match current {
        VersionStatus::Approved => "approved",
        VersionStatus::Rejected => "rejected",
        VersionStatus::Pending => "submitted",
        VersionStatus::Draft => "saved as a draft",
    };
    let by = match (who, at) {
        (Some(who), Some(at)) => format!(" ({verb} by {who} {})", ago(at, now())),
        (Some(who), None) => format!(" ({verb} by {who})"),
        _ => String::new(),
    };
    Err(AppError::Conflict(format!(
        "version {} of {} is {}{by}, not {}; nothing was changed — reload to see where it is",
        transition.version,
        transition.table_name,
        current.as_str(),
        transition.expected.as_str()
    )))
}

/// Refuses the move when the actor may not make it on the version as it is now (read under the
/// lock): only its author (or an admin) submits; an approver other than its author and
/// submitter decides (four-eyes).
pub fn check_allowed(transition: &Transition, state: &ReviewState) -> Result<(), AppError> {
    let facts = ReviewFacts {
        table: &transition.table_name,
        version: transition.version,
        status: VersionStatus::from_stored(state.status.as_deref()),
        created_by: state.created_by.as_deref(),
        submitted_by: state.submitted_by.as_deref(),
    };
    let refusal = match transition.to {
        VersionStatus::Pending => submit_refusal(&transition.actor, &facts),
        _ => approval_refusal(&transition.actor, &facts),
    };
    match refusal {
        Some(why) => Err(AppError::PermissionDenied(why)),
        None => Ok(()),
    }
}

/// "just now", "2 minutes ago", "3 hours ago", "5 days ago".
pub fn ago(at: NaiveDateTime, now: NaiveDateTime) -> String {
    let seconds = (now - at).num_seconds().max(0);
    let (n, unit) = match seconds {
        0..=59 => return "just now".into(),
        60..=3_599 => (seconds / 60, "minute"),
        3_600..=86_399 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// The audit entry's detail for a move.
pub fn audit_detail(transition: &Transition) -> serde_json::Value {
    serde_json::json!({
        "from": transition.expected.as_str(),
        "to": transition.to.as_str(),
        "reason": transition.reason,
    })
}

/// Runs a transition inside an open transaction `$tx` of either backend: reads the version,
/// checks the status, deactivates the table's active version when approving, moves the version
/// and writes the audit entry. `$id` makes a new row id of the backend's type.
macro_rules! run_transition {
    ($tx:expr, $transition:expr, $actor:expr, $id:expr) => {{
        use $crate::server::store::lifecycle as lc;
        let t: &lc::Transition = $transition;
        let state: Option<lc::ReviewState> = sqlx::query_as(lc::SELECT_STATE)
            .bind(&t.table_name)
            .bind(t.version)
            .fetch_optional(&mut *$tx)
            .await
            .map_err(lc::StoreFailure::Db)?;
        lc::check_current(t, state.as_ref()).map_err(lc::StoreFailure::App)?;
        if let Some(state) = state.as_ref() {
            lc::check_allowed(t, state).map_err(lc::StoreFailure::App)?;
        }
        let at = $crate::server::store::rows::now();
        if t.to == $crate::model::review::VersionStatus::Approved {
            sqlx::query(lc::DEACTIVATE)
                .bind(&t.table_name)
                .bind(false)
                .execute(&mut *$tx)
                .await
                .map_err(lc::StoreFailure::Db)?;
        }
        let update = sqlx::query(lc::update_sql(t.to))
            .bind(&t.table_name)
            .bind(t.version)
            .bind(t.expected.as_str())
            .bind($actor)
            .bind(at);
        let update = match t.to {
            $crate::model::review::VersionStatus::Approved => update.bind(true),
            $crate::model::review::VersionStatus::Rejected => update.bind(t.reason.clone()),
            _ => update,
        };
        update
            .execute(&mut *$tx)
            .await
            .map_err(lc::StoreFailure::Db)?;
        sqlx::query(lc::INSERT_AUDIT)
            .bind($id)
            .bind(at)
            .bind($actor)
            .bind(t.action().as_str())
            .bind(&t.table_name)
            .bind(t.version)
            .bind(sqlx::types::Json(lc::audit_detail(t)))
            .execute(&mut *$tx)
            .await
            .map_err(lc::StoreFailure::Db)?;
    }};
}
pub(crate) use run_transition;

/// A transition's failure inside a transaction: the store's own refusal, or the database's.
#[derive(Debug)]
pub enum StoreFailure {
    App(AppError),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for StoreFailure {
    fn from(err: sqlx::Error) -> Self {
        StoreFailure::Db(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transition(expected: VersionStatus, to: VersionStatus) -> Transition {
        Transition {
            table_name: "main.sales.customers".into(),
            version: 3,
            expected,
            to,
            reason: None,
            actor: Roles::default(),
        }
    }

    fn approver(email: &str) -> Roles {
        Roles {
            email: email.into(),
            approver: true,
            ..Roles::default()
        }
    }

    fn pending_by(author: &str, submitter: &str) -> ReviewState {
        ReviewState {
            status: Some("pending".into()),
            created_by: Some(author.into()),
            created_at: None,
            submitted_by: Some(submitter.into()),
            submitted_at: None,
            reviewed_by: None,
            reviewed_at: None,
        }
    }

    #[test]
    fn the_row_read_under_the_lock_decides_who_may_approve() {
        let approve = |who: &str| Transition {
            actor: approver(who),
            ..transition(VersionStatus::Pending, VersionStatus::Approved)
        };
        let row = pending_by("bob@example.com", "bob@example.com");
        let own = check_allowed(&approve("BOB@example.com"), &row).unwrap_err();
        assert!(matches!(own, AppError::PermissionDenied(_)), "{own:?}");
        assert!(own.to_string().contains("four-eyes"), "{own}");
        let submitted = pending_by("alice@example.com", "bob@example.com");
        assert!(check_allowed(&approve("bob@example.com"), &submitted).is_err());
        assert!(check_allowed(&approve("carol@example.com"), &row).is_ok());
        let not_approver = Transition {
            actor: Roles {
                email: "dave@example.com".into(),
                ..Roles::default()
            },
            ..approve("dave@example.com")
        };
        assert!(check_allowed(&not_approver, &row).is_err());
        let submit = Transition {
            actor: Roles {
                email: "carol@example.com".into(),
                ..Roles::default()
            },
            ..transition(VersionStatus::Draft, VersionStatus::Pending)
        };
        let draft = ReviewState {
            status: Some("draft".into()),
            ..pending_by("alice@example.com", "")
        };
        assert!(
            check_allowed(&submit, &draft).is_err(),
            "only the author submits"
        );
    }

    #[test]
    fn only_review_moves_are_legal() {
        assert!(
            transition(VersionStatus::Draft, VersionStatus::Pending)
                .check_legal()
                .is_ok()
        );
        assert!(
            transition(VersionStatus::Pending, VersionStatus::Approved)
                .check_legal()
                .is_ok()
        );
        assert!(
            transition(VersionStatus::Draft, VersionStatus::Approved)
                .check_legal()
                .is_err()
        );
        assert!(
            transition(VersionStatus::Approved, VersionStatus::Rejected)
                .check_legal()
                .is_err()
        );
    }

    #[test]
    fn a_stale_status_says_who_moved_it_and_when() {
        let t = transition(VersionStatus::Pending, VersionStatus::Approved);
        let state = ReviewState {
            status: Some("approved".into()),
            created_by: Some("alice@example.com".into()),
            created_at: None,
            submitted_by: None,
            submitted_at: None,
            reviewed_by: Some("carol@example.com".into()),
            reviewed_at: Some(now() - chrono::Duration::seconds(130)),
        };
        let err = check_current(&t, Some(&state)).unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)));
        let text = err.to_string();
        assert!(
            text.contains("approved by carol@example.com 2 minutes ago"),
            "{text}"
        );
        assert!(
            check_current(&t, None)
                .unwrap_err()
                .to_string()
                .contains("no saved version 3")
        );
    }

    #[test]
    fn ages_read_as_words() {
        let t0 = now();
        assert_eq!(ago(t0, t0), "just now");
        assert_eq!(ago(t0 - chrono::Duration::seconds(61), t0), "1 minute ago");
        assert_eq!(ago(t0 - chrono::Duration::hours(5), t0), "5 hours ago");
        assert_eq!(ago(t0 - chrono::Duration::days(2), t0), "2 days ago");
    }
}
