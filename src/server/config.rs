//! Typed configuration, parsed once from the environment at start-up. A bad value stops start-up
//! with a message naming the variable; every variable is documented in `.env.example`.

use crate::model::session::Mode;
use crate::server::secret::SecretToken;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A configuration problem, naming the variable and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self {
            variable,
            problem: problem.into(),
        }
    }
}

/// Everything needed to reach a Databricks workspace.
#[derive(Debug, Clone)]
pub struct DatabricksConfig {
    /// `https://host` (or `http://host` for tests), without a trailing slash.
    pub host: String,
    /// Personal access token for local development (`DATABRICKS_TOKEN`).
    pub token: Option<SecretToken>,
    /// The app's service principal (`DATABRICKS_CLIENT_ID` / `DATABRICKS_CLIENT_SECRET`).
    pub client_id: Option<String>,
    pub client_secret: Option<SecretToken>,
    pub warehouse_id: Option<String>,
    pub generation_job_id: Option<i64>,
    pub validation_job_id: Option<i64>,
    /// The bundle's monitoring job (`DQ_MONITOR_JOB_ID`), copied for each table's schedule.
    pub monitor_job_id: Option<i64>,
    /// The bundle's health job (`DQ_HEALTH_JOB_ID`), copied for each health scope.
    pub health_job_id: Option<i64>,
    pub model_endpoint: String,
}

/// The app's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    /// Root of the app's local files (`DQX_DATA_DIR`, default `./data`).
    pub data_dir: PathBuf,
    /// The embedded workspace: `catalog/schema/table.{parquet,csv}` (`DQX_WORKSPACE_DIR`).
    pub workspace_dir: PathBuf,
    /// Local users and grants (`DQX_LOCAL_USERS`, default `<data dir>/local-workspace.toml`).
    pub local_users_file: PathBuf,
    /// Write the sample workspace when the workspace folder is empty (`DQX_SAMPLE_DATA`, default true).
    pub write_sample_data: bool,
    /// Listen address override: `0.0.0.0:$DATABRICKS_APP_PORT`, else `DQX_LISTEN_ADDR`.
    pub listen_addr: Option<SocketAddr>,
    /// Rows profiled when generating rules (`SAMPLE_DATA_LIMIT`, default 10,000).
    pub sample_data_limit: u64,
    /// Largest request body accepted, in bytes (`DQX_MAX_BODY_BYTES`, default 2 MiB).
    pub max_body_bytes: usize,
    /// Jobs the local runner runs at once; more wait in a queue.
    pub max_concurrent_jobs: usize,
    pub databricks: Option<DatabricksConfig>,
    pub lakebase: Option<LakebaseConfig>,
    /// An OpenAI-compatible model for local mode.
    pub ai: Option<AiConfig>,
    /// How long a model may take to answer.
    pub ai_timeout: std::time::Duration,
    /// What one request may make the server hold or compute, and the allowed origins.
    pub limits: crate::server::limits::Limits,
    /// Who approves rule sets (overrides the local users file's `[review]`).
    pub review: ReviewConfig,
    /// Where active rule sets are published (`DQX_PUBLISH_*`).
    pub publish: crate::server::publish::config::PublishConfig,
    /// How alerts are delivered (`DQX_WEBHOOK_ALLOW_LOOPBACK`, `DQX_WEBHOOK_BACKOFF_MS`).
    pub webhooks: crate::server::alerts::deliver::Sender,
    /// DQX's metrics table (`DQX_METRICS_TABLE=catalog.schema.table`), where `DQMetricsObserver`
    /// writes: a team's pipeline runs are read from it into the trends, and in a workspace the
    /// app's manual runs are written to it as their user.
    pub metrics_table: Option<crate::model::table_name::TableName>,
    /// DQX's actions table (`DQX_ACTIONS_TABLE`, `ACTIONS_TABLE_SCHEMA`): in a workspace the
    /// tables' alerts are kept there as DQX's `action_json`, written and read as each user.
    pub actions_table: Option<crate::model::table_name::TableName>,
    /// DQX's action-events table (`DQX_ACTION_EVENTS_TABLE`, `ACTION_EVENT_TABLE_SCHEMA`): in a
    /// workspace each alert evaluation is appended there, so frequency and notify-on state is
    /// shared with the scheduled jobs and a team's pipelines, and the delivery log reads it.
    pub action_events_table: Option<crate::model::table_name::TableName>,
    /// Tables one health scope covers at most (`DQX_MAX_HEALTH_TABLES`, default 500).
    pub max_health_tables: usize,
    /// Minutes between health passes of a scope (`DQX_HEALTH_INTERVAL_MINUTES`, default 60).
    pub health_interval_minutes: u64,
}

