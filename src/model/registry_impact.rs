//! What a pending registry change would do across the tables it touches (issue 31): per table
//! the single-table impact preview (violations before and after on the table's sample, rows that
//! start failing), the totals across tables, and how many covered tables the reviewer may not
//! read (counted, never named, never evaluated).

use crate::model::review::ImpactPreview;
use serde::{Deserialize, Serialize};

/// Tables one cross-table preview evaluates at most (the rest are counted as not previewed).
pub const MAX_PREVIEW_TABLES: usize = 25;

/// One covered table's part of the preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableImpact {
    pub table: String,
    /// `waiting`, `running`, `completed`, `failed`, or `unchanged` (the change gives this table
    /// nothing new, so nothing ran).
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<ImpactPreview>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Sums over the tables previewed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpactTotals {
    pub tables_previewed: u64,
    pub rows_checked: u64,
    pub invalid_before: u64,
    pub invalid_after: u64,
    pub rows_start_failing: u64,
    pub rows_stop_failing: u64,
}

/// A registry change's preview across tables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CrossTableImpact {
    /// `registry rule key_present@3` or `binding b1234…@2`.
    pub subject: String,
    pub tables: Vec<TableImpact>,
    pub totals: ImpactTotals,
    /// Covered tables the reviewer may not read: counted only.
    pub unreadable: u64,
    /// Covered tables past the bound, not previewed.
    #[serde(default)]
    pub not_previewed: u64,
}

impl CrossTableImpact {
    /// Sums the completed tables' previews into `totals`.
    pub fn total(&mut self) {
        let mut t = ImpactTotals::default();
        for p in self.tables.iter().filter_map(|t| t.preview.as_ref()) {
            t.tables_previewed += 1;
            t.rows_checked += p.rows_checked;
            t.invalid_before += p.invalid_before;
            t.invalid_after += p.invalid_after;
            t.rows_start_failing += p.rows_start_failing;
            t.rows_stop_failing += p.rows_stop_failing;
        }
        self.totals = t;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_sum_the_completed_tables_only() {
        let preview = |before, after, start| ImpactPreview {
            table_name: "t".into(),
            version: 0,
            against_version: None,
            sample_rows: 100,
            rows_checked: 100,
            sample: String::new(),
            invalid_before: before,
            invalid_after: after,
            pass_rate_before: 0.0,
            pass_rate_after: 0.0,
            rows_start_failing: start,
            rows_stop_failing: 0,
            start_failing_samples: Vec::new(),
            stop_failing_samples: Vec::new(),
            rules: Vec::new(),
            computed_at: String::new(),
            computed_by: String::new(),
            duration_ms: 0,
            reads: None,
        };
        let table = |name: &str, p: Option<ImpactPreview>| TableImpact {
            table: name.into(),
            state: if p.is_some() { "completed" } else { "running" }.into(),
            run_id: None,
            preview: p,
            message: None,
        };
        let mut impact = CrossTableImpact {
            tables: vec![
                table("a", Some(preview(1, 5, 4))),
                table("b", Some(preview(0, 2, 2))),
                table("c", None),
            ],
            ..CrossTableImpact::default()
        };
        impact.total();
        assert_eq!(impact.totals.tables_previewed, 2);
        assert_eq!(impact.totals.rows_checked, 200);
        assert_eq!(
            (impact.totals.invalid_before, impact.totals.invalid_after),
            (1, 7)
        );
        assert_eq!(impact.totals.rows_start_failing, 6);
    }
}
