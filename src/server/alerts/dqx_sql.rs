//! The statements that keep alerts in DQX's own Unity Catalog tables, as a SQL warehouse runs
//! them (values only as named parameters): the actions table (`ACTIONS_TABLE_SCHEMA`:
//! `action_json`, `run_config_name` = the monitored table, `created_at`) and the action-events
//! table (`ACTION_EVENT_TABLE_SCHEMA`), plus the decoding of their answers.

use crate::model::table_name::TableName;
use crate::server::databricks::statements::{Param, Rows};
use crate::server::workspace::metrics_table::utc_text;
use chrono::NaiveDateTime;
use std::collections::BTreeMap;

/// DQX 0.17's `ACTIONS_TABLE_SCHEMA`.
pub const ACTIONS_SCHEMA: &str = "action_json STRING, run_config_name STRING, created_at TIMESTAMP";

/// DQX 0.17's `ACTION_EVENT_TABLE_SCHEMA`.
pub const EVENTS_SCHEMA: &str = "action_name STRING, condition STRING, fired BOOLEAN, status STRING, \
     observed_metrics MAP<STRING,STRING>, run_id STRING, run_time TIMESTAMP, input_location STRING, \
     destinations ARRAY<STRING>, delivery_errors ARRAY<STRING>, run_config_name STRING";

/// A statement and its named parameters.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Param>,
}

impl Sql {
    fn bind(&mut self, name: &str, value: impl Into<String>) -> String {
        self.params.push(Param::text(name, value));
        format!(":{name}")
    }
}

/// An action's name inside its `action_json` (DQX's serializer writes it at the top level).
const NAME_OF: &str = "get_json_object(action_json, '$.name')";

/// Creates a table in DQX's schema when it is missing.
pub fn create(table: &TableName, schema: &str) -> Sql {
    Sql {
        text: format!("CREATE TABLE IF NOT EXISTS {} ({schema})", table.quoted()),
        params: Vec::new(),
    }
}

/// Sets the action named `name` of `run_config`: its row replaced, or a row added (one atomic
/// statement, so two writers never leave two rows of one name).
pub fn put_action(
    table: &TableName,
    run_config: &str,
    name: &str,
    action_json: &str,
    created_at: NaiveDateTime,
) -> Sql {
    let mut sql = Sql::default();
    let json = sql.bind("action_json", action_json);
    let config = sql.bind("run_config_name", run_config);
    let name = sql.bind("name", name);
    let at = sql.bind(
        "created_at",
        created_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    );
    sql.text = format!(
        "MERGE INTO {t} AS t USING (SELECT {json} AS action_json, {config} AS run_config_name, \
         CAST({at} AS TIMESTAMP) AS created_at) AS s \
         ON t.run_config_name = s.run_config_name AND get_json_object(t.action_json, '$.name') = {name} \
         WHEN MATCHED THEN UPDATE SET t.action_json = s.action_json, t.created_at = s.created_at \
         WHEN NOT MATCHED THEN INSERT (action_json, run_config_name, created_at) \
         VALUES (s.action_json, s.run_config_name, s.created_at)",
        t = table.quoted(),
    );
    sql
}

/// The actions of `run_config` (or of every run config), newest first within a name.
pub fn actions(table: &TableName, run_config: Option<&str>, limit: usize) -> Sql {
    let mut sql = Sql::default();
    let filter = match run_config {
        Some(config) => format!(
            "WHERE run_config_name = {}",
            sql.bind("run_config_name", config)
        ),
        None => "WHERE run_config_name IS NOT NULL".to_string(),
    };
    sql.text = format!(
        "SELECT run_config_name, action_json, created_at FROM {} {filter} \
         ORDER BY run_config_name, {NAME_OF}, created_at DESC LIMIT {limit}",
        table.quoted()
    );
    sql
}

/// Deletes the action named `name` of `run_config`.
pub fn delete_action(table: &TableName, run_config: &str, name: &str) -> Sql {
    let mut sql = Sql::default();
    let config = sql.bind("run_config_name", run_config);
    let name = sql.bind("name", name);
    sql.text = format!(
        "DELETE FROM {} WHERE run_config_name = {config} AND {NAME_OF} = {name}",
        table.quoted()
    );
    sql
}

/// When the action last fired and its latest status (DQX's `load_last_fired_per_action` and
/// `load_latest_per_action`, for one action).
pub fn state(events: &TableName, run_config: &str, name: &str) -> Sql {
    let mut sql = Sql::default();
    let config = sql.bind("run_config_name", run_config);
    let name = sql.bind("action_name", name);
    sql.text = format!(
        "SELECT max(CASE WHEN fired THEN run_time END) AS last_fired, \
         max_by(status, run_time) AS last_status FROM {} \
         WHERE run_config_name = {config} AND action_name = {name}",
        events.quoted()
    );
    sql
}

