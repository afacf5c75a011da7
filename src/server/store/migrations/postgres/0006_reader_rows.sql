-- Reads as the app would show them: a user's role sees a table's rule sets, audit, runs and
-- previews only once the app has proven, as that user, that they may read the table in Unity
-- Catalog (Postgres cannot ask it). Each proof is a row written through dq_write (signed by the
-- app, like every write) and lasts a day; any signed write for a table proves it too, because
-- the app writes for a table only after reading it as the caller. The tables' owner (the service
-- principal that migrates them) is not subject to these policies.
CREATE TABLE IF NOT EXISTS dq_table_readers (
    reader VARCHAR(255) NOT NULL,
    table_name VARCHAR(500) NOT NULL,
    proven_at TIMESTAMP NOT NULL,
    PRIMARY KEY (reader, table_name)
);
REVOKE ALL ON dq_table_readers FROM PUBLIC;

-- Whether the connected user has a live proof for table t (a definer, so the policies below
-- need no privilege on the proofs).
CREATE OR REPLACE FUNCTION dq_reads(t TEXT) RETURNS BOOLEAN
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM dq_table_readers r
         WHERE r.reader = lower(session_user) AND r.table_name = t
           AND r.proven_at > (clock_timestamp() AT TIME ZONE 'UTC') - INTERVAL '1 day')
$$;

CREATE OR REPLACE FUNCTION dq_op_reader(c JSONB, p_actor TEXT) RETURNS JSONB
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO dq_table_readers (reader, table_name, proven_at)
    VALUES (lower(p_actor), c->>'table_name', clock_timestamp() AT TIME ZONE 'UTC')
    ON CONFLICT (reader, table_name) DO UPDATE SET proven_at = EXCLUDED.proven_at;
    RETURN jsonb_build_object('proven', TRUE);
END
$$;

-- The tables with a version pending review, and nothing else about them: the review queue asks
-- Unity Catalog (as the caller) which of them the caller may read, proves those, then reads.
CREATE OR REPLACE FUNCTION dq_pending_tables(lim INTEGER) RETURNS SETOF TEXT
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT table_name FROM dq_rules_events WHERE status = 'pending'
     GROUP BY table_name ORDER BY min(submitted_at), table_name LIMIT LEAST(GREATEST(lim, 0), 1000)
$$;

-- dq_write as in 0005, plus proving: the op 'reader', and every op naming a table proves it.
CREATE OR REPLACE FUNCTION dq_write(claim TEXT, signature TEXT) RETURNS JSONB
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_key BYTEA;
    c JSONB;
    v_actor TEXT := session_user;
    v_table TEXT;
    v_answer JSONB;
BEGIN
    SELECT attest_key INTO v_key FROM dq_store_keys WHERE id = 1;
    IF v_key IS NULL OR claim IS NULL OR signature IS NULL
       OR encode(hmac(convert_to(claim, 'UTF8'), v_key, 'sha256'), 'hex') <> lower(signature) THEN
        PERFORM dq_refuse('DQ403', 'writes to the rule store go through the app: this request was not signed by it');
    END IF;
    c := claim::JSONB;
    IF lower(COALESCE(c->>'email', '')) <> lower(v_actor) THEN
        PERFORM dq_refuse('DQ403', 'this request was signed for another user');
    END IF;
    IF COALESCE((c->>'exp')::BIGINT, 0) < extract(epoch FROM clock_timestamp()) THEN
        PERFORM dq_refuse('DQ403', 'this request has expired; try again');
    END IF;
    CASE c->>'op'
        WHEN 'save' THEN v_answer := dq_op_save(c, v_actor);
        WHEN 'transition' THEN v_answer := dq_op_transition(c, v_actor);
        WHEN 'audit' THEN v_answer := dq_op_audit(c, v_actor);
        WHEN 'run' THEN v_answer := dq_op_run(c, v_actor);
        WHEN 'preview' THEN v_answer := dq_op_preview(c, v_actor);
        WHEN 'reader' THEN v_answer := dq_op_reader(c, v_actor);
        ELSE PERFORM dq_refuse('DQ403', 'unknown rule store operation');
    END CASE;
    v_table := COALESCE(c->>'table_name', c->'result'->>'table_name', c->'preview'->>'table_name');
    IF v_table IS NOT NULL AND c->>'op' <> 'reader' THEN
        PERFORM dq_op_reader(jsonb_build_object('table_name', v_table), v_actor);
    END IF;
    RETURN v_answer;
END
$$;

ALTER TABLE dq_rules_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE dq_audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE dq_validation_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE dq_impact_previews ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS dq_proven_readers ON dq_rules_events;
DROP POLICY IF EXISTS dq_proven_readers ON dq_audit_events;
DROP POLICY IF EXISTS dq_proven_readers ON dq_validation_runs;
DROP POLICY IF EXISTS dq_proven_readers ON dq_impact_previews;
CREATE POLICY dq_proven_readers ON dq_rules_events FOR SELECT USING (dq_reads(table_name));
CREATE POLICY dq_proven_readers ON dq_audit_events FOR SELECT USING (dq_reads(table_name));
CREATE POLICY dq_proven_readers ON dq_validation_runs FOR SELECT USING (dq_reads(table_name));
CREATE POLICY dq_proven_readers ON dq_impact_previews FOR SELECT USING (dq_reads(table_name));

REVOKE ALL ON FUNCTION dq_reads(TEXT), dq_op_reader(JSONB, TEXT), dq_pending_tables(INTEGER),
    dq_write(TEXT, TEXT) FROM PUBLIC;
