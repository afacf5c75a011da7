//! DQX's metrics table (`DQX_METRICS_TABLE`, the table `DQMetricsObserver` writes in
//! `OBSERVATION_TABLE_SCHEMA`), read and written as the caller: the statements both engines run
//! (values as named parameters, or as quoted literals where the engine has no parameters) and
//! the rows they answer, read back as [`MetricRow`]s.

use crate::model::metrics::{MetricRow, RUN_NAME};
use crate::model::table_name::TableName;
use std::collections::BTreeMap;

/// The summary metrics the app reads back (a team's custom metrics are left in the table).
pub const READ_METRICS: [&str; 5] = [
    "input_row_count",
    "error_row_count",
    "warning_row_count",
    "valid_row_count",
    "check_metrics",
];

/// Tables whose pipeline runs the Monitor page reads from the metrics table at most.
pub const MAX_PIPELINE_TABLES: u32 = 200;

/// The columns of `OBSERVATION_TABLE_SCHEMA`, in DQX's order.
pub const COLUMNS: [&str; 13] = [
    "run_id",
    "run_name",
    "input_location",
    "output_location",
    "quarantine_location",
    "checks_location",
    "rule_set_fingerprint",
    "metric_name",
    "metric_value",
    "run_time",
    "error_column_name",
    "warning_column_name",
    "user_metadata",
];

/// A statement and its named parameters (`:name` in the text).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<(String, Option<String>)>,
}

/// How values reach the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// `:name` placeholders with the values beside (a SQL warehouse).
    Named,
    /// Single-quoted literals in the text (the embedded engine, which has no parameters).
    Literal,
}

impl Statement {
    fn value(&mut self, how: Values, name: &str, value: Option<&str>) -> String {
        match (how, value) {
            (Values::Literal, None) => "NULL".to_string(),
            (Values::Literal, Some(v)) => format!("'{}'", v.replace('\'', "''")),
            (Values::Named, v) => {
                self.params.push((name.to_string(), v.map(str::to_string)));
                format!(":{name}")
            }
        }
    }
}

/// The newest `runs_each` runs of each of `locations` (tables, by `input_location`): their
/// summary-metric rows.
pub fn recent_runs(
    table: &TableName,
    locations: &[String],
    runs_each: u32,
    how: Values,
) -> Statement {
    let mut statement = Statement::default();
    let places: Vec<String> = locations
        .iter()
        .enumerate()
        .map(|(i, l)| statement.value(how, &format!("loc{i}"), Some(l)))
        .collect();
    let names: Vec<String> = READ_METRICS.iter().map(|m| format!("'{m}'")).collect();
    let t = table.quoted();
    let most = u64::from(runs_each) * locations.len() as u64 * READ_METRICS.len() as u64;
    statement.sql = format!(
        "WITH runs AS (SELECT input_location AS loc, run_id AS rid, max(run_time) AS last_time \
         FROM {t} WHERE input_location IN ({places}) AND run_id IS NOT NULL \
         GROUP BY input_location, run_id), \
         ranked AS (SELECT loc, rid, row_number() OVER (PARTITION BY loc ORDER BY last_time DESC) AS n FROM runs) \
         SELECT m.run_id, m.run_name, m.input_location, m.checks_location, m.rule_set_fingerprint, \
         m.metric_name, m.metric_value, m.run_time \
         FROM {t} m JOIN ranked r ON m.run_id = r.rid AND m.input_location = r.loc \
         WHERE r.n <= {runs_each} AND m.metric_name IN ({names}) LIMIT {most}",
        places = places.join(", "),
        names = names.join(", "),
    );
    statement
}

/// Metrics one health observation writes at most: the table's own six, and three per measured
/// column.
const HEALTH_METRICS_PER_RUN: usize = 6 + 3 * crate::server::workspace::health_sql::MAX_COLUMNS;

/// The `health.*` rows of the newest `runs` health observations of `table` (only the metrics in
/// `only`, when given); every value a parameter.
pub fn health_runs(
    table: &TableName,
    location: &str,
    runs: usize,
    only: Option<&[&str]>,
    how: Values,
) -> Statement {
    use crate::model::health::metrics::HEALTH_RUN_NAME;
    let mut statement = Statement::default();
    let loc = statement.value(how, "loc", Some(location));
    let run_name = statement.value(how, "run_name", Some(HEALTH_RUN_NAME));
    let names = only.unwrap_or_default();
    let filter = if names.is_empty() {
        "m.metric_name LIKE 'health.%'".to_string()
    } else {
        let marks: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, n)| statement.value(how, &format!("m{i}"), Some(n)))
            .collect();
        format!("m.metric_name IN ({})", marks.join(", "))
    };
    let per_run = if names.is_empty() {
        HEALTH_METRICS_PER_RUN
    } else {
        names.len()
    };
    let t = table.quoted();
    statement.sql = format!(
        "WITH runs AS (SELECT run_id AS rid, max(run_time) AS last_time FROM {t} \
         WHERE input_location = {loc} AND run_name = {run_name} AND run_id IS NOT NULL \
         GROUP BY run_id ORDER BY last_time DESC LIMIT {runs}) \
         SELECT m.run_id, m.run_name, m.input_location, m.metric_name, m.metric_value, m.run_time \
         FROM {t} m JOIN runs r ON m.run_id = r.rid \
         WHERE m.input_location = {loc} AND {filter} LIMIT {most}",
        most = runs * per_run,
    );
    statement
}