/// The review settings from the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewConfig {
    /// `DQX_APPROVER_GROUPS`: `group=catalog[.schema],…;group2=*`, or `none`.
    pub approver_groups: Option<String>,
    /// `DQX_ADMIN_GROUPS`, the same syntax.
    pub admin_groups: Option<String>,
    /// `DQX_ALLOW_SELF_APPROVAL=true`: authors may approve their own versions (one-person teams).
    pub allow_self_approval: bool,
}

/// An OpenAI-compatible chat-completions endpoint.
#[derive(Clone)]
pub struct AiConfig {
    pub base_url: String,
    pub model: String,
    pub api_key: Option<SecretToken>,
}

/// Prints the URL without any `user:password@` (the key is a `SecretToken` already).
impl std::fmt::Debug for AiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiConfig")
            .field(
                "base_url",
                &crate::server::assistant::openai::redact_url(&self.base_url),
            )
            .field("model", &self.model)
            .field("api_key", &self.api_key)
            .finish()
    }
}

/// How the app signs in to Lakebase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LakebaseAuth {
    /// As the caller: role = e-mail, password = the caller's token.
    User,
    /// As the app's service principal, with a minted database credential; the caller is still
    /// recorded as the author.
    ServicePrincipal,
}

/// Where the Lakebase rule store is.
#[derive(Debug, Clone)]
pub struct LakebaseConfig {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub auth: LakebaseAuth,
    /// The Lakebase instance name (needed to mint credentials in `service_principal` mode).
    pub instance: Option<String>,
    /// A CA certificate to verify the server with (`LAKEBASE_CA_FILE`); system roots otherwise.
    pub ca_file: Option<PathBuf>,
    /// The role the app's users belong to (`LAKEBASE_APP_ROLE`, default `dqx_app_users`).
    pub app_role: String,
}

/// Default model serving endpoint for `ai_query`.
pub const DEFAULT_MODEL_ENDPOINT: &str = "databricks-claude-sonnet-4-5";

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    /// Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let data_dir = PathBuf::from(get("DQX_DATA_DIR").unwrap_or_else(|| "data".to_string()));
        let workspace_dir = get("DQX_WORKSPACE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("workspace"));
        let local_users_file = get("DQX_LOCAL_USERS")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("local-workspace.toml"));
        let write_sample_data = match get("DQX_SAMPLE_DATA") {
            None => true,
            Some(v) => parse_bool("DQX_SAMPLE_DATA", &v)?,
        };

        let listen_addr = listen_addr(&get)?;

        let sample_data_limit = match get("SAMPLE_DATA_LIMIT") {
            None => crate::model::runs::DEFAULT_GENERATION_SAMPLE,
            Some(v) => parse_positive("SAMPLE_DATA_LIMIT", &v)?,
        };
        let max_body_bytes = match get("DQX_MAX_BODY_BYTES") {
            None => 2 * 1024 * 1024,
            Some(v) => parse_positive("DQX_MAX_BODY_BYTES", &v)? as usize,
        };

        let max_concurrent_jobs = match get("DQX_MAX_JOBS") {
            None => 2,
            Some(v) => parse_positive("DQX_MAX_JOBS", &v)? as usize,
        };

        let client_id = get("DATABRICKS_CLIENT_ID");
        let databricks = databricks_config(&get, client_id.as_deref())?;

        let lakebase = lakebase_config(&get)?;

        let ai = get("AI_BASE_URL").map(|base_url| AiConfig {
            base_url,
            model: get("AI_MODEL").unwrap_or_else(|| "default".into()),
            api_key: get("AI_API_KEY").map(SecretToken::new),
        });
        let ai_timeout = std::time::Duration::from_secs(match get("AI_TIMEOUT_SECS") {
            None => 120,
            Some(v) => parse_positive("AI_TIMEOUT_SECS", &v)?,
        });

        let limits = crate::server::limits::Limits::from_lookup(get)?;

        let review = review_config(&get)?;
        let publish = crate::server::publish::config::PublishConfig::from_lookup(get)
            .map_err(|(variable, problem)| ConfigError::new(variable, problem))?;
        let mut webhooks = crate::server::alerts::deliver::Sender::default();
        if let Some(v) = get("DQX_WEBHOOK_ALLOW_LOOPBACK") {
            webhooks.allow_loopback = parse_bool("DQX_WEBHOOK_ALLOW_LOOPBACK", &v)?;
        }
        if let Some(v) = get("DQX_WEBHOOK_BACKOFF_MS") {
            webhooks.backoff =
                std::time::Duration::from_millis(parse_positive("DQX_WEBHOOK_BACKOFF_MS", &v)?);
        }
        let metrics_table = table_setting(&get, "DQX_METRICS_TABLE", "DQX's metrics table")?;
        let actions_table = table_setting(&get, "DQX_ACTIONS_TABLE", "DQX's actions table")?;
        let action_events_table =
            table_setting(&get, "DQX_ACTION_EVENTS_TABLE", "DQX's action-events table")?;
        let max_health_tables = match get("DQX_MAX_HEALTH_TABLES") {
            None => crate::model::health::view::DEFAULT_MAX_HEALTH_TABLES,
            Some(v) => parse_positive("DQX_MAX_HEALTH_TABLES", &v)? as usize,
        };
        let health_interval_minutes = match get("DQX_HEALTH_INTERVAL_MINUTES") {
            None => 60,
            Some(v) => parse_positive("DQX_HEALTH_INTERVAL_MINUTES", &v)?,
        };
        let mode = match (&databricks, &client_id) {
            (None, _) => Mode::Local,
            (Some(_), Some(_)) => Mode::DatabricksApp,
            (Some(_), None) => Mode::WorkspaceDev,
        };

        Ok(Self {
            mode,
            data_dir,
            workspace_dir,
            local_users_file,
            write_sample_data,
            listen_addr,
            sample_data_limit,
            max_body_bytes,
            max_concurrent_jobs,
            databricks,
            lakebase,
            ai,
            ai_timeout,
            limits,
            review,
            publish,
            webhooks,
            metrics_table,
            actions_table,
            action_events_table,
            max_health_tables,
            health_interval_minutes,
        })
    }
}

