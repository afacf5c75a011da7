//! Validating rules against a table: a validation run and its results.

pub mod api;
pub mod page;
pub mod results;
pub mod step;
pub mod triage;
pub mod triage_api;
