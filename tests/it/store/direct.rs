//! Issue 42: in Lakebase user mode the database itself keeps the lifecycle. A user connected
//! directly, with the very credentials the app uses for them, can write nothing the app would
//! not: no table is writable by their role, and `dq_write` takes only requests the app signed for
//! the connected user, checking review on the row it locks even then. It reads only the rows of
//! tables the app proved, as them, they may read. A store of the previous version upgrades in
//! place with nothing lost.

use super::*;
use dqx_manager::server::store::postgres::attest::AttestKey;
use serde_json::Map;

/// A version of `table` written by alice and submitted by her: pending, waiting for review.
async fn pending_by_alice(store: &PgStore, table: &str) {
    let draft = NewRuleSet {
        draft: true,
        ..new_set(table, vec![rule("a", "a")])
    };
    store.save(&alice(), draft).await.unwrap();
    let submit = Transition {
        table_name: table.into(),
        version: 1,
        expected: VersionStatus::Draft,
        to: VersionStatus::Pending,
        reason: None,
        actor: Roles {
            email: "alice@example.com".into(),
            ..Roles::default()
        },
    };
    store.transition(&alice(), &submit).await.unwrap();
}

/// The signing key, as only the tables' owner may read it.
async fn the_key(pg: &Pg) -> AttestKey {
    let (key,): (Vec<u8>,) = sqlx::query_as("SELECT attest_key FROM dq_store_keys WHERE id = 1")
        .fetch_one(&mut admin_conn(pg, &pg.database).await)
        .await
        .unwrap();
    AttestKey::new(key)
}

