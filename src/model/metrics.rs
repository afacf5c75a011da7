//! DQX 0.17's summary metrics of a validation run, in DQX's own format: the metric names
//! `DQMetricsObserver` observes (`input_row_count`, `error_row_count`, `warning_row_count`,
//! `valid_row_count`, `check_metrics`) and one row per metric in the shape of its
//! `OBSERVATION_TABLE_SCHEMA`, so the app's runs and a team's DQX pipelines report into one
//! history. Made from a [`ValidationResult`] and the rules it ran.

use super::results::{RuleStatus, ValidationResult};
use super::rules::ResolvedRule;
use super::rules::fingerprint::{rule_fingerprint, rule_set_fingerprint};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// DQX's observer name (`DQMetricsObserver.name`), written as `run_name`.
pub const RUN_NAME: &str = "dqx";
/// The observer name of the app's scheduled jobs (the bundle's monitoring notebook), by which
/// their rows in DQX's metrics table are told from a team's own pipelines.
pub const SCHEDULE_RUN_NAME: &str = "dqx-manager-schedule";
/// DQX's default result columns, written as `error_column_name` / `warning_column_name`.
pub const ERROR_COLUMN: &str = "_errors";
pub const WARNING_COLUMN: &str = "_warnings";
/// `user_metadata` keys the app adds to each row (DQX leaves the map to its caller).
pub const VERSION_KEY: &str = "dqx_manager.rule_set_version";
pub const TRIGGER_KEY: &str = "dqx_manager.trigger";

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// Someone clicked Validate.
    Manual,
    /// A schedule.
    Schedule,
    /// A team's own DQX pipeline (rows the app did not write).
    Pipeline,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Schedule => "schedule",
            Trigger::Pipeline => "pipeline",
        }
    }

    /// The trigger a stored word names (anything unknown was a manual run: the column's default).
    pub fn parse(text: &str) -> Self {
        match text {
            "schedule" => Trigger::Schedule,
            "pipeline" => Trigger::Pipeline,
            _ => Trigger::Manual,
        }
    }
}

/// One entry of `check_metrics`, as DQX writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckMetric {
    pub check_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_fingerprint: Option<String>,
    pub error_count: u64,
    pub warning_count: u64,
    /// Rows the check looked at (those its filter keeps); 0 when it was skipped. Absent when
    /// the engine did not count a filter's rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_count: Option<u64>,
}

/// A run's summary metrics, by DQX's names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMetrics {
    pub input_row_count: u64,
    /// Rows with at least one error.
    pub error_row_count: u64,
    /// Rows with at least one warning (with or without errors); absent when the engine did not
    /// count it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning_row_count: Option<u64>,
    /// Rows with neither errors nor warnings.
    pub valid_row_count: u64,
    pub check_metrics: Vec<CheckMetric>,
}

/// One row of DQX's metrics table (`OBSERVATION_TABLE_SCHEMA`); `run_time` is RFC 3339.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricRow {
    pub run_id: String,
    pub run_name: Option<String>,
    pub input_location: Option<String>,
    pub output_location: Option<String>,
    pub quarantine_location: Option<String>,
    pub checks_location: Option<String>,
    pub rule_set_fingerprint: Option<String>,
    pub metric_name: String,
    pub metric_value: String,
    pub run_time: String,
    pub error_column_name: String,
    pub warning_column_name: String,
    pub user_metadata: BTreeMap<String, String>,
}

/// Where and how a run was made, for its metric rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFacts<'a> {
    pub run_id: &'a str,
    pub run_time: &'a str,
    pub trigger: Trigger,
    pub version: Option<i32>,
    /// Where the rules were loaded from, when they were published.
    pub checks_location: Option<&'a str>,
}

impl RunMetrics {
    /// The metrics of `result`, made by running `rules` (matched to its results by name).
    pub fn of(result: &ValidationResult, rules: &[ResolvedRule]) -> Self {
        let prints: BTreeMap<&str, String> = rules
            .iter()
            .map(|r| (r.name.as_str(), rule_fingerprint(r)))
            .collect();
        let filtered: BTreeMap<&str, bool> = rules
            .iter()
            .map(|r| (r.name.as_str(), r.filter.is_some()))
            .collect();
        let check_metrics = result
            .rule_results
            .iter()
            .map(|r| {
                let warns = r.criticality == "warn";
                let skipped = r.status == RuleStatus::Error;
                let checked_count = if skipped {
                    Some(0)
                } else if filtered.get(r.rule_name.as_str()) == Some(&false) {
                    Some(result.total_rows)
                } else {
                    None
                };
                CheckMetric {
                    check_name: r.rule_name.clone(),
                    rule_fingerprint: prints.get(r.rule_name.as_str()).cloned(),
                    error_count: if warns { 0 } else { r.violation_count },
                    warning_count: if warns { r.violation_count } else { 0 },
                    checked_count,
                }
            })
            .collect();
        let any_warning = result.rows_with_any_warning;
        Self {
            input_row_count: result.total_rows,
            error_row_count: result.invalid_rows,
            warning_row_count: any_warning,
            valid_row_count: result.valid_rows.saturating_sub(result.rows_with_warnings),
            check_metrics,
        }
    }

