-- In Lakebase user mode each user connects as themselves, so the database itself must keep the
-- lifecycle: users' roles get no write privilege on any table (the app revokes them at start-up)
-- and every write goes through dq_write, a SECURITY DEFINER function owned by the tables' owner.
-- It accepts only requests the app signed (HMAC-SHA256 with a key only the owner can read: group
-- membership lives in the workspace, which Postgres cannot ask), for the user who is connected
-- (session_user), and it checks transitions and four-eyes itself, on the row it locks.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE IF NOT EXISTS dq_store_keys (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    attest_key BYTEA NOT NULL
);
INSERT INTO dq_store_keys (id, attest_key) VALUES (1, gen_random_bytes(32))
    ON CONFLICT (id) DO NOTHING;
REVOKE ALL ON dq_store_keys FROM PUBLIC;

-- A refusal the app shows as it is: DQ403 (not allowed), DQ409 (moved on since it was read).
CREATE OR REPLACE FUNCTION dq_refuse(code TEXT, message TEXT) RETURNS VOID
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
END
$$;

-- A save: the next version of the table under its advisory lock; an active save (no review
-- covers the table, as the app attested) deactivates the active version first.
CREATE OR REPLACE FUNCTION dq_op_save(c JSONB, p_actor TEXT) RETURNS JSONB
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v_table TEXT := c->>'table_name';
    v_draft BOOLEAN := COALESCE((c->>'draft')::BOOLEAN, TRUE);
    v_next INTEGER;
    v_at TIMESTAMP := clock_timestamp() AT TIME ZONE 'UTC';
    v_status TEXT := CASE WHEN v_draft THEN 'draft' ELSE 'approved' END;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(v_table));
    IF NOT v_draft THEN
        UPDATE dq_rules_events SET is_active = FALSE WHERE table_name = v_table AND is_active;
    END IF;
    SELECT COALESCE(MAX(version), 0) + 1 INTO v_next FROM dq_rules_events WHERE table_name = v_table;
    INSERT INTO dq_rules_events (id, table_name, version, rules, user_prompt, ai_summary, created_at,
                                 created_by, is_active, metadata, restored_from, status)
    VALUES ((c->>'id')::UUID, v_table, v_next, c->'rules', c->>'user_prompt',
            NULLIF(c->'ai_summary', 'null'::JSONB), v_at, p_actor, NOT v_draft,
            NULLIF(c->'metadata', 'null'::JSONB), (c->>'restored_from')::INTEGER, v_status);
    RETURN jsonb_build_object('version', v_next, 'created_at', v_at, 'status', v_status);
END
$$;

-- A review move, decided on the row it locks: the status must still be the one the mover saw;
-- only the author (or an admin) submits; an approver (or admin) other than the author and the
-- submitter approves or rejects, unless self-approval is allowed. The audit entry is written in
-- the same transaction, as the connected user.
CREATE OR REPLACE FUNCTION dq_op_transition(c JSONB, p_actor TEXT) RETURNS JSONB
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v_table TEXT := c->>'table_name';
    v_version INTEGER := (c->>'version')::INTEGER;
    v_expected TEXT := c->>'expected';
    v_to TEXT := c->>'to';
    v_approver BOOLEAN := COALESCE((c->>'approver')::BOOLEAN, FALSE);
    v_admin BOOLEAN := COALESCE((c->>'admin')::BOOLEAN, FALSE);
    v_self BOOLEAN := COALESCE((c->>'self_approval')::BOOLEAN, FALSE);
    v_row dq_rules_events%ROWTYPE;
    v_current TEXT;
    v_at TIMESTAMP := clock_timestamp() AT TIME ZONE 'UTC';
