//! A table's schedule as the app shows it: when its active (approved) rule set runs, in which time
//! zone, whose it is and when it runs next; and the bounds on schedules.

use serde::{Deserialize, Serialize};

/// Schedules the app keeps at most (each table has at most one).
pub const MAX_SCHEDULES: usize = 500;
/// Longest time-zone name accepted (IANA names are far shorter).
pub const MAX_ZONE_CHARS: usize = 64;

/// One table's schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub table: String,
    /// Standard 5-field cron, in `timezone`.
    pub cron: String,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub timezone: String,
    pub enabled: bool,
    /// Who set it (scheduled runs run as them locally).
    pub owner: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
    /// When it runs next (RFC 3339, UTC); none when paused or never again.
    pub next_run_at: Option<String>,
    /// The due time it last fired for (RFC 3339, UTC).
    pub last_due_at: Option<String>,
    /// The run it last started.
    pub last_run_id: Option<String>,
    /// Why its last firing did not run, in words.
    pub last_error: Option<String>,
    /// Whose rights scheduled runs read with, in words.
    pub runs_as: String,
}

/// Every schedule of tables the viewer may read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScheduleList {
    pub schedules: Vec<Schedule>,
}

/// What `set_schedule` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSet {
    pub next_run_at: Option<String>,
    pub schedule: Schedule,
}
