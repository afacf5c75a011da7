//! The rule store suite, run against SQLite and against a real Postgres shaped like Lakebase
//! (a private cluster that scripts/test.sh starts: SSL only, scram-sha-256, one role per user with
//! the user's token as password). Postgres-only cases cover identity, the older app's schema and
//! what reaches logs and errors.

use crate::common;

use dqx_manager::model::review::{Roles, VersionStatus};
use dqx_manager::model::rules::RulesFormat;
use dqx_manager::server::caller::{Caller, IdentitySource};
use dqx_manager::server::error::AppError;
use dqx_manager::server::secret::SecretToken;
use dqx_manager::server::store::postgres::PgStore;
use dqx_manager::server::store::postgres::pools::{PgTarget, PoolLimits};
use dqx_manager::server::store::sqlite::SqliteStore;
use dqx_manager::server::store::{AuditAction, NewRuleSet, RuleStore, Transition, ops};
use serde_json::{Value, json};
use sqlx::Connection;
use std::sync::Arc;

mod direct;
mod registry;

const ALICE_TOKEN: &str = "alice-oauth-token";
const BOB_TOKEN: &str = "bob-oauth-token";

fn caller(email: &str, token: Option<&str>) -> Caller {
    Caller {
        email: email.into(),
        user_name: None,
        display_name: None,
        token: token.map(SecretToken::new),
        source: IdentitySource::ForwardedToken,
        request_id: "store-test".into(),
    }
}

fn alice() -> Caller {
    caller("alice@example.com", Some(ALICE_TOKEN))
}

/// A table name no other test uses.
fn fresh_table() -> String {
    format!("main.t.tbl_{}", uuid::Uuid::new_v4().simple())
}

fn rule(name: &str, column: &str) -> Value {
    json!({"name": name, "criticality": "error",
        "check": {"function": "is_not_null", "arguments": {"column": column}}})
}

fn new_set(table: &str, rules: Vec<Value>) -> NewRuleSet {
    NewRuleSet {
        table_name: table.into(),
        rules,
        user_prompt: Some("ids must be present".into()),
        ..Default::default()
    }
}

struct Pg {
    host: String,
    port: u16,
    database: String,
    admin: String,
    admin_password: String,
}

/// The cluster scripts/test.sh started, if any (in CI it must exist).
fn pg() -> Option<Pg> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let found = (|| {
        Some(Pg {
            host: var("DQX_TEST_PG_HOST")?,
            port: var("DQX_TEST_PG_PORT")?.parse().ok()?,
            database: var("DQX_TEST_PG_DATABASE")?,
            admin: var("DQX_TEST_PG_ADMIN_USER")?,
            admin_password: var("DQX_TEST_PG_ADMIN_PASSWORD")?,
        })
    })();
    if found.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the Postgres store tests: start the cluster with scripts/pg-cluster.sh (scripts/test.sh does)"
        );
        eprintln!(
            "skipping the Postgres half: no DQX_TEST_PG_* (scripts/test.sh starts a cluster)"
        );
    }
    found
}

fn target(pg: &Pg, database: &str) -> PgTarget {
    PgTarget {
        host: pg.host.clone(),
        port: pg.port,
        database: database.into(),
        ca_file: std::env::var("DQX_TEST_PG_CA").ok().map(Into::into),
        app_role: "dqx_app_users".into(),
    }
}

async fn pg_store_on(pg: &Pg, database: &str) -> PgStore {
    let store = PgStore::new(target(pg, database), PoolLimits::default());
    store
        .migrate(&pg.admin, &SecretToken::new(pg.admin_password.clone()))
        .await
        .expect("migrations as the admin role");
    store
}

async fn admin_conn(pg: &Pg, database: &str) -> sqlx::PgConnection {
    let options = sqlx::postgres::PgConnectOptions::new()
        .host(&pg.host)
        .port(pg.port)
        .database(database)
        .username(&pg.admin)
        .password(&pg.admin_password)
        .ssl_mode(sqlx::postgres::PgSslMode::Require);
    sqlx::PgConnection::connect_with(&options).await.unwrap()
}

fn admin_options(pg: &Pg, database: &str) -> sqlx::postgres::PgConnectOptions {
    sqlx::postgres::PgConnectOptions::new()
        .host(&pg.host)
        .port(pg.port)
        .database(database)
        .username(&pg.admin)
        .password(&pg.admin_password)
        .ssl_mode(sqlx::postgres::PgSslMode::Require)
}

/// A new database on the test cluster with the store's tables (migrated as the admin, their
/// owner), for suites beyond this one; `None` when no cluster runs.
pub async fn fresh_pg_database() -> Option<String> {
    let pg = pg()?;
    let database = format!("fresh_{}", uuid::Uuid::new_v4().simple());
    let mut admin = admin_conn(&pg, &pg.database).await;
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&mut admin)
        .await
        .unwrap();
    pg_store_on(&pg, &database).await;
    Some(database)
}

/// A pool on `database` as the test cluster's admin (the tables' owner).
pub async fn admin_pool(database: &str) -> sqlx::PgPool {
    let pg = pg().expect("the test cluster");
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect_with(admin_options(&pg, database))
        .await
        .unwrap()
}

async fn sqlite_store() -> (tempfile::TempDir, Arc<dyn RuleStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("rules.sqlite"))
        .await
        .unwrap();
    (dir, Arc::new(store))
}

/// Runs a case on SQLite, then on Postgres when the cluster is there.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let (_dir, store) = super::sqlite_store().await;
                    super::cases::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(pg) = super::pg() else { return };
                    let store = super::pg_store_on(&pg, &pg.database).await;
                    super::cases::$name(std::sync::Arc::new(store)).await;
                }
            )*
        }
    };
}

on_both!(
    saves_versions_and_reads_them_back,
    fifty_concurrent_saves_give_versions_one_to_fifty_with_one_active,
    history_diff_restore_export_import_round_trip,
    invalid_rules_are_refused_and_nothing_is_saved,
    validation_runs_are_recorded_once,
    a_draft_is_submitted_approved_and_becomes_the_only_active_version,
    stale_transitions_are_conflicts_that_change_nothing,
    twenty_concurrent_approvals_leave_exactly_one_active_version,
    a_rejection_keeps_its_reason_and_the_active_version,
    impact_previews_are_kept_once_per_run,
    the_store_refuses_an_author_approving_on_the_row_it_locks,
    an_author_racing_their_submit_with_approvals_never_approves,
    a_comment_flood_hides_neither_the_approval_nor_the_publish,
    overviews_say_where_each_tables_rules_stand,
);

mod cases {
    use super::*;

