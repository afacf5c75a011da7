//! One analysis request, end to end: the table's columns and the last validation read as the
//! caller, the cached analysis if the same content was analysed, else the profile and the
//! assistant's analysis (remembered).

use super::{AnalysisInput, AnalysisService, analyze, today};
use crate::model::analysis::Analysis;
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::state::AppState;
use serde_json::Value;

/// What the caller asked to have analysed.
pub struct AnalysisRequest<'a> {
    pub table: &'a TableName,
    /// Within the request bounds already.
    pub rules: Vec<Value>,
    pub user_prompt: Option<String>,
    /// A validation run of the caller's whose result informs the analysis (ignored when it
    /// validated another table).
    pub validation_run_id: Option<&'a str>,
}

/// Analyses the caller's rules for a table they may read.
pub async fn analyze_for(
    state: &AppState,
    caller: &Caller,
    request: AnalysisRequest<'_>,
) -> Result<Analysis, AppError> {
    let name = request.table;
    let description = state.workspace.describe_table(caller, name).await?;
    let run = request.validation_run_id.filter(|r| !r.is_empty());
    let validation = match run {
        None => None,
        Some(run) => {
            let status = state.jobs.status(caller, run).await?;
            status
                .validation
                .filter(|v| v.table_name == name.to_string())
        }
    };
    let mut input = AnalysisInput {
        table: name.to_string(),
        columns: description
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.data_type.clone()))
            .collect(),
        profile: None,
        validation,
        rules: request.rules,
        user_prompt: request.user_prompt.filter(|p| !p.trim().is_empty()),
    };
    let service: &AnalysisService = &state.analysis;
    let key = AnalysisService::key(caller, &input, run);
    if let Some(hit) = service.cached(key) {
        return Ok(hit);
    }
    input.profile = state.workspace.profile(caller, name).await?;
    let analysis = analyze(service.assistant.as_ref(), caller, &input, &today()).await;
    service.remember(key, &analysis);
    Ok(analysis)
}