/// The tables (`input_location`s) the metrics table has runs of, at most `limit`.
pub fn locations(table: &TableName, limit: u32) -> Statement {
    Statement {
        sql: format!(
            "SELECT DISTINCT input_location FROM {} WHERE input_location IS NOT NULL LIMIT {limit}",
            table.quoted()
        ),
        params: Vec::new(),
    }
}

/// Appends `rows` to the metrics table (a SQL warehouse: named parameters only).
pub fn insert(table: &TableName, rows: &[MetricRow]) -> Statement {
    let mut statement = Statement::default();
    let how = Values::Named;
    let mut tuples = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let mut v = |field: &str, value: Option<&str>| {
            statement.value(how, &format!("r{i}_{field}"), value)
        };
        let mut cells = vec![
            v("run_id", Some(&row.run_id)),
            v("run_name", row.run_name.as_deref()),
            v("input_location", row.input_location.as_deref()),
            v("output_location", row.output_location.as_deref()),
            v("quarantine_location", row.quarantine_location.as_deref()),
            v("checks_location", row.checks_location.as_deref()),
            v("rule_set_fingerprint", row.rule_set_fingerprint.as_deref()),
            v("metric_name", Some(&row.metric_name)),
            v("metric_value", Some(&row.metric_value)),
            format!("CAST({} AS TIMESTAMP)", v("run_time", Some(&row.run_time))),
            v("error_column_name", Some(&row.error_column_name)),
            v("warning_column_name", Some(&row.warning_column_name)),
        ];
        let pairs: Vec<String> = row
            .user_metadata
            .iter()
            .enumerate()
            .map(|(k, (key, value))| {
                let key = v(&format!("k{k}"), Some(key));
                format!("{key}, {}", v(&format!("v{k}"), Some(value)))
            })
            .collect();
        cells.push(if pairs.is_empty() {
            "CAST(NULL AS MAP<STRING, STRING>)".to_string()
        } else {
            format!("map({})", pairs.join(", "))
        });
        tuples.push(format!("({})", cells.join(", ")));
    }
    statement.sql = format!(
        "INSERT INTO {} ({}) VALUES {}",
        table.quoted(),
        COLUMNS.join(", "),
        tuples.join(", ")
    );
    statement
}

/// Metric rows from an answer's columns and text cells (rows without a run id, metric name or
/// readable run time are left out). `run_time` becomes RFC 3339, UTC.
pub fn decode(columns: &[String], rows: Vec<Vec<Option<String>>>) -> Vec<MetricRow> {
    let at = |name: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(name));
    let index: BTreeMap<&str, Option<usize>> = COLUMNS.iter().map(|c| (*c, at(c))).collect();
    rows.into_iter()
        .filter_map(|cells| {
            let get = |name: &str| {
                index
                    .get(name)
                    .copied()
                    .flatten()
                    .and_then(|i| cells.get(i).cloned().flatten())
            };
            Some(MetricRow {
                run_id: get("run_id")?,
                run_name: get("run_name"),
                input_location: get("input_location"),
                output_location: get("output_location"),
                quarantine_location: get("quarantine_location"),
                checks_location: get("checks_location"),
                rule_set_fingerprint: get("rule_set_fingerprint"),
                metric_name: get("metric_name")?,
                metric_value: get("metric_value").unwrap_or_default(),
                run_time: utc_text(&get("run_time")?)?,
                error_column_name: get("error_column_name").unwrap_or_default(),
                warning_column_name: get("warning_column_name").unwrap_or_default(),
                user_metadata: BTreeMap::new(),
            })
        })
        .collect()
}