    pub async fn saves_versions_and_reads_them_back(store: Arc<dyn RuleStore>) {
        let table = fresh_table();
        let me = alice();
        let err = store.get(&me, &table, None).await.unwrap_err();
        assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
        let v1 = store
            .save(&me, new_set(&table, vec![rule("a", "a")]))
            .await
            .unwrap();
        let v2 = store
            .save(&me, new_set(&table, vec![rule("a", "a"), rule("b", "b")]))
            .await
            .unwrap();
        assert_eq!((v1.version, v2.version), (1, 2));
        let history = store.history(&me, &table, 10).await.unwrap();
        assert_eq!(
            history.iter().map(|h| h.version).collect::<Vec<_>>(),
            [2, 1]
        );
        assert_eq!(history.iter().filter(|h| h.is_active).count(), 1);
        assert!(history[0].is_active);
        assert_eq!(history[0].rule_count, 2);
        assert_eq!(history[0].created_by.as_deref(), Some("alice@example.com"));
        assert_eq!(
            history[0].user_prompt.as_deref(),
            Some("ids must be present")
        );
        let active = store.get(&me, &table, None).await.unwrap();
        assert_eq!(active.summary.version, 2);
        let first = store.get(&me, &table, Some(1)).await.unwrap();
        assert_eq!(first.rules, vec![rule("a", "a")]);
        assert!(!first.summary.is_active);
        let err = store.get(&me, &table, Some(9)).await.unwrap_err();
        assert!(err.to_string().contains("no saved version 9"), "{err}");
    }

    pub async fn fifty_concurrent_saves_give_versions_one_to_fifty_with_one_active(
        store: Arc<dyn RuleStore>,
    ) {
        let table = fresh_table();
        let mut tasks = Vec::new();
        for i in 0..50 {
            let store = store.clone();
            let table = table.clone();
            tasks.push(tokio::spawn(async move {
                let who = if i % 2 == 0 {
                    caller("alice@example.com", Some(ALICE_TOKEN))
                } else {
                    caller("bob@example.com", Some(BOB_TOKEN))
                };
                store
                    .save(&who, new_set(&table, vec![rule(&format!("r{i}"), "a")]))
                    .await
            }));
        }
        let mut versions = Vec::new();
        for task in tasks {
            versions.push(task.await.unwrap().unwrap().version);
        }
        versions.sort();
        assert_eq!(versions, (1..=50).collect::<Vec<_>>());
        let history = store.history(&alice(), &table, 100).await.unwrap();
        assert_eq!(history.len(), 50);
        let active: Vec<i32> = history
            .iter()
            .filter(|h| h.is_active)
            .map(|h| h.version)
            .collect();
        assert_eq!(active, [50]);
        let authors: std::collections::BTreeSet<_> = history
            .iter()
            .filter_map(|h| h.created_by.clone())
            .collect();
        assert_eq!(
            authors.len(),
            2,
            "both users are recorded as authors: {authors:?}"
        );
    }

    pub async fn history_diff_restore_export_import_round_trip(store: Arc<dyn RuleStore>) {
        let table = fresh_table();
        let me = alice();
        let store = store.as_ref();
        let first = vec![rule("a", "a"), rule("b", "b")];
        let mut changed_b = rule("b", "b");
        changed_b["criticality"] = json!("warn");
        let second = vec![changed_b, rule("c", "c")];
        ops::save_checked(
            store,
            &me,
            new_set(&table, first.clone()),
            None,
            AuditAction::Save,
        )
        .await
        .unwrap();
        ops::save_checked(store, &me, new_set(&table, second), None, AuditAction::Save)
            .await
            .unwrap();

        let diff = ops::diff(store, &me, &table, 1, 2).await.unwrap();
        assert_eq!(diff.added.len(), 1);
        assert_eq!(diff.added[0]["name"], "c");
        assert_eq!(diff.removed[0]["name"], "a");
        assert_eq!(diff.changed.len(), 1);
        assert_eq!(diff.changed[0].name, "b");
        assert_eq!(diff.changed[0].fields[0].field, "criticality");

        let restored = ops::restore(store, &me, &table, 1, false).await.unwrap();
        assert_eq!(restored.version, 3);
        let v3 = store.get(&me, &table, None).await.unwrap();
        assert_eq!(v3.rules, first);
        assert_eq!(v3.summary.restored_from, Some(1));

        let exported = ops::export(store, &me, &table, Some(3), RulesFormat::Yaml)
            .await
            .unwrap();
        assert!(
            exported.file_name.ends_with(".v3.dqx-rules.yaml"),
            "{}",
            exported.file_name
        );
        assert!(exported.text.contains("function: is_not_null"));
        let imported = ops::import(
            store,
            &me,
            &table,
            &exported.text,
            RulesFormat::Yaml,
            None,
            false,
        )
        .await
        .unwrap();
        assert_eq!(imported.version, 4);
        assert_eq!(store.get(&me, &table, None).await.unwrap().rules, first);

        let trail = store.audit_trail(&me, &table, 20).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        for expected in ["save", "restore", "export", "import"] {
            assert!(
                actions.contains(&expected),
                "{expected} missing from {actions:?}"
            );
        }
        assert!(trail.iter().all(|e| e.actor == "alice@example.com"));
    }

