//! Server-only code: configuration, state, caller identity, errors, telemetry and the backends.

pub mod alerts;
pub mod assistant;
pub mod caller;
pub mod config;
pub mod databricks;
pub mod error;
pub mod health;
pub mod jobs;
pub mod limits;
pub mod monitor;
pub mod overview;
pub mod publish;
pub mod registry;
pub mod request;
pub mod request_guard;
pub mod review;
pub mod routes;
pub mod runtime;
pub mod schedule;
pub mod scopes;
pub mod secret;
pub mod state;
pub mod state_databricks;
pub mod store;
pub mod telemetry;
pub mod workspace;
