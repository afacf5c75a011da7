//! Runs on the SQL warehouse as the caller (Databricks mode's default engine): validation is the
//! engine's one-pass plan compiled to Spark SQL — one counting statement, then one sampling
//! statement when something failed — and generation is the profiler's two passes on the warehouse
//! followed by the same generator and prompt reader as locally, with `ai_query` as the caller.
//! Every statement carries the caller's token, so Unity Catalog applies their grants, row filters
//! and column masks to every table a rule touches.

use super::JobRequest;
use super::local::RunWork;
use super::local::record::{Output, RunRecord};
use crate::engine::compile::{RefShape, References, reference_names};
use crate::engine::generate::GeneratorOptions;
use crate::engine::generation::generation_result;
use crate::engine::profile::profile_with;
use crate::engine::spark_plan::{Counts, SparkPlan, TableShape, spark_now};
use crate::engine::sql::{Dialect, first_line};
use crate::engine::text_query::{TextQuery, TextRows};
use crate::model::results::ValidationResult;
use crate::model::rules::ResolvedRule;
use crate::model::rules::validate::validate_rule_set;
use crate::model::table_name::TableName;
use crate::server::assistant::Assistant;
use crate::server::caller::Caller;
use crate::server::databricks::statements::{Rows, Statements};
use crate::server::databricks::user_token;
use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use crate::server::workspace::Workspace;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long one validation or profiling statement may run before it is canceled.
pub const WAREHOUSE_STATEMENT_LIMIT: Duration = Duration::from_secs(30 * 60);

/// Statements a failed validation may spend finding which rules the warehouse cannot analyse.
pub const MAX_RULE_PROBES: usize = 200;

/// The warehouse as the caller.
pub struct WarehouseWork {
    pub workspace: Arc<dyn Workspace>,
    pub statements: Statements,
    /// `ai_query` as the caller, for AI-assisted generation when an endpoint is configured.
    pub assistant: Option<Arc<dyn Assistant>>,
}

/// Statements as one caller, keeping the current statement's id on the run.
struct AsCaller<'a> {
    statements: &'a Statements,
    token: &'a SecretToken,
    tracker: &'a Mutex<Option<String>>,
}

impl AsCaller<'_> {
    async fn run(&self, sql: &str) -> Result<Rows, AppError> {
        self.statements
            .run_tracked(
                self.token,
                sql,
                &[],
                WAREHOUSE_STATEMENT_LIMIT,
                Some(self.tracker),
            )
            .await
    }
}

#[async_trait::async_trait]
impl TextQuery for AsCaller<'_> {
    async fn query(&self, sql: &str) -> Result<TextRows, String> {
        Ok(self.run(sql).await.map_err(|e| e.user_message())?.into())
    }
}

/// The warehouse plan for `rules` on `table`, whose columns are read as the caller. With
/// `require_valid`, rules the validator refuses are a 400; without, they are left out (as
/// the validator's resolved rules leave them).
pub async fn plan_for(
    workspace: &dyn Workspace,
    caller: &Caller,
    table: &TableName,
    rules: Vec<Value>,
    require_valid: bool,
) -> Result<SparkPlan, AppError> {
    let columns = workspace.columns(caller, table).await?;
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let resolved = if require_valid {
        super::valid_rules_for(table, rules, &names)?
    } else {
        validate_rule_set(&Value::Array(rules), Some(&names)).rules
    };
    let now = spark_now(None).map_err(AppError::BadRequest)?;
    let mut shape = shape_of(&columns);
    shape.references = reference_shapes(workspace, caller, &resolved).await;
    Ok(SparkPlan::new(
        &table.quoted(),
        &table.to_string(),
        &shape,
        &resolved,
        &now,
    ))
}

