-- Health monitoring (issue 32): the scopes a user turned health on for, and each observation as
-- rows in DQX's metrics schema (`OBSERVATION_TABLE_SCHEMA`: one row per `health.*` metric). An
-- observation pass of a scope is leased (`running_until`), so it never runs beside itself.
CREATE TABLE IF NOT EXISTS dq_health_scopes (
    scope_id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    owner TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_observed_at TIMESTAMP,
    running_until TIMESTAMP,
    claimed_by TEXT,
    last_error TEXT
);

CREATE TABLE IF NOT EXISTS dq_health_metrics (
    run_id TEXT NOT NULL,
    run_name TEXT,
    input_location TEXT NOT NULL,
    metric_name TEXT NOT NULL,
    metric_value TEXT,
    run_time TIMESTAMP NOT NULL,
    user_metadata TEXT,
    PRIMARY KEY (run_id, input_location, metric_name)
);
CREATE INDEX IF NOT EXISTS idx_dq_health_metrics_table ON dq_health_metrics(input_location, run_time);
