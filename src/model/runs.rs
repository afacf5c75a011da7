//! Job runs as the server functions and the UI see them: kinds, states, progress, and the
//! generation result of ARCHITECTURE §5 (the validation result lives in `results`). The local
//! runner and the Databricks jobs produce the same shapes.

use super::profile::ColumnProfile;
use super::results::ValidationResult;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Sample sizes a generation may profile.
pub const MIN_GENERATION_SAMPLE: u64 = 10;
pub const MAX_GENERATION_SAMPLE: u64 = 10_000_000;
pub const DEFAULT_GENERATION_SAMPLE: u64 = 10_000;
/// Longest prompt accepted, in characters.
pub const MAX_PROMPT_CHARS: usize = 4_000;

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    Generation,
    Validation,
    /// A change-impact preview: a new version and the active one on the same sample.
    Impact,
}

impl RunKind {
    pub fn label(self) -> &'static str {
        match self {
            RunKind::Generation => "Generation",
            RunKind::Validation => "Validation",
            RunKind::Impact => "Impact preview",
        }
    }
}

/// Which engine reads the data for a run in Databricks mode. Locally the embedded engine always
/// runs and the choice is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EngineChoice {
    /// The SQL warehouse, with the caller's own token (the default).
    #[default]
    Warehouse,
    /// A DQX job run by the app's service principal, after every table it reads was probed as
    /// the caller.
    Job,
}

impl EngineChoice {
    pub fn label(self) -> &'static str {
        match self {
            EngineChoice::Warehouse => "warehouse",
            EngineChoice::Job => "job",
        }
    }
}

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Pending,
    Running,
    Completed,
    Failed,
    Canceled,
}

impl RunState {
    /// Whether the run has ended (its status will not change again).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunState::Completed | RunState::Failed | RunState::Canceled
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            RunState::Pending => "Queued",
            RunState::Running => "Running",
            RunState::Completed => "Completed",
            RunState::Failed => "Failed",
            RunState::Canceled => "Canceled",
        }
    }
}

/// How far a running job is: `done` of `total` (when known) `unit`s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub done: u64,
    pub total: Option<u64>,
    pub unit: String,
}

/// One line of the caller's run list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub run_id: String,
    pub kind: RunKind,
    pub table_name: String,
    pub state: RunState,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// Time from start to end (or to now while it runs), in milliseconds.
    pub elapsed_ms: u64,
    /// The platform's or the job's message for a failed or canceled run.
    pub message: Option<String>,
}

/// Everything `run_status` reports about one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStatus {
    #[serde(flatten)]
    pub summary: RunSummary,
    /// What the job is doing now ("queued", "profiling", "evaluating rules", ...).
    pub phase: String,
    pub progress: Option<Progress>,
    pub generation: Option<GenerationResult>,
    pub validation: Option<ValidationResult>,
    /// The job's output was cut by the platform (Databricks truncates notebook output).
    #[serde(default)]
    pub truncated: bool,
    /// The saved rule-set version a validation checked, when it was one.
    #[serde(default)]
    pub rule_set_version: Option<i32>,
    /// Where the run reads the data, in words ("on SQL warehouse W, as you").
    #[serde(default)]
    pub runs_on: Option<String>,
    /// A completed impact preview.
    #[serde(default)]
    pub impact: Option<super::review::ImpactPreview>,
    /// A registry change's preview across tables (its tables fill in as their runs end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_table: Option<super::registry_impact::CrossTableImpact>,
}

/// One profile DQX's profiler would emit (`DQProfile`): a kind of finding for a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileEntry {
    pub column: String,
    pub name: String,
    pub description: Option<String>,
    pub parameters: Value,
}

/// Facts about a generation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationMetadata {
    pub row_count: u64,
    pub total_row_count: u64,
    pub sample_limit: Option<u64>,
    pub column_count: usize,
    pub columns: Vec<String>,
    pub rules_generated: usize,
    /// Which generator produced the rules.
    pub generator: String,
}

/// The generation job's result document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationResult {
    pub table_name: String,
    pub user_prompt: String,
    pub summary: String,
    /// DQX checks, as JSON.
    pub rules: Vec<Value>,
    pub column_profiles: Vec<ProfileEntry>,
    pub metadata: GenerationMetadata,
    /// Per-column statistics behind the rules (the local runner fills these).
    #[serde(default)]
    pub column_stats: Vec<ColumnProfile>,
    /// Parts of the prompt the generator could not turn into a rule, with the reason.
    #[serde(default)]
    pub prompt_notes: Vec<String>,
}