/// The columns of the tables `compare_datasets` rules compare against, read as the caller (a
/// name that is not `catalog.schema.table`, or a table the caller cannot read, keeps why).
async fn reference_shapes(
    workspace: &dyn Workspace,
    caller: &Caller,
    rules: &[ResolvedRule],
) -> References {
    let mut references = References::new();
    for name in rules.iter().flat_map(reference_names) {
        if references.contains_key(&name) {
            continue;
        }
        let shape = match TableName::parse(&name) {
            Err(e) => Err(format!("'{name}' is not a catalog.schema.table name: {e}")),
            Ok(reference) => match workspace.columns(caller, &reference).await {
                Ok(columns) => Ok(RefShape {
                    columns: columns.iter().map(|c| c.name.clone()).collect(),
                    types: columns.iter().map(|c| c.data_type.clone()).collect(),
                }),
                Err(e) => Err(e.user_message()),
            },
        };
        references.insert(name, shape);
    }
    references
}

/// The shape of a table from its Unity Catalog columns.
pub fn shape_of(columns: &[crate::model::catalog::ColumnInfo]) -> TableShape {
    TableShape {
        columns: columns.iter().map(|c| c.name.clone()).collect(),
        types: columns.iter().map(|c| c.data_type.clone()).collect(),
        nullable: columns.iter().map(|c| c.nullable).collect(),
        references: References::new(),
    }
}

impl WarehouseWork {
    fn as_caller<'a>(
        &'a self,
        caller: &'a Caller,
        record: &'a RunRecord,
    ) -> Result<AsCaller<'a>, AppError> {
        Ok(AsCaller {
            statements: &self.statements,
            token: user_token(caller)?,
            tracker: &record.remote_id,
        })
    }

    async fn validate(
        &self,
        caller: &Caller,
        record: &RunRecord,
        table: &TableName,
        rules: Vec<Value>,
    ) -> Result<Option<Output>, AppError> {
        if !record.enter("reading the table's columns (Unity Catalog, as you)", None) {
            return Ok(None);
        }
        let mut plan = plan_for(self.workspace.as_ref(), caller, table, rules, true).await?;
        let sql = self.as_caller(caller, record)?;
        let started = Instant::now();
        let phase = format!(
            "counting violations on warehouse {} (as you)",
            self.statements.warehouse
        );
        if !record.enter(&phase, None) {
            return Ok(None);
        }
        let counts = match self.count(&sql, &plan).await {
            Ok(counts) => counts,
            Err(AppError::BadRequest(why)) => {
                // Some rule the warehouse cannot analyse: find it, report it as DQX reports a
                // skipped check, and count again.
                if !record.enter("finding the rules the warehouse refused", None) {
                    return Ok(None);
                }
                let skipped = skip_unanalysable(&sql, &mut plan).await?;
                if skipped == 0 {
                    return Err(AppError::BadRequest(why));
                }
                if !record.enter(&phase, None) {
                    return Ok(None);
                }
                self.count(&sql, &plan).await?
            }
            Err(other) => return Err(other),
        };
        if !record.enter("keeping sample violating rows (as you)", None) {
            return Ok(None);
        }
        let samples = match plan.samples_sql(&counts) {
            Some(sql_text) => plan.read_samples(&sql.run(&sql_text).await?.rows),
            None => Vec::new(),
        };
        let result = plan.result(&counts, samples, started);
        Ok(Some(Output::Validation(Box::new(result))))
    }

    async fn count(&self, sql: &AsCaller<'_>, plan: &SparkPlan) -> Result<Counts, AppError> {
        let rows = sql.run(&plan.counts_sql()).await?;
        let row = rows.rows.first().ok_or_else(|| {
            AppError::internal("counting violations", "the statement returned no row")
        })?;
        plan.read_counts(row)
            .map_err(|e| AppError::internal("reading the violation counts", e))
    }

    async fn generate(
        &self,
        caller: &Caller,
        record: &RunRecord,
        table: &TableName,
        prompt: &str,
        sample_limit: u64,
    ) -> Result<Option<Output>, AppError> {
        if !record.enter("reading the table's columns (Unity Catalog, as you)", None) {
            return Ok(None);
        }
        let columns = self.workspace.columns(caller, table).await?;
        let fields: Vec<(String, String)> = columns
            .iter()
            .map(|c| (c.name.clone(), c.data_type.clone()))
            .collect();
        if !record.enter(
            &format!(
                "profiling on warehouse {} (as you)",
                self.statements.warehouse
            ),
            None,
        ) {
            return Ok(None);
        }
        let sql = self.as_caller(caller, record)?;
        let profile = profile_with(
            &sql,
            Dialect::Spark,
            &table.quoted(),
            &table.to_string(),
            &fields,
            Some(sample_limit),
        )
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
        if !record.enter("generating rules", None) {
            return Ok(None);
        }
        let mut result = generation_result(&profile, prompt, &GeneratorOptions::default());
        if let Some(assistant) = &self.assistant {
            if !record.enter("asking the model for rules (ai_query, as you)", None) {
                return Ok(None);
            }
            let input = crate::server::assistant::AnalysisInput {
                table: table.to_string(),
                columns: fields,
                profile: Some(profile),
                validation: None,
                rules: Vec::new(),
                user_prompt: Some(prompt.to_string()),
            };
            result = crate::server::assistant::generation::with_model(
                assistant.as_ref(),
                caller,
                &input,
                result,
            )
            .await;
        }
        Ok(Some(Output::Generation(Box::new(result))))
    }

    /// Sample violating rows for a job's counts, read as the caller (so masks and row filters
    /// apply): the job's own samples are dropped, and refilled from the warehouse.
    pub async fn samples_for(
        &self,
        caller: &Caller,
        table: &TableName,
        rules: &[Value],
        result: &mut ValidationResult,
    ) -> Result<(), AppError> {
        for rule in &mut result.rule_results {
            rule.sample_violations.clear();
        }
        let plan = plan_for(
            self.workspace.as_ref(),
            caller,
            table,
            rules.to_vec(),
            false,
        )
        .await?;
        let per_rule: Vec<u64> = (0..plan.len())
            .map(|i| {
                result
                    .rule_results
                    .iter()
                    .find(|r| r.rule_name == plan.rule_name(i))
                    .map_or(0, |r| r.violation_count)
            })
            .collect();
        let counts = Counts {
            per_rule,
            ..Default::default()
        };
        let Some(sql_text) = plan.samples_sql(&counts) else {
            return Ok(());
        };
        let rows = self
            .statements
            .run(
                user_token(caller)?,
                &sql_text,
                &[],
                WAREHOUSE_STATEMENT_LIMIT,
            )
            .await?;
        let samples = plan.read_samples(&rows.rows);
        for (i, rule_samples) in samples.into_iter().enumerate() {
            if let Some(r) = result
                .rule_results
                .iter_mut()
                .find(|r| r.rule_name == plan.rule_name(i))
            {
                r.sample_violations = rule_samples;
            }
        }
        Ok(())
    }
}