    /// Valid rows out of all, 0–100 (100 for an empty table).
    pub fn pass_rate(&self) -> f64 {
        if self.input_row_count == 0 {
            return 100.0;
        }
        (self.input_row_count - self.error_row_count.min(self.input_row_count)) as f64 * 100.0
            / self.input_row_count as f64
    }

    /// `check_metrics` as DQX writes its value: a compact JSON array, keys in DQX's order.
    pub fn check_metrics_text(&self) -> String {
        let entries: Vec<String> = self
            .check_metrics
            .iter()
            .map(|c| {
                let mut text = format!("{{\"check_name\":{}", json!(c.check_name));
                if let Some(print) = &c.rule_fingerprint {
                    text.push_str(&format!(",\"rule_fingerprint\":{}", json!(print)));
                }
                text.push_str(&format!(
                    ",\"error_count\":{},\"warning_count\":{}",
                    c.error_count, c.warning_count
                ));
                if let Some(checked) = c.checked_count {
                    text.push_str(&format!(",\"checked_count\":{checked}"));
                }
                text.push('}');
                text
            })
            .collect();
        format!("[{}]", entries.join(","))
    }

    /// The metrics by name with their values as DQX stores them (text).
    pub fn named(&self) -> Vec<(&'static str, String)> {
        let mut named = vec![
            ("input_row_count", self.input_row_count.to_string()),
            ("error_row_count", self.error_row_count.to_string()),
        ];
        if let Some(warnings) = self.warning_row_count {
            named.push(("warning_row_count", warnings.to_string()));
        }
        named.push(("valid_row_count", self.valid_row_count.to_string()));
        named.push(("check_metrics", self.check_metrics_text()));
        named
    }

    /// The rows DQX's metrics table holds for this run: one per metric.
    pub fn rows(
        &self,
        table: &str,
        rules: &[ResolvedRule],
        facts: &RunFacts<'_>,
    ) -> Vec<MetricRow> {
        let fingerprint = (!rules.is_empty()).then(|| rule_set_fingerprint(rules));
        let mut metadata = BTreeMap::new();
        metadata.insert(TRIGGER_KEY.to_string(), facts.trigger.as_str().to_string());
        if let Some(v) = facts.version {
            metadata.insert(VERSION_KEY.to_string(), v.to_string());
        }
        self.named()
            .into_iter()
            .map(|(name, value)| MetricRow {
                run_id: facts.run_id.to_string(),
                run_name: Some(RUN_NAME.to_string()),
                input_location: Some(table.to_string()),
                output_location: None,
                quarantine_location: None,
                checks_location: facts.checks_location.map(str::to_string),
                rule_set_fingerprint: fingerprint.clone(),
                metric_name: name.to_string(),
                metric_value: value,
                run_time: facts.run_time.to_string(),
                error_column_name: ERROR_COLUMN.to_string(),
                warning_column_name: WARNING_COLUMN.to_string(),
                user_metadata: metadata.clone(),
            })
            .collect()
    }

    /// Reads a run's metrics back from its rows (a pipeline's or the app's); `None` without
    /// the row counts. Unknown metric names (a team's custom metrics) are ignored.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = &'a MetricRow>) -> Option<Self> {
        let mut by_name: BTreeMap<&str, &str> = BTreeMap::new();
        for row in rows {
            by_name.insert(row.metric_name.as_str(), row.metric_value.as_str());
        }
        let number = |name: &str| by_name.get(name).and_then(|v| v.trim().parse::<u64>().ok());
        let check_metrics = by_name
            .get("check_metrics")
            .and_then(|text| serde_json::from_str::<Vec<Value>>(text).ok())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|entry| serde_json::from_value::<CheckMetric>(entry).ok())
            .collect();
        Some(Self {
            input_row_count: number("input_row_count")?,
            error_row_count: number("error_row_count")?,
            warning_row_count: number("warning_row_count"),
            valid_row_count: number("valid_row_count")?,
            check_metrics,
        })
    }
}

/// Runs of a table listed at most per request.
pub const MAX_RUN_HISTORY: u32 = 500;

/// One run of a table, as its history shows it to anyone who may read the table: counts only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRun {
    pub run_id: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub trigger: Trigger,
    /// The saved version it ran (none for rules run before they were saved).
    pub version: Option<i32>,
    /// Who started it (for a schedule, the schedule's owner).
    pub started_by: String,
    /// 0–100.
    pub pass_rate: f64,
    /// The fingerprint of the rules it ran, as DQX computes it (when they are known).
    pub rule_set_fingerprint: Option<String>,
    pub metrics: RunMetrics,
}

