-- What started each run (manual, schedule), and the tables' schedules. A schedule fires a due
-- time once: `last_due_at` only moves forward, by a conditional update (the row is the lease).
ALTER TABLE dq_validation_runs ADD COLUMN run_trigger TEXT NOT NULL DEFAULT 'manual';

CREATE TABLE IF NOT EXISTS dq_schedules (
    table_name TEXT PRIMARY KEY,
    cron TEXT NOT NULL,
    timezone TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    owner TEXT NOT NULL,
    since TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_due_at TIMESTAMP,
    claimed_by TEXT,
    last_run_id TEXT,
    last_error TEXT
);