/// A timestamp as engines print it (`2026-12-07T10:00:00Z`, `2026-12-07 10:00:00.123`, with or
/// without an offset; without one it is UTC, a warehouse's default zone) as RFC 3339, UTC, in
/// milliseconds as the rule store writes its times.
pub fn utc_text(text: &str) -> Option<String> {
    use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
    let text = text.trim();
    let at = DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
                .map(|naive| naive.and_utc())
                .ok_or(())
        })
        .or_else(|_| {
            DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z").map(|t| t.with_timezone(&Utc))
        })
        .ok()?;
    Some(at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// Who a pipeline's run shows as started by: its observer's name.
pub fn pipeline_starter(run_name: Option<&str>) -> String {
    match run_name {
        Some(crate::model::metrics::SCHEDULE_RUN_NAME) => "the table's schedule".to_string(),
        Some(name) if !name.is_empty() && name != RUN_NAME => format!("DQX pipeline ({name})"),
        _ => "DQX pipeline".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> TableName {
        TableName::parse("main.dq.metrics").unwrap()
    }

    #[test]
    fn health_rows_are_read_by_parameters_and_bounded() {
        let all = health_runs(&metrics(), "x' OR 1=1 --", 60, None, Values::Named);
        assert!(!all.sql.contains("OR 1=1"), "{}", all.sql);
        assert!(all.sql.contains("LIKE 'health.%'"), "{}", all.sql);
        assert!(all.sql.contains("LIMIT 60)"), "{}", all.sql);
        assert!(
            all.sql.ends_with(&format!("LIMIT {}", 60 * 606)),
            "{}",
            all.sql
        );
        assert_eq!(all.params[1].1.as_deref(), Some("dqx-manager-health"));
        let some = health_runs(
            &metrics(),
            "main.sales.orders",
            2000,
            Some(&["health.row_count"]),
            Values::Named,
        );
        assert!(some.sql.contains("m.metric_name IN (:m0)"), "{}", some.sql);
        assert!(some.sql.ends_with("LIMIT 2000"), "{}", some.sql);
    }

    #[test]
    fn reading_names_every_location_as_a_value_never_as_text() {
        let named = recent_runs(
            &metrics(),
            &["main.sales.orders".into(), "x' OR 1=1 --".into()],
            30,
            Values::Named,
        );
        assert!(named.sql.contains("IN (:loc0, :loc1)"), "{}", named.sql);
        assert!(!named.sql.contains("OR 1=1"));
        assert_eq!(named.params[1].1.as_deref(), Some("x' OR 1=1 --"));
        assert!(named.sql.contains("r.n <= 30"));
        assert!(named.sql.ends_with("LIMIT 300"), "{}", named.sql);
        let literal = recent_runs(&metrics(), &["x' OR 1=1 --".into()], 30, Values::Literal);
        assert!(
            literal.sql.contains("IN ('x'' OR 1=1 --')"),
            "{}",
            literal.sql
        );
        assert!(literal.params.is_empty());
    }

    #[test]
    fn an_insert_carries_every_column_as_a_parameter() {
        let mut row = MetricRow {
            run_id: "r1".into(),
            run_name: Some("dqx".into()),
            input_location: Some("main.sales.orders".into()),
            output_location: None,
            quarantine_location: None,
            checks_location: None,
            rule_set_fingerprint: Some("abc".into()),
            metric_name: "input_row_count".into(),
            metric_value: "10".into(),
            run_time: "2026-12-07T10:00:00Z".into(),
            error_column_name: "_errors".into(),
            warning_column_name: "_warnings".into(),
            user_metadata: BTreeMap::from([("dqx_manager.trigger".into(), "manual".into())]),
        };
        let one = insert(&metrics(), std::slice::from_ref(&row));
        assert!(
            one.sql
                .starts_with("INSERT INTO `main`.`dq`.`metrics` (run_id, run_name,")
        );
        assert!(one.sql.contains("CAST(:r0_run_time AS TIMESTAMP)"));
        assert!(one.sql.contains("map(:r0_k0, :r0_v0)"), "{}", one.sql);
        assert_eq!(one.params.len(), 14);
        assert!(
            one.params
                .iter()
                .any(|(n, v)| n == "r0_output_location" && v.is_none())
        );
        row.user_metadata.clear();
        let bare = insert(&metrics(), &[row.clone(), row]);
        assert!(bare.sql.contains("CAST(NULL AS MAP<STRING, STRING>)"));
        assert!(bare.sql.contains(":r1_run_id"));
    }

    #[test]
    fn times_in_each_engines_spelling_read_as_utc() {
        for (text, want) in [
            ("2026-12-07T10:00:00Z", "2026-12-07T10:00:00.000Z"),
            ("2026-12-07T11:00:00+01:00", "2026-12-07T10:00:00.000Z"),
            ("2026-12-07 10:00:00.123", "2026-12-07T10:00:00.123Z"),
            ("2026-12-07T10:00:00.123456", "2026-12-07T10:00:00.123Z"),
            ("2026-12-07 10:00:00", "2026-12-07T10:00:00.000Z"),
        ] {
            assert_eq!(utc_text(text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(utc_text("yesterday"), None);
    }

    #[test]
    fn rows_decode_by_column_name_and_skip_incomplete_ones() {
        let columns: Vec<String> = [
            "RUN_ID",
            "metric_name",
            "metric_value",
            "run_time",
            "run_name",
        ]
        .map(String::from)
        .to_vec();
        let rows = decode(
            &columns,
            vec![
                vec![
                    Some("r1".into()),
                    Some("error_row_count".into()),
                    Some("3".into()),
                    Some("2026-12-07 10:00:00".into()),
                    None,
                ],
                vec![
                    None,
                    Some("error_row_count".into()),
                    Some("3".into()),
                    None,
                    None,
                ],
            ],
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].run_time, "2026-12-07T10:00:00.000Z");
        assert_eq!(
            pipeline_starter(rows[0].run_name.as_deref()),
            "DQX pipeline"
        );
        assert_eq!(
            pipeline_starter(Some("orders_etl")),
            "DQX pipeline (orders_etl)"
        );
    }
}
