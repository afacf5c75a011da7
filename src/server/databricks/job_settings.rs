//! The Jobs API's job definitions, as the job identity: read a job's settings, find jobs by name,
//! create one, replace its settings whole (`reset`), change some of them (`update`), delete it.
//! Replies are read tolerantly: unknown fields are ignored, missing lists are empty.

use super::jobs::Jobs;
use crate::server::error::AppError;
use reqwest::Method;
use serde_json::{Value, json};

/// A job as listed or read: its id and settings (`JobSettings`, kept as sent).
#[derive(Debug, Clone, PartialEq)]
pub struct JobDefinition {
    pub job_id: i64,
    pub settings: Value,
}

/// Jobs read per page of `jobs/list`, and pages read at most.
const PAGE: u32 = 100;
const MAX_PAGES: usize = 20;

impl JobDefinition {
    fn parse(value: &Value) -> Option<Self> {
        Some(Self {
            job_id: value.get("job_id")?.as_i64()?,
            settings: value.get("settings").cloned().unwrap_or(Value::Null),
        })
    }
}

impl Jobs {
    /// Job `job_id`'s definition.
    pub async fn get_job(&self, job_id: i64) -> Result<JobDefinition, AppError> {
        let reply = self
            .call(
                Method::GET,
                &format!("/api/2.1/jobs/get?job_id={job_id}"),
                None,
                &format!("reading job {job_id}"),
                Some(job_id),
            )
            .await?;
        JobDefinition::parse(&reply)
            .ok_or_else(|| AppError::internal("reading the job", "jobs/get returned no job_id"))
    }

    /// Jobs named exactly `name` (the workspace compares without case), or, without a name, all
    /// jobs: at most `MAX_PAGES` pages of `PAGE`.
    pub async fn list_jobs(&self, name: Option<&str>) -> Result<Vec<JobDefinition>, AppError> {
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut path = format!("/api/2.1/jobs/list?limit={PAGE}");
            if let Some(name) = name {
                path.push_str(&format!("&name={}", crate::url::encode_query_value(name)));
            }
            if let Some(t) = &token {
                path.push_str(&format!(
                    "&page_token={}",
                    crate::url::encode_query_value(t)
                ));
            }
            let reply = self
                .call(Method::GET, &path, None, "listing jobs", None)
                .await?;
            if let Some(jobs) = reply.get("jobs").and_then(Value::as_array) {
                found.extend(jobs.iter().filter_map(JobDefinition::parse));
            }
            token = reply
                .get("next_page_token")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            let more = reply
                .get("has_more")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if !more || token.is_none() {
                break;
            }
        }
        Ok(found)
    }

    /// Creates a job with `settings`; its id.
    pub async fn create_job(&self, settings: &Value) -> Result<i64, AppError> {
        let reply = self
            .call(
                Method::POST,
                "/api/2.1/jobs/create",
                Some(settings),
                "creating the schedule's job",
                None,
            )
            .await?;
        reply
            .get("job_id")
            .and_then(Value::as_i64)
            .ok_or_else(|| AppError::internal("creating the job", "jobs/create returned no job_id"))
    }

    /// Replaces job `job_id`'s settings whole.
    pub async fn reset_job(&self, job_id: i64, settings: &Value) -> Result<(), AppError> {
        let body = json!({"job_id": job_id, "new_settings": settings});
        self.call(
            Method::POST,
            "/api/2.1/jobs/reset",
            Some(&body),
            &format!("replacing job {job_id}'s settings"),
            Some(job_id),
        )
        .await
        .map(|_| ())
    }

    /// Changes the top-level settings given in `changes`, leaving the others.
    pub async fn update_job(&self, job_id: i64, changes: &Value) -> Result<(), AppError> {
        let body = json!({"job_id": job_id, "new_settings": changes});
        self.call(
            Method::POST,
            "/api/2.1/jobs/update",
            Some(&body),
            &format!("updating job {job_id}"),
            Some(job_id),
        )
        .await
        .map(|_| ())
    }

    /// Deletes job `job_id`.
    pub async fn delete_job(&self, job_id: i64) -> Result<(), AppError> {
        self.call(
            Method::POST,
            "/api/2.1/jobs/delete",
            Some(&json!({"job_id": job_id})),
            &format!("deleting job {job_id}"),
            Some(job_id),
        )
        .await
        .map(|_| ())
    }
}
