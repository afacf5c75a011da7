//! The `Assistant` capability: AI analysis of a rule set and AI-assisted generation. Three
//! implementations, picked once from the configuration: `ai_query` on the SQL warehouse as the user
//! (Databricks), any OpenAI-compatible endpoint (local), and the offline assistant (the local
//! default), which computes real findings from the data. Analyses are cached per user, table and
//! rule-set content.

pub mod ai_query;
pub mod edit;
pub mod generation;
pub mod offline;
pub mod openai;
pub mod prompt;
pub mod reply;
pub mod request;
pub mod triage;

use crate::model::analysis::Analysis;
use crate::model::profile::TableProfile;
use crate::model::results::ValidationResult;
use crate::model::rules::validate::validate_rule_set;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use serde_json::Value;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

/// Everything an analysis looks at.
#[derive(Debug, Clone, Default)]
pub struct AnalysisInput {
    pub table: String,
    /// (name, type) of every column.
    pub columns: Vec<(String, String)>,
    pub profile: Option<TableProfile>,
    pub validation: Option<ValidationResult>,
    pub rules: Vec<Value>,
    pub user_prompt: Option<String>,
}

/// Something that can answer a prompt (or, offline, cannot).
#[async_trait::async_trait]
pub trait Assistant: Send + Sync {
    /// How the UI names it.
    fn label(&self) -> String;
    /// The model's answer; `None` for the offline assistant.
    async fn complete(&self, caller: &Caller, prompt: &str) -> Option<Result<String, AppError>>;
}

/// The offline assistant: no model.
pub struct Offline;

#[async_trait::async_trait]
impl Assistant for Offline {
    fn label(&self) -> String {
        offline::LABEL.into()
    }
    async fn complete(&self, _: &Caller, _: &str) -> Option<Result<String, AppError>> {
        None
    }
}

#[async_trait::async_trait]
impl Assistant for openai::OpenAiCompatible {
    fn label(&self) -> String {
        format!("model {} (OpenAI-compatible)", self.model)
    }
    async fn complete(&self, _: &Caller, prompt: &str) -> Option<Result<String, AppError>> {
        Some(openai::OpenAiCompatible::complete(self, prompt).await)
    }
}

#[async_trait::async_trait]
impl Assistant for ai_query::AiQuery {
    fn label(&self) -> String {
        format!("model {} (ai_query, as you)", self.endpoint)
    }
    async fn complete(&self, caller: &Caller, prompt: &str) -> Option<Result<String, AppError>> {
        Some(ai_query::AiQuery::complete(self, caller, prompt).await)
    }
}

/// Today (UTC) as `YYYY-MM-DD`, for "in the future" findings.
pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// Analyses `input` with `assistant`; a model failure or an unreadable reply falls back to the
/// offline findings, saying so.
pub async fn analyze(
    assistant: &dyn Assistant,
    caller: &Caller,
    input: &AnalysisInput,
    today: &str,
) -> Analysis {
    let offline = offline::analyze(input, today);
    let Some(answer) = assistant
        .complete(caller, &prompt::analysis_prompt(input))
        .await
    else {
        return offline;
    };
    let reply = match answer {
        Ok(reply) => reply,
        Err(error) => {
            tracing::warn!(request_id = %caller.request_id, %error, "the model failed; offline analysis instead");
            return Analysis {
                note: Some(format!(
                    "The model could not be used ({}); this is the offline analysis instead.",
                    error.user_message()
                )),
                ..offline
            };
        }
    };
    match reply::analysis_from_reply(&reply) {
        Some(mut analysis) => {
            // A recommended rule must be a valid DQX check to be offered for one-click adding.
            for r in &mut analysis.recommendations {
                if let Some(rule) = &r.rule
                    && !validate_rule_set(&Value::Array(vec![rule.clone()]), None).is_valid()
                {
                    r.rule = None;
                }
            }
            analysis.assistant = assistant.label();
            analysis.based_on = offline.based_on;
            analysis.offline = false;
            analysis
        }
        None => Analysis {
            assistant: assistant.label(),
            raw_reply: Some(reply),
            note: Some("The model's reply was not the expected JSON, so it is shown as text; the findings are the offline analysis.".into()),
            ..offline
        },
    }
}

/// The assistant with its cache of analyses.
pub struct AnalysisService {
    pub assistant: Arc<dyn Assistant>,
    cache: Mutex<HashMap<u64, Analysis>>,
}

/// Analyses kept at most.
const CACHE_SIZE: usize = 256;

impl AnalysisService {
    pub fn new(assistant: Arc<dyn Assistant>) -> Self {
        Self {
            assistant,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The cache key: who asks, the table, and the content analysed.
    pub fn key(caller: &Caller, input: &AnalysisInput, validation_run: Option<&str>) -> u64 {
        let mut h = DefaultHasher::new();
        caller.email.hash(&mut h);
        input.table.hash(&mut h);
        Value::Array(input.rules.clone()).to_string().hash(&mut h);
        input.user_prompt.hash(&mut h);
        validation_run.hash(&mut h);
        h.finish()
    }

    pub fn cached(&self, key: u64) -> Option<Analysis> {
        self.cache.lock().ok()?.get(&key).cloned()
    }

    pub fn remember(&self, key: u64, analysis: &Analysis) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_SIZE {
                cache.clear();
            }
            cache.insert(key, analysis.clone());
        }
    }
}
