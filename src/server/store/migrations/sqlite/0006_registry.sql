-- The rule registry's reviewed entries (see the Postgres migration of the same name): each
-- version of a registry rule or of a binding is one row, moved through review like a rule set's.
CREATE TABLE IF NOT EXISTS dq_registry_entries (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('rule', 'binding')),
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    submitted_by TEXT,
    submitted_at TEXT,
    reviewed_by TEXT,
    reviewed_at TEXT,
    review_reason TEXT,
    UNIQUE (kind, name, version)
);
CREATE INDEX IF NOT EXISTS idx_dq_registry_entries_status ON dq_registry_entries(kind, status);
