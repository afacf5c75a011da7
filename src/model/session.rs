//! Who is calling and in which mode the app runs, as the browser sees it (never a token).

use serde::{Deserialize, Serialize};

/// The three ways the app runs (ARCHITECTURE §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Embedded DataFusion workspace, SQLite store, in-process jobs.
    Local,
    /// A real workspace reached with a personal access token (`DATABRICKS_HOST` + `DATABRICKS_TOKEN`).
    WorkspaceDev,
    /// Deployed as a Databricks App: every data call uses the forwarded user token.
    DatabricksApp,
}

impl Mode {
    /// The short badge text shown in the top bar.
    pub fn badge(self) -> &'static str {
        match self {
            Mode::Local => "Local",
            Mode::WorkspaceDev => "Databricks (dev)",
            Mode::DatabricksApp => "Databricks",
        }
    }
}

/// The caller as shown in the UI and returned by `whoami`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhoAmI {
    pub email: String,
    pub display_name: Option<String>,
    pub mode: Mode,
    /// How the identity was established, in words ("forwarded user token", "default local user", ...).
    pub identity_source: String,
    /// Where validation and generation runs can read the data (Databricks mode); empty locally,
    /// where the embedded engine always runs.
    #[serde(default)]
    pub engines: Vec<EngineOffer>,
}

/// One place a run can read the data, as offered to the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineOffer {
    pub engine: crate::model::runs::EngineChoice,
    /// In words: "on SQL warehouse W, as you", "as a DQX job run by the app".
    pub description: String,
}