/// A `catalog.schema.table` setting, or an error naming the variable and what it holds.
fn table_setting(
    get: &dyn Fn(&str) -> Option<String>,
    variable: &'static str,
    what: &str,
) -> Result<Option<crate::model::table_name::TableName>, ConfigError> {
    get(variable)
        .map(|text| {
            crate::model::table_name::TableName::parse(&text).map_err(|e| {
                ConfigError::new(
                    variable,
                    format!("{e}; name {what} as catalog.schema.table"),
                )
            })
        })
        .transpose()
}

/// `DATABRICKS_APP_PORT` (every interface) or `DQX_LISTEN_ADDR`; neither: the default.
fn listen_addr(get: &dyn Fn(&str) -> Option<String>) -> Result<Option<SocketAddr>, ConfigError> {
    let addr = match (get("DATABRICKS_APP_PORT"), get("DQX_LISTEN_ADDR")) {
        (Some(port), _) => {
            let port: u16 = port.parse().map_err(|_| {
                ConfigError::new(
                    "DATABRICKS_APP_PORT",
                    format!("expected a port number, got '{port}'"),
                )
            })?;
            Some(SocketAddr::from(([0, 0, 0, 0], port)))
        }
        (None, Some(addr)) => Some(addr.parse().map_err(|_| {
            ConfigError::new(
                "DQX_LISTEN_ADDR",
                format!("expected host:port such as 127.0.0.1:3000, got '{addr}'"),
            )
        })?),
        (None, None) => None,
    };
    Ok(addr)
}

