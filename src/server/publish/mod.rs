//! Publishing active rule sets where DQX's own `load_checks` reads them: when a version becomes
//! active (approved, or saved where no review applies) it is written to every configured target
//! as the user who made it active — locally a YAML file per table under
//! `$DQX_DATA_DIR/published/`, and a DQX-format Lakebase table (`DQX_PUBLISH_LAKEBASE`). Rows and
//! files carry DQX's own fingerprints; a target that already holds the rule set writes nothing;
//! a failing target is tried again and the outcome of every target is audited.

pub mod lakebase;
pub mod local;
pub mod volume;

use crate::model::rules::ResolvedRule;
use crate::model::rules::fingerprint::rule_set_fingerprint;
use crate::model::rules::validate::validate_rule_set;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::store::{AuditAction, RuleStore};
use serde::Serialize;
use serde_json::{Value, json};
use std::time::Duration;

/// Attempts per target, and the pause before each retry.
pub const ATTEMPTS: usize = 3;
const RETRY_PAUSE: Duration = Duration::from_millis(250);

/// One version's rules as a target writes them.
pub struct Publication {
    pub table: String,
    pub version: i32,
    /// The rules as saved (compact: `for_each_column` kept).
    pub rules: Vec<Value>,
    /// Expanded and resolved, for names and fingerprints.
    pub expanded: Vec<ResolvedRule>,
    pub rule_set_fingerprint: String,
}

impl Publication {
    pub fn new(table: &str, version: i32, rules: Vec<Value>) -> Self {
        let expanded = validate_rule_set(&Value::Array(rules.clone()), None).rules;
        Self {
            table: table.to_string(),
            version,
            rule_set_fingerprint: rule_set_fingerprint(&expanded),
            rules,
            expanded,
        }
    }
}

/// What one target did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Written,
    /// The target already held this rule set as its newest.
    Unchanged,
}

/// A place DQX loads checks from.
#[async_trait::async_trait]
pub trait PublishTarget: Send + Sync {
    /// Where, in words ("lakebase dqx.public.checks").
    fn describe(&self, table: &str) -> String;
    /// Writes the publication as `caller`.
    async fn publish(
        &self,
        caller: &Caller,
        publication: &Publication,
    ) -> Result<Outcome, AppError>;
}

/// One target's result, as audited and shown.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub target: String,
    pub outcome: Option<Outcome>,
    pub error: Option<String>,
    pub attempts: usize,
}

/// Every target's result for one version.
#[derive(Debug, Clone, Serialize)]
pub struct PublishReport {
    pub version: i32,
    pub rule_set_fingerprint: String,
    pub targets: Vec<TargetReport>,
}

impl PublishReport {
    /// "published to 2 of 2 targets", or what failed.
    pub fn summary(&self) -> String {
        let done = self.targets.iter().filter(|t| t.outcome.is_some()).count();
        let mut text = format!("published to {done} of {} targets", self.targets.len());
        for failed in self.targets.iter().filter(|t| t.error.is_some()) {
            text.push_str(&format!(
                "; {} failed: {}",
                failed.target,
                failed.error.as_deref().unwrap_or_default()
            ));
        }
        text
    }
}

/// The configured targets.
#[derive(Default)]
pub struct Publisher {
    pub targets: Vec<Box<dyn PublishTarget>>,
}

impl Publisher {
    /// Publishes the table's active version to every target and audits the outcome. Never
    /// fails the action that made the version active: failures are in the report and the audit.
    pub async fn publish_active(
        &self,
        store: &dyn RuleStore,
        caller: &Caller,
        table: &str,
    ) -> Option<PublishReport> {
        if self.targets.is_empty() {
            return None;
        }
        let active = match store.get(caller, table, None).await {
            Ok(active) => active,
            Err(error) => {
                tracing::warn!(request_id = %caller.request_id, %error, table, "nothing published: the active version could not be read");
                return None;
            }
        };
        let publication = Publication::new(table, active.summary.version, active.rules);
        let mut targets = Vec::new();
        for target in &self.targets {
            targets.push(publish_with_retries(target.as_ref(), caller, &publication).await);
        }
        let report = PublishReport {
            version: publication.version,
            rule_set_fingerprint: publication.rule_set_fingerprint.clone(),
            targets,
        };
        let detail = json!({"summary": report.summary(), "report": report});
        if let Err(error) = store
            .audit(
                caller,
                AuditAction::Publish,
                table,
                Some(publication.version),
                Some(detail),
            )
            .await
        {
            tracing::warn!(request_id = %caller.request_id, %error, table, "publish not audited");
        }
        Some(report)
    }
}

async fn publish_with_retries(
    target: &dyn PublishTarget,
    caller: &Caller,
    publication: &Publication,
) -> TargetReport {
    let name = target.describe(&publication.table);
    let mut last = None;
    for attempt in 1..=ATTEMPTS {
        match target.publish(caller, publication).await {
            Ok(outcome) => {
                return TargetReport {
                    target: name,
                    outcome: Some(outcome),
                    error: None,
                    attempts: attempt,
                };
            }
            Err(error) => {
                tracing::warn!(request_id = %caller.request_id, %error, target = %name, attempt, "publishing failed");
                last = Some(error.user_message());
                if attempt < ATTEMPTS {
                    tokio::time::sleep(RETRY_PAUSE * attempt as u32).await;
                }
            }
        }
    }
    TargetReport {
        target: name,
        outcome: None,
        error: last,
        attempts: ATTEMPTS,
    }
}
