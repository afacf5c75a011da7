-- Health monitoring (issue 32): the scopes a user turned health on for, and each observation as
-- rows in DQX's metrics schema (`OBSERVATION_TABLE_SCHEMA`: one row per `health.*` metric). An
-- observation pass of a scope is leased (`running_until`, under a per-scope advisory lock), so
-- it never runs beside itself. Only the tables' owner (the scheduler's identity) reads or writes
-- them; callers reach them through the app, which shows each viewer only tables they may read.
CREATE TABLE IF NOT EXISTS dq_health_scopes (
    scope_id VARCHAR(64) PRIMARY KEY,
    scope TEXT NOT NULL,
    owner VARCHAR(255) NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_observed_at TIMESTAMP,
    running_until TIMESTAMP,
    claimed_by VARCHAR(200),
    last_error TEXT
);

CREATE TABLE IF NOT EXISTS dq_health_metrics (
    run_id VARCHAR(100) NOT NULL,
    run_name VARCHAR(100),
    input_location VARCHAR(500) NOT NULL,
    metric_name VARCHAR(500) NOT NULL,
    metric_value TEXT,
    run_time TIMESTAMP NOT NULL,
    user_metadata TEXT,
    PRIMARY KEY (run_id, input_location, metric_name)
);
CREATE INDEX IF NOT EXISTS idx_dq_health_metrics_table ON dq_health_metrics(input_location, run_time);
REVOKE ALL ON dq_health_scopes, dq_health_metrics FROM PUBLIC;
