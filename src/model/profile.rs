//! A table's profile: per-column statistics the generator turns into rules and the UI shows
//! beside them (nulls, distinct values, ranges, top values, detected formats).

use serde::{Deserialize, Serialize};

/// A value format recognised in a text column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueFormat {
    Email,
    Ipv4,
    IsoDate,
    IsoTimestamp,
    Json,
    Uuid,
}

impl ValueFormat {
    pub const ALL: [ValueFormat; 6] = [
        ValueFormat::Email,
        ValueFormat::Ipv4,
        ValueFormat::IsoDate,
        ValueFormat::IsoTimestamp,
        ValueFormat::Json,
        ValueFormat::Uuid,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ValueFormat::Email => "e-mail address",
            ValueFormat::Ipv4 => "IPv4 address",
            ValueFormat::IsoDate => "ISO date",
            ValueFormat::IsoTimestamp => "ISO timestamp",
            ValueFormat::Json => "JSON object or array",
            ValueFormat::Uuid => "UUID",
        }
    }

    /// The pattern (Rust/Java regex syntax) that recognises the format.
    pub fn pattern(self) -> &'static str {
        match self {
            ValueFormat::Email => r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$",
            ValueFormat::Ipv4 => {
                r"^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$"
            }
            ValueFormat::IsoDate => r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            ValueFormat::IsoTimestamp => {
                r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$"
            }
            ValueFormat::Json => r"^\s*[\[{].*[\]}]\s*$",
            ValueFormat::Uuid => {
                r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
            }
        }
    }
}

/// How many non-NULL values of a column match a format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormatMatch {
    pub format: ValueFormat,
    pub matching: u64,
}

/// Statistics of one column over the profiled rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    pub data_type: String,
    pub count: u64,
    pub null_count: u64,
    /// Empty strings (after trimming), for text columns.
    pub empty_count: Option<u64>,
    /// Approximate number of distinct non-NULL values.
    pub distinct_count: u64,
    pub min: Option<String>,
    pub max: Option<String>,
    pub mean: Option<f64>,
    pub stddev: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    /// Most frequent values with their counts, for low-cardinality columns.
    pub top_values: Vec<(String, u64)>,
    /// Formats that most values of a text column match.
    pub formats: Vec<FormatMatch>,
    /// Values later than the moment of profiling, for date and timestamp columns (absent in
    /// profiles stored before it was counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub future_count: Option<u64>,
}

impl ColumnProfile {
    /// Values later than the moment of profiling; for a profile stored before they were
    /// counted only the latest value is known, so 1 when it is after `today` (`YYYY-MM-DD`).
    pub fn future_values(&self, today: &str) -> u64 {
        self.future_count.unwrap_or_else(|| {
            let latest = self.max.as_deref().and_then(|m| m.get(..10));
            u64::from(latest.is_some_and(|d| d > today))
        })
    }

    pub fn null_ratio(&self) -> f64 {
        ratio(self.null_count, self.count)
    }

    pub fn empty_ratio(&self) -> f64 {
        ratio(self.empty_count.unwrap_or(0), self.count)
    }

    /// Non-NULL values.
    pub fn non_null(&self) -> u64 {
        self.count.saturating_sub(self.null_count)
    }

    /// A date or timestamp column.
    pub fn is_temporal(&self) -> bool {
        is_temporal_type(&self.data_type)
    }

    /// Whole numbers.
    pub fn is_integral(&self) -> bool {
        matches!(
            self.data_type.as_str(),
            "tinyint" | "smallint" | "int" | "bigint"
        )
    }

    /// A column that identifies rows rather than measures something: its name says key or id,
    /// or it holds whole numbers that are (nearly, the count being approximate) all distinct.
    /// A range on it fails the next new id, so the generator proposes none and the analysis
    /// flags one.
    pub fn looks_like_identifier(&self) -> bool {
        let non_null = self.non_null();
        key_like_name(&self.name)
            || (self.is_integral()
                && non_null >= UNIQUE_MIN_VALUES
                && self.distinct_count * 100 >= non_null * 97)
    }
}

/// Near-unique whole numbers count as identifiers only over at least this many values.
const UNIQUE_MIN_VALUES: u64 = 100;

/// A Unity Catalog type name of a date or timestamp.
pub fn is_temporal_type(data_type: &str) -> bool {
    let t = data_type.to_ascii_lowercase();
    t == "date" || t.starts_with("timestamp")
}

/// A column name that says it holds a key: `id`, `…_id`, `…Id`, `…_key`, `…_uuid`, `…_guid`,
/// `…_number`, `…_no`, `…_nr`.
pub fn key_like_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    const SUFFIXES: [&str; 7] = ["_id", "_key", "_uuid", "_guid", "_number", "_no", "_nr"];
    let camel_id = name.len() > 2
        && name.ends_with("Id")
        && name[..name.len() - 2]
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    matches!(lower.as_str(), "id" | "key" | "uuid" | "guid")
        || SUFFIXES.iter().any(|s| lower.ends_with(s))
        || camel_id
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// A table's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableProfile {
    pub table_name: String,
    /// Rows profiled (at most `sample_limit`).
    pub row_count: u64,
    /// Rows in the table.
    pub total_row_count: u64,
    pub sample_limit: Option<u64>,
    pub columns: Vec<ColumnProfile>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn future_values_are_counted_or_inferred_from_the_latest_value() {
        let mut c = ColumnProfile {
            max: Some("2099-10-14".into()),
            ..ColumnProfile::default()
        };
        assert_eq!(
            c.future_values("2026-12-06"),
            1,
            "an older profile: the latest is ahead"
        );
        c.max = Some("2026-12-06 10:00:00".into());
        assert_eq!(c.future_values("2026-12-06"), 0, "today is not the future");
        c.future_count = Some(8);
        assert_eq!(c.future_values("2026-12-06"), 8, "a count wins");
    }
}