    pub async fn invalid_rules_are_refused_and_nothing_is_saved(store: Arc<dyn RuleStore>) {
        let table = fresh_table();
        let me = alice();
        let bad = vec![
            json!({"criticality": "fatal", "check": {"function": "is_not_nul", "arguments": {}}}),
        ];
        let err = ops::save_checked(
            store.as_ref(),
            &me,
            new_set(&table, bad),
            None,
            AuditAction::Save,
        )
        .await
        .unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, AppError::BadRequest(_)));
        assert!(
            message.contains("criticality") && message.contains("is_not_nul"),
            "{message}"
        );
        let err = ops::import(
            store.as_ref(),
            &me,
            &table,
            "- {check: [",
            RulesFormat::Yaml,
            None,
            false,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, AppError::BadRequest(_)), "{err:?}");
        assert!(store.history(&me, &table, 10).await.unwrap().is_empty());
    }

    pub async fn validation_runs_are_recorded_once(store: Arc<dyn RuleStore>) {
        let result = dqx_manager::model::results::ValidationResult {
            success: true,
            table_name: fresh_table(),
            validated_at: "2026-11-29T00:00:00Z".into(),
            total_rules: 1,
            passed: 1,
            failed: 0,
            warnings: 0,
            total_rows: 10,
            valid_rows: 10,
            invalid_rows: 0,
            rows_with_warnings: 0,
            rows_with_any_warning: None,
            pass_rate: 100.0,
            rule_results: Vec::new(),
            duration_ms: 5,
            note: None,
        };
        let run_id = format!("local-{}", uuid::Uuid::new_v4().simple());
        assert!(
            store
                .record_validation(&alice(), &run_id, Some(1), &result)
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_validation(&alice(), &run_id, Some(1), &result)
                .await
                .unwrap()
        );
    }

    fn run_result(
        table: &str,
        total: u64,
        invalid: u64,
    ) -> dqx_manager::model::results::ValidationResult {
        dqx_manager::model::results::ValidationResult {
            success: invalid == 0,
            table_name: table.into(),
            validated_at: "2026-11-29T00:00:00Z".into(),
            total_rules: 1,
            passed: usize::from(invalid == 0),
            failed: usize::from(invalid > 0),
            warnings: 0,
            total_rows: total,
            valid_rows: total - invalid,
            invalid_rows: invalid,
            rows_with_warnings: 0,
            rows_with_any_warning: None,
            pass_rate: (total - invalid) as f64 * 100.0 / total as f64,
            rule_results: Vec::new(),
            duration_ms: 5,
            note: None,
        }
    }

    /// Issue 29 (10): the landing list's names (newest change first) and where each table's
    /// rules stand, with its newest validation run.
    pub async fn overviews_say_where_each_tables_rules_stand(store: Arc<dyn RuleStore>) {
        let (older, newer, absent) = (fresh_table(), fresh_table(), fresh_table());
        let me = alice();
        store
            .save(&me, new_set(&older, vec![rule("a", "a")]))
            .await
            .unwrap();
        let v2 = store
            .save(&me, draft(&older, vec![rule("b", "b")]))
            .await
            .unwrap();
        store
            .transition(
                &me,
                &moving(
                    &older,
                    v2.version,
                    VersionStatus::Draft,
                    VersionStatus::Pending,
                ),
            )
            .await
            .unwrap();
        for invalid in [5, 1] {
            let run_id = format!("local-{}", uuid::Uuid::new_v4().simple());
            store
                .record_validation(&me, &run_id, Some(1), &run_result(&older, 10, invalid))
                .await
                .unwrap();
        }
        store
            .save(&me, draft(&newer, vec![rule("c", "c")]))
            .await
            .unwrap();

        let names = store.rule_tables(&me, 1000).await.unwrap();
        let at = |t: &str| names.iter().position(|n| n == t);
        assert!(at(&newer).unwrap() < at(&older).unwrap(), "{names:?}");
        assert_eq!(at(&absent), None);
        assert_eq!(store.rule_tables(&me, 1).await.unwrap().len(), 1);

        let list = store
            .overviews(&me, &[older.clone(), newer.clone(), absent.clone()])
            .await
            .unwrap();
        let names: Vec<&str> = list.iter().map(|t| t.table_name.as_str()).collect();
        assert_eq!(names, [newer.as_str(), older.as_str()]);
        let o = &list[1];
        assert_eq!((o.versions, o.latest_version), (2, 2));
        assert_eq!(o.latest_status, VersionStatus::Pending);
        assert_eq!((o.active_version, o.pending_reviews), (Some(1), 1));
        let last = o.last_validation.as_ref().unwrap();
        assert_eq!(
            (last.total_rows, last.invalid_rows),
            (10, 1),
            "the newest run"
        );
        assert_eq!((last.version, last.pass_rate), (Some(1), 90.0));
        let n = &list[0];
        assert_eq!(n.latest_status, VersionStatus::Draft);
        assert_eq!((n.active_version, n.pending_reviews), (None, 0));
        assert!(n.last_validation.is_none() && n.changed_at.is_some());
        assert!(store.overviews(&me, &[]).await.unwrap().is_empty());
    }

    /// The second person in these cases (the store does not check roles; the service does).
    fn carol() -> Caller {
        caller("bob@example.com", Some(BOB_TOKEN))
    }

    fn draft(table: &str, rules: Vec<Value>) -> NewRuleSet {
        NewRuleSet {
            draft: true,
            ..new_set(table, rules)
        }
    }

    fn moving(table: &str, version: i32, expected: VersionStatus, to: VersionStatus) -> Transition {
        Transition {
            table_name: table.into(),
            version,
            expected,
            to,
            reason: None,
            // An admin approver with no e-mail passes the review rules; the cases below that
            // test those rules name a real actor.
            actor: Roles {
                approver: true,
                admin: true,
                ..Roles::default()
            },
        }
    }

    /// `email` as an approver (not an admin) of the table.
    fn approver(email: &str) -> Roles {
        Roles {
            email: email.into(),
            approver: true,
            ..Roles::default()
        }
    }

    pub async fn the_store_refuses_an_author_approving_on_the_row_it_locks(
        store: Arc<dyn RuleStore>,
    ) {
        let table = fresh_table();
        submitted_draft(store.as_ref(), &table, vec![rule("a", "a")]).await;
        let own = Transition {
            actor: approver("alice@example.com"),
            ..moving(&table, 1, VersionStatus::Pending, VersionStatus::Approved)
        };
        let err = store.transition(&alice(), &own).await.unwrap_err();
        assert!(matches!(err, AppError::PermissionDenied(_)), "{err:?}");
        assert!(err.to_string().contains("four-eyes"), "{err}");
        let not_approver = Transition {
            actor: Roles {
                email: "bob@example.com".into(),
                ..Roles::default()
            },
            ..moving(&table, 1, VersionStatus::Pending, VersionStatus::Approved)
        };
        let err = store.transition(&carol(), &not_approver).await.unwrap_err();
        assert!(matches!(err, AppError::PermissionDenied(_)), "{err:?}");
        let now = store.get(&alice(), &table, Some(1)).await.unwrap().summary;
        assert_eq!((now.status, now.is_active), (VersionStatus::Pending, false));
        let ok = Transition {
            actor: approver("bob@example.com"),
            ..moving(&table, 1, VersionStatus::Pending, VersionStatus::Approved)
        };
        assert!(store.transition(&carol(), &ok).await.unwrap().is_active);
    }

    /// `range` comments on version `v`, written straight to the store (past the service's bound).
    async fn comment_flood(
        store: &dyn RuleStore,
        table: &str,
        v: i32,
        range: std::ops::Range<u32>,
    ) {
        for i in range {
            store
                .audit(
                    &alice(),
                    AuditAction::Comment,
                    table,
                    Some(v),
                    Some(json!({"text": format!("c{i}")})),
                )
                .await
                .unwrap();
        }
    }

    /// 550 comments before the approval and 550 after the publish: the thread still shows the
    /// approval and the publish, and the history still shows the publish's outcome.
    pub async fn a_comment_flood_hides_neither_the_approval_nor_the_publish(
        store: Arc<dyn RuleStore>,
    ) {
        let table = fresh_table();
        let v = submitted_draft(store.as_ref(), &table, vec![rule("a", "a")]).await;
        comment_flood(store.as_ref(), &table, v, 0..550).await;
        let ok = Transition {
            actor: approver("bob@example.com"),
            ..moving(&table, v, VersionStatus::Pending, VersionStatus::Approved)
        };
        store.transition(&carol(), &ok).await.unwrap();
        let published =
            json!({"summary": "published to 1 target", "report": {"targets": [{"outcome": "ok"}]}});
        store
            .audit(
                &carol(),
                AuditAction::Publish,
                &table,
                Some(v),
                Some(published),
            )
            .await
            .unwrap();
        comment_flood(store.as_ref(), &table, v, 550..1100).await;
        let thread = store.version_trail(&alice(), &table, v).await.unwrap();
        let actions: Vec<&str> = thread.iter().map(|e| e.action.as_str()).collect();
        for wanted in ["submit", "approve", "publish"] {
            assert!(
                actions.contains(&wanted),
                "{wanted} missing from {} entries",
                actions.len()
            );
        }
        let comments = actions.iter().filter(|a| **a == "comment").count();
        assert_eq!(comments as i64, dqx_manager::server::store::MAX_COMMENTS);
        let newest = thread.last().and_then(|e| e.detail.clone());
        assert_eq!(
            newest,
            Some(json!({"text": "c1099"})),
            "the newest comments are kept"
        );
        let history = ops::history_with_publishing(store.as_ref(), &alice(), &table, 10)
            .await
            .unwrap();
        let status = history[0]
            .published
            .as_ref()
            .expect("the publish outcome survives the flood");
        assert_eq!(status.summary, "published to 1 target");
    }

    /// The author (an approver too, so only four-eyes stands in the way) sends a dozen approvals
    /// of their draft while submitting it: each is decided on the row read under the table's
    /// lock, so none succeeds, and another approver's single approval still does.
    pub async fn an_author_racing_their_submit_with_approvals_never_approves(
        store: Arc<dyn RuleStore>,
    ) {
        let table = fresh_table();
        store.prove_reader(&carol(), &table).await.unwrap();
        for round in 0..4 {
            let v = store
                .save(
                    &alice(),
                    draft(&table, vec![rule(&format!("r{round}"), "a")]),
                )
                .await
                .unwrap()
                .version;
            let approvals: Vec<_> = (0..12)
                .map(|_| {
                    let store = store.clone();
                    let own = Transition {
                        actor: approver("alice@example.com"),
                        ..moving(&table, v, VersionStatus::Pending, VersionStatus::Approved)
                    };
                    tokio::spawn(async move { store.transition(&alice(), &own).await })
                })
                .collect();
            let submit = Transition {
                actor: Roles {
                    email: "alice@example.com".into(),
                    ..Roles::default()
                },
                ..moving(&table, v, VersionStatus::Draft, VersionStatus::Pending)
            };
            store.transition(&alice(), &submit).await.unwrap();
            for approval in approvals {
                let answer = approval.await.unwrap();
                assert!(answer.is_err(), "round {round}: {answer:?}");
            }
            let now = store.get(&alice(), &table, Some(v)).await.unwrap().summary;
            assert_eq!(now.status, VersionStatus::Pending, "round {round}");
            let other = Transition {
                actor: approver("bob@example.com"),
                ..moving(&table, v, VersionStatus::Pending, VersionStatus::Approved)
            };
            let approved = store.transition(&carol(), &other).await.unwrap();
            assert_eq!(approved.approved_by.as_deref(), Some("bob@example.com"));
        }
    }

    /// A draft by alice, submitted; the second person has opened the table (the app proved, as
    /// them, that they may read it, as it does before they review).
    async fn submitted_draft(store: &dyn RuleStore, table: &str, rules: Vec<Value>) -> i32 {
        store.prove_reader(&carol(), table).await.unwrap();
        let v = store.save(&alice(), draft(table, rules)).await.unwrap();
        store
            .transition(
                &alice(),
                &moving(
                    table,
                    v.version,
                    VersionStatus::Draft,
                    VersionStatus::Pending,
                ),
            )
            .await
            .unwrap();
        v.version
    }

    pub async fn a_draft_is_submitted_approved_and_becomes_the_only_active_version(
        store: Arc<dyn RuleStore>,
    ) {
        let table = fresh_table();
        let v1 = store
            .save(&alice(), new_set(&table, vec![rule("a", "a")]))
            .await
            .unwrap();
        assert_eq!((v1.status, v1.is_active), (VersionStatus::Approved, true));
        let v2 = store
            .save(&alice(), draft(&table, vec![rule("b", "b")]))
            .await
            .unwrap();
        assert_eq!(
            (v2.version, v2.status, v2.is_active),
            (2, VersionStatus::Draft, false)
        );
        // A draft does not replace the active version.
        let active = store.get(&alice(), &table, None).await.unwrap();
        assert_eq!(active.summary.version, 1);
        let pending = store
            .transition(
                &alice(),
                &moving(&table, 2, VersionStatus::Draft, VersionStatus::Pending),
            )
            .await
            .unwrap();
        assert_eq!(pending.status, VersionStatus::Pending);
        assert_eq!(pending.submitted_by.as_deref(), Some("alice@example.com"));
        // The queue names the table; the app proves carol reads it, then reads its versions.
        assert!(
            store
                .pending_tables(&carol(), 200)
                .await
                .unwrap()
                .contains(&table)
        );
        store.prove_reader(&carol(), &table).await.unwrap();
        let queue = store.pending(&carol(), 200).await.unwrap();
        assert!(
            queue
                .iter()
                .any(|s| s.table_name == table && s.version == 2)
        );
        let approved = store
            .transition(
                &carol(),
                &moving(&table, 2, VersionStatus::Pending, VersionStatus::Approved),
            )
            .await
            .unwrap();
        assert_eq!(approved.status, VersionStatus::Approved);
        assert!(approved.is_active);
        assert_eq!(approved.approved_by.as_deref(), Some("bob@example.com"));
        assert!(approved.approved_at.is_some());
        let history = store.history(&alice(), &table, 10).await.unwrap();
        let active: Vec<i32> = history
            .iter()
            .filter(|h| h.is_active)
            .map(|h| h.version)
            .collect();
        assert_eq!(active, [2]);
        assert_eq!(
            history[1].status,
            VersionStatus::Approved,
            "the old version stays as history"
        );
        let queue = store.pending(&carol(), 200).await.unwrap();
        assert!(!queue.iter().any(|s| s.table_name == table));
        let thread = store.version_trail(&alice(), &table, 2).await.unwrap();
        let moves: Vec<(&str, &str)> = thread
            .iter()
            .map(|e| (e.action.as_str(), e.actor.as_str()))
            .collect();
        assert_eq!(
            moves,
            [
                ("submit", "alice@example.com"),
                ("approve", "bob@example.com")
            ]
        );
    }

    pub async fn stale_transitions_are_conflicts_that_change_nothing(store: Arc<dyn RuleStore>) {
        let table = fresh_table();
        submitted_draft(store.as_ref(), &table, vec![rule("a", "a")]).await;
        store
            .transition(
                &carol(),
                &moving(&table, 1, VersionStatus::Pending, VersionStatus::Approved),
            )
            .await
            .unwrap();
        // Someone who still saw "pending" rejects it.
        let stale = Transition {
            reason: Some("no".into()),
            ..moving(&table, 1, VersionStatus::Pending, VersionStatus::Rejected)
        };
        let err = store.transition(&alice(), &stale).await.unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
        assert!(
            text.contains("approved by bob@example.com just now"),
            "{text}"
        );
        let now = store.get(&alice(), &table, Some(1)).await.unwrap().summary;
        assert_eq!((now.status, now.is_active), (VersionStatus::Approved, true));
        assert!(now.rejection_reason.is_none());
        let missing = store
            .transition(
                &carol(),
                &moving(&table, 9, VersionStatus::Pending, VersionStatus::Approved),
            )
            .await
            .unwrap_err();
        assert!(matches!(missing, AppError::NotFound(_)), "{missing:?}");
        let actions: Vec<String> = store
            .version_trail(&alice(), &table, 1)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            ["submit", "approve"],
            "a refused move is not audited"
        );
    }

    pub async fn twenty_concurrent_approvals_leave_exactly_one_active_version(
        store: Arc<dyn RuleStore>,
    ) {
        let table = fresh_table();
        store
            .save(&alice(), new_set(&table, vec![rule("a", "a")]))
            .await
            .unwrap();
        for i in 0..20 {
            submitted_draft(store.as_ref(), &table, vec![rule(&format!("r{i}"), "a")]).await;
        }
        let approvals = (2..=21).map(|version| {
            let store = store.clone();
            let table = table.clone();
            tokio::spawn(async move {
                let approve = moving(
                    &table,
                    version,
                    VersionStatus::Pending,
                    VersionStatus::Approved,
                );
                store.transition(&carol(), &approve).await
            })
        });
        for done in futures::future::join_all(approvals).await {
            done.unwrap().unwrap();
        }
        let history = store.history(&alice(), &table, 50).await.unwrap();
        assert_eq!(history.len(), 21);
        assert_eq!(history.iter().filter(|h| h.is_active).count(), 1);
        assert!(history.iter().all(|h| h.status == VersionStatus::Approved));
        let approvals = store
            .audit_trail(&alice(), &table, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "approve")
            .count();
        assert_eq!(approvals, 20);
    }

    pub async fn a_rejection_keeps_its_reason_and_the_active_version(store: Arc<dyn RuleStore>) {
        let table = fresh_table();
        store
            .save(&alice(), new_set(&table, vec![rule("a", "a")]))
            .await
            .unwrap();
        submitted_draft(store.as_ref(), &table, vec![rule("b", "b")]).await;
        let reject = Transition {
            reason: Some("b is the wrong column".into()),
            ..moving(&table, 2, VersionStatus::Pending, VersionStatus::Rejected)
        };
        let rejected = store.transition(&carol(), &reject).await.unwrap();
        assert_eq!(rejected.status, VersionStatus::Rejected);
        assert_eq!(rejected.rejected_by.as_deref(), Some("bob@example.com"));
        assert_eq!(
            rejected.rejection_reason.as_deref(),
            Some("b is the wrong column")
        );
        assert!(!rejected.is_active && rejected.approved_by.is_none());
        let active = store.get(&alice(), &table, None).await.unwrap();
        assert_eq!(active.summary.version, 1);
        let thread = store.version_trail(&alice(), &table, 2).await.unwrap();
        let last = thread.last().unwrap();
        assert_eq!(last.action, "reject");
        assert_eq!(
            last.detail.as_ref().unwrap()["reason"],
            "b is the wrong column"
        );
    }

    pub async fn impact_previews_are_kept_once_per_run(store: Arc<dyn RuleStore>) {
        let table = fresh_table();
        store.prove_reader(&alice(), &table).await.unwrap();
        let none = store.latest_preview(&alice(), &table, 1).await.unwrap();
        assert!(none.is_none());
        let preview = |rows: u64| dqx_manager::model::review::ImpactPreview {
            table_name: table.clone(),
            version: 1,
            against_version: None,
            sample_rows: 10,
            rows_checked: rows,
            sample: "the first 10 rows".into(),
            invalid_before: 0,
            invalid_after: 3,
            pass_rate_before: 100.0,
            pass_rate_after: 70.0,
            rows_start_failing: 3,
            rows_stop_failing: 0,
            start_failing_samples: Vec::new(),
            stop_failing_samples: Vec::new(),
            rules: Vec::new(),
            computed_at: "2026-12-01T00:00:00Z".into(),
            computed_by: "bob@example.com".into(),
            duration_ms: 4,
            reads: Some(vec!["main.hr.employees".into()]),
        };
        let (run1, run2) = (fresh_table(), fresh_table());
        assert!(
            store
                .save_preview(&carol(), &run1, &preview(10))
                .await
                .unwrap()
        );
        assert!(
            !store
                .save_preview(&carol(), &run1, &preview(10))
                .await
                .unwrap()
        );
        assert!(
            store
                .save_preview(&carol(), &run2, &preview(9))
                .await
                .unwrap()
        );
        let kept = store
            .latest_preview(&alice(), &table, 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(kept.rows_checked, 9, "the newest preview is read");
        assert_eq!(
            kept.reads,
            Some(vec!["main.hr.employees".to_string()]),
            "the tables its rules read are kept with it"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn postgres_sees_the_users_email_and_token_and_refuses_a_wrong_one() {
    let Some(pg) = pg() else { return };
    let (logs, _guard) = common::logs::capture();
    let store = pg_store_on(&pg, &pg.database).await;
    let table = fresh_table();
    store
        .save(&alice(), new_set(&table, vec![rule("a", "a")]))
        .await
        .unwrap();

    // Postgres saw alice's role: her pool holds a connection as that role.
    let mut admin = admin_conn(&pg, &pg.database).await;
    let (as_alice,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM pg_stat_activity WHERE usename = 'alice@example.com'")
            .fetch_one(&mut admin)
            .await
            .unwrap();
    assert!(as_alice >= 1, "no connection as alice@example.com");

    // Alice with bob's token: Postgres refuses, the user is told in words, the token is nowhere.
    let wrong = caller("alice@example.com", Some(BOB_TOKEN));
    let err = store
        .save(&wrong, new_set(&table, vec![rule("a", "a")]))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::PermissionDenied(_)), "{err:?}");
    let shown = err.user_message();
    assert!(
        shown.contains("did not accept alice@example.com's sign-in"),
        "{shown}"
    );
    let status = store.status(&wrong).await;
    assert!(!status.connected);
    // A caller without a token never reaches Postgres.
    let err = store
        .history(&caller("bob@example.com", None), &table, 5)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Unauthorized(_)), "{err:?}");
    assert_eq!(
        store.history(&alice(), &table, 5).await.unwrap().len(),
        1,
        "the wrong token saved nothing"
    );

    let everything = format!("{err:?} {shown} {status:?} {}", logs.text());
    for token in [ALICE_TOKEN, BOB_TOKEN, pg.admin_password.as_str()] {
        assert!(
            !everything.contains(token),
            "a token reached the logs or an error"
        );
    }
}