/// Probes each rule on its own (zero rows) and marks the ones the warehouse refuses as skipped,
/// with the warehouse's reason. A refusal that is about access (a table the caller may not read)
/// fails the run instead, naming the table. Returns how many rules were skipped.
async fn skip_unanalysable(sql: &AsCaller<'_>, plan: &mut SparkPlan) -> Result<usize, AppError> {
    let mut skipped = 0;
    for index in 0..plan.len().min(MAX_RULE_PROBES) {
        let Some(probe) = plan.probe_sql(index) else {
            continue;
        };
        match sql.run(&probe).await {
            Ok(_) => {}
            Err(AppError::BadRequest(why)) => {
                let why = why
                    .split_once("failed: ")
                    .map_or(why.as_str(), |(_, w)| w)
                    .to_string();
                let message = match plan.message_probe_sql(index) {
                    Some(message_probe) => match sql.run(&message_probe).await {
                        Err(AppError::BadRequest(_)) => plan.message_skip(index),
                        Err(other) => return Err(other),
                        Ok(_) => None,
                    },
                    None => None,
                };
                plan.skip(
                    index,
                    message.unwrap_or_else(|| {
                        format!("Check evaluation skipped: {}", first_line(&why))
                    }),
                );
                skipped += 1;
            }
            Err(other) => return Err(other),
        }
    }
    Ok(skipped)
}

