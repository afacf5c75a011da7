//! The Jobs API as the job identity: the app's service principal (OAuth M2M) in a Databricks App,
//! or the developer's personal access token in workspace-dev mode. A token the workspace refuses
//! is replaced once (one mint however many calls saw the refusal) and the call retried once.

use super::DatabricksClient;
use super::auth::ServicePrincipal;
use super::error::{CallSite, Principal};
use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use reqwest::Method;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Who runs jobs.
#[derive(Clone)]
pub enum JobIdentity {
    ServicePrincipal(Arc<ServicePrincipal>),
    PersonalToken(SecretToken),
}

/// Jobs calls for one workspace.
#[derive(Clone)]
pub struct Jobs {
    pub client: DatabricksClient,
    pub identity: JobIdentity,
}

impl Jobs {
    pub(super) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        doing: &str,
        job: Option<i64>,
    ) -> Result<Value, AppError> {
        let site = CallSite {
            host: self.client.host.clone(),
            warehouse: None,
            job,
        };
        match &self.identity {
            JobIdentity::PersonalToken(pat) => self
                .client
                .call(method, path, pat, body)
                .await
                .map_err(|e| e.to_app(Principal::User, doing, &site)),
            JobIdentity::ServicePrincipal(sp) => sp
                .call(method, path, body)
                .await?
                .map_err(|e| e.to_app(Principal::ServicePrincipal, doing, &site)),
        }
    }

    /// Starts job `job_id`; the idempotency token makes a retried request start one run only.
    pub async fn run_now(
        &self,
        job_id: i64,
        parameters: Map<String, Value>,
        idempotency_token: &str,
    ) -> Result<i64, AppError> {
        let body = json!({"job_id": job_id, "job_parameters": parameters, "idempotency_token": idempotency_token});
        let reply = self
            .call(
                Method::POST,
                "/api/2.1/jobs/run-now",
                Some(&body),
                &format!("starting job {job_id}"),
                Some(job_id),
            )
            .await?;
        super::job_wire::RunNow::parse(reply)
            .map_err(|e| AppError::internal("starting the job", e))?
            .run_id
            .ok_or_else(|| AppError::internal("starting the job", "run-now returned no run_id"))
    }

    /// The run (state, tasks).
    pub async fn get_run(&self, run_id: i64) -> Result<super::job_wire::Run, AppError> {
        let run = self
            .call(
                Method::GET,
                &format!("/api/2.1/jobs/runs/get?run_id={run_id}"),
                None,
                "reading the run",
                None,
            )
            .await?;
        super::job_wire::Run::parse(run).map_err(|e| AppError::internal("reading the run", e))
    }

    /// The output of a task run.
    pub async fn get_output(
        &self,
        task_run_id: i64,
    ) -> Result<super::job_wire::RunOutput, AppError> {
        let out = self
            .call(
                Method::GET,
                &format!("/api/2.1/jobs/runs/get-output?run_id={task_run_id}"),
                None,
                "reading the run's output",
                None,
            )
            .await?;
        super::job_wire::RunOutput::parse(out)
            .map_err(|e| AppError::internal("reading the run's output", e))
    }

    /// Asks the workspace to cancel the run.
    pub async fn cancel(&self, run_id: i64) -> Result<(), AppError> {
        self.call(
            Method::POST,
            "/api/2.1/jobs/runs/cancel",
            Some(&json!({"run_id": run_id})),
            "canceling the run",
            None,
        )
        .await
        .map(|_| ())
    }
}
