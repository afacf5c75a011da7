-- Validation runs (who, when, which table and rule-set version, summary and per-rule results)
-- and the audit trail (who saved, restored, imported or exported what, when).
CREATE TABLE IF NOT EXISTS dq_validation_runs (
    id UUID PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE,
    table_name VARCHAR(500) NOT NULL,
    rule_set_version INTEGER,
    validated_by VARCHAR(255) NOT NULL,
    validated_at TIMESTAMP NOT NULL,
    total_rows BIGINT NOT NULL,
    invalid_rows BIGINT NOT NULL,
    pass_rate DOUBLE PRECISION NOT NULL,
    result JSONB NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_dq_validation_runs_table ON dq_validation_runs(table_name, validated_at);

CREATE TABLE IF NOT EXISTS dq_audit_events (
    id UUID PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor VARCHAR(255) NOT NULL,
    action VARCHAR(50) NOT NULL,
    table_name VARCHAR(500) NOT NULL,
    version INTEGER,
    detail JSONB
);
CREATE INDEX IF NOT EXISTS idx_dq_audit_events_table ON dq_audit_events(table_name, at);

-- Users connect as themselves (Lakebase: role = e-mail); the tables are created once by the
-- migrating identity, so every role that can connect may read and write them.
GRANT SELECT, INSERT, UPDATE ON dq_rules_events, dq_validation_runs, dq_audit_events TO PUBLIC;