async fn write(conn: &mut sqlx::PgConnection, claim: &str, signature: &str) -> Result<(), String> {
    sqlx::query("SELECT dq_write($1, $2)")
        .bind(claim)
        .bind(signature)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn approval(table: &str, approver: bool) -> Map<String, Value> {
    let Value::Object(map) = json!({
        "table_name": table, "version": 1, "expected": "pending", "to": "approved",
        "reason": null, "audit_id": uuid::Uuid::new_v4().to_string(),
        "approver": approver, "admin": false, "self_approval": false,
    }) else {
        unreachable!()
    };
    map
}

async fn state(store: &PgStore, table: &str) -> (VersionStatus, bool) {
    let now = store.get(&alice(), table, Some(1)).await.unwrap().summary;
    (now.status, now.is_active)
}

#[tokio::test]
async fn a_direct_connection_writes_nothing_the_app_would_not() {
    let Some(pg) = pg() else { return };
    let store = pg_store_on(&pg, &pg.database).await;
    let table = fresh_table();
    pending_by_alice(&store, &table).await;
    let mut as_alice = connect_as(&pg, "alice@example.com", ALICE_TOKEN)
        .await
        .unwrap();
    // Approving her own version, flipping it active, forging an approval, a preview or a run:
    // her role may write no table.
    for forged in [
        format!(
            "UPDATE dq_rules_events SET status = 'approved', is_active = TRUE WHERE table_name = '{table}'"
        ),
        format!("UPDATE dq_rules_events SET is_active = TRUE WHERE table_name = '{table}'"),
        format!(
            "UPDATE dq_rules_events SET reviewed_by = 'bob@example.com' WHERE table_name = '{table}'"
        ),
        format!(
            "INSERT INTO dq_rules_events (id, table_name, version, rules, created_by, is_active, status) VALUES (gen_random_uuid(), '{table}', 2, '[]', 'bob@example.com', TRUE, 'approved')"
        ),
        format!(
            "INSERT INTO dq_audit_events (id, at, actor, action, table_name, version) VALUES (gen_random_uuid(), now(), 'bob@example.com', 'approve', '{table}', 1)"
        ),
        format!(
            "INSERT INTO dq_impact_previews (id, run_id, table_name, version, computed_by, computed_at, result) VALUES (gen_random_uuid(), 'forged', '{table}', 1, 'bob@example.com', now(), '{{}}')"
        ),
        format!(
            "INSERT INTO dq_validation_runs (id, run_id, table_name, validated_by, validated_at, total_rows, invalid_rows, pass_rate, result) VALUES (gen_random_uuid(), 'forged', '{table}', 'bob@example.com', now(), 1, 0, 100, '{{}}')"
        ),
        "SELECT attest_key FROM dq_store_keys".to_string(),
        "SELECT dq_op_transition('{}', 'alice@example.com')".to_string(),
        "SELECT dq_op_audit('{}', 'alice@example.com')".to_string(),
    ] {
        let refused = sqlx::raw_sql(&forged).execute(&mut as_alice).await;
        assert!(refused.is_err(), "alice could run: {forged}");
    }
    // dq_write without the app's signature, or with a signature for someone else.
    let key = the_key(&pg).await;
    let (claim, _) = key.sign("alice@example.com", "transition", approval(&table, true));
    let refused = write(&mut as_alice, &claim, &"0".repeat(64))
        .await
        .unwrap_err();
    assert!(refused.contains("not signed by it"), "{refused}");
    let (for_bob, bobs_signature) =
        key.sign("bob@example.com", "transition", approval(&table, true));
    let refused = write(&mut as_alice, &for_bob, &bobs_signature)
        .await
        .unwrap_err();
    assert!(refused.contains("signed for another user"), "{refused}");
    // Even a request the app signed is decided on the row: alice wrote and submitted it.
    let (own, signature) = key.sign("alice@example.com", "transition", approval(&table, true));
    let refused = write(&mut as_alice, &own, &signature).await.unwrap_err();
    assert!(refused.contains("four-eyes"), "{refused}");
    // And bob, signed as no approver, may not approve it either.
    let mut as_bob = connect_as(&pg, "bob@example.com", BOB_TOKEN).await.unwrap();
    let (not_approver, signature) =
        key.sign("bob@example.com", "transition", approval(&table, false));
    let refused = write(&mut as_bob, &not_approver, &signature)
        .await
        .unwrap_err();
    assert!(refused.contains("not an approver"), "{refused}");
    let forged_audit = {
        let mut fields = Map::new();
        fields.insert("action".into(), json!("approve"));
        fields.insert("table_name".into(), json!(table));
        fields.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
        key.sign("bob@example.com", "audit", fields)
    };
    let refused = write(&mut as_bob, &forged_audit.0, &forged_audit.1)
        .await
        .unwrap_err();
    assert!(refused.contains("only by the move itself"), "{refused}");
    assert_eq!(state(&store, &table).await, (VersionStatus::Pending, false));
    let decisions = store
        .audit_trail_of(&alice(), &table, AuditAction::Approve, 10)
        .await
        .unwrap();
    assert!(decisions.is_empty(), "{decisions:?}");
    // Through the app, bob as an approver approves it, recorded as bob by the database.
    let approve = Transition {
        table_name: table.clone(),
        version: 1,
        expected: VersionStatus::Pending,
        to: VersionStatus::Approved,
        reason: None,
        actor: Roles {
            email: "bob@example.com".into(),
            approver: true,
            ..Roles::default()
        },
    };
    let bob = caller("bob@example.com", Some(BOB_TOKEN));
    store.prove_reader(&bob, &table).await.unwrap();
    assert!(store.transition(&bob, &approve).await.unwrap().is_active);
    let decisions = store
        .audit_trail_of(&alice(), &table, AuditAction::Approve, 10)
        .await
        .unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].actor, "bob@example.com");
}

