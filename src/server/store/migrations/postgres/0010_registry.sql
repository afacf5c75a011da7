-- The rule registry's reviewed entries: each version of a registry rule or of a binding is one
-- row, moved through review like a rule set's version (draft -> pending -> approved/rejected,
-- four-eyes, audit in the same transaction). The registry is shared: every app user reads it
-- (a binding's scope is shown only as far as the catalog lets the reader see); in user mode
-- every write goes through dq_write, which decides on the row it locks, as for rule sets.
CREATE TABLE IF NOT EXISTS dq_registry_entries (
    id UUID PRIMARY KEY,
    kind VARCHAR(20) NOT NULL CHECK (kind IN ('rule', 'binding')),
    name VARCHAR(200) NOT NULL,
    version INTEGER NOT NULL,
    body JSONB NOT NULL,
    status VARCHAR(20) NOT NULL,
    created_by VARCHAR(255) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    submitted_by VARCHAR(255),
    submitted_at TIMESTAMP,
    reviewed_by VARCHAR(255),
    reviewed_at TIMESTAMP,
    review_reason TEXT,
    UNIQUE (kind, name, version)
);
CREATE INDEX IF NOT EXISTS idx_dq_registry_entries_status ON dq_registry_entries(kind, status);
REVOKE ALL ON dq_registry_entries FROM PUBLIC;

-- The registry's audit entries (filed under 'registry:<kind>:<name>', which no table name is)
-- are read by every app user, like the registry itself.
DROP POLICY IF EXISTS dq_registry_trail ON dq_audit_events;
CREATE POLICY dq_registry_trail ON dq_audit_events FOR SELECT USING (table_name LIKE 'registry:%');

-- A registry entry as JSON, its times as the app reads them.
CREATE OR REPLACE FUNCTION dq_registry_json(r dq_registry_entries) RETURNS JSONB
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT jsonb_build_object('kind', r.kind, 'name', r.name, 'version', r.version, 'body', r.body,
        'status', r.status, 'created_by', r.created_by, 'created_at', r.created_at,
        'submitted_by', r.submitted_by, 'submitted_at', r.submitted_at,
        'reviewed_by', r.reviewed_by, 'reviewed_at', r.reviewed_at, 'review_reason', r.review_reason)
$$;

-- A new version of an entry under its advisory lock: a draft, pending at once (a binding is
-- submitted as it is made), or approved at once when the app attests no review applies.
CREATE OR REPLACE FUNCTION dq_op_registry_save(c JSONB, p_actor TEXT) RETURNS JSONB
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v_kind TEXT := c->>'kind';
    v_name TEXT := c->>'name';
    v_status TEXT := c->>'status';
    v_next INTEGER;
    v_at TIMESTAMP := clock_timestamp() AT TIME ZONE 'UTC';
    v_row dq_registry_entries%ROWTYPE;
BEGIN
    IF v_status NOT IN ('draft', 'pending', 'approved') THEN
        PERFORM dq_refuse('DQ403', format('a registry entry is not saved as %s', v_status));
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('registry:' || v_kind || ':' || v_name));
    SELECT COALESCE(MAX(version), 0) + 1 INTO v_next FROM dq_registry_entries
     WHERE kind = v_kind AND name = v_name;
    INSERT INTO dq_registry_entries (id, kind, name, version, body, status, created_by, created_at,
                                     submitted_by, submitted_at, reviewed_by, reviewed_at)
    VALUES ((c->>'id')::UUID, v_kind, v_name, v_next, c->'body', v_status, p_actor, v_at,
            CASE WHEN v_status <> 'draft' THEN p_actor END, CASE WHEN v_status <> 'draft' THEN v_at END,
            CASE WHEN v_status = 'approved' THEN p_actor END, CASE WHEN v_status = 'approved' THEN v_at END)
    RETURNING * INTO v_row;
    INSERT INTO dq_audit_events (id, at, actor, action, table_name, version, detail)
    VALUES ((c->>'audit_id')::UUID, v_at, p_actor, 'save', 'registry:' || v_kind || ':' || v_name,
            v_next, jsonb_build_object('status', v_status));
    RETURN dq_registry_json(v_row);
END
$$;

