-- The tables with saved rules, and nothing else about them, most recently changed first: the
-- landing page asks Unity Catalog (as the caller) which of them the caller may read, proves
-- those, then reads where their rules stand (as dq_pending_tables does for the review queue).
CREATE OR REPLACE FUNCTION dq_rule_tables(lim INTEGER) RETURNS SETOF TEXT
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT table_name FROM dq_rules_events
     GROUP BY table_name ORDER BY max(created_at) DESC NULLS LAST, table_name
     LIMIT LEAST(GREATEST(lim, 0), 1000)
$$;

REVOKE ALL ON FUNCTION dq_rule_tables(INTEGER) FROM PUBLIC;
