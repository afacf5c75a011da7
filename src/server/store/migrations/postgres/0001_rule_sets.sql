-- The rule-set table exactly as the older app created it, so its databases stay readable and
-- writable; created here only when absent.
CREATE TABLE IF NOT EXISTS dq_rules_events (
    id UUID PRIMARY KEY,
    table_name VARCHAR(500) NOT NULL,
    version INTEGER NOT NULL,
    rules JSONB NOT NULL,
    user_prompt TEXT,
    ai_summary JSONB,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    created_by VARCHAR(255),
    is_active BOOLEAN DEFAULT TRUE,
    metadata JSONB,
    UNIQUE(table_name, version)
);
CREATE INDEX IF NOT EXISTS idx_dq_rules_table_name ON dq_rules_events(table_name);

-- Some early copies of the older app had no metadata column.
ALTER TABLE dq_rules_events ADD COLUMN IF NOT EXISTS metadata JSONB;

-- New: the version a restore was made from.
ALTER TABLE dq_rules_events ADD COLUMN IF NOT EXISTS restored_from INTEGER;

-- Exactly one active version per table from now on. The older app's saves could race and leave
-- several active; keep the newest of them.
UPDATE dq_rules_events e
   SET is_active = FALSE
 WHERE e.is_active
   AND e.version < (SELECT max(a.version) FROM dq_rules_events a
                     WHERE a.table_name = e.table_name AND a.is_active);
CREATE UNIQUE INDEX IF NOT EXISTS dq_rules_events_one_active
    ON dq_rules_events(table_name) WHERE is_active;