/// The older app's exact DDL, indexes and a few rows, including two active versions of one table
/// (its saves could race) and a row without metadata.
const LEGACY_DDL: &str = r#"
CREATE TABLE IF NOT EXISTS dq_rules_events (
    id UUID PRIMARY KEY,
    table_name VARCHAR(500) NOT NULL,
    version INTEGER NOT NULL,
    rules JSONB NOT NULL,
    user_prompt TEXT,
    ai_summary JSONB,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    created_by VARCHAR(255),
    is_active BOOLEAN DEFAULT TRUE,
    metadata JSONB,
    UNIQUE(table_name, version)
);
CREATE INDEX IF NOT EXISTS idx_dq_rules_table_name ON dq_rules_events(table_name);
CREATE INDEX IF NOT EXISTS idx_dq_rules_active ON dq_rules_events(table_name, is_active) WHERE is_active = TRUE;
INSERT INTO dq_rules_events (id, table_name, version, rules, user_prompt, ai_summary, created_by, is_active, metadata) VALUES
 ('8b0f3c1e-0000-4000-8000-000000000001', 'main.sales.orders', 1,
  '[{"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "order_id"}}}]',
  'order ids present', NULL, 'dq-rule-generator-app', TRUE, NULL),
 ('8b0f3c1e-0000-4000-8000-000000000002', 'main.sales.orders', 2,
  '[{"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "order_id"}}}, {"name": "amount_ok", "criticality": "warn", "check": {"function": "is_not_less_than", "arguments": {"column": "amount", "limit": 0}}}]',
  'and amounts', '{"summary": "two rules", "overall_quality_score": 7}', 'dq-rule-generator-app', TRUE, '{"source": "old app"}');
