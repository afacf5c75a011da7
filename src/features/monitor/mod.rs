//! Watching tables over time: a table's runs (by anyone who may read it) as DQX summary metrics.

pub mod api;
