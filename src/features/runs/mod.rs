//! The caller's runs: status, cancel, and the list of recent runs.

pub mod api;