/// The migrations of the version before this one, applied by their own migrator.
async fn previous_version_store(pg: &Pg, database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/server/store/migrations/postgres");
    for name in [
        "0001_rule_sets.sql",
        "0002_runs_and_audit.sql",
        "0003_no_public_grants.sql",
        "0004_review.sql",
    ] {
        std::fs::copy(source.join(name), dir.path().join(name)).unwrap();
    }
    let migrator = sqlx::migrate::Migrator::new(dir.path()).await.unwrap();
    let mut admin = admin_conn(pg, database).await;
    migrator.run(&mut admin).await.unwrap();
    // What the previous version granted its users' role.
    sqlx::raw_sql(
        "GRANT SELECT, INSERT, UPDATE ON dq_rules_events TO dqx_app_users; \
         GRANT SELECT, INSERT ON dq_validation_runs, dq_audit_events, dq_impact_previews TO dqx_app_users",
    )
    .execute(&mut admin)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_store_of_the_previous_version_upgrades_in_place_with_nothing_lost() {
    let Some(pg) = pg() else { return };
    let database = format!("previous_{}", uuid::Uuid::new_v4().simple());
    let mut admin = admin_conn(&pg, &pg.database).await;
    for statement in [
        format!("CREATE DATABASE {database}"),
        format!(
            "GRANT CONNECT ON DATABASE {database} TO \"alice@example.com\", \"bob@example.com\""
        ),
    ] {
        sqlx::query(&statement).execute(&mut admin).await.unwrap();
    }
    previous_version_store(&pg, &database).await;
    // Rows as the previous version wrote them, as alice: an active version, a pending one she
    // submitted, its audit entries, a validation run and a preview.
    let options = sqlx::postgres::PgConnectOptions::new()
        .host(&pg.host)
        .port(pg.port)
        .database(&database)
        .username("alice@example.com")
        .password(ALICE_TOKEN)
        .ssl_mode(sqlx::postgres::PgSslMode::Require);
    let mut as_alice = sqlx::PgConnection::connect_with(&options).await.unwrap();
    let t = "main.sales.orders";
    sqlx::raw_sql(&format!(
        "INSERT INTO dq_rules_events (id, table_name, version, rules, created_by, is_active, status) VALUES \
           ('00000000-0000-4000-8000-000000000001', '{t}', 1, '[{{\"check\": {{\"function\": \"is_not_null\", \"arguments\": {{\"column\": \"a\"}}}}}}]', 'alice@example.com', TRUE, 'approved'), \
           ('00000000-0000-4000-8000-000000000002', '{t}', 2, '[]', 'alice@example.com', FALSE, 'pending'); \
         UPDATE dq_rules_events SET submitted_by = 'alice@example.com', submitted_at = now() WHERE version = 2; \
         INSERT INTO dq_audit_events (id, at, actor, action, table_name, version) VALUES \
           ('00000000-0000-4000-8000-000000000003', now(), 'alice@example.com', 'submit', '{t}', 2); \
         INSERT INTO dq_validation_runs (id, run_id, table_name, rule_set_version, validated_by, validated_at, total_rows, invalid_rows, pass_rate, result) VALUES \
           ('00000000-0000-4000-8000-000000000004', 'run-1', '{t}', 1, 'alice@example.com', now(), 10, 1, 90, '{{}}')"
    ))
    .execute(&mut as_alice)
    .await
    .unwrap();

    let store = pg_store_on(&pg, &database).await;
    // The app shows a table's rows once it has proven, as the caller, that they may read it.
    assert!(store.history(&alice(), t, 10).await.unwrap().is_empty());
    store.prove_reader(&alice(), t).await.unwrap();
    let history = store.history(&alice(), t, 10).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|h| (h.version, h.status, h.is_active))
            .collect::<Vec<_>>(),
        [
            (2, VersionStatus::Pending, false),
            (1, VersionStatus::Approved, true)
        ]
    );
    assert_eq!(
        store.get(&alice(), t, Some(1)).await.unwrap().rules.len(),
        1
    );
    let submits = store
        .audit_trail_of(&alice(), t, AuditAction::Submit, 10)
        .await
        .unwrap();
    assert_eq!(submits.len(), 1);
    let (runs,): (i64,) = sqlx::query_as("SELECT count(*) FROM dq_validation_runs")
        .fetch_one(&mut as_alice)
        .await
        .unwrap();
    assert_eq!(runs, 1, "the run is kept and alice still reads it");
    // What alice's role could do before, it cannot now.
    let refused = sqlx::raw_sql(&format!(
        "UPDATE dq_rules_events SET status = 'approved', is_active = TRUE WHERE table_name = '{t}' AND version = 2"
    ))
    .execute(&mut as_alice)
    .await;
    assert!(refused.is_err(), "alice still approves her own version");
    // The app's flows go on: bob approves the pending version, alice saves the next one.
    let approve = Transition {
        table_name: t.into(),
        version: 2,
        expected: VersionStatus::Pending,
        to: VersionStatus::Approved,
        reason: None,
        actor: Roles {
            email: "bob@example.com".into(),
            approver: true,
            ..Roles::default()
        },
    };
    let bob = caller("bob@example.com", Some(BOB_TOKEN));
    store.prove_reader(&bob, t).await.unwrap();
    assert!(store.transition(&bob, &approve).await.unwrap().is_active);
    let saved = store
        .save(&alice(), new_set(t, vec![rule("b", "b")]))
        .await
        .unwrap();
    assert_eq!(saved.version, 3);
    // Migrating again changes nothing.
    store
        .migrate(&pg.admin, &SecretToken::new(pg.admin_password.clone()))
        .await
        .unwrap();
    assert_eq!(store.history(&alice(), t, 10).await.unwrap().len(), 3);
}

