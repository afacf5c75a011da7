//! `AppState`: every backend behind its trait, chosen once at start-up from the config and
//! provided to server functions as context (no globals).

use crate::model::session::Mode;
use crate::server::caller::IdentityPolicy;
use crate::server::config::Config;
use crate::server::jobs::JobRunner;
use crate::server::jobs::local::LocalJobRunner;
use crate::server::store::RuleStore;
use crate::server::store::sqlite::SqliteStore;
use crate::server::workspace::Workspace;
use crate::server::workspace::local::LocalWorkspace;
use crate::server::workspace::local::directory::LocalDirectory;
use crate::server::workspace::local::sample_data;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// The shared state of the running app.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub identity: Arc<IdentityPolicy>,
    pub workspace: Arc<dyn Workspace>,
    pub jobs: Arc<dyn JobRunner>,
    pub store: Arc<dyn RuleStore>,
    pub analysis: Arc<crate::server::assistant::AnalysisService>,
    /// The workspace client, in the Databricks modes (for SCIM look-ups).
    pub databricks: Option<crate::server::databricks::DatabricksClient>,
    /// Who each token belongs to, when no proxy forwarded an e-mail (SCIM `Me`, cached).
    pub identities: Arc<crate::server::databricks::scim::MeCache>,
    /// Who approves what, and the callers' groups.
    pub review: Arc<crate::server::review::ReviewService>,
    /// Where active rule sets are published for pipelines.
    pub publisher: Arc<crate::server::publish::Publisher>,
    /// The tables' schedules.
    pub schedules: Arc<crate::server::schedule::Schedules>,
    /// The tables' alerts.
    pub alerts: Arc<crate::server::alerts::Alerts>,
    /// Health monitoring of scopes.
    pub health: Arc<crate::server::health::Health>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Why the app could not start; the text names what to fix.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartupError(pub String);

impl AppState {
    /// Builds the backends for the configured mode.
    pub async fn build(
        config: Config,
        leptos_options: LeptosOptions,
    ) -> Result<Self, StartupError> {
        match config.mode {
            Mode::Local => Self::build_local(config, leptos_options).await,
            Mode::WorkspaceDev | Mode::DatabricksApp => {
                crate::server::state_databricks::build(config, leptos_options).await
            }
        }
    }