/// How many events the action already has for `run_id` (the app evaluates a run once).
pub fn evaluated(events: &TableName, run_config: &str, name: &str, run_id: &str) -> Sql {
    let mut sql = Sql::default();
    let config = sql.bind("run_config_name", run_config);
    let name = sql.bind("action_name", name);
    let run = sql.bind("run_id", run_id);
    sql.text = format!(
        "SELECT count(*) AS n FROM {} WHERE run_config_name = {config} AND action_name = {name} AND run_id = {run}",
        events.quoted()
    );
    sql
}

/// One evaluation, as DQX's `TableActionEventStore` appends it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub action_name: String,
    pub condition: String,
    pub fired: bool,
    pub status: String,
    pub observed_metrics: BTreeMap<String, String>,
    pub run_id: String,
    pub run_time: NaiveDateTime,
    pub input_location: String,
    /// DQX records only the destinations whose delivery failed, with their errors.
    pub destinations: Vec<String>,
    pub delivery_errors: Vec<String>,
    pub run_config_name: String,
}

/// Appends one event.
pub fn append_event(events: &TableName, row: &EventRow) -> Sql {
    let mut sql = Sql::default();
    let name = sql.bind("action_name", &row.action_name);
    let condition = sql.bind("condition", &row.condition);
    let status = sql.bind("status", &row.status);
    let pairs: Vec<String> = row
        .observed_metrics
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            let key = sql.bind(&format!("mk{i}"), k);
            format!("{key}, {}", sql.bind(&format!("mv{i}"), v))
        })
        .collect();
    let metrics = if pairs.is_empty() {
        "CAST(map() AS MAP<STRING, STRING>)".to_string()
    } else {
        format!("map({})", pairs.join(", "))
    };
    let run = sql.bind("run_id", &row.run_id);
    let at = sql.bind(
        "run_time",
        row.run_time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    );
    let input = sql.bind("input_location", &row.input_location);
    let mut list = |prefix: &str, items: &[String]| {
        let items: Vec<String> = items
            .iter()
            .enumerate()
            .map(|(i, v)| sql.bind(&format!("{prefix}{i}"), v))
            .collect();
        format!("CAST(array({}) AS ARRAY<STRING>)", items.join(", "))
    };
    let destinations = list("d", &row.destinations);
    let errors = list("e", &row.delivery_errors);
    let config = sql.bind("run_config_name", &row.run_config_name);
    sql.text = format!(
        "INSERT INTO {} (action_name, condition, fired, status, observed_metrics, run_id, run_time, \
         input_location, destinations, delivery_errors, run_config_name) VALUES ({name}, {condition}, \
         {fired}, {status}, {metrics}, {run}, CAST({at} AS TIMESTAMP), {input}, {destinations}, {errors}, {config})",
        events.quoted(),
        fired = if row.fired { "TRUE" } else { "FALSE" },
    );
    sql
}

/// The newest fired events of `run_config` (or of every run config): their deliveries.
pub fn fired_events(events: &TableName, run_config: Option<&str>, limit: u32) -> Sql {
    let mut sql = Sql::default();
    let filter = match run_config {
        Some(config) => format!(
            "AND run_config_name = {}",
            sql.bind("run_config_name", config)
        ),
        None => String::new(),
    };
    sql.text = format!(
        "SELECT run_id, run_config_name, action_name, to_json(destinations) AS destinations, \
         to_json(delivery_errors) AS delivery_errors, run_time FROM {} WHERE fired {filter} \
         ORDER BY run_time DESC LIMIT {limit}",
        events.quoted()
    );
    sql
}

/// A fired event as the delivery log reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct FiredEvent {
    pub run_id: String,
    pub table: String,
    pub action_name: String,
    pub failed: Vec<(String, String)>,
    pub run_time: NaiveDateTime,
}

/// The cells of `rows` by column name.
pub fn by_name(rows: &Rows) -> Vec<BTreeMap<&str, Option<&str>>> {
    rows.rows
        .iter()
        .map(|row| {
            rows.columns
                .iter()
                .zip(row)
                .map(|((name, _), cell)| (name.as_str(), cell.as_deref()))
                .collect()
        })
        .collect()
}

