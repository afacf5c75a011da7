//! The integration tests, as one test binary: each module is a suite that used to be a binary of
//! its own. One binary links the app (DataFusion and all) once instead of sixteen times, which
//! took minutes of every cold `make test`. The hostile-input suite (it bounds the process's RSS)
//! and the bundle start test (run on its own after the bundle is built) stay separate binaries.

// Test code: an unwrap that fails is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// The Spark parity suite's rule set is one large `json!` literal.
#![recursion_limit = "512"]

#[path = "../common/mod.rs"]
mod common;

mod alert_conditions;
mod alerts;
mod alerts_workspace;
mod assistant;
mod cli;
mod compare_datasets;
mod databricks;
mod databricks_warehouse;
mod dataset_checks;
mod dqx_accepts;
mod dqx_catalogue;
mod dqx_jobs;
mod edits;
mod engine_checks;
mod engine_formats;
mod examples;
mod format_checks;
mod health;
mod health_notebook;
mod health_workspace;
mod history_api;
mod http_api;
mod local_workspace;
mod monitor_api;
mod monitor_notebook;
mod profile_generate;
mod prompt_generation;
mod publish;
mod registry_effective;
mod registry_impact;
mod registry_promote;
mod registry_rules;
mod registry_scope;
mod review_api;
mod sample_data;
mod schedule_jobs;
mod schedules;
mod spark_parity;
mod store;
mod triage;
mod workflow_api;
