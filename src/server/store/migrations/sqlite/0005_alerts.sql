-- Alerts as DQX actions: `action_json` as DQX's ActionSerializer writes it, under the table's
-- name as DQX's `run_config_name` (the columns DQX's actions storage reads, plus who set it).
-- Each evaluation of an alert for a run is one event (once per run and alert: the primary key),
-- and each delivery attempt one log row.
CREATE TABLE IF NOT EXISTS dq_actions (
    run_config_name TEXT NOT NULL,
    name TEXT NOT NULL,
    action_json TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    owner TEXT NOT NULL,
    PRIMARY KEY (run_config_name, name)
);

CREATE TABLE IF NOT EXISTS dq_alert_events (
    run_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    action_name TEXT NOT NULL,
    condition TEXT,
    fired BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    run_time TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, table_name, action_name)
);
CREATE INDEX IF NOT EXISTS idx_dq_alert_events_action ON dq_alert_events(table_name, action_name, run_time);

CREATE TABLE IF NOT EXISTS dq_alert_deliveries (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    action_name TEXT NOT NULL,
    destination TEXT NOT NULL,
    outcome TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    reason TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_dq_alert_deliveries_table ON dq_alert_deliveries(table_name, at);
