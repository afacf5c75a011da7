-- Validation runs and the audit trail.
CREATE TABLE IF NOT EXISTS dq_validation_runs (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE,
    table_name TEXT NOT NULL,
    rule_set_version INTEGER,
    validated_by TEXT NOT NULL,
    validated_at TEXT NOT NULL,
    total_rows INTEGER NOT NULL,
    invalid_rows INTEGER NOT NULL,
    pass_rate REAL NOT NULL,
    result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_dq_validation_runs_table ON dq_validation_runs(table_name, validated_at);

CREATE TABLE IF NOT EXISTS dq_audit_events (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    table_name TEXT NOT NULL,
    version INTEGER,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS idx_dq_audit_events_table ON dq_audit_events(table_name, at);
