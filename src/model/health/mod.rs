//! Health without rules (issue 32): what one observation of a table records (when it last
//! changed, its row count, its shape and per-column statistics from a bounded sample), the
//! signals read from a table's observations against its own history (freshness, volume, schema
//! drift, column drift), each with a state and the reason in words.

pub mod alerting;
pub mod band;
pub mod columns;
pub mod freshness;
pub mod metrics;
pub mod observe;
pub mod schema;
pub mod view;
pub mod volume;
pub mod words;

use serde::{Deserialize, Serialize};

/// Observations a band needs before it judges (fewer: "not enough history yet").
pub const MIN_HISTORY: usize = 5;
/// Observations a band looks back over at most (a sliding window).
pub const WINDOW: usize = 28;

/// A signal's verdict, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalState {
    NotEnoughHistory,
    Ok,
    Warning,
    Anomaly,
}

impl SignalState {
    pub fn label(self) -> &'static str {
        match self {
            SignalState::NotEnoughHistory => "Not enough history yet",
            SignalState::Ok => "OK",
            SignalState::Warning => "Warning",
            SignalState::Anomaly => "Anomaly",
        }
    }
}

/// What a signal watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    Freshness,
    Volume,
    Schema,
    Column,
}

/// One signal of one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub kind: SignalKind,
    /// The column, for column drift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub state: SignalState,
    /// Why, in words ("3 h 10 min since the last change; it changes about every 60 min").
    pub reason: String,
}

/// A column's name, type and nullability as the catalog shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnShape {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
}

/// One column's statistics over an observation's bounded sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    pub name: String,
    /// Share of NULLs, 0 to 1.
    pub null_rate: f64,
    /// Distinct values over non-NULL values, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct_ratio: Option<f64>,
    /// Numeric columns: the mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
}

/// One cheap pass over a table: times are seconds since the Unix epoch, UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub observed_at: i64,
    /// When the table last changed (its newest commit, or the file's modification time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_change: Option<i64>,
    /// Earlier change times the table's history showed (any order), for its rhythm.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<i64>,
    pub row_count: u64,
    #[serde(default)]
    pub columns: Vec<ColumnShape>,
    /// Rows the column statistics were computed over.
    #[serde(default)]
    pub sampled_rows: u64,
    #[serde(default)]
    pub stats: Vec<ColumnStats>,
}

/// Every signal of a table at `now`: freshness and volume from its long `series` (row counts
/// and change times of many observations), schema and column drift from its `recent` whole
/// observations; both oldest first.
pub fn signals(series: &[Observation], recent: &[Observation], now: i64) -> Vec<Signal> {
    let mut out = vec![
        freshness::signal(series, now),
        volume::signal(series),
        schema::signal(recent),
    ];
    out.extend(columns::signals(recent));
    out
}

/// The worst state among `signals` (not enough history when there are none).
pub fn worst(signals: &[Signal]) -> SignalState {
    signals
        .iter()
        .map(|s| s.state)
        .max()
        .unwrap_or(SignalState::NotEnoughHistory)
}

/// "2 of 5 observations so far": why a band does not judge yet.
pub fn learning(have: usize, what: &str) -> Signal {
    Signal {
        kind: SignalKind::Volume,
        column: None,
        state: SignalState::NotEnoughHistory,
        reason: format!("{have} of {MIN_HISTORY} {what} so far; it is judged from then on"),
    }
}