"#;

#[tokio::test]
async fn a_store_written_by_the_older_app_is_read_and_migrated() {
    let Some(pg) = pg() else { return };
    let database = format!("legacy_{}", uuid::Uuid::new_v4().simple());
    let mut admin = admin_conn(&pg, &pg.database).await;
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!(
        "GRANT CONNECT ON DATABASE {database} TO \"alice@example.com\", \"bob@example.com\""
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let mut legacy = admin_conn(&pg, &database).await;
    sqlx::raw_sql(LEGACY_DDL)
        .execute(&mut legacy)
        .await
        .unwrap();

    let store = pg_store_on(&pg, &database).await;
    let me = alice();
    // As the app does once it has read the table as alice.
    store.prove_reader(&me, "main.sales.orders").await.unwrap();
    let history = store.history(&me, "main.sales.orders", 10).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].version, 2);
    assert_eq!(history[0].rule_count, 2);
    assert!(history[0].has_ai_summary);
    assert_eq!(
        history[0].created_by.as_deref(),
        Some("dq-rule-generator-app")
    );
    // Of the two rows the older app left active, only the newest is active now.
    assert_eq!(history.iter().filter(|h| h.is_active).count(), 1);
    // Versions from before review count as approved.
    assert!(history.iter().all(|h| h.status == VersionStatus::Approved));
    assert!(history[0].is_active);
    let v2 = store.get(&me, "main.sales.orders", None).await.unwrap();
    assert_eq!(v2.ai_summary.unwrap()["overall_quality_score"], 7);
    assert_eq!(v2.metadata.unwrap()["source"], "old app");
    assert_eq!(v2.rules[1]["name"], "amount_ok");

    // New versions continue the old numbering, written as the user.
    let saved = store
        .save(
            &me,
            new_set(
                "main.sales.orders",
                vec![rule("order_id_present", "order_id")],
            ),
        )
        .await
        .unwrap();
    assert_eq!(saved.version, 3);
    let history = store.history(&me, "main.sales.orders", 10).await.unwrap();
    assert_eq!(
        history
            .iter()
            .filter(|h| h.is_active)
            .map(|h| h.version)
            .collect::<Vec<_>>(),
        [3]
    );
    assert_eq!(history[0].created_by.as_deref(), Some("alice@example.com"));
    // The older app keeps writing rows without a status: they read as approved.
    sqlx::raw_sql(
        "UPDATE dq_rules_events SET is_active = FALSE WHERE table_name = 'main.sales.orders'; \
         INSERT INTO dq_rules_events (id, table_name, version, rules, created_by, is_active) VALUES \
         ('8b0f3c1e-0000-4000-8000-000000000009', 'main.sales.orders', 4, '[]', 'dq-rule-generator-app', TRUE)",
    )
    .execute(&mut legacy)
    .await
    .unwrap();
    let newest = store.get(&me, "main.sales.orders", None).await.unwrap();
    assert_eq!(
        (newest.summary.version, newest.summary.status),
        (4, VersionStatus::Approved)
    );
    // Running the migrations again changes nothing.
    store
        .migrate(&pg.admin, &SecretToken::new(pg.admin_password.clone()))
        .await
        .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn as_the_service_principal_postgres_sees_its_role_and_the_caller_is_the_author() {
    use dqx_manager::server::databricks::auth::ServicePrincipal;
    use dqx_manager::server::databricks::{DatabricksClient, RetryPolicy};
    use dqx_manager::server::store::postgres::credential::DatabaseCredential;
    let Some(pg) = pg() else { return };
    let (logs, _guard) = common::logs::capture();
    // The tables exist (created by the admin role). On Databricks the service principal
    // migrates and so owns them; here the admin does, and grants it what an owner has.
    pg_store_on(&pg, &pg.database).await;
    sqlx::raw_sql(
        "GRANT SELECT, INSERT, UPDATE ON dq_rules_events, dq_validation_runs, dq_audit_events, dq_impact_previews TO \"client-id\"",
    )
    .execute(&mut admin_conn(&pg, &pg.database).await)
    .await
    .unwrap();
    // As the tables' owner it is not subject to their row policies either.
    sqlx::raw_sql("ALTER ROLE \"client-id\" BYPASSRLS")
        .execute(&mut admin_conn(&pg, &pg.database).await)
        .await
        .unwrap();
    let (url, fake) = common::fake_workspace::start().await;
    let client = DatabricksClient::new(&url, RetryPolicy::default()).unwrap();
    let sp = Arc::new(ServicePrincipal::new(
        client.clone(),
        "client-id".into(),
        SecretToken::new("client-secret"),
    ));
    let credential = Arc::new(DatabaseCredential::new(
        client,
        sp,
        "dqx-lakebase".into(),
        "client-id".into(),
    ));
    let store =
        PgStore::as_service_principal(target(&pg, &pg.database), PoolLimits::default(), credential);
    let table = fresh_table();
    // No user token is needed in this mode; the caller is still the author.
    let alice_without_token = caller("alice@example.com", None);
    for n in 1..=3 {
        store
            .save(
                &alice_without_token,
                new_set(&table, vec![rule(&format!("r{n}"), "a")]),
            )
            .await
            .unwrap();
    }
    let history = store
        .history(&alice_without_token, &table, 10)
        .await
        .unwrap();
    assert_eq!(history.len(), 3);
    assert!(
        history
            .iter()
            .all(|h| h.created_by.as_deref() == Some("alice@example.com"))
    );
    let status = store.status(&alice_without_token).await;
    assert!(
        status.connected && status.message.contains("service principal"),
        "{status:?}"
    );
    let mut admin = admin_conn(&pg, &pg.database).await;
    let (as_sp,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM pg_stat_activity WHERE usename = 'client-id'")
            .fetch_one(&mut admin)
            .await
            .unwrap();
    assert!(as_sp >= 1, "Postgres saw the service principal's role");
    assert_eq!(
        fake.credentials.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one credential, reused"
    );
    let minted_with: Vec<String> = fake
        .calls()
        .into_iter()
        .filter(|(w, _)| w.contains("database/credentials"))
        .map(|(_, t)| t)
        .collect();
    assert!(
        minted_with.iter().all(|t| t.starts_with("sp-token-")),
        "{minted_with:?}"
    );
    let text = logs.text();
    for secret in ["sp-pg-credential", "client-secret", "sp-token-1"] {
        assert!(!text.contains(secret), "{secret} reached the logs");
    }
}

async fn connect_as(
    pg: &Pg,
    user: &str,
    password: &str,
) -> Result<sqlx::PgConnection, sqlx::Error> {
    let options = sqlx::postgres::PgConnectOptions::new()
        .host(&pg.host)
        .port(pg.port)
        .database(&pg.database)
        .username(user)
        .password(password)
        .ssl_mode(sqlx::postgres::PgSslMode::Require);
    sqlx::PgConnection::connect_with(&options).await
}

#[tokio::test]
async fn the_audit_is_append_only_and_other_roles_see_nothing() {
    let Some(pg) = pg() else { return };
    let store = pg_store_on(&pg, &pg.database).await;
    let table = fresh_table();
    store
        .save(&alice(), new_set(&table, vec![rule("a", "a")]))
        .await
        .unwrap();
    store
        .audit(&alice(), AuditAction::Save, &table, Some(1), None)
        .await
        .unwrap();
    let mut as_alice = connect_as(&pg, "alice@example.com", ALICE_TOKEN)
        .await
        .unwrap();
    for forged in [
        "UPDATE dq_audit_events SET actor = 'someone-else'",
        "DELETE FROM dq_audit_events",
        "DELETE FROM dq_validation_runs",
        "UPDATE dq_validation_runs SET invalid_rows = 0",
        "DELETE FROM dq_rules_events",
    ] {
        let refused = sqlx::raw_sql(forged).execute(&mut as_alice).await;
        assert!(refused.is_err(), "alice could run: {forged}");
    }
    // Not even the tables' owner rewrites the audit trail.
    let mut owner = admin_conn(&pg, &pg.database).await;
    for forged in [
        "UPDATE dq_audit_events SET actor = 'someone-else'",
        "DELETE FROM dq_audit_events",
    ] {
        let refused = sqlx::raw_sql(forged).execute(&mut owner).await;
        assert!(refused.is_err(), "the owner could run: {forged}");
    }
    let (audits,): (i64,) = sqlx::query_as("SELECT count(*) FROM dq_audit_events")
        .fetch_one(&mut as_alice)
        .await
        .unwrap();
    assert!(audits >= 1, "alice still reads the audit");
    let mut as_mallory = connect_as(&pg, "mallory@example.com", "mallory-oauth-token")
        .await
        .unwrap();
    for read in [
        "SELECT * FROM dq_rules_events",
        "SELECT * FROM dq_audit_events",
        "SELECT * FROM dq_validation_runs",
    ] {
        assert!(
            sqlx::raw_sql(read).execute(&mut as_mallory).await.is_err(),
            "a role outside the app's users could run: {read}"
        );
    }
}

#[tokio::test]
async fn the_servers_certificate_is_verified() {
    let Some(pg) = pg() else { return };
    let mut unverifiable = target(&pg, &pg.database);
    unverifiable.ca_file = None;
    let store = PgStore::new(unverifiable, PoolLimits::default());
    let refused = store
        .save(&alice(), new_set(&fresh_table(), vec![rule("a", "a")]))
        .await;
    assert!(
        refused.is_err(),
        "a self-signed server certificate was accepted without its CA"
    );
}

#[tokio::test]
async fn the_local_audit_trail_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.sqlite");
    let store = SqliteStore::open(&path).await.unwrap();
    let table = fresh_table();
    store
        .audit(
            &alice(),
            AuditAction::Comment,
            &table,
            Some(1),
            Some(json!({"text": "looks right"})),
        )
        .await
        .unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    for forged in [
        "UPDATE dq_audit_events SET actor = 'someone-else'",
        "DELETE FROM dq_audit_events",
    ] {
        let refused = sqlx::raw_sql(forged).execute(&mut conn).await;
        let err = refused.expect_err(forged).to_string();
        assert!(err.contains("append-only"), "{err}");
    }
    let trail = store.audit_trail(&alice(), &table, 10).await.unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].actor, "alice@example.com");
}

