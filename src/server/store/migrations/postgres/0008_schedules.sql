-- What started each run (manual, schedule), and the tables' schedules for the embedded
-- scheduler. A schedule fires a due time once: `last_due_at` only moves forward, by a conditional
-- update under a per-table advisory lock. Only the tables' owner (the scheduler's identity)
-- reads or writes schedules; callers reach them through the app.
ALTER TABLE dq_validation_runs ADD COLUMN IF NOT EXISTS run_trigger VARCHAR(20) NOT NULL DEFAULT 'manual';

CREATE TABLE IF NOT EXISTS dq_schedules (
    table_name VARCHAR(500) PRIMARY KEY,
    cron VARCHAR(200) NOT NULL,
    timezone VARCHAR(100) NOT NULL,
    enabled BOOLEAN NOT NULL,
    owner VARCHAR(255) NOT NULL,
    since TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_due_at TIMESTAMP,
    claimed_by VARCHAR(200),
    last_run_id TEXT,
    last_error TEXT
);
REVOKE ALL ON dq_schedules FROM PUBLIC;