impl HistoryRun {
    /// A run a team's DQX pipeline (or the app's scheduled job) wrote to DQX's metrics table,
    /// from its rows (one run id), shown as started by `started_by`; `None` without the row
    /// counts.
    pub fn from_pipeline(rows: &[MetricRow], started_by: String) -> Option<Self> {
        let first = rows.first()?;
        let metrics = RunMetrics::from_rows(rows)?;
        let started_at = rows.iter().map(|r| r.run_time.as_str()).max()?.to_string();
        Some(Self {
            run_id: first.run_id.clone(),
            started_at,
            trigger: if first.run_name.as_deref() == Some(SCHEDULE_RUN_NAME) {
                Trigger::Schedule
            } else {
                Trigger::Pipeline
            },
            version: None,
            started_by,
            pass_rate: metrics.pass_rate(),
            rule_set_fingerprint: rows.iter().find_map(|r| r.rule_set_fingerprint.clone()),
            metrics,
        })
    }
}

/// A table's runs, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunHistory {
    pub table: String,
    pub runs: Vec<HistoryRun>,
    /// Why runs from DQX's metrics table are missing (it could not be read as the viewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::results::RuleResult;
    use crate::model::rules::validate::validate_rule_set;

    fn rules() -> Vec<ResolvedRule> {
        let set = json!([
            {"name": "id_present", "criticality": "error",
             "check": {"function": "is_not_null", "arguments": {"column": "id"}}},
            {"name": "email_valid", "criticality": "warn", "filter": "country = 'DE'",
             "check": {"function": "is_not_null", "arguments": {"column": "email"}}},
        ]);
        validate_rule_set(&set, None).rules
    }

    fn result() -> ValidationResult {
        let rule = |name: &str, criticality: &str, status, count| RuleResult {
            rule_name: name.into(),
            function: "is_not_null".into(),
            columns: None,
            criticality: criticality.into(),
            status,
            violation_count: count,
            sample_violations: Vec::new(),
            message: String::new(),
        };
        ValidationResult {
            success: false,
            table_name: "main.sales.customers".into(),
            validated_at: "2026-12-06T10:00:00Z".into(),
            total_rules: 2,
            passed: 0,
            failed: 1,
            warnings: 1,
            total_rows: 100,
            valid_rows: 90,
            invalid_rows: 10,
            rows_with_warnings: 4,
            rows_with_any_warning: Some(6),
            pass_rate: 90.0,
            rule_results: vec![
                rule("id_present", "error", RuleStatus::Fail, 10),
                rule("email_valid", "warn", RuleStatus::Warn, 6),
            ],
            duration_ms: 1,
            note: None,
        }
    }

    #[test]
    fn counts_follow_dqx_observer_definitions() {
        let rules = rules();
        let m = RunMetrics::of(&result(), &rules);
        assert_eq!((m.input_row_count, m.error_row_count), (100, 10));
        assert_eq!(m.warning_row_count, Some(6), "rows with any warning");
        assert_eq!(m.valid_row_count, 86, "neither errors nor warnings");
        let id = &m.check_metrics[0];
        assert_eq!((id.error_count, id.warning_count), (10, 0));
        assert_eq!(id.checked_count, Some(100), "no filter: every row");
        assert_eq!(
            id.rule_fingerprint.as_deref(),
            Some(rule_fingerprint(&rules[0]).as_str())
        );
        let email = &m.check_metrics[1];
        assert_eq!((email.error_count, email.warning_count), (0, 6));
        assert_eq!(
            email.checked_count, None,
            "a filter's rows were not counted"
        );
        assert_eq!(m.pass_rate(), 90.0);
    }

    #[test]
    fn rows_are_one_per_metric_and_read_back() {
        let rules = rules();
        let m = RunMetrics::of(&result(), &rules);
        let facts = RunFacts {
            run_id: "local-1",
            run_time: "2026-12-06T10:00:00Z",
            trigger: Trigger::Manual,
            version: Some(3),
            checks_location: None,
        };
        let rows = m.rows("main.sales.customers", &rules, &facts);
        let names: Vec<&str> = rows.iter().map(|r| r.metric_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "input_row_count",
                "error_row_count",
                "warning_row_count",
                "valid_row_count",
                "check_metrics"
            ]
        );
        let first = &rows[0];
        assert_eq!(first.run_name.as_deref(), Some("dqx"));
        assert_eq!(
            first.input_location.as_deref(),
            Some("main.sales.customers")
        );
        assert_eq!(
            first.rule_set_fingerprint,
            Some(rule_set_fingerprint(&rules))
        );
        assert_eq!(
            first.user_metadata.get(VERSION_KEY).map(String::as_str),
            Some("3")
        );
        assert_eq!(
            first.user_metadata.get(TRIGGER_KEY).map(String::as_str),
            Some("manual")
        );
        let checks = &rows[4].metric_value;
        assert!(
            checks.starts_with("[{\"check_name\":\"id_present\",\"rule_fingerprint\":\""),
            "{checks}"
        );
        assert!(
            checks.ends_with("\"error_count\":0,\"warning_count\":6}]"),
            "{checks}"
        );
        assert_eq!(RunMetrics::from_rows(&rows), Some(m));
    }

    #[test]
    fn an_engine_without_the_warning_union_leaves_that_metric_out() {
        let mut r = result();
        r.rows_with_any_warning = None;
        let m = RunMetrics::of(&r, &rules());
        assert_eq!(m.warning_row_count, None);
        assert!(!m.named().iter().any(|(n, _)| *n == "warning_row_count"));
    }
}