/// Publishing to a DQX-format Lakebase table as the approving user: written once per rule set
/// (the same version again writes nothing), and DQX 0.17's own `LakebaseChecksStorageHandler`
/// loads exactly the approved rules, with DQX's `rule_set_fingerprint` on every row.
#[tokio::test]
async fn published_rules_are_what_dqxs_lakebase_loader_loads() {
    use dqx_manager::server::publish::lakebase::LakebaseTable;
    use dqx_manager::server::publish::{Outcome, Publication, PublishTarget};
    let Some(pg) = pg() else { return };
    let schema = format!("pub_{}", uuid::Uuid::new_v4().simple());
    let mut admin = admin_conn(&pg, &pg.database).await;
    sqlx::raw_sql(&format!(
        "CREATE SCHEMA {schema}; GRANT USAGE, CREATE ON SCHEMA {schema} TO dqx_app_users"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let location = format!("{}.{schema}.checks", pg.database);
    let target = LakebaseTable::new(target(&pg, &pg.database), &location).unwrap();
    let rules = crate::publish::approved_rules();
    let rc = "main.sales.customers".to_string();
    let publication = Publication::new(
        "main.sales.customers",
        3,
        rules.as_array().unwrap().clone(),
        rc.clone(),
    );
    let me = alice();
    assert_eq!(
        target.publish(&me, &publication).await.unwrap(),
        Outcome::Written
    );
    assert_eq!(
        target.publish(&me, &publication).await.unwrap(),
        Outcome::Unchanged
    );
    assert_eq!(
        publish_counts(&mut admin, &schema).await,
        (3, 1),
        "one batch of three rows"
    );
    // A newer version replaces it as the newest batch; restoring the first writes it again as
    // the newest, once (its old rows go).
    let fewer = Publication::new(
        "main.sales.customers",
        4,
        rules.as_array().unwrap()[..2].to_vec(),
        rc.clone(),
    );
    assert_eq!(target.publish(&me, &fewer).await.unwrap(), Outcome::Written);
    assert_eq!(publish_counts(&mut admin, &schema).await, (5, 2));
    assert_eq!(
        target.publish(&me, &publication).await.unwrap(),
        Outcome::Written
    );
    assert_eq!(
        publish_counts(&mut admin, &schema).await,
        (5, 2),
        "the restored set is not doubled"
    );
    // Whoever may not connect as an app user cannot publish.
    let mallory = caller("mallory@example.com", Some("mallory-oauth-token"));
    assert!(target.publish(&mallory, &publication).await.is_err());

    let Some(python) = crate::common::spark::spark_python("DQX loading the Lakebase table") else {
        return;
    };
    let url = format!(
        "postgresql+psycopg2://alice%40example.com:{ALICE_TOKEN}@{}:{}/{}",
        pg.host, pg.port, pg.database
    );
    let loaded = crate::publish::dqx_load(
        &python,
        &["lakebase", &url, &location, "main.sales.customers"],
    );
    crate::publish::assert_same_rules(&loaded["checks"], &rules);
    assert_eq!(
        loaded["rule_set_fingerprint"],
        publication.rule_set_fingerprint.as_str()
    );
    let newest: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT DISTINCT rule_set_fingerprint FROM {schema}.checks \
         WHERE created_at = (SELECT max(created_at) FROM {schema}.checks)"
    ))
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(newest, [(publication.rule_set_fingerprint.clone(),)]);
}

