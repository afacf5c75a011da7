//! Observations as rows of DQX's metrics table (`OBSERVATION_TABLE_SCHEMA`), so health trends
//! and alerts like rule metrics: one row per metric, named `health.*`
//! (`health.row_count`, `health.minutes_since_change`, `health.column.email.null_rate`), under
//! the run name `dqx-manager-health`; and back again.

use super::{ColumnShape, ColumnStats, Observation};
use crate::model::metrics::{ERROR_COLUMN, MetricRow, TRIGGER_KEY, WARNING_COLUMN};
use std::collections::BTreeMap;

/// The observer name health rows carry, by which they are told from validation runs.
pub const HEALTH_RUN_NAME: &str = "dqx-manager-health";
pub const ROW_COUNT: &str = "health.row_count";
pub const MINUTES_SINCE_CHANGE: &str = "health.minutes_since_change";
pub const LAST_CHANGE: &str = "health.last_change";
pub const CHANGES: &str = "health.changes";
pub const COLUMNS: &str = "health.columns";
pub const SAMPLED_ROWS: &str = "health.sampled_rows";
const COLUMN_PREFIX: &str = "health.column.";

/// The metric name of a column statistic (`health.column.email.null_rate`).
pub fn column_metric(column: &str, statistic: &str) -> String {
    format!("{COLUMN_PREFIX}{column}.{statistic}")
}

/// The rows of one observation of `table`.
pub fn rows(table: &str, o: &Observation, run_id: &str, run_time: &str) -> Vec<MetricRow> {
    let mut named: Vec<(String, String)> = vec![
        (ROW_COUNT.into(), o.row_count.to_string()),
        (SAMPLED_ROWS.into(), o.sampled_rows.to_string()),
        (
            COLUMNS.into(),
            serde_json::to_string(&o.columns).unwrap_or_else(|_| "[]".into()),
        ),
    ];
    if let Some(last) = o.last_change {
        named.push((LAST_CHANGE.into(), last.to_string()));
        named.push((
            MINUTES_SINCE_CHANGE.into(),
            ((o.observed_at - last).max(0) / 60).to_string(),
        ));
    }
    if !o.changes.is_empty() {
        named.push((
            CHANGES.into(),
            serde_json::to_string(&o.changes).unwrap_or_else(|_| "[]".into()),
        ));
    }
    for s in &o.stats {
        named.push((column_metric(&s.name, "null_rate"), s.null_rate.to_string()));
        if let Some(d) = s.distinct_ratio {
            named.push((column_metric(&s.name, "distinct_ratio"), d.to_string()));
        }
        if let Some(m) = s.mean {
            named.push((column_metric(&s.name, "mean"), m.to_string()));
        }
    }
    let metadata = BTreeMap::from([(TRIGGER_KEY.to_string(), "schedule".to_string())]);
    named
        .into_iter()
        .map(|(metric_name, metric_value)| MetricRow {
            run_id: run_id.to_string(),
            run_name: Some(HEALTH_RUN_NAME.to_string()),
            input_location: Some(table.to_string()),
            output_location: None,
            quarantine_location: None,
            checks_location: None,
            rule_set_fingerprint: None,
            metric_name,
            metric_value,
            run_time: run_time.to_string(),
            error_column_name: ERROR_COLUMN.to_string(),
            warning_column_name: WARNING_COLUMN.to_string(),
            user_metadata: metadata.clone(),
        })
        .collect()
}

/// The observation one run's rows hold (read tolerantly: unknown names are skipped); `None`
/// without a row count.
pub fn from_rows<'a>(
    rows: impl IntoIterator<Item = &'a MetricRow>,
    observed_at: i64,
) -> Option<Observation> {
    let mut by_name: BTreeMap<&str, &str> = BTreeMap::new();
    for row in rows {
        by_name.insert(row.metric_name.as_str(), row.metric_value.as_str());
    }
    let mut stats: BTreeMap<String, ColumnStats> = BTreeMap::new();
    for (name, value) in &by_name {
        let Some(rest) = name.strip_prefix(COLUMN_PREFIX) else {
            continue;
        };
        let Some((column, statistic)) = rest.rsplit_once('.') else {
            continue;
        };
        let Ok(value) = value.trim().parse::<f64>() else {
            continue;
        };
        let entry = stats
            .entry(column.to_string())
            .or_insert_with(|| ColumnStats {
                name: column.to_string(),
                null_rate: 0.0,
                distinct_ratio: None,
                mean: None,
            });
        match statistic {
            "null_rate" => entry.null_rate = value,
            "distinct_ratio" => entry.distinct_ratio = Some(value),
            "mean" => entry.mean = Some(value),
            _ => {}
        }
    }
    let int = |name: &str| by_name.get(name).and_then(|v| v.trim().parse::<i64>().ok());
    Some(Observation {
        observed_at,
        last_change: int(LAST_CHANGE),
        changes: by_name
            .get(CHANGES)
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default(),
        row_count: by_name.get(ROW_COUNT)?.trim().parse().ok()?,
        columns: by_name
            .get(COLUMNS)
            .and_then(|t| serde_json::from_str::<Vec<ColumnShape>>(t).ok())
            .unwrap_or_default(),
        sampled_rows: int(SAMPLED_ROWS).unwrap_or(0).max(0) as u64,
        stats: stats.into_values().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_observation_round_trips_through_dqx_metric_rows() {
        let o = Observation {
            observed_at: 7_200,
            last_change: Some(3_600),
            changes: vec![0, 1_800],
            row_count: 1000,
            columns: vec![ColumnShape {
                name: "email".into(),
                data_type: "string".into(),
                nullable: true,
            }],
            sampled_rows: 500,
            stats: vec![ColumnStats {
                name: "email".into(),
                null_rate: 0.25,
                distinct_ratio: Some(0.9),
                mean: None,
            }],
        };
        let rows = rows(
            "main.sales.customers",
            &o,
            "h-1",
            "1970-01-01T02:00:00.000Z",
        );
        let minutes = rows
            .iter()
            .find(|r| r.metric_name == MINUTES_SINCE_CHANGE)
            .unwrap();
        assert_eq!(minutes.metric_value, "60");
        assert!(
            rows.iter()
                .any(|r| r.metric_name == "health.column.email.null_rate")
        );
        assert!(
            rows.iter()
                .all(|r| r.run_name.as_deref() == Some(HEALTH_RUN_NAME))
        );
        assert_eq!(from_rows(&rows, 7_200), Some(o));
    }
}
