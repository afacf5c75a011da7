//! What the Monitor page shows: per table the viewer may read, its recent runs as trend points
//! (pass rate, errors, version, what started it), the rules failing in its last run, and its
//! schedule's next run.

use super::metrics::Trigger;
use serde::{Deserialize, Serialize};

/// Runs a table's sparkline shows.
pub const TREND_POINTS: u32 = 30;

/// One run on a trend line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub run_id: String,
    /// RFC 3339, UTC.
    pub at: String,
    /// 0–100.
    pub pass_rate: f64,
    pub input_row_count: u64,
    pub error_row_count: u64,
    pub version: Option<i32>,
    pub trigger: Trigger,
}

/// One table's trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableTrend {
    pub table: String,
    /// Oldest first, at most [`TREND_POINTS`].
    pub points: Vec<TrendPoint>,
    /// Rules with violations in the last run.
    pub failing_rules: Vec<String>,
    /// When its schedule runs next (RFC 3339, UTC), if it has an enabled one.
    pub next_run_at: Option<String>,
}

impl TableTrend {
    /// The last run's pass rate.
    pub fn last_pass_rate(&self) -> Option<f64> {
        self.points.last().map(|p| p.pass_rate)
    }
}

/// Every table the viewer may read that has runs or a schedule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MonitorOverview {
    pub tables: Vec<TableTrend>,
    /// Why runs from DQX's metrics table are missing (it could not be read as the viewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
