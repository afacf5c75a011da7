//! What a local job does, as the caller: generation = profile (within the sample limit) +
//! generator + prompt; validation = the engine's one-pass evaluation over the whole table.

use super::RunWork;
use super::record::{Output, RunRecord};
use crate::engine::evaluate::{EvalOptions, evaluate};
use crate::engine::generate::GeneratorOptions;
use crate::engine::generation::generation_result;
use crate::engine::profile::profile_table;
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::jobs::JobRequest;
use crate::server::workspace::Workspace;
use crate::server::workspace::local::LocalWorkspace;
use serde_json::Value;

/// Runs on the embedded workspace, as the caller.
pub struct LocalWork {
    pub workspace: std::sync::Arc<LocalWorkspace>,
    /// A model for AI-assisted generation, when one is configured.
    pub assistant: Option<std::sync::Arc<dyn crate::server::assistant::Assistant>>,
}

#[async_trait::async_trait]
impl RunWork for LocalWork {
    fn id_prefix(&self) -> &'static str {
        "local-"
    }

    async fn probe(&self, caller: &Caller, table: &TableName) -> Result<(), AppError> {
        self.workspace.probe_read(caller, table).await
    }

    async fn run(
        &self,
        caller: &Caller,
        record: &RunRecord,
        request: JobRequest,
    ) -> Result<Option<Output>, AppError> {
        run(
            &self.workspace,
            self.assistant.as_deref(),
            caller,
            record,
            request,
        )
        .await
    }
}

/// Runs `request` for `caller`, reporting phases on `record`; `None` when the run was canceled.
async fn run(
    workspace: &LocalWorkspace,
    assistant: Option<&dyn crate::server::assistant::Assistant>,
    caller: &Caller,
    record: &RunRecord,
    request: JobRequest,
) -> Result<Option<Output>, AppError> {
    match request {
        JobRequest::Generation {
            table,
            prompt,
            sample_limit,
            ..
        } => {
            generate(
                workspace,
                assistant,
                caller,
                record,
                &table,
                &prompt,
                sample_limit,
            )
            .await
        }
        JobRequest::Validation { table, rules, .. } => {
            validate(workspace, caller, record, &table, rules).await
        }
        impact @ JobRequest::Impact { .. } => preview(workspace, caller, record, impact).await,
    }
}

async fn generate(
    workspace: &LocalWorkspace,
    assistant: Option<&dyn crate::server::assistant::Assistant>,
    caller: &Caller,
    record: &RunRecord,
    table: &TableName,
    prompt: &str,
    sample_limit: u64,
) -> Result<Option<Output>, AppError> {
    if !record.enter("profiling the table", None) {
        return Ok(None);
    }
    let ctx = workspace.session_for_caller(caller)?;
    let profile = profile_table(
        &ctx,
        &table.quoted(),
        &table.to_string(),
        Some(sample_limit),
    )
    .await
    .map_err(|e| AppError::internal(format!("profiling {table}"), e))?;
    if !record.enter("generating rules", None) {
        return Ok(None);
    }
    let mut result = generation_result(&profile, prompt, &GeneratorOptions::default());
    if let Some(assistant) = assistant {
        if !record.enter("asking the model for rules", None) {
            return Ok(None);
        }
        let input = crate::server::assistant::AnalysisInput {
            table: table.to_string(),
            columns: profile
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.data_type.clone()))
                .collect(),
            profile: Some(profile),
            validation: None,
            rules: Vec::new(),
            user_prompt: Some(prompt.to_string()),
        };
        result =
            crate::server::assistant::generation::with_model(assistant, caller, &input, result)
                .await;
    }
    Ok(Some(Output::Generation(Box::new(result))))
}

async fn validate(
    workspace: &LocalWorkspace,
    caller: &Caller,
    record: &RunRecord,
    table: &TableName,
    rules: Vec<Value>,
) -> Result<Option<Output>, AppError> {
    if !record.enter("reading the table", None) {
        return Ok(None);
    }
    let description = workspace.describe_table(caller, table).await?;
    let columns: Vec<String> = description.columns.iter().map(|c| c.name.clone()).collect();
    let rules = crate::server::jobs::valid_rules_for(table, rules, &columns)?;
    if !record.enter("checking rows", description.row_count) {
        return Ok(None);
    }
    let ctx = workspace.session_for_caller(caller)?;
    let options = EvalOptions {
        rows_done: Some(record.rows_done.clone()),
        ..Default::default()
    };
    let evaluation = evaluate(&ctx, &table.quoted(), &table.to_string(), &rules, &options)
        .await
        .map_err(|e| AppError::internal(format!("validating {table}"), e))?;
    Ok(Some(Output::Validation(Box::new(evaluation.result))))
}

/// Runs the active rules and the new ones on the same fixed sample, as the caller.
async fn preview(
    workspace: &LocalWorkspace,
    caller: &Caller,
    record: &RunRecord,
    request: JobRequest,
) -> Result<Option<Output>, AppError> {
    let JobRequest::Impact {
        table,
        version,
        against_version,
        before,
        after,
        changes,
        sample_rows,
        authors,
    } = request
    else {
        return Err(AppError::internal(
            "an impact preview",
            "not an impact request",
        ));
    };
    if !record.enter("reading the sample", None) {
        return Ok(None);
    }
    let description = workspace.describe_table(caller, &table).await?;
    // The sample holds at most the table's rows: progress counts what will be checked.
    let sample_total = description
        .row_count
        .map_or(sample_rows, |n| n.min(sample_rows));
    let columns: Vec<String> = description.columns.iter().map(|c| c.name.clone()).collect();
    let mut after = crate::server::jobs::valid_rules_for(&table, after, &columns)?;
    // The active version may name columns that are gone: it is compared as far as it runs.
    let mut before =
        crate::model::rules::validate::validate_rule_set(&Value::Array(before), None).rules;
    let shape = crate::server::jobs::warehouse::shape_of(&description.columns);
    let withheld = crate::server::jobs::withhold::withhold(
        workspace,
        caller,
        &table,
        &shape,
        &authors,
        &mut before,
        &mut after,
    )
    .await;
    let ctx = workspace.session_for_caller(caller)?;
    if !record.enter("checking both versions on the sample", Some(sample_total)) {
        return Ok(None);
    }
    let input = crate::engine::impact::ImpactInput {
        table_sql: &table.quoted(),
        table_name: &table.to_string(),
        version,
        against_version,
        before: &before,
        after: &after,
        changes: &changes,
        sample_rows,
        computed_by: &caller.email,
        now: None,
    };
    let preview = crate::engine::impact::preview(&ctx, &input)
        .await
        .map_err(|e| AppError::internal(format!("previewing version {version} of {table}"), e))?;
    Ok(Some(Output::Impact(Box::new(
        withheld.apply(preview, &changes),
    ))))
}