    async fn build_local(
        config: Config,
        leptos_options: LeptosOptions,
    ) -> Result<Self, StartupError> {
        let root = &config.workspace_dir;
        if config.write_sample_data && sample_data::workspace_is_empty(root) {
            tracing::info!(path = %root.display(), "workspace folder is empty: writing the sample workspace");
            let root = root.clone();
            let written = tokio::task::spawn_blocking(move || {
                sample_data::write_sample_workspace(&root, None)
            })
            .await
            .map_err(|e| StartupError(format!("writing the sample workspace: {e}")))?
            .map_err(|e| StartupError(format!("writing the sample workspace: {e}")))?;
            for (table, rows) in written {
                tracing::info!(%table, rows, "sample table written");
            }
        }
        let directory = Arc::new(
            LocalDirectory::load_or_create(&config.local_users_file)
                .map_err(|e| StartupError(e.to_string()))?,
        );
        let workspace = LocalWorkspace::open(root, directory.clone())
            .await
            .map_err(|e| {
                StartupError(format!(
                    "opening the local workspace at {}: {e}",
                    root.display()
                ))
            })?;
        let workspace = Arc::new(workspace);
        let store_path = config.data_dir.join("rules.sqlite");
        let store = Arc::new(
            SqliteStore::open(&store_path)
                .await
                .map_err(|e| StartupError(format!("opening the rule store: {e}")))?,
        );
        tracing::info!(path = %store_path.display(), "rule store (SQLite) ready");
        let assistant: Arc<dyn crate::server::assistant::Assistant> = match &config.ai {
            Some(ai) => Arc::new(
                crate::server::assistant::openai::OpenAiCompatible::new(
                    &ai.base_url,
                    &ai.model,
                    ai.api_key.clone(),
                    config.ai_timeout,
                )
                .map_err(|e| StartupError(e.to_string()))?,
            ),
            None => Arc::new(crate::server::assistant::Offline),
        };
        let jobs = Arc::new(
            LocalJobRunner::new(
                workspace.clone(),
                config.max_concurrent_jobs,
                config.ai.is_some().then(|| assistant.clone()),
            )
            .with_bounds((&config.limits).into()),
        );
        let review = crate::server::review::ReviewService {
            policy: crate::server::review::policy::ReviewPolicy::from_config(
                &config.review,
                directory.review.as_ref(),
            )
            .map_err(StartupError)?,
            groups: crate::server::review::GroupSource::Local(directory.clone()),
            readable: Default::default(),
            previews: Default::default(),
        };
        let mut publisher = crate::server::publish::Publisher {
            run_config: config.publish.run_config.clone(),
            ..Default::default()
        };
        publisher.add(
            crate::server::scopes::Scopes::everything(),
            crate::server::publish::local::LocalFolder {
                root: config.data_dir.join("published"),
            },
        );
        let webhooks = config.webhooks.clone();
        Ok(Self {
            publisher: Arc::new(publisher),
            review: Arc::new(review),
            leptos_options,
            config: Arc::new(config),
            identity: Arc::new(IdentityPolicy::Local { directory }),
            workspace,
            jobs,
            schedules: Arc::new(crate::server::schedule::Schedules::Embedded(store.clone())),
            health: Arc::new(crate::server::health::Health::Embedded(store.clone())),
            alerts: Arc::new(crate::server::alerts::Alerts {
                store: Ok(crate::server::alerts::AlertPlace::Shared(store.clone())),
                sender: webhooks,
                health_variables: &crate::model::health::alerting::HEALTH_VARIABLES,
            }),
            store,
            analysis: Arc::new(crate::server::assistant::AnalysisService::new(assistant)),
            databricks: None,
            identities: Arc::default(),
        })
    }

    /// Starts the embedded scheduler, where schedules are the app's own (local mode): it fires
    /// due schedules as their owners until the process ends.
    pub fn start_scheduler(&self) -> Option<tokio::task::JoinHandle<()>> {
        let scheduler = self.scheduler()?;
        if let Some(ticker) = self.health_ticker() {
            ticker.spawn(Arc::new(crate::server::schedule::scheduler::SystemClock));
        }
        tracing::info!("embedded scheduler started");
        Some(scheduler.spawn(Arc::new(crate::server::schedule::scheduler::SystemClock)))
    }

    /// The embedded scheduler over this state (local mode), not yet ticking.
    pub fn scheduler(&self) -> Option<Arc<crate::server::schedule::scheduler::Scheduler>> {
        use crate::server::schedule::{Schedules, fire::RunAsOwner, scheduler};
        let Schedules::Embedded(store) = self.schedules.as_ref() else {
            return None;
        };
        let fire = RunAsOwner {
            workspace: self.workspace.clone(),
            jobs: self.jobs.clone(),
            rules: self.store.clone(),
            schedules: store.clone(),
            run_limit: std::time::Duration::from_secs(self.config.limits.run_ttl_secs),
            alerts: self.alerts.clone(),
        };
        Some(Arc::new(scheduler::Scheduler {
            store: store.clone(),
            fire: Arc::new(fire),
            holder: format!("{}:{}", hostname(), std::process::id()),
        }))
    }
}

impl AppState {
    /// The health ticker over this state (local mode), not yet ticking.
    pub fn health_ticker(&self) -> Option<Arc<crate::server::health::ticker::HealthTicker>> {
        let crate::server::health::Health::Embedded(store) = self.health.as_ref() else {
            return None;
        };
        Some(Arc::new(crate::server::health::ticker::HealthTicker {
            store: store.clone(),
            workspace: self.workspace.clone(),
            rules: self.store.clone(),
            readable: Default::default(),
            max_tables: self.config.max_health_tables,
            interval: chrono::Duration::minutes(self.config.health_interval_minutes as i64),
            holder: format!("{}:{}", hostname(), std::process::id()),
            alerts: Some(self.alerts.clone()),
        }))
    }
}

/// This machine's name, for the scheduler's claims.
fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into())
}