/// (versions, audit entries) of `table` that `conn`'s role reads.
async fn counts(conn: &mut sqlx::PgConnection, table: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM dq_rules_events WHERE table_name = $1), \
                (SELECT count(*) FROM dq_audit_events WHERE table_name = $1)",
    )
    .bind(table)
    .fetch_one(conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_direct_connection_reads_only_tables_the_app_proved_it_may_read() {
    let Some(pg) = pg() else { return };
    let store = pg_store_on(&pg, &pg.database).await;
    let table = fresh_table();
    pending_by_alice(&store, &table).await;
    store
        .audit(&alice(), AuditAction::Export, &table, Some(1), None)
        .await
        .unwrap();
    let bob = caller("bob@example.com", Some(BOB_TOKEN));
    let mut as_bob = connect_as(&pg, "bob@example.com", BOB_TOKEN).await.unwrap();
    // Bob was never shown the table by the app: his own connection reads none of its rows, not
    // even through the app's store as him, though the review queue may name the table.
    assert_eq!(counts(&mut as_bob, &table).await, (0, 0));
    assert!(store.history(&bob, &table, 10).await.unwrap().is_empty());
    let (pending,): (Vec<String>,) =
        sqlx::query_as("SELECT array_agg(t) FROM dq_pending_tables(1000) AS t")
            .fetch_one(&mut as_bob)
            .await
            .unwrap();
    assert!(pending.contains(&table));
    // The landing list names it too, and shows nothing about it until bob is proven a reader.
    assert!(
        store
            .rule_tables(&bob, 1000)
            .await
            .unwrap()
            .contains(&table)
    );
    assert!(
        store
            .overviews(&bob, std::slice::from_ref(&table))
            .await
            .unwrap()
            .is_empty()
    );
    for forged in [
        format!("INSERT INTO dq_table_readers VALUES ('bob@example.com', '{table}', now())"),
        "SELECT * FROM dq_table_readers".to_string(),
    ] {
        let refused = sqlx::raw_sql(&forged).execute(&mut as_bob).await;
        assert!(refused.is_err(), "bob could run: {forged}");
    }
    // Alice wrote it, so the app had proven she reads it; once it proves bob does, he does too.
    let mut as_alice = connect_as(&pg, "alice@example.com", ALICE_TOKEN)
        .await
        .unwrap();
    assert_eq!(counts(&mut as_alice, &table).await, (1, 2));
    store.prove_reader(&bob, &table).await.unwrap();
    assert_eq!(counts(&mut as_bob, &table).await, (1, 2));
    assert_eq!(store.history(&bob, &table, 10).await.unwrap().len(), 1);
    let seen = store
        .overviews(&bob, std::slice::from_ref(&table))
        .await
        .unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].pending_reviews, 1);
}
