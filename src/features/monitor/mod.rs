//! Watching tables over time: a table's runs (by anyone who may read it) as DQX summary metrics,
//! trends on the Monitor page, schedules and alerts.

pub mod api;
pub mod chart;
pub mod health_api;
pub mod health_view;
pub mod page;
pub mod settings;
