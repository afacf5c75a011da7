//! What the health server functions answer: the scopes health is on for (each with the tables it
//! covers for the viewer), a grid of tables × signals worst first, and one table's signals with
//! the points behind them.

use super::{Signal, SignalKind, SignalState};
use crate::model::registry::Scope;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Tables one scope covers at most unless `DQX_MAX_HEALTH_TABLES` says otherwise.
pub const DEFAULT_MAX_HEALTH_TABLES: usize = 500;
/// Health scopes the app keeps at most.
pub const MAX_HEALTH_SCOPES: usize = 200;
/// Observations a table's health is read from at most (its points and bands).
pub const MAX_POINTS: usize = 60;

/// A scope's id: `h` and twelve hex digits of its definition's digest, so turning health on for
/// the same scope twice is one scope.
pub fn scope_id(scope: &Scope) -> String {
    use sha2::Digest;
    let text = serde_json::to_string(scope)
        .unwrap_or_default()
        .to_lowercase();
    let digest = sha2::Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("h{hex}")
}

/// A health scope as a viewer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthScopeView {
    pub scope_id: String,
    pub scope: Scope,
    /// Who turned it on (observations read as them).
    pub owner: String,
    pub enabled: bool,
    /// The tables it covers now that the viewer may read.
    pub tables: Vec<String>,
    /// The listing stopped at its bound.
    #[serde(default)]
    pub truncated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_observed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// How observations run, where not as the owner on the app's own scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs_as: Option<String>,
    /// Covered tables the viewer may read that observations leave out, each with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_observed: Vec<String>,
}

/// One table's row of the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableHealth {
    pub table: String,
    pub worst: SignalState,
    pub signals: Vec<Signal>,
    /// Observations so far.
    pub observations: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_at: Option<i64>,
}

impl TableHealth {
    /// The worst signal of `kind` (column drift: the worst column).
    pub fn of_kind(&self, kind: SignalKind) -> Option<&Signal> {
        self.signals
            .iter()
            .filter(|s| s.kind == kind)
            .max_by_key(|s| s.state)
    }
}

/// A scope and its tables' health, worst first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeHealth {
    pub scope: HealthScopeView,
    pub tables: Vec<TableHealth>,
}

/// One observation as a point of a table's lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthPoint {
    pub observed_at: i64,
    pub row_count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_since_change: Option<i64>,
    /// Null rate by column.
    #[serde(default)]
    pub null_rates: BTreeMap<String, f64>,
    /// Where the row count was expected, when the table changed and its history says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_rows: Option<Expected>,
    /// Where each column's null rate was expected, where its history says.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub expected_null_rates: BTreeMap<String, Expected>,
}

/// A point's band (the range judged OK, from the observations before it) and its state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    pub low: f64,
    pub high: f64,
    pub state: super::SignalState,
}

impl Expected {
    /// From a signal's `(range, state)`.
    pub fn from_range(((low, high), state): ((f64, f64), super::SignalState)) -> Self {
        Self { low, high, state }
    }
}

/// Each observation of `history` (oldest first) as a point of the table's lines, with the band
/// it was judged against from the observations before it.
pub fn points(history: &[super::Observation]) -> Vec<HealthPoint> {
    (0..history.len())
        .map(|i| {
            let upto = &history[..=i];
            let o = &history[i];
            HealthPoint {
                observed_at: o.observed_at,
                row_count: o.row_count,
                minutes_since_change: o.last_change.map(|c| (o.observed_at - c).max(0) / 60),
                null_rates: o
                    .stats
                    .iter()
                    .map(|s| (s.name.clone(), s.null_rate))
                    .collect(),
                expected_rows: super::volume::expected_rows(upto).map(Expected::from_range),
                expected_null_rates: o
                    .stats
                    .iter()
                    .filter_map(|s| {
                        super::columns::expected_null_rate(upto, &s.name)
                            .map(|e| (s.name.clone(), Expected::from_range(e)))
                    })
                    .collect(),
            }
        })
        .collect()
}

/// One table's health page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableHealthDetail {
    pub health: TableHealth,
    /// Oldest first.
    pub points: Vec<HealthPoint>,
}

/// Orders tables worst first, then by name.
pub fn worst_first(tables: &mut [TableHealth]) {
    tables.sort_by(|a, b| b.worst.cmp(&a.worst).then_with(|| a.table.cmp(&b.table)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_has_one_id_however_it_is_cased() {
        let a = Scope {
            pattern: Some("main.sales.*".into()),
            ..Scope::default()
        };
        let b = Scope {
            pattern: Some("MAIN.Sales.*".into()),
            ..Scope::default()
        };
        assert_eq!(scope_id(&a), scope_id(&b));
        assert_eq!(scope_id(&a).len(), 13);
        assert_ne!(scope_id(&a), scope_id(&Scope::default()));
    }
}
