-- Review of rule-set versions: a status per version (draft, pending, approved, rejected; rows
-- without one, such as the older app's, are approved), who submitted and who reviewed it, and
-- the change-impact previews reviewers read.
ALTER TABLE dq_rules_events ADD COLUMN IF NOT EXISTS status VARCHAR(20);
ALTER TABLE dq_rules_events ADD COLUMN IF NOT EXISTS submitted_by VARCHAR(255);
ALTER TABLE dq_rules_events ADD COLUMN IF NOT EXISTS submitted_at TIMESTAMP;
ALTER TABLE dq_rules_events ADD COLUMN IF NOT EXISTS reviewed_by VARCHAR(255);
ALTER TABLE dq_rules_events ADD COLUMN IF NOT EXISTS reviewed_at TIMESTAMP;
ALTER TABLE dq_rules_events ADD COLUMN IF NOT EXISTS review_reason TEXT;
CREATE INDEX IF NOT EXISTS idx_dq_rules_events_pending
    ON dq_rules_events(submitted_at) WHERE status = 'pending';

CREATE TABLE IF NOT EXISTS dq_impact_previews (
    id UUID PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE,
    table_name VARCHAR(500) NOT NULL,
    version INTEGER NOT NULL,
    computed_by VARCHAR(255) NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    result JSONB NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_dq_impact_previews_version
    ON dq_impact_previews(table_name, version, computed_at);

-- The audit trail is append-only for everyone, the tables' owner included.
CREATE OR REPLACE FUNCTION dq_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END
$$;
DROP TRIGGER IF EXISTS dq_audit_events_append_only ON dq_audit_events;
CREATE TRIGGER dq_audit_events_append_only BEFORE UPDATE OR DELETE ON dq_audit_events
    FOR EACH ROW EXECUTE FUNCTION dq_audit_append_only();
