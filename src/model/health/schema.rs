//! Schema drift: columns added, removed, retyped or made nullable since the observation before.
//! A removed or retyped column breaks readers (an anomaly); an added or newly nullable one is a
//! warning.

use super::{ColumnShape, Observation, Signal, SignalKind, SignalState};
use std::collections::BTreeMap;

/// The changes from `before` to `after`, in words, each with its state.
pub fn drift(before: &[ColumnShape], after: &[ColumnShape]) -> Vec<(SignalState, String)> {
    let old: BTreeMap<String, &ColumnShape> =
        before.iter().map(|c| (c.name.to_lowercase(), c)).collect();
    let new: BTreeMap<String, &ColumnShape> =
        after.iter().map(|c| (c.name.to_lowercase(), c)).collect();
    let mut out = Vec::new();
    for (key, was) in &old {
        match new.get(key) {
            None => out.push((SignalState::Anomaly, format!("{} removed", was.name))),
            Some(now) if !now.data_type.eq_ignore_ascii_case(&was.data_type) => out.push((
                SignalState::Anomaly,
                format!(
                    "{} retyped from {} to {}",
                    was.name, was.data_type, now.data_type
                ),
            )),
            Some(now) if now.nullable && !was.nullable => {
                out.push((SignalState::Warning, format!("{} made nullable", was.name)));
            }
            Some(_) => {}
        }
    }
    for (key, now) in &new {
        if !old.contains_key(key) {
            out.push((
                SignalState::Warning,
                format!("{} added ({})", now.name, now.data_type),
            ));
        }
    }
    out
}

/// The schema signal of the newest observation against the one before.
pub fn signal(history: &[Observation]) -> Signal {
    let verdict = |state, reason| Signal {
        kind: SignalKind::Schema,
        column: None,
        state,
        reason,
    };
    let [.., before, after] = history else {
        return verdict(
            SignalState::NotEnoughHistory,
            "first observation: the columns are recorded and compared from the next one".into(),
        );
    };
    let changes = drift(&before.columns, &after.columns);
    match changes.iter().map(|(s, _)| *s).max() {
        None => verdict(
            SignalState::Ok,
            format!("{} columns, unchanged", after.columns.len()),
        ),
        Some(state) => verdict(
            state,
            changes
                .into_iter()
                .map(|(_, w)| w)
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, data_type: &str, nullable: bool) -> ColumnShape {
        ColumnShape {
            name: name.into(),
            data_type: data_type.into(),
            nullable,
        }
    }

    #[test]
    fn a_retyped_column_is_drift_and_an_added_one_a_warning() {
        let before = [col("id", "bigint", false), col("amount", "double", true)];
        let retyped = [col("id", "bigint", false), col("amount", "string", true)];
        let changes = drift(&before, &retyped);
        assert_eq!(
            changes,
            [(
                SignalState::Anomaly,
                "amount retyped from double to string".to_string()
            )]
        );
        let grown = [
            col("id", "bigint", true),
            col("amount", "double", true),
            col("note", "string", true),
        ];
        let words: Vec<String> = drift(&before, &grown).into_iter().map(|(_, w)| w).collect();
        assert_eq!(words, ["id made nullable", "note added (string)"]);
        assert!(drift(&before, &before).is_empty());
        let removed = [col("id", "bigint", false)];
        assert_eq!(drift(&before, &removed)[0].0, SignalState::Anomaly);
    }
}
