//! Health in alert conditions: after a health pass, each observed table's alerts whose DQX
//! condition reads health's variables are evaluated over them — `health_anomaly_count > 0`,
//! `health_minutes_since_change > 180`, `health_volume_anomaly` — with DQX's own condition
//! semantics. A condition reads either health's variables or a run's metrics, never both.

use super::{Observation, Signal, SignalKind, SignalState};
use serde_json::Value;
use std::collections::BTreeMap;

/// The names a health condition may read.
pub const HEALTH_VARIABLES: [&str; 8] = [
    "health_row_count",
    "health_minutes_since_change",
    "health_anomaly_count",
    "health_warning_count",
    "health_freshness_anomaly",
    "health_volume_anomaly",
    "health_schema_anomaly",
    "health_column_anomaly",
];

/// The variables a workspace's health job hands DQX's actions: what one observation shows by
/// itself. The others judge an observation against the table's history, which the app does.
pub const JOB_VARIABLES: [&str; 2] = ["health_row_count", "health_minutes_since_change"];

/// Whether `name` is one of health's variables.
pub fn is_health_variable(name: &str) -> bool {
    HEALTH_VARIABLES.contains(&name)
}

/// The variables of one observation and its signals.
pub fn variables(observation: &Observation, signals: &[Signal]) -> BTreeMap<String, Value> {
    let count = |state: SignalState| signals.iter().filter(|s| s.state == state).count();
    let anomalous = |kind: SignalKind| {
        signals
            .iter()
            .any(|s| s.kind == kind && s.state == SignalState::Anomaly)
    };
    let mut out = BTreeMap::from([
        (
            "health_row_count".to_string(),
            Value::from(observation.row_count),
        ),
        (
            "health_anomaly_count".to_string(),
            Value::from(count(SignalState::Anomaly)),
        ),
        (
            "health_warning_count".to_string(),
            Value::from(count(SignalState::Warning)),
        ),
        (
            "health_freshness_anomaly".to_string(),
            Value::Bool(anomalous(SignalKind::Freshness)),
        ),
        (
            "health_volume_anomaly".to_string(),
            Value::Bool(anomalous(SignalKind::Volume)),
        ),
        (
            "health_schema_anomaly".to_string(),
            Value::Bool(anomalous(SignalKind::Schema)),
        ),
        (
            "health_column_anomaly".to_string(),
            Value::Bool(anomalous(SignalKind::Column)),
        ),
    ]);
    if let Some(last) = observation.last_change {
        out.insert(
            "health_minutes_since_change".into(),
            Value::from((observation.observed_at - last).max(0) / 60),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anomaly_is_counted_and_named_by_kind() {
        let o = Observation {
            observed_at: 7_200,
            last_change: Some(0),
            changes: Vec::new(),
            row_count: 500,
            columns: Vec::new(),
            sampled_rows: 500,
            stats: Vec::new(),
        };
        let signals = [
            Signal {
                kind: SignalKind::Volume,
                column: None,
                state: SignalState::Anomaly,
                reason: String::new(),
            },
            Signal {
                kind: SignalKind::Column,
                column: Some("email".into()),
                state: SignalState::Warning,
                reason: String::new(),
            },
        ];
        let v = variables(&o, &signals);
        assert_eq!(v["health_anomaly_count"], 1);
        assert_eq!(v["health_warning_count"], 1);
        assert_eq!(v["health_volume_anomaly"], true);
        assert_eq!(v["health_column_anomaly"], false);
        assert_eq!(v["health_minutes_since_change"], 120);
        assert!(v.keys().all(|k| is_health_variable(k)));
    }
}
