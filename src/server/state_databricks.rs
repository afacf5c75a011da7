//! Building the app's backends for a Databricks workspace: the caller's token for Unity Catalog
//! and SQL, the service principal (or, in workspace-dev mode, the developer's PAT) for jobs, and
//! Lakebase as the caller for rule sets. Start-up names every missing required variable.

use crate::model::session::Mode;
use crate::server::caller::IdentityPolicy;
use crate::server::config::{Config, DatabricksConfig, LakebaseAuth};
use crate::server::databricks::auth::ServicePrincipal;
use crate::server::databricks::jobs::{JobIdentity, Jobs};
use crate::server::databricks::statements::Statements;
use crate::server::databricks::{DatabricksClient, RetryPolicy};
use crate::server::jobs::databricks::{DatabricksJobRunner, JobIds};
use crate::server::jobs::local::InProcessRunner;
use crate::server::jobs::routed::RoutedRunner;
use crate::server::jobs::warehouse::WarehouseWork;
use crate::server::secret::SecretToken;
use crate::server::state::{AppState, StartupError};
use crate::server::store::postgres::PgStore;
use crate::server::store::postgres::pools::{PgTarget, PoolLimits};
use crate::server::store::{NoStore, RuleStore};
use crate::server::workspace::Workspace;
use crate::server::workspace::databricks::DatabricksWorkspace;
use leptos::config::LeptosOptions;
use std::ops::Not;
use std::sync::Arc;

/// The state for `DATABRICKS_HOST` deployments.
pub async fn build(
    config: Config,
    leptos_options: LeptosOptions,
) -> Result<AppState, StartupError> {
    let Some(dbx) = config.databricks.clone() else {
        return Err(StartupError(
            "DATABRICKS_HOST is required in this mode".into(),
        ));
    };
    required_settings(&config, &dbx)?;
    let client = DatabricksClient::new(&dbx.host, RetryPolicy::default())
        .map_err(|e| StartupError(e.to_string()))?;
    let statements = Statements {
        client: client.clone(),
        warehouse: dbx.warehouse_id.clone().unwrap_or_default(),
    };
    let workspace: Arc<dyn Workspace> = Arc::new(DatabricksWorkspace {
        client: client.clone(),
        statements: statements.clone(),
    });
    let service_principal = match (&dbx.client_id, &dbx.client_secret) {
        (Some(id), Some(secret)) => Some(Arc::new(ServicePrincipal::new(
            client.clone(),
            id.clone(),
            secret.clone(),
        ))),
        _ => None,
    };
    let runner = runner(
        &config,
        &dbx,
        &client,
        &workspace,
        &statements,
        service_principal.as_ref(),
    );
    let store = rule_store(&config, &dbx, &client, service_principal.as_ref()).await?;
    let assistant = Arc::new(crate::server::assistant::ai_query::AiQuery {
        statements: statements.clone(),
        endpoint: dbx.model_endpoint.clone(),
        timeout: config.ai_timeout,
    });
    let identity = match config.mode {
        Mode::DatabricksApp => IdentityPolicy::DatabricksApp,
        _ => IdentityPolicy::WorkspaceDev {
            personal_token: dbx.token.clone(),
        },
    };
    let identities: Arc<crate::server::databricks::scim::MeCache> = Arc::default();
    let review = crate::server::review::ReviewService {
        policy: crate::server::review::policy::ReviewPolicy::from_config(&config.review, None)
            .map_err(StartupError)?,
        groups: crate::server::review::GroupSource::Workspace {
            client: client.clone(),
            cache: identities.clone(),
        },
        readable: Default::default(),
        previews: Default::default(),
    };
    let publisher = publisher(&config, &client, dbx.warehouse_id.as_deref())?;
    let health = Arc::new(health(&config, &dbx, &client, service_principal.as_ref()));
    let schedules = schedules(&config, &dbx, &client, service_principal.as_ref());
    let alerts = Arc::new(crate::server::alerts::Alerts {
        store: alert_tables(&config, &statements),
        sender: config.webhooks.clone(),
        health_variables: &crate::model::health::alerting::JOB_VARIABLES,
    });
    Ok(AppState {
        alerts,
        publisher: Arc::new(publisher),
        review: Arc::new(review),
        leptos_options,
        config: Arc::new(config),
        identity: Arc::new(identity),
        workspace,
        jobs: Arc::new(runner),
        store,
        analysis: Arc::new(crate::server::assistant::AnalysisService::new(assistant)),
        databricks: Some(client),
        identities,
        schedules: Arc::new(schedules),
        health,
    })
}

