//! Why a rule's rows fail: the segments where its failures concentrate (a value of a
//! low-cardinality column, a day of a date or timestamp column, a column being NULL), each with
//! the share of failing and of passing rows it holds, and whether the failures cluster in time.

use serde::{Deserialize, Serialize};

/// One segment of the rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub column: String,
    /// The column's value (as text; `None` with `bucket` or `is_null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The day (`YYYY-MM-DD`) of a date or timestamp column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// The segment is the rows where the column is NULL.
    #[serde(default)]
    pub is_null: bool,
    /// Share of the rule's failing rows in the segment.
    pub failing_share: f64,
    /// Share of the passing rows in the segment.
    pub passing_share: f64,
    /// `failing_share / passing_share` (passing share floored at one row).
    pub lift: f64,
    /// Failing rows in the segment.
    pub rows: u64,
}

impl Segment {
    /// The segment in words: "currency is NULL", "status = paid", "order_ts on 2024-03-14".
    pub fn label(&self) -> String {
        if self.is_null {
            format!("{} is NULL", self.column)
        } else if let Some(day) = &self.bucket {
            format!("{} on {day}", self.column)
        } else {
            format!("{} = {}", self.column, self.value.as_deref().unwrap_or(""))
        }
    }
}

/// Failures clustered in time: the fewest days of one column holding most failures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InTime {
    pub column: String,
    /// The days, earliest first.
    pub buckets: Vec<String>,
    pub failing_share: f64,
    pub passing_share: f64,
}

/// One rule's triage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleTriage {
    pub rule_name: String,
    /// Failing and passing rows looked at.
    pub failing: u64,
    pub passing: u64,
    /// Strong segments, strongest first (none when failures spread like the passing rows).
    pub segments: Vec<Segment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_time: Option<InTime>,
    /// Why the rule was not triaged, or what limited it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What `triage_run` answers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Triage {
    pub run_id: String,
    pub table_name: String,
    pub rules: Vec<RuleTriage>,
    /// Rows looked at (a bounded sample locally).
    pub rows: u64,
    /// A model's short summary of the figures, when a model is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}
