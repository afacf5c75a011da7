-- The tables are no longer open to every role that can connect (0002 granted PUBLIC): the app
-- grants its users' role (LAKEBASE_APP_ROLE, default dqx_app_users) what it needs at start-up,
-- and validation runs and the audit trail are append-only for it.
REVOKE ALL ON dq_rules_events, dq_validation_runs, dq_audit_events FROM PUBLIC;
