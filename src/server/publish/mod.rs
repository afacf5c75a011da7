//! Publishing active rule sets where DQX's own `load_checks` reads them: when a version becomes
//! active (approved, or saved where no review applies) it is written to every configured target
//! as the user who made it active — locally a YAML file per table under
//! `$DQX_DATA_DIR/published/`; in a workspace a DQX-format Lakebase table
//! (`DQX_PUBLISH_LAKEBASE`), a Unity Catalog Delta table (`DQX_PUBLISH_TABLE`) and a volume folder
//! (`DQX_PUBLISH_VOLUME`), each for the tables its scopes name. Rows and files carry DQX's own
//! fingerprints; a target that already holds the rule set writes nothing; a failing target is
//! tried again and the outcome of every target is audited.

pub mod config;
pub mod delta;
pub mod lakebase;
pub mod local;
pub mod rows;
pub mod volume;

use crate::model::rules::ResolvedRule;
use crate::model::rules::fingerprint::rule_set_fingerprint;
use crate::model::rules::validate::validate_rule_set;
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::scopes::Scopes;
use crate::server::store::{AuditAction, RuleStore};
use serde::Serialize;
use serde_json::{Value, json};
use std::time::Duration;

/// Attempts per target, and the pause before each retry.
pub const ATTEMPTS: usize = 3;
const RETRY_PAUSE: Duration = Duration::from_millis(250);

/// The version a table's publication carries when it has no own active version and only
/// inherits registry rules (or, with none, has its published checks cleared).
pub const INHERITED_ONLY: i32 = 0;

/// One version's rules as a target writes them.
pub struct Publication {
    pub table: String,
    pub version: i32,
    /// The rules as saved (compact: `for_each_column` kept).
    pub rules: Vec<Value>,
    /// Expanded and resolved, for names and fingerprints.
    pub expanded: Vec<ResolvedRule>,
    pub rule_set_fingerprint: String,
    /// The `run_config_name` DQX loads the rows under.
    pub run_config_name: String,
}