/// The workspace: `DATABRICKS_HOST` and the identities, warehouse, jobs and model endpoint.
fn databricks_config(
    get: &dyn Fn(&str) -> Option<String>,
    client_id: Option<&str>,
) -> Result<Option<DatabricksConfig>, ConfigError> {
    let config = match get("DATABRICKS_HOST") {
        None => {
            if client_id.is_some() {
                return Err(ConfigError::new(
                    "DATABRICKS_HOST",
                    "is required when DATABRICKS_CLIENT_ID is set (Databricks Apps mode)",
                ));
            }
            None
        }
        Some(host) => {
            let client_secret = get("DATABRICKS_CLIENT_SECRET").map(SecretToken::new);
            if client_id.is_some() && client_secret.is_none() {
                return Err(ConfigError::new(
                    "DATABRICKS_CLIENT_SECRET",
                    "is required when DATABRICKS_CLIENT_ID is set",
                ));
            }
            Some(DatabricksConfig {
                host: normalize_host(&host)?,
                token: get("DATABRICKS_TOKEN").map(SecretToken::new),
                client_id: client_id.map(str::to_string),
                client_secret,
                warehouse_id: get("SQL_WAREHOUSE_ID"),
                generation_job_id: get("DQ_GENERATION_JOB_ID")
                    .map(|v| parse_job_id("DQ_GENERATION_JOB_ID", &v))
                    .transpose()?,
                validation_job_id: get("DQ_VALIDATION_JOB_ID")
                    .map(|v| parse_job_id("DQ_VALIDATION_JOB_ID", &v))
                    .transpose()?,
                monitor_job_id: get("DQ_MONITOR_JOB_ID")
                    .map(|v| parse_job_id("DQ_MONITOR_JOB_ID", &v))
                    .transpose()?,
                health_job_id: get("DQ_HEALTH_JOB_ID")
                    .map(|v| parse_job_id("DQ_HEALTH_JOB_ID", &v))
                    .transpose()?,
                model_endpoint: get("MODEL_SERVING_ENDPOINT")
                    .unwrap_or_else(|| DEFAULT_MODEL_ENDPOINT.to_string()),
            })
        }
    };
    Ok(config)
}

/// Lakebase: `LAKEBASE_HOST` and its port, database, CA, app role and sign-in.
fn lakebase_config(
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<LakebaseConfig>, ConfigError> {
    let config = match get("LAKEBASE_HOST") {
        None => None,
        Some(host) => Some(LakebaseConfig {
            host,
            port: match get("LAKEBASE_PORT") {
                None => 5432,
                Some(v) => v.parse().map_err(|_| {
                    ConfigError::new(
                        "LAKEBASE_PORT",
                        format!("expected a port number, got '{v}'"),
                    )
                })?,
            },
            database: get("LAKEBASE_DATABASE").unwrap_or_else(|| "databricks_postgres".into()),
            instance: get("LAKEBASE_INSTANCE"),
            ca_file: get("LAKEBASE_CA_FILE").map(PathBuf::from),
            app_role: get("LAKEBASE_APP_ROLE").unwrap_or_else(|| {
                crate::server::store::postgres::pools::DEFAULT_APP_ROLE.to_string()
            }),
            auth: match get("LAKEBASE_AUTH").as_deref() {
                None | Some("user") => LakebaseAuth::User,
                Some("service_principal") => LakebaseAuth::ServicePrincipal,
                Some(other) => {
                    return Err(ConfigError::new(
                        "LAKEBASE_AUTH",
                        format!("expected 'user' or 'service_principal', got '{other}'"),
                    ));
                }
            },
        }),
    };
    Ok(config)
}

/// Who approves: `DQX_APPROVER_GROUPS`, `DQX_ADMIN_GROUPS` (checked here), self-approval.
fn review_config(get: &dyn Fn(&str) -> Option<String>) -> Result<ReviewConfig, ConfigError> {
    let review = ReviewConfig {
        approver_groups: get("DQX_APPROVER_GROUPS"),
        admin_groups: get("DQX_ADMIN_GROUPS"),
        allow_self_approval: match get("DQX_ALLOW_SELF_APPROVAL") {
            None => false,
            Some(v) => parse_bool("DQX_ALLOW_SELF_APPROVAL", &v)?,
        },
    };
    for (variable, text) in [
        ("DQX_APPROVER_GROUPS", &review.approver_groups),
        ("DQX_ADMIN_GROUPS", &review.admin_groups),
    ] {
        if let Some(text) = text {
            crate::server::review::policy::parse_groups(variable, text)
                .map_err(|problem| ConfigError::new(variable, problem))?;
        }
    }
    Ok(review)
}

/// Adds `https://` when the scheme is missing (Databricks Apps inject the bare host) and strips
/// trailing slashes. `http://` is kept for tests against a local fake.
pub fn normalize_host(raw: &str) -> Result<String, ConfigError> {
    let trimmed = raw.trim();
    let (scheme, rest) = if let Some(rest) = trimmed.strip_prefix("https://") {
        ("https", rest)
    } else if let Some(rest) = trimmed.strip_prefix("http://") {
        ("http", rest)
    } else if trimmed.contains("://") {
        return Err(ConfigError::new(
            "DATABRICKS_HOST",
            format!("expected an https:// URL or a bare host name, got '{raw}'"),
        ));
    } else {
        ("https", trimmed)
    };
    let host = rest.trim_end_matches('/');
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains('/') {
        return Err(ConfigError::new(
            "DATABRICKS_HOST",
            format!("'{raw}' is not a workspace host name"),
        ));
    }
    Ok(format!("{scheme}://{host}"))
}

fn parse_bool(variable: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::new(
            variable,
            format!("expected true or false, got '{value}'"),
        )),
    }
}