BEGIN
    IF (v_expected, v_to) NOT IN (('draft', 'pending'), ('pending', 'approved'), ('pending', 'rejected')) THEN
        PERFORM dq_refuse('DQ403', format('a version cannot go from %s to %s', v_expected, v_to));
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(v_table));
    SELECT * INTO v_row FROM dq_rules_events WHERE table_name = v_table AND version = v_version FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM dq_refuse('DQ409', format('%s has no saved version %s', v_table, v_version));
    END IF;
    v_current := COALESCE(v_row.status, 'approved');
    IF v_current <> v_expected THEN
        PERFORM dq_refuse('DQ409', format('version %s of %s is %s, not %s; nothing was changed', v_version, v_table, v_current, v_expected));
    END IF;
    IF v_to = 'pending' THEN
        IF lower(COALESCE(v_row.created_by, '')) <> lower(p_actor) AND NOT v_admin THEN
            PERFORM dq_refuse('DQ403', format('only its author (%s) or an admin may submit version %s', v_row.created_by, v_version));
        END IF;
        UPDATE dq_rules_events SET status = 'pending', submitted_by = p_actor, submitted_at = v_at
         WHERE id = v_row.id;
    ELSE
        IF NOT v_self AND lower(COALESCE(v_row.created_by, '')) = lower(p_actor) THEN
            PERFORM dq_refuse('DQ403', 'you wrote this version; someone else must approve it (four-eyes)');
        END IF;
        IF NOT v_self AND lower(COALESCE(v_row.submitted_by, '')) = lower(p_actor) THEN
            PERFORM dq_refuse('DQ403', 'you submitted this version; someone else must approve it (four-eyes)');
        END IF;
        IF NOT v_approver AND NOT v_admin THEN
            PERFORM dq_refuse('DQ403', format('you are not an approver for %s', v_table));
        END IF;
        IF v_to = 'approved' THEN
            UPDATE dq_rules_events SET is_active = FALSE WHERE table_name = v_table AND is_active;
            UPDATE dq_rules_events SET status = 'approved', is_active = TRUE, reviewed_by = p_actor, reviewed_at = v_at
             WHERE id = v_row.id;
        ELSE
            UPDATE dq_rules_events SET status = 'rejected', reviewed_by = p_actor, reviewed_at = v_at,
                   review_reason = c->>'reason'
             WHERE id = v_row.id;
        END IF;
    END IF;
    INSERT INTO dq_audit_events (id, at, actor, action, table_name, version, detail)
    VALUES ((c->>'audit_id')::UUID, v_at, p_actor,
            CASE v_to WHEN 'pending' THEN 'submit' WHEN 'approved' THEN 'approve' ELSE 'reject' END,
            v_table, v_version, jsonb_build_object('from', v_expected, 'to', v_to, 'reason', c->'reason'));
    RETURN jsonb_build_object('status', v_to);
END
$$;

-- An audit entry as the connected user; review decisions are written only by dq_op_transition.
CREATE OR REPLACE FUNCTION dq_op_audit(c JSONB, p_actor TEXT) RETURNS JSONB
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF c->>'action' IN ('submit', 'approve', 'reject') THEN
        PERFORM dq_refuse('DQ403', 'review decisions are recorded only by the move itself');
    END IF;
    INSERT INTO dq_audit_events (id, at, actor, action, table_name, version, detail)
    VALUES ((c->>'id')::UUID, clock_timestamp() AT TIME ZONE 'UTC', p_actor, c->>'action',
            c->>'table_name', (c->>'version')::INTEGER, NULLIF(c->'detail', 'null'::JSONB));
    RETURN jsonb_build_object('written', TRUE);
END
$$;

-- A finished validation run, once per run id, as the connected user.
CREATE OR REPLACE FUNCTION dq_op_run(c JSONB, p_actor TEXT) RETURNS JSONB
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    n INTEGER;
BEGIN
    INSERT INTO dq_validation_runs (id, run_id, table_name, rule_set_version, validated_by,
                                    validated_at, total_rows, invalid_rows, pass_rate, result)
    VALUES ((c->>'id')::UUID, c->>'run_id', c->'result'->>'table_name',
            (c->>'version')::INTEGER, p_actor, clock_timestamp() AT TIME ZONE 'UTC',
            (c->'result'->>'total_rows')::BIGINT, (c->'result'->>'invalid_rows')::BIGINT,
            (c->'result'->>'pass_rate')::DOUBLE PRECISION, c->'result')
    ON CONFLICT (run_id) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN jsonb_build_object('inserted', n = 1);
END
$$;

-- An impact preview the app computed, once per run id, as the connected user.
CREATE OR REPLACE FUNCTION dq_op_preview(c JSONB, p_actor TEXT) RETURNS JSONB
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    n INTEGER;
BEGIN
    INSERT INTO dq_impact_previews (id, table_name, version, computed_by, computed_at, result, run_id)
    VALUES ((c->>'id')::UUID, c->'preview'->>'table_name', (c->'preview'->>'version')::INTEGER,
            p_actor, clock_timestamp() AT TIME ZONE 'UTC', c->'preview', c->>'run_id')
    ON CONFLICT (run_id) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN jsonb_build_object('inserted', n = 1);
END
$$;

-- The one write entry point users may call: the app's signature over the request, for the
-- connected user, not expired; then the operation it names, as the tables' owner.
CREATE OR REPLACE FUNCTION dq_write(claim TEXT, signature TEXT) RETURNS JSONB
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_key BYTEA;
    c JSONB;
    v_actor TEXT := session_user;
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
        WHEN 'save' THEN RETURN dq_op_save(c, v_actor);
        WHEN 'transition' THEN RETURN dq_op_transition(c, v_actor);
        WHEN 'audit' THEN RETURN dq_op_audit(c, v_actor);
        WHEN 'run' THEN RETURN dq_op_run(c, v_actor);
        WHEN 'preview' THEN RETURN dq_op_preview(c, v_actor);
        ELSE PERFORM dq_refuse('DQ403', 'unknown rule store operation');
    END CASE;
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION dq_refuse(TEXT, TEXT), dq_op_save(JSONB, TEXT), dq_op_transition(JSONB, TEXT),
    dq_op_audit(JSONB, TEXT), dq_op_run(JSONB, TEXT), dq_op_preview(JSONB, TEXT),
    dq_write(TEXT, TEXT) FROM PUBLIC;