-- A review move of an entry, decided on the row it locks, as dq_op_transition decides a rule
-- set's: the status the mover saw, only the author (or an admin) submits, an approver (or
-- admin) other than the author and submitter decides unless self-approval is allowed.
CREATE OR REPLACE FUNCTION dq_op_registry_move(c JSONB, p_actor TEXT) RETURNS JSONB
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v_kind TEXT := c->>'kind';
    v_name TEXT := c->>'name';
    v_label TEXT := 'registry ' || (c->>'kind') || ' ' || (c->>'name');
    v_version INTEGER := (c->>'version')::INTEGER;
    v_expected TEXT := c->>'expected';
    v_to TEXT := c->>'to';
    v_approver BOOLEAN := COALESCE((c->>'approver')::BOOLEAN, FALSE);
    v_admin BOOLEAN := COALESCE((c->>'admin')::BOOLEAN, FALSE);
    v_self BOOLEAN := COALESCE((c->>'self_approval')::BOOLEAN, FALSE);
    v_row dq_registry_entries%ROWTYPE;
    v_at TIMESTAMP := clock_timestamp() AT TIME ZONE 'UTC';
BEGIN
    IF (v_expected, v_to) NOT IN (('draft', 'pending'), ('pending', 'approved'), ('pending', 'rejected')) THEN
        PERFORM dq_refuse('DQ403', format('a version cannot go from %s to %s', v_expected, v_to));
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('registry:' || v_kind || ':' || v_name));
    SELECT * INTO v_row FROM dq_registry_entries
     WHERE kind = v_kind AND name = v_name AND version = v_version FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM dq_refuse('DQ409', format('%s has no saved version %s', v_label, v_version));
    END IF;
    IF v_row.status <> v_expected THEN
        PERFORM dq_refuse('DQ409', format('version %s of %s is %s, not %s; nothing was changed', v_version, v_label, v_row.status, v_expected));
    END IF;
    IF v_to = 'pending' THEN
        IF lower(v_row.created_by) <> lower(p_actor) AND NOT v_admin THEN
            PERFORM dq_refuse('DQ403', format('only its author (%s) or an admin may submit version %s', v_row.created_by, v_version));
        END IF;
        UPDATE dq_registry_entries SET status = 'pending', submitted_by = p_actor, submitted_at = v_at
         WHERE id = v_row.id RETURNING * INTO v_row;
    ELSE
        IF NOT v_self AND lower(v_row.created_by) = lower(p_actor) THEN
            PERFORM dq_refuse('DQ403', 'you wrote this version; someone else must approve it (four-eyes)');
        END IF;
        IF NOT v_self AND lower(COALESCE(v_row.submitted_by, '')) = lower(p_actor) THEN
            PERFORM dq_refuse('DQ403', 'you submitted this version; someone else must approve it (four-eyes)');
        END IF;
        IF NOT v_approver AND NOT v_admin THEN
            PERFORM dq_refuse('DQ403', format('you are not an approver for %s', v_label));
        END IF;
        UPDATE dq_registry_entries SET status = v_to, reviewed_by = p_actor, reviewed_at = v_at,
               review_reason = CASE WHEN v_to = 'rejected' THEN c->>'reason' END
         WHERE id = v_row.id RETURNING * INTO v_row;
    END IF;
    INSERT INTO dq_audit_events (id, at, actor, action, table_name, version, detail)
    VALUES ((c->>'audit_id')::UUID, v_at, p_actor,
            CASE v_to WHEN 'pending' THEN 'submit' WHEN 'approved' THEN 'approve' ELSE 'reject' END,
            'registry:' || v_kind || ':' || v_name, v_version,
            jsonb_build_object('from', v_expected, 'to', v_to, 'reason', c->'reason'));
    RETURN dq_registry_json(v_row);
END
$$;

-- dq_write as in 0006, plus the registry's two operations (which name no table, so prove none).
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
        WHEN 'registry_save' THEN RETURN dq_op_registry_save(c, v_actor);
        WHEN 'registry_move' THEN RETURN dq_op_registry_move(c, v_actor);
        ELSE PERFORM dq_refuse('DQ403', 'unknown rule store operation');
    END CASE;
    v_table := COALESCE(c->>'table_name', c->'result'->>'table_name', c->'preview'->>'table_name');
    IF v_table IS NOT NULL AND c->>'op' <> 'reader' THEN
        PERFORM dq_op_reader(jsonb_build_object('table_name', v_table), v_actor);
    END IF;
    RETURN v_answer;
END
$$;

REVOKE ALL ON FUNCTION dq_registry_json(dq_registry_entries), dq_op_registry_save(JSONB, TEXT),
    dq_op_registry_move(JSONB, TEXT), dq_write(TEXT, TEXT) FROM PUBLIC;