fn parse_positive(variable: &'static str, value: &str) -> Result<u64, ConfigError> {
    match value.replace('_', "").parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ConfigError::new(
            variable,
            format!("expected a positive whole number, got '{value}'"),
        )),
    }
}

fn parse_job_id(variable: &'static str, value: &str) -> Result<i64, ConfigError> {
    match value.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ConfigError::new(
            variable,
            format!("expected a numeric job id, got '{value}'"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_to_local_mode() {
        let cfg = config(&[]).unwrap();
        assert_eq!(cfg.mode, Mode::Local);
        assert_eq!(cfg.workspace_dir, PathBuf::from("data/workspace"));
        assert_eq!(
            cfg.local_users_file,
            PathBuf::from("data/local-workspace.toml")
        );
        assert!(cfg.write_sample_data);
        assert!(cfg.listen_addr.is_none());
    }

    #[test]
    fn picks_the_mode_from_the_databricks_variables() {
        let dev = config(&[
            ("DATABRICKS_HOST", "https://x.cloud.databricks.com"),
            ("DATABRICKS_TOKEN", "dapi1"),
        ])
        .unwrap();
        assert_eq!(dev.mode, Mode::WorkspaceDev);
        let app = config(&[
            ("DATABRICKS_HOST", "x.cloud.databricks.com"),
            ("DATABRICKS_CLIENT_ID", "id"),
            ("DATABRICKS_CLIENT_SECRET", "secret"),
        ])
        .unwrap();
        assert_eq!(app.mode, Mode::DatabricksApp);
        assert_eq!(
            app.databricks.unwrap().host,
            "https://x.cloud.databricks.com"
        );
    }

    #[test]
    fn names_the_bad_variable() {
        let err = config(&[("DATABRICKS_APP_PORT", "eighty")]).unwrap_err();
        assert_eq!(err.variable, "DATABRICKS_APP_PORT");
        assert!(err.to_string().contains("eighty"));

        let err = config(&[("DATABRICKS_CLIENT_ID", "id")]).unwrap_err();
        assert_eq!(err.variable, "DATABRICKS_HOST");

        let err = config(&[("DATABRICKS_HOST", "h"), ("DATABRICKS_CLIENT_ID", "id")]).unwrap_err();
        assert_eq!(err.variable, "DATABRICKS_CLIENT_SECRET");

        let err = config(&[("SAMPLE_DATA_LIMIT", "-3")]).unwrap_err();
        assert_eq!(err.variable, "SAMPLE_DATA_LIMIT");

        let err = config(&[("DQX_SAMPLE_DATA", "maybe")]).unwrap_err();
        assert_eq!(err.variable, "DQX_SAMPLE_DATA");

        let err = config(&[("DATABRICKS_HOST", "h"), ("DQ_GENERATION_JOB_ID", "abc")]).unwrap_err();
        assert_eq!(err.variable, "DQ_GENERATION_JOB_ID");
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let cfg = config(&[
            ("DATABRICKS_HOST", "h"),
            ("DATABRICKS_CLIENT_ID", "id"),
            ("DATABRICKS_CLIENT_SECRET", "super-secret-value"),
            ("DATABRICKS_TOKEN", "dapi-secret-pat"),
        ])
        .unwrap();
        let printed = format!("{cfg:?}");
        assert!(!printed.contains("super-secret-value"));
        assert!(!printed.contains("dapi-secret-pat"));
    }

    #[test]
    fn app_port_listens_on_all_interfaces() {
        let cfg = config(&[("DATABRICKS_APP_PORT", "8000")]).unwrap();
        assert_eq!(
            cfg.listen_addr,
            Some(SocketAddr::from(([0, 0, 0, 0], 8000)))
        );
    }

    #[test]
    fn normalizes_hosts() {
        assert_eq!(
            normalize_host("dbc-1.cloud.databricks.com/").unwrap(),
            "https://dbc-1.cloud.databricks.com"
        );
        assert_eq!(
            normalize_host("http://127.0.0.1:9000").unwrap(),
            "http://127.0.0.1:9000"
        );
        assert!(normalize_host("ftp://x").is_err());
        assert!(normalize_host("https://").is_err());
    }
}