#[async_trait::async_trait]
impl RunWork for WarehouseWork {
    fn id_prefix(&self) -> &'static str {
        "wh-"
    }

    fn runs_on(&self) -> Option<String> {
        Some(format!(
            "on SQL warehouse {}, as you",
            self.statements.warehouse
        ))
    }

    /// The statements themselves run as the caller; here only the table's metadata is read,
    /// as the caller, so a table they cannot see is refused before a run exists.
    async fn probe(&self, caller: &Caller, table: &TableName) -> Result<(), AppError> {
        self.workspace.columns(caller, table).await.map(|_| ())
    }

    async fn run(
        &self,
        caller: &Caller,
        record: &RunRecord,
        request: JobRequest,
    ) -> Result<Option<Output>, AppError> {
        match request {
            JobRequest::Validation { table, rules, .. } => {
                self.validate(caller, record, &table, rules).await
            }
            JobRequest::Generation {
                table,
                prompt,
                sample_limit,
                ..
            } => {
                self.generate(caller, record, &table, &prompt, sample_limit)
                    .await
            }
            impact @ JobRequest::Impact { .. } => self.preview(caller, record, impact).await,
        }
    }

    async fn cancel_remote(&self, caller: &Caller, record: &RunRecord) {
        let id = record
            .remote_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let (Some(id), Ok(token)) = (id, user_token(caller)) {
            self.statements.cancel(token, &id).await;
        }
    }
}

impl WarehouseWork {
    /// The change-impact preview on the warehouse, as the caller: both versions in one plan
    /// over the same fixed sample, one counting statement and, when rows change, one sampling
    /// statement.
    async fn preview(
        &self,
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
        let started = Instant::now();
        if !record.enter("reading the table's columns (Unity Catalog, as you)", None) {
            return Ok(None);
        }
        let columns = self.workspace.columns(caller, &table).await?;
        let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let mut after = super::valid_rules_for(&table, after, &names)?;
        let mut before = validate_rule_set(&Value::Array(before), Some(&names)).rules;
        let mut shape = shape_of(&columns);
        let withheld = super::withhold::withhold(
            self.workspace.as_ref(),
            caller,
            &table,
            &shape,
            &authors,
            &mut before,
            &mut after,
        )
        .await;
        let mut rules = before.clone();
        rules.extend(after.iter().cloned());
        shape.references = reference_shapes(self.workspace.as_ref(), caller, &rules).await;
        let now = spark_now(None).map_err(AppError::BadRequest)?;
        let input = crate::engine::spark_impact::SparkImpactInput {
            table_sql: &table.quoted(),
            table_name: &table.to_string(),
            shape: &shape,
            before: &before,
            after: &after,
            changes: &changes,
            version,
            against_version,
            sample_rows,
            now_sql: &now,
            computed_by: &caller.email,
        };
        let mut impact = crate::engine::spark_impact::SparkImpact::new(&input);
        let phase = format!(
            "checking both versions on {sample_rows} rows on warehouse {} (as you)",
            self.statements.warehouse
        );
        if !record.enter(&phase, None) {
            return Ok(None);
        }
        let sql = self.as_caller(caller, record)?;
        let counts = match sql.run(&impact.counts_sql()).await {
            Ok(rows) => rows,
            Err(AppError::BadRequest(why)) => {
                if skip_unanalysable(&sql, &mut impact.plan).await? == 0 {
                    return Err(AppError::BadRequest(why));
                }
                sql.run(&impact.counts_sql()).await?
            }
            Err(other) => return Err(other),
        };
        let row = counts.rows.first().cloned().ok_or_else(|| {
            AppError::internal("counting the impact", "the statement returned no row")
        })?;
        let samples = if crate::engine::spark_impact::SparkImpact::worth_sampling(&row) {
            if !record.enter("keeping rows that start or stop failing (as you)", None) {
                return Ok(None);
            }
            sql.run(&impact.samples_sql()).await?.rows
        } else {
            Vec::new()
        };
        let preview = impact
            .read(&row, &samples, started.elapsed().as_millis() as u64)
            .map_err(|e| AppError::internal("reading the impact counts", e))?;
        Ok(Some(Output::Impact(Box::new(
            withheld.apply(preview, &changes),
        ))))
    }
}