/// A table left without checks (no own version, no binding) is cleared from the Lakebase
/// target: its run config's rows go, so DQX loads none; nothing held means nothing written.
#[tokio::test]
async fn a_publication_of_no_rules_clears_the_run_config_in_lakebase() {
    use dqx_manager::server::publish::lakebase::LakebaseTable;
    use dqx_manager::server::publish::{Outcome, Publication, PublishTarget};
    let Some(pg) = pg() else { return };
    let schema = format!("pub_{}", uuid::Uuid::new_v4().simple());
    let mut admin = admin_conn(&pg, &pg.database).await;
    sqlx::raw_sql(&format!(
        "CREATE SCHEMA {schema}; GRANT USAGE, CREATE ON SCHEMA {schema} TO dqx_app_users"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let location = format!("{}.{schema}.checks", pg.database);
    let target = LakebaseTable::new(target(&pg, &pg.database), &location).unwrap();
    let me = alice();
    let rules = crate::publish::approved_rules().as_array().unwrap().clone();
    for table in ["main.sales.customers", "main.sales.orders"] {
        let publication = Publication::new(table, 1, rules.clone(), table.to_string());
        assert_eq!(
            target.publish(&me, &publication).await.unwrap(),
            Outcome::Written
        );
    }
    assert_eq!(publish_counts(&mut admin, &schema).await.0, 6);
    let clear = Publication::new(
        "main.sales.orders",
        0,
        Vec::new(),
        "main.sales.orders".into(),
    );
    assert!(clear.clears());
    assert_eq!(target.publish(&me, &clear).await.unwrap(), Outcome::Written);
    let left: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT DISTINCT run_config_name FROM {schema}.checks"
    ))
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(
        left,
        [("main.sales.customers".to_string(),)],
        "only orders is cleared"
    );
    assert_eq!(
        target.publish(&me, &clear).await.unwrap(),
        Outcome::Unchanged
    );
    let never = Publication::new(
        "main.hr.employees",
        0,
        Vec::new(),
        "main.hr.employees".into(),
    );
    assert_eq!(
        target.publish(&me, &never).await.unwrap(),
        Outcome::Unchanged
    );
}

