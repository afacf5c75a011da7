-- The rule-set table with the older app's columns (types as SQLite has them).
CREATE TABLE IF NOT EXISTS dq_rules_events (
    id TEXT PRIMARY KEY,
    table_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    rules TEXT NOT NULL,
    user_prompt TEXT,
    ai_summary TEXT,
    created_at TEXT,
    created_by TEXT,
    is_active INTEGER DEFAULT 1,
    metadata TEXT,
    restored_from INTEGER,
    UNIQUE(table_name, version)
);
CREATE INDEX IF NOT EXISTS idx_dq_rules_table_name ON dq_rules_events(table_name);
CREATE UNIQUE INDEX IF NOT EXISTS dq_rules_events_one_active
    ON dq_rules_events(table_name) WHERE is_active;
