//! Databricks mode's runner: each run goes to the engine it asked for — the warehouse as the
//! caller (the default, in-process runs with `wh-` ids) or a DQX job as the service principal
//! (numeric Databricks run ids) — and status, cancel and listing find the run wherever it is.

use super::databricks::DatabricksJobRunner;
use super::local::InProcessRunner;
use super::{JobRequest, JobRunner};
use crate::model::runs::{EngineChoice, RunStatus, RunSummary};
use crate::model::session::EngineOffer;
use crate::server::caller::Caller;
use crate::server::error::AppError;

/// The warehouse runner and the job runner behind one `JobRunner`.
pub struct RoutedRunner {
    pub warehouse: InProcessRunner,
    /// "on SQL warehouse W, as you".
    pub warehouse_description: String,
    pub jobs: DatabricksJobRunner,
}

impl RoutedRunner {
    fn for_run(&self, run_id: &str) -> &dyn JobRunner {
        if self.warehouse.owns_id(run_id) {
            &self.warehouse
        } else {
            &self.jobs
        }
    }
}

#[async_trait::async_trait]
impl JobRunner for RoutedRunner {
    async fn start(&self, caller: &Caller, request: JobRequest) -> Result<RunSummary, AppError> {
        match request.engine() {
            EngineChoice::Warehouse => self.warehouse.start(caller, request).await,
            EngineChoice::Job => {
                // A generation job profiles the table as the service principal: where rows are
                // filtered or values masked, generation runs on the warehouse as the caller.
                if let JobRequest::Generation { .. } = &request {
                    let controls = self.jobs.access_controls(caller, request.table()).await?;
                    if let Some(what) = controls.describe() {
                        tracing::info!(table = %request.table(), %what, "generation runs on the warehouse as the caller");
                        return self
                            .warehouse
                            .start(caller, request.on_engine(EngineChoice::Warehouse))
                            .await;
                    }
                }
                self.jobs.start(caller, request).await
            }
        }
    }

    async fn status(&self, caller: &Caller, run_id: &str) -> Result<RunStatus, AppError> {
        self.for_run(run_id).status(caller, run_id).await
    }

    async fn cancel(&self, caller: &Caller, run_id: &str) -> Result<RunStatus, AppError> {
        self.for_run(run_id).cancel(caller, run_id).await
    }

    async fn validated_rules(
        &self,
        caller: &Caller,
        run_id: &str,
    ) -> Result<Vec<serde_json::Value>, AppError> {
        self.for_run(run_id).validated_rules(caller, run_id).await
    }

    fn engines(&self) -> Vec<EngineOffer> {
        let mut offers = vec![EngineOffer {
            engine: EngineChoice::Warehouse,
            description: self.warehouse_description.clone(),
        }];
        if self.jobs.can_validate() {
            offers.push(EngineOffer {
                engine: EngineChoice::Job,
                description: "as a DQX job run by the app (after every table the rules read is checked as you)".into(),
            });
        }
        offers
    }

    async fn list(&self, caller: &Caller) -> Result<Vec<RunSummary>, AppError> {
        let mut all = self.warehouse.list(caller).await?;
        all.extend(self.jobs.list(caller).await?);
        all.sort_by(|a, b| b.started_at.cmp(&a.started_at));
        Ok(all)
    }
}