/// (rows, distinct rule set fingerprints) in a publish table.
async fn publish_counts(admin: &mut sqlx::PgConnection, schema: &str) -> (i64, i64) {
    sqlx::query_as(&format!(
        "SELECT count(*), count(DISTINCT rule_set_fingerprint) FROM {schema}.checks"
    ))
    .fetch_one(admin)
    .await
    .unwrap()
}

/// A save whose every attempt finds its version number taken (another writer, here a trigger
/// standing in for one that does not lock) is a 409 that says to save again, not a 500.
#[tokio::test]
async fn a_save_that_runs_out_of_version_numbers_is_a_conflict() {
    let Some(pg) = pg() else { return };
    let store = pg_store_on(&pg, &pg.database).await;
    let table = fresh_table();
    let trigger = format!("taken_{}", uuid::Uuid::new_v4().simple());
    let mut admin = admin_conn(&pg, &pg.database).await;
    sqlx::raw_sql(&format!(
        "CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         IF NEW.table_name = '{table}' THEN RAISE EXCEPTION 'duplicate key' USING ERRCODE = 'unique_violation'; END IF; \
         RETURN NEW; END $$; \
         CREATE TRIGGER {trigger} BEFORE INSERT ON dq_rules_events FOR EACH ROW EXECUTE FUNCTION {trigger}()"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let refused = store
        .save(&alice(), new_set(&table, vec![rule("a", "a")]))
        .await;
    sqlx::raw_sql(&format!(
        "DROP TRIGGER {trigger} ON dq_rules_events; DROP FUNCTION {trigger}()"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let error = refused.unwrap_err();
    assert!(
        matches!(error, dqx_manager::server::error::AppError::Conflict(_)),
        "{error:?}"
    );
    assert!(error.to_string().contains("save again"), "{error}");
    // Once the other writer is gone the same save goes through.
    let saved = store
        .save(&alice(), new_set(&table, vec![rule("a", "a")]))
        .await
        .unwrap();
    assert_eq!(saved.version, 1);
}