/// A timestamp cell as UTC.
pub fn time_of(cell: Option<&str>) -> Option<NaiveDateTime> {
    let text = utc_text(cell?)?;
    chrono::DateTime::parse_from_rfc3339(&text)
        .ok()
        .map(|t| t.naive_utc())
}

/// Fired events from an answer of [`fired_events`] (rows without a run id or time left out).
pub fn decode_fired(rows: &Rows) -> Vec<FiredEvent> {
    by_name(rows)
        .into_iter()
        .filter_map(|row| {
            let text = |k: &str| row.get(k).copied().flatten().map(str::to_string);
            let list = |k: &str| -> Vec<String> {
                text(k)
                    .and_then(|j| serde_json::from_str(&j).ok())
                    .unwrap_or_default()
            };
            Some(FiredEvent {
                run_id: text("run_id")?,
                table: text("run_config_name")?,
                action_name: text("action_name")?,
                failed: list("destinations")
                    .into_iter()
                    .zip(list("delivery_errors"))
                    .collect(),
                run_time: time_of(row.get("run_time").copied().flatten())?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> TableName {
        TableName::parse(name).unwrap()
    }

    #[test]
    fn values_reach_statements_only_as_parameters() {
        let hostile = "x' OR 1=1 --";
        let at = chrono::DateTime::from_timestamp(1_765_000_000, 0)
            .unwrap()
            .naive_utc();
        let statements = [
            put_action(&t("main.dq.actions"), hostile, hostile, hostile, at),
            actions(&t("main.dq.actions"), Some(hostile), 5),
            delete_action(&t("main.dq.actions"), hostile, hostile),
            state(&t("main.dq.events"), hostile, hostile),
            evaluated(&t("main.dq.events"), hostile, hostile, hostile),
            fired_events(&t("main.dq.events"), Some(hostile), 5),
            append_event(
                &t("main.dq.events"),
                &EventRow {
                    action_name: hostile.into(),
                    condition: hostile.into(),
                    fired: true,
                    status: hostile.into(),
                    observed_metrics: BTreeMap::from([(hostile.into(), hostile.into())]),
                    run_id: hostile.into(),
                    run_time: at,
                    input_location: hostile.into(),
                    destinations: vec![hostile.into()],
                    delivery_errors: vec![hostile.into()],
                    run_config_name: hostile.into(),
                },
            ),
        ];
        for sql in statements {
            assert!(!sql.text.contains("OR 1=1"), "{}", sql.text);
            assert!(!sql.params.is_empty(), "{}", sql.text);
            for p in &sql.params {
                assert!(sql.text.contains(&format!(":{}", p.name)), "{}", sql.text);
            }
        }
    }

    #[test]
    fn the_events_insert_names_dqxs_columns_in_order() {
        let columns: Vec<&str> = EVENTS_SCHEMA
            .split(", ")
            .filter_map(|c| c.split_whitespace().next())
            .collect();
        let row = EventRow {
            action_name: "a".into(),
            condition: "error_row_count > 0".into(),
            fired: false,
            status: "healthy".into(),
            observed_metrics: BTreeMap::new(),
            run_id: "r".into(),
            run_time: NaiveDateTime::default(),
            input_location: "main.sales.orders".into(),
            destinations: vec![],
            delivery_errors: vec![],
            run_config_name: "main.sales.orders".into(),
        };
        let sql = append_event(&t("main.dq.events"), &row);
        assert!(
            sql.text.contains(&format!("({})", columns.join(", "))),
            "{}",
            sql.text
        );
        assert!(sql.text.contains("CAST(array() AS ARRAY<STRING>)"));
        assert!(sql.text.contains("CAST(map() AS MAP<STRING, STRING>)"));
    }

    #[test]
    fn fired_events_read_back_with_failures_paired() {
        let rows = Rows {
            columns: [
                "run_id",
                "run_config_name",
                "action_name",
                "destinations",
                "delivery_errors",
                "run_time",
            ]
            .iter()
            .map(|c| (c.to_string(), "STRING".to_string()))
            .collect(),
            rows: vec![
                vec![
                    Some("r1".into()),
                    Some("main.sales.orders".into()),
                    Some("errs".into()),
                    Some(r#"["slack"]"#.into()),
                    Some(r#"["attempt 3: HTTP 500"]"#.into()),
                    Some("2026-12-07T08:00:00.000Z".into()),
                ],
                vec![None, None, None, None, None, None],
            ],
            truncated: false,
        };
        let events = decode_fired(&rows);
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0].failed,
            vec![("slack".to_string(), "attempt 3: HTTP 500".to_string())]
        );
        assert_eq!(events[0].run_time.to_string(), "2026-12-07 08:00:00");
    }
}
