-- Review of rule-set versions (see the Postgres migration of the same name).
ALTER TABLE dq_rules_events ADD COLUMN status TEXT;
ALTER TABLE dq_rules_events ADD COLUMN submitted_by TEXT;
ALTER TABLE dq_rules_events ADD COLUMN submitted_at TEXT;
ALTER TABLE dq_rules_events ADD COLUMN reviewed_by TEXT;
ALTER TABLE dq_rules_events ADD COLUMN reviewed_at TEXT;
ALTER TABLE dq_rules_events ADD COLUMN review_reason TEXT;
CREATE INDEX IF NOT EXISTS idx_dq_rules_events_pending
    ON dq_rules_events(submitted_at) WHERE status = 'pending';

CREATE TABLE IF NOT EXISTS dq_impact_previews (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE,
    table_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    computed_by TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_dq_impact_previews_version
    ON dq_impact_previews(table_name, version, computed_at);

-- The audit trail is append-only.
CREATE TRIGGER IF NOT EXISTS dq_audit_events_no_update BEFORE UPDATE ON dq_audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER IF NOT EXISTS dq_audit_events_no_delete BEFORE DELETE ON dq_audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