/// Every variable this mode cannot start without, named together.
fn required_settings(config: &Config, dbx: &DatabricksConfig) -> Result<(), StartupError> {
    let mut missing = Vec::new();
    if dbx.warehouse_id.is_none() {
        missing.push("SQL_WAREHOUSE_ID (the SQL warehouse that runs queries as the user)");
    }
    if config.mode == Mode::DatabricksApp {
        if dbx.generation_job_id.is_none() {
            missing.push("DQ_GENERATION_JOB_ID (the bundle's generation job)");
        }
        if dbx.validation_job_id.is_none() {
            missing.push("DQ_VALIDATION_JOB_ID (the bundle's validation job)");
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(StartupError(format!(
            "missing configuration: {}",
            missing.join(", ")
        )))
    }
}

/// Alerts in DQX's actions and action-events tables, read and written as each caller; without
/// both tables named, unavailable with what to set.
fn alert_tables(
    config: &Config,
    statements: &Statements,
) -> Result<crate::server::alerts::AlertPlace, String> {
    match (&config.actions_table, &config.action_events_table) {
        (Some(actions), Some(events)) => Ok(crate::server::alerts::AlertPlace::Workspace(
            Arc::new(crate::server::alerts::workspace::DqxTables {
                statements: statements.clone(),
                actions: actions.clone(),
                events: events.clone(),
            }),
        )),
        _ => Err("alerts in a Databricks workspace are kept where DQX keeps actions: set DQX_ACTIONS_TABLE (DQX's actions table) and DQX_ACTION_EVENTS_TABLE (DQX's action-events table), each as catalog.schema.table; users who set alerts need MODIFY on both, and the app creates them when missing".into()),
    }
}

/// Health as Databricks jobs, one per scope, made by the service principal from the bundle's
/// health job; without what they need, unavailable with what to set.
fn health(
    config: &Config,
    dbx: &DatabricksConfig,
    client: &DatabricksClient,
    service_principal: Option<&Arc<ServicePrincipal>>,
) -> crate::server::health::Health {
    use crate::server::health::{Health, jobs::HealthJobs};
    let (template, metrics_table) = (&dbx.health_job_id, &config.metrics_table);
    match (service_principal, template, metrics_table) {
        (Some(sp), Some(template_job_id), Some(metrics_table)) => {
            Health::Jobs(Arc::new(HealthJobs {
                jobs: Jobs {
                    client: client.clone(),
                    identity: JobIdentity::ServicePrincipal(sp.clone()),
                },
                template_job_id: *template_job_id,
                metrics_table: metrics_table.clone(),
                interval_minutes: u32::try_from(config.health_interval_minutes).unwrap_or(60),
                alert_tables: config
                    .actions_table
                    .clone()
                    .zip(config.action_events_table.clone()),
            }))
        }
        _ => {
            let mut missing = Vec::new();
            if service_principal.is_none() {
                missing.push("the app's service principal (DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET), which owns the health jobs");
            }
            if template.is_none() {
                missing.push("DQ_HEALTH_JOB_ID (the bundle's dqx-health job)");
            }
            if metrics_table.is_none() {
                missing.push(
                    "DQX_METRICS_TABLE (DQX's metrics table, which health observations write)",
                );
            }
            Health::Unavailable(format!(
                "health in a Databricks workspace runs as Databricks jobs, which need {}",
                missing.join(", ")
            ))
        }
    }
}

/// Schedules as Databricks jobs, made by the service principal from the bundle's monitoring job;
/// without what they need, unavailable with what to set.
fn schedules(
    config: &Config,
    dbx: &DatabricksConfig,
    client: &DatabricksClient,
    service_principal: Option<&Arc<ServicePrincipal>>,
) -> crate::server::schedule::Schedules {
    use crate::server::schedule::{Schedules, jobs::JobSchedules};
    let mut missing = Vec::new();
    if service_principal.is_none() {
        missing.push("the app's service principal (DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET), which owns the schedule jobs");
    }
    if dbx.monitor_job_id.is_none() {
        missing.push("DQ_MONITOR_JOB_ID (the bundle's dqx-monitor-rules job)");
    }
    if config.metrics_table.is_none() {
        missing.push("DQX_METRICS_TABLE (DQX's metrics table, which scheduled runs write)");
    }
    match (service_principal, dbx.monitor_job_id, &config.metrics_table) {
        (Some(sp), Some(template_job_id), Some(metrics_table)) => {
            Schedules::Jobs(Box::new(JobSchedules {
                jobs: Jobs {
                    client: client.clone(),
                    identity: JobIdentity::ServicePrincipal(sp.clone()),
                },
                template_job_id,
                publish: config.publish.clone(),
                metrics_table: metrics_table.clone(),
                alert_tables: config
                    .actions_table
                    .clone()
                    .zip(config.action_events_table.clone()),
                listed: Default::default(),
            }))
        }
        _ => Schedules::Unavailable(format!(
            "schedules in a Databricks workspace run as Databricks jobs, which need {}",
            missing.join(", ")
        )),
    }
}

/// Runs on the warehouse as the caller, in process; jobs as the service principal (or the
/// developer's PAT), when one is configured.
fn runner(
    config: &Config,
    dbx: &DatabricksConfig,
    client: &DatabricksClient,
    workspace: &Arc<dyn Workspace>,
    statements: &Statements,
    service_principal: Option<&Arc<ServicePrincipal>>,
) -> RoutedRunner {
    let identity = match (service_principal, &dbx.token) {
        (Some(sp), _) => Some(JobIdentity::ServicePrincipal(sp.clone())),
        (None, Some(pat)) => Some(JobIdentity::PersonalToken(pat.clone())),
        (None, None) => None,
    };
    let jobs = identity.map(|identity| Jobs {
        client: client.clone(),
        identity,
    });
    let model: Option<Arc<dyn crate::server::assistant::Assistant>> =
        dbx.model_endpoint.is_empty().not().then(|| {
            Arc::new(crate::server::assistant::ai_query::AiQuery {
                statements: statements.clone(),
                endpoint: dbx.model_endpoint.clone(),
                timeout: config.ai_timeout,
            }) as Arc<dyn crate::server::assistant::Assistant>
        });
    let warehouse = Arc::new(WarehouseWork {
        workspace: workspace.clone(),
        statements: statements.clone(),
        assistant: model,
    });
    RoutedRunner {
        warehouse_description: format!("on SQL warehouse {}, as you", statements.warehouse),
        warehouse: InProcessRunner::with_work(warehouse.clone(), config.max_concurrent_jobs)
            .with_bounds((&config.limits).into()),
        jobs: DatabricksJobRunner::new(
            workspace.clone(),
            jobs,
            JobIds {
                generation: dbx.generation_job_id,
                validation: dbx.validation_job_id,
            },
            Some(warehouse),
        )
        .with_bounds((&config.limits).into()),
    }
}

/// Lakebase as the caller (or, with `LAKEBASE_AUTH=service_principal`, as the app), migrated
/// at start-up; without Lakebase a store that says how to configure it.
async fn rule_store(
    config: &Config,
    dbx: &DatabricksConfig,
    client: &DatabricksClient,
    service_principal: Option<&Arc<ServicePrincipal>>,
) -> Result<Arc<dyn RuleStore>, StartupError> {
    let Some(lb) = &config.lakebase else {
        return Ok(Arc::new(NoStore {
            reason: "rule storage is not configured: bind a Lakebase database to the app and set LAKEBASE_HOST to save rule sets".into(),
        }));
    };
    let target = PgTarget {
        host: lb.host.clone(),
        port: lb.port,
        database: lb.database.clone(),
        ca_file: lb.ca_file.clone(),
        app_role: lb.app_role.clone(),
    };
    if lb.auth != LakebaseAuth::ServicePrincipal {
        let store = PgStore::new(target, PoolLimits::default());
        migrate(
            &store,
            client,
            service_principal.map(Arc::as_ref),
            dbx.client_id.as_deref(),
            dbx.token.as_ref(),
        )
        .await;
        return Ok(Arc::new(store));
    }
    let (Some(sp), Some(id), Some(instance)) = (service_principal, &dbx.client_id, &lb.instance)
    else {
        return Err(StartupError(
            "LAKEBASE_AUTH=service_principal needs DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET and LAKEBASE_INSTANCE (the instance name)".into(),
        ));
    };
    let credential = Arc::new(
        crate::server::store::postgres::credential::DatabaseCredential::new(
            client.clone(),
            sp.clone(),
            instance.clone(),
            id.clone(),
        ),
    );
    let store = PgStore::as_service_principal(target, PoolLimits::default(), credential);
    if let Err(error) = store.migrate_as_service_principal().await {
        tracing::error!(%error, "the rule store could not be migrated at start-up; saving will fail until it can");
    }
    Ok(Arc::new(store))
}

/// Runs the store's migrations as the identity that owns the tables: the service principal
/// (role = its client id, password = its OAuth token), else the developer (SCIM e-mail + PAT).
/// A failure is logged and the app still starts: browsing works, saving says what is wrong.
async fn migrate(
    store: &PgStore,
    client: &DatabricksClient,
    sp: Option<&ServicePrincipal>,
    client_id: Option<&str>,
    pat: Option<&SecretToken>,
) {
    let identity: Result<(String, SecretToken), String> = match (sp, client_id, pat) {
        (Some(sp), Some(id), _) => sp
            .token()
            .await
            .map(|(t, _)| (id.to_string(), t))
            .map_err(|e| e.to_string()),
        (_, _, Some(pat)) => crate::server::databricks::scim::me(client, pat)
            .await
            .map(|info| (info.email, pat.clone()))
            .map_err(|e| e.to_string()),
        _ => Err("no identity to create the tables with".into()),
    };
    let result = match identity {
        Ok((user, token)) => store
            .migrate(&user, &token)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => tracing::info!("rule store (Lakebase) migrated"),
        Err(error) => {
            tracing::error!(%error, "the rule store could not be migrated at start-up; saving will fail until it can")
        }
    }
}

/// The configured publish targets, each for the tables its scopes name: Lakebase (when the app
/// has a Lakebase instance), Unity Catalog tables (on the SQL warehouse) and volume folders.
fn publisher(
    config: &Config,
    client: &DatabricksClient,
    warehouse: Option<&str>,
) -> Result<crate::server::publish::Publisher, StartupError> {
    use crate::server::publish::{delta, lakebase, volume};
    let settings = &config.publish;
    let mut publisher = crate::server::publish::Publisher {
        run_config: settings.run_config.clone(),
        ..Default::default()
    };
    for entry in &settings.lakebase {
        let Some(lb) = &config.lakebase else {
            return Err(StartupError(format!(
                "DQX_PUBLISH_LAKEBASE names {} but the app has no Lakebase instance (PGHOST, or the database resource in app.yaml)",
                entry.name
            )));
        };
        let target = PgTarget {
            host: lb.host.clone(),
            port: lb.port,
            database: lb.database.clone(),
            ca_file: lb.ca_file.clone(),
            app_role: lb.app_role.clone(),
        };
        let table = lakebase::LakebaseTable::new(target, &entry.name).map_err(StartupError)?;
        publisher.add(entry.scopes.clone(), table);
    }
    for entry in &settings.table {
        let Some(warehouse) = warehouse.filter(|w| !w.is_empty()) else {
            return Err(StartupError(format!(
                "DQX_PUBLISH_TABLE names {} but no SQL warehouse is configured (SQL_WAREHOUSE_ID)",
                entry.name
            )));
        };
        let location = delta::parse_table(&entry.name).map_err(StartupError)?;
        let statements = Statements {
            client: client.clone(),
            warehouse: warehouse.to_string(),
        };
        publisher.add(
            entry.scopes.clone(),
            delta::DeltaTable {
                statements,
                location,
            },
        );
    }
    for entry in &settings.volume {
        let folder = volume::parse_folder(&entry.name).map_err(StartupError)?;
        publisher.add(
            entry.scopes.clone(),
            volume::VolumeFolder {
                client: client.clone(),
                folder,
            },
        );
    }
    Ok(publisher)
}