impl Publication {
    /// A publication of no rules: the target removes what it holds for the table (and writes
    /// nothing where it holds nothing).
    pub fn clears(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn new(table: &str, version: i32, rules: Vec<Value>, run_config_name: String) -> Self {
        let expanded = validate_rule_set(&Value::Array(rules.clone()), None).rules;
        Self {
            table: table.to_string(),
            version,
            run_config_name,
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

/// `DQX_PUBLISH_RUN_CONFIG_NAME`: the `run_config_name` rows are written under, a template of
/// `{table}` (the full name, the default), `{catalog}`, `{schema}` and `{name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunConfigName(String);

impl Default for RunConfigName {
    fn default() -> Self {
        Self("{table}".into())
    }
}

impl RunConfigName {
    /// Checks the template: not empty, only the four placeholders, and otherwise the characters
    /// DQX allows in a run config name (letters, digits, `_`, `.`, `-`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let template = text.trim();
        let mut rest = template.to_string();
        for placeholder in ["{table}", "{catalog}", "{schema}", "{name}"] {
            rest = rest.replace(placeholder, "");
        }
        if template.is_empty() || template.len() > 200 {
            return Err(
                "write a name of 1 to 200 characters, e.g. {table} or dq_{schema}_{name}".into(),
            );
        }
        if let Some(bad) = rest
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-')))
        {
            return Err(format!(
                "'{template}' holds '{bad}': use letters, digits, _ . - and the placeholders {{table}}, {{catalog}}, {{schema}}, {{name}}"
            ));
        }
        Ok(Self(template.to_string()))
    }

    /// The name for `table` (`catalog.schema.table`).
    pub fn for_table(&self, table: &str) -> String {
        let (catalog, schema, name) = match TableName::parse(table) {
            Ok(t) => (t.catalog, t.schema, t.table),
            Err(_) => (String::new(), String::new(), table.to_string()),
        };
        self.0
            .replace("{table}", table)
            .replace("{catalog}", &catalog)
            .replace("{schema}", &schema)
            .replace("{name}", &name)
    }
}

/// A target and the tables it is for.
pub struct ScopedTarget {
    pub scopes: Scopes,
    pub target: Box<dyn PublishTarget>,
}

/// The configured targets.
#[derive(Default)]
pub struct Publisher {
    pub targets: Vec<ScopedTarget>,
    pub run_config: RunConfigName,
}

impl Publisher {
    /// Adds `target` for the tables `scopes` name.
    pub fn add(&mut self, scopes: Scopes, target: impl PublishTarget + 'static) {
        self.targets.push(ScopedTarget {
            scopes,
            target: Box::new(target),
        });
    }

    /// Where `table`'s active version is published, in words.
    pub fn targets_for(&self, table: &str) -> Vec<&dyn PublishTarget> {
        let Ok(name) = TableName::parse(table) else {
            return Vec::new();
        };
        self.targets
            .iter()
            .filter(|t| t.scopes.covers(&name))
            .map(|t| t.target.as_ref())
            .collect()
    }

    /// Publishes the table's active version with the checks it `inherited` from registry
    /// bindings to every target and audits the outcome. Never fails the action that made the
    /// version active: failures are in the report and the audit.
    pub async fn publish_active(
        &self,
        store: &dyn RuleStore,
        caller: &Caller,
        table: &str,
        inherited: Vec<serde_json::Value>,
    ) -> Option<PublishReport> {
        if self.targets_for(table).is_empty() {
            return None;
        }
        match store.get(caller, table, None).await {
            Ok(mut active) => {
                active.rules.extend(inherited);
                Some(self.publish_version(store, caller, table, active).await)
            }
            // No own active version: the table's checks are the ones it inherits, and none
            // clears what an earlier publish left where pipelines load it.
            Err(AppError::NotFound(_)) => Some(
                self.publish_rules(store, caller, table, INHERITED_ONLY, inherited)
                    .await,
            ),
            Err(error) => {
                tracing::warn!(request_id = %caller.request_id, %error, table, "nothing published: the active version could not be read");
                None
            }
        }
    }

    /// Publishes `active` (the table's active version, already read) to the table's targets and
    /// audits the outcome.
    pub async fn publish_version(
        &self,
        store: &dyn RuleStore,
        caller: &Caller,
        table: &str,
        active: crate::model::rulesets::RuleSet,
    ) -> PublishReport {
        self.publish_rules(store, caller, table, active.summary.version, active.rules)
            .await
    }

    /// Publishes `rules` as the table's `version` to its targets and audits the outcome.
    async fn publish_rules(
        &self,
        store: &dyn RuleStore,
        caller: &Caller,
        table: &str,
        version: i32,
        rules: Vec<Value>,
    ) -> PublishReport {
        let publication = Publication::new(table, version, rules, self.run_config.for_table(table));
        let mut targets = Vec::new();
        for target in self.targets_for(table) {
            targets.push(publish_with_retries(target, caller, &publication).await);
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
        report
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

/// Publishes `table`'s active version again, with its `inherited` checks (the History page's
/// "Publish again"): its summary, or why nothing could be published.
pub async fn publish_again(
    publisher: &Publisher,
    store: &dyn RuleStore,
    caller: &Caller,
    table: &str,
    inherited: Vec<serde_json::Value>,
) -> Result<String, AppError> {
    if publisher.targets_for(table).is_empty() {
        return Err(AppError::BadRequest(format!(
            "no publish target is configured for {table} (DQX_PUBLISH_LAKEBASE, DQX_PUBLISH_TABLE or DQX_PUBLISH_VOLUME)"
        )));
    }
    // Without an own active version a table with registry rules publishes those; with neither
    // the store's own 404 says so, in words.
    let report = match store.get(caller, table, None).await {
        Ok(mut active) => {
            active.rules.extend(inherited);
            publisher
                .publish_version(store, caller, table, active)
                .await
        }
        Err(AppError::NotFound(_)) if !inherited.is_empty() => {
            publisher
                .publish_rules(store, caller, table, INHERITED_ONLY, inherited)
                .await
        }
        Err(e) => return Err(e),
    };
    Ok(report.summary())
}
