//! Health without rules (issue 32), locally: alice turns health on for `main.*`; the scheduler's
//! passes observe each table as her while a private copy of the sample workspace changes daily;
//! then a load brings half of customers' rows with e-mails mostly NULL, and the next pass shows
//! volume and column-drift anomalies, worst first, and fires the health alert once (not the
//! run-metrics one). bob sees the scope without main.hr, and is refused main.hr's health page.

use crate::common;

use axum::http::StatusCode;
use common::http::{ALICE, BOB, call};
use datafusion::arrow::array::{Array, RecordBatch, StringArray};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use dqx_manager::server::workspace::local::sample_data::customers::Customers;
use dqx_manager::server::workspace::local::sample_data::{write_one_table, write_sample_workspace};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

/// Rewrites customers with `rows` rows, changed at `changed` (seconds since the epoch).
fn load_customers(path: &Path, rows: u64, changed: i64) {
    write_one_table(&Customers { rows }, path).unwrap();
    touch(path, changed);
}

fn touch(path: &Path, at: i64) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(at as u64))
        .unwrap();
}

/// Keeps the first `keep` rows of the parquet file and makes `null_share` of their e-mails NULL.
fn half_load_with_null_emails(path: &Path, keep: usize, null_share: f64, changed: i64) {
    let file = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    let schema = batches[0].schema();
    let all = datafusion::arrow::compute::concat_batches(&schema, &batches).unwrap();
    let kept = all.slice(0, keep);
    let email = schema.index_of("email").unwrap();
    let emails = kept
        .column(email)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    let nulled: StringArray = (0..emails.len())
        .map(|i| {
            let null = (i as f64) < null_share * emails.len() as f64;
            (!null && emails.is_valid(i)).then(|| emails.value(i).to_string())
        })
        .collect();
    let mut columns = kept.columns().to_vec();
    columns[email] = Arc::new(nulled);
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let partial = path.with_extension("parquet.partial");
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(&partial).unwrap(), schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    std::fs::rename(&partial, path).unwrap();
    touch(path, changed);
}

fn ok(reply: &common::http::Reply) -> &Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    &reply.body
}

fn signal<'a>(table: &'a Value, kind: &str, column: Option<&str>) -> &'a Value {
    table["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == kind && column.is_none_or(|c| s["column"] == c))
        .unwrap_or_else(|| panic!("no {kind} signal in {table}"))
}

#[tokio::test]
async fn a_half_load_with_null_emails_is_a_volume_and_column_anomaly() {
    let data = tempfile::tempdir().unwrap();
    let workspace = tempfile::tempdir().unwrap();
    write_sample_workspace(workspace.path(), Some(1000)).unwrap();
    let customers = workspace.path().join("main/sales/customers.parquet");
    let ws = workspace.path().display().to_string();
    let state = common::local_state_with(
        data.path(),
        &[
            ("DQX_WORKSPACE_DIR", ws.as_str()),
            ("DQX_WEBHOOK_ALLOW_LOOPBACK", "true"),
            ("DQX_WEBHOOK_BACKOFF_MS", "10"),
        ],
    )
    .await;
    let app = dqx_manager::server::routes::router(state.clone());

    let set = call(
        &app,
        "/api/set_health_scope",
        &ALICE,
        json!({"scope": {"pattern": "main.*.*"}, "enabled": true}),
    )
    .await;
    let scope = ok(&set).clone();
    assert_eq!(scope["owner"], "alice@example.com");
    assert_eq!(
        scope["tables"],
        json!([
            "main.hr.employees",
            "main.sales.customers",
            "main.sales.orders"
        ])
    );
    // The first pass runs at once; wait for it before the simulated days.
    let mut first = false;
    for _ in 0..100 {
        let listed = call(&app, "/api/list_health_scopes", &ALICE, json!({})).await;
        if ok(&listed)[0]["last_observed_at"].is_string() {
            first = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(first, "the first pass did not run");

    let ticker = state.health_ticker().unwrap();
    let start = chrono::Utc::now() + chrono::Duration::days(1);
    const DAY: i64 = 86_400;
    for day in 0..8i64 {
        let now = start + chrono::Duration::days(day);
        load_customers(&customers, 1000 + (day as u64 % 3), now.timestamp() - 3_600);
        let passes = ticker.tick(now).await.unwrap();
        assert_eq!(passes.len(), 1, "day {day}: {passes:?}");
        assert_eq!(passes[0].1.observed, 3, "{passes:?}");
    }
    let before = call(&app, "/api/health_overview", &ALICE, json!({})).await;
    let row = ok(&before)[0]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "main.sales.customers")
        .unwrap()
        .clone();
    assert_eq!(signal(&row, "volume", None)["state"], "ok", "{row}");
    assert_eq!(
        signal(&row, "column", Some("email"))["state"],
        "ok",
        "{row}"
    );

    // An alert on health's variables, and one on run metrics that a health pass never fires.
    let (receiver, url) = crate::alerts::Receiver::start(0).await;
    for (name, condition) in [
        (
            "customers shrank or drifted",
            "health_volume_anomaly or health_column_anomaly",
        ),
        ("customers has errors", "error_row_count > 0"),
    ] {
        let set = call(
            &app,
            "/api/set_alert",
            &ALICE,
            json!({"table": "main.sales.customers", "name": name, "condition": condition,
                   "destinations": [{"kind": "webhook", "url": url}]}),
        )
        .await;
        ok(&set);
    }
    let mixed = call(
        &app,
        "/api/set_alert",
        &ALICE,
        json!({"table": "main.sales.customers", "name": "mixed",
               "condition": "health_anomaly_count > 0 and error_row_count > 0",
               "destinations": [{"kind": "webhook", "url": url}]}),
    )
    .await;
    assert_eq!(mixed.status, StatusCode::BAD_REQUEST, "{}", mixed.text);
    assert!(mixed.text.contains("not both"), "{}", mixed.text);
    let quiet = start + chrono::Duration::days(7) + chrono::Duration::hours(2);
    ticker.tick(quiet).await.unwrap();
    assert!(
        receiver.messages().is_empty(),
        "nothing is wrong yet: {:?}",
        receiver.messages()
    );

    let now = start + chrono::Duration::days(8);
    half_load_with_null_emails(&customers, 500, 0.6, now.timestamp() - DAY / 24);
    ticker.tick(now).await.unwrap();
    let after = call(&app, "/api/health_overview", &ALICE, json!({})).await;
    let tables = ok(&after)[0]["tables"].as_array().unwrap().clone();
    // The grid, as the Health view shows it (run with --nocapture to see it).
    for t in &tables {
        let cells: Vec<String> = t["signals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                format!(
                    "{}{} {}: {}",
                    s["kind"].as_str().unwrap(),
                    s["column"]
                        .as_str()
                        .map(|c| format!(" {c}"))
                        .unwrap_or_default(),
                    s["state"].as_str().unwrap(),
                    s["reason"].as_str().unwrap()
                )
            })
            .collect();
        println!(
            "{} [{}]\n  {}",
            t["table"].as_str().unwrap(),
            t["worst"].as_str().unwrap(),
            cells.join("\n  ")
        );
    }
    assert_eq!(
        tables[0]["table"], "main.sales.customers",
        "worst first: {tables:?}"
    );
    assert_eq!(tables[0]["worst"], "anomaly");
    let volume = signal(&tables[0], "volume", None);
    assert_eq!(volume["state"], "anomaly", "{volume}");
    assert!(
        volume["reason"]
            .as_str()
            .unwrap()
            .starts_with("500 rows, -"),
        "{volume}"
    );
    let email = signal(&tables[0], "column", Some("email"));
    assert_eq!(email["state"], "anomaly", "{email}");
    assert!(
        email["reason"].as_str().unwrap().starts_with("null rate 6"),
        "{email}"
    );
    assert_eq!(signal(&tables[0], "freshness", None)["state"], "ok");
    assert_eq!(signal(&tables[0], "schema", None)["state"], "ok");

    let messages = receiver.messages();
    assert_eq!(
        messages.len(),
        1,
        "one health alert, delivered once: {messages:?}"
    );
    assert!(
        messages[0]
            .to_string()
            .contains("customers shrank or drifted"),
        "{}",
        messages[0]
    );

    let page = call(
        &app,
        "/api/table_health",
        &ALICE,
        json!({"table": "main.sales.customers"}),
    )
    .await;
    let points = ok(&page)["points"].as_array().unwrap().clone();
    assert_eq!(
        points.len(),
        11,
        "the first pass, eight days, a quiet pass and the half load"
    );
    let newest = points.last().unwrap();
    assert_eq!(newest["row_count"], 500);
    // The lines carry the band each point was judged against: the half load falls below it,
    // as its null rate of e-mails rises above theirs; the daily loads before sat inside.
    let rows = &newest["expected_rows"];
    assert_eq!(rows["state"], "anomaly", "{newest}");
    assert!(rows["low"].as_f64().unwrap() > 500.0, "{rows}");
    let nulls = &newest["expected_null_rates"]["email"];
    assert_eq!(nulls["state"], "anomaly", "{newest}");
    assert!(nulls["high"].as_f64().unwrap() < 0.6, "{nulls}");
    let judged_before: Vec<&Value> = points[..points.len() - 1]
        .iter()
        .filter_map(|p| p.get("expected_rows"))
        .collect();
    assert!(!judged_before.is_empty(), "{points:?}");
    assert!(
        judged_before.iter().all(|e| e["state"] == "ok"),
        "{judged_before:?}"
    );

    // bob sees the scope without main.hr, and may not open its health.
    let bobs = call(&app, "/api/list_health_scopes", &BOB, json!({})).await;
    assert_eq!(
        ok(&bobs)[0]["tables"],
        json!(["main.sales.customers", "main.sales.orders"])
    );
    assert!(!bobs.text.contains("main.hr"), "{}", bobs.text);
    let refused = call(
        &app,
        "/api/table_health",
        &BOB,
        json!({"table": "main.hr.employees"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text);
    let overview = call(&app, "/api/health_overview", &BOB, json!({})).await;
    assert!(!overview.text.contains("main.hr"), "{}", overview.text);
}

#[tokio::test]
async fn a_scope_is_bounded_and_must_cover_something_readable() {
    let data = tempfile::tempdir().unwrap();
    let state = common::local_state_with(data.path(), &[("DQX_MAX_HEALTH_TABLES", "2")]).await;
    let app = dqx_manager::server::routes::router(state);
    let wide = call(
        &app,
        "/api/set_health_scope",
        &ALICE,
        json!({"scope": {"pattern": "main.*.*"}, "enabled": true}),
    )
    .await;
    assert_eq!(wide.status, StatusCode::BAD_REQUEST, "{}", wide.text);
    assert!(wide.text.contains("DQX_MAX_HEALTH_TABLES"), "{}", wide.text);
    let none = call(
        &app,
        "/api/set_health_scope",
        &BOB,
        json!({"scope": {"pattern": "main.hr.*"}, "enabled": true}),
    )
    .await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "{}", none.text);
    assert!(none.text.contains("no table you may read"), "{}", none.text);

    // Only the owner changes a scope: bob may neither stop nor take over alice's.
    let hr = json!({"scope": {"pattern": "main.hr.*"}, "enabled": true});
    ok(&call(&app, "/api/set_health_scope", &ALICE, hr.clone()).await);
    let off = json!({"scope": {"pattern": "main.hr.*"}, "enabled": false});
    let stopped = call(&app, "/api/set_health_scope", &BOB, off.clone()).await;
    assert_eq!(stopped.status, StatusCode::FORBIDDEN, "{}", stopped.text);
    assert!(
        stopped.text.contains("alice@example.com"),
        "{}",
        stopped.text
    );
    let sales = json!({"scope": {"pattern": "main.sales.*"}, "enabled": true});
    ok(&call(&app, "/api/set_health_scope", &ALICE, sales.clone()).await);
    let taken = call(&app, "/api/set_health_scope", &BOB, sales).await;
    assert_eq!(taken.status, StatusCode::FORBIDDEN, "{}", taken.text);
    let mine = call(&app, "/api/set_health_scope", &ALICE, off).await;
    assert_eq!(ok(&mine)["enabled"], false);
    // Racing for a new scope, exactly one of them owns it, and the other is told whose it is.
    let both = json!({"scope": {"pattern": "main.sales.orders"}, "enabled": true});
    let (a, b) = tokio::join!(
        call(&app, "/api/set_health_scope", &ALICE, both.clone()),
        call(&app, "/api/set_health_scope", &BOB, both)
    );
    let statuses = [a.status, b.status];
    assert!(
        statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::FORBIDDEN),
        "{statuses:?} {} {}",
        a.text,
        b.text
    );
    let winner = if a.status == StatusCode::OK { &a } else { &b };
    let loser = if a.status == StatusCode::OK { &b } else { &a };
    assert!(
        loser.text.contains(ok(winner)["owner"].as_str().unwrap()),
        "{}",
        loser.text
    );
    let never = json!({"scope": {"pattern": "main.sales.payments"}, "enabled": false});
    let nothing = call(&app, "/api/set_health_scope", &ALICE, never).await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND, "{}", nothing.text);
}

mod store {
    //! The health store on both backends: ten processes claiming one scope's pass lease it once
    //! until it ends; observations come back oldest first, only the metrics asked for.
    use chrono::{Duration, NaiveDateTime};
    use dqx_manager::model::health::metrics::{ROW_COUNT, rows};
    use dqx_manager::model::health::{ColumnStats, Observation};
    use dqx_manager::server::health::store::{HealthStore, StoredScope};
    use dqx_manager::server::schedule::store::PgOwnerStore;
    use dqx_manager::server::store::sqlite::SqliteStore;
    use std::sync::Arc;

    fn at(text: &str) -> NaiveDateTime {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .naive_utc()
    }

    async fn leases_once_and_reads_back(stores: Vec<Arc<dyn HealthStore>>) {
        let now = at("2026-12-07T10:00:00Z");
        stores[0]
            .put_scope(&StoredScope {
                scope_id: "h0123456789ab".into(),
                scope: r#"{"pattern":"main.sales.*"}"#.into(),
                owner: "alice@example.com".into(),
                enabled: true,
                created_at: now,
                updated_at: now,
                last_observed_at: None,
                running_until: None,
                claimed_by: None,
                last_error: None,
            })
            .await
            .unwrap();
        let claims = futures::future::join_all((0..10).map(|i| {
            let store = stores[i % stores.len()].clone();
            async move {
                store
                    .claim_pass(
                        "h0123456789ab",
                        now,
                        now + Duration::minutes(30),
                        &format!("p{i}"),
                    )
                    .await
                    .unwrap()
            }
        }))
        .await;
        assert_eq!(claims.iter().filter(|c| **c).count(), 1, "{claims:?}");
        let holder = format!("p{}", claims.iter().position(|c| *c).unwrap());
        let later = now + Duration::minutes(5);
        assert!(
            !stores[1]
                .claim_pass("h0123456789ab", later, later, "late")
                .await
                .unwrap()
        );
        stores[0]
            .end_pass("h0123456789ab", &holder, later, Some("one table failed"))
            .await
            .unwrap();
        let scope = &stores[1].scopes(10).await.unwrap()[0];
        assert_eq!(scope.last_observed_at, Some(later));
        assert_eq!(scope.last_error.as_deref(), Some("one table failed"));
        assert!(
            stores[1]
                .claim_pass("h0123456789ab", later, later, "next")
                .await
                .unwrap()
        );

        for (i, count) in [1000u64, 1010, 500].into_iter().enumerate() {
            let observation = Observation {
                observed_at: 3_600 * i as i64,
                last_change: Some(3_600 * i as i64 - 60),
                changes: Vec::new(),
                row_count: count,
                columns: Vec::new(),
                sampled_rows: count,
                stats: vec![ColumnStats {
                    name: "email".into(),
                    null_rate: 0.1,
                    distinct_ratio: None,
                    mean: None,
                }],
            };
            let time = chrono::DateTime::from_timestamp(observation.observed_at, 0).unwrap();
            let kept = rows(
                "main.sales.customers",
                &observation,
                &format!("run-{i}"),
                &time.to_rfc3339(),
            );
            stores[i % stores.len()].append(&kept).await.unwrap();
            stores[0].append(&kept).await.unwrap();
        }
        let newest_two = stores[1]
            .observations("main.sales.customers", 2, Some(&[ROW_COUNT]))
            .await
            .unwrap();
        let counts: Vec<&str> = newest_two.iter().map(|r| r.metric_value.as_str()).collect();
        assert_eq!(
            counts,
            ["1010", "500"],
            "oldest first, the row count only, each run once"
        );
        let whole = stores[0]
            .observations("main.sales.customers", 10, None)
            .await
            .unwrap();
        assert!(
            whole
                .iter()
                .any(|r| r.metric_name == "health.column.email.null_rate")
        );
        assert!(
            stores[0]
                .observations("main.hr.employees", 10, None)
                .await
                .unwrap()
                .is_empty()
        );
    }

    fn scope_of(owner: &str, enabled: bool, at: NaiveDateTime) -> StoredScope {
        StoredScope {
            scope_id: "hfeedfacecafe".into(),
            scope: r#"{"pattern":"main.hr.*"}"#.into(),
            owner: owner.into(),
            enabled,
            created_at: at,
            updated_at: at,
            last_observed_at: None,
            running_until: None,
            claimed_by: None,
            last_error: None,
        }
    }

    async fn racy(store: &Arc<dyn HealthStore>) -> StoredScope {
        let all = store.scopes(10).await.unwrap();
        all.into_iter()
            .find(|s| s.scope_id == "hfeedfacecafe")
            .unwrap()
    }

    /// Ownership is decided by the write: a second user's write of a scope (on, or off) changes
    /// nothing, however late their read was; ten users racing for a new scope leave one owner.
    async fn only_the_owner_writes(stores: Vec<Arc<dyn HealthStore>>) {
        let now = at("2026-12-07T10:00:00Z");
        assert!(
            !stores[0]
                .put_scope(&scope_of("alice@example.com", false, now))
                .await
                .unwrap(),
            "turning off a scope that is not there writes nothing"
        );
        let racers = futures::future::join_all((0..10).map(|i| {
            let store = stores[i % stores.len()].clone();
            async move {
                let user = format!("user{i}@example.com");
                (
                    user.clone(),
                    store.put_scope(&scope_of(&user, true, now)).await.unwrap(),
                )
            }
        }))
        .await;
        let winners: Vec<&String> = racers.iter().filter(|r| r.1).map(|r| &r.0).collect();
        assert_eq!(winners.len(), 1, "{racers:?}");
        let owner = winners[0].clone();
        let loser = racers.iter().find(|r| !r.1).unwrap().0.clone();
        let later = now + Duration::minutes(1);
        assert!(
            !stores[1]
                .put_scope(&scope_of(&loser, false, later))
                .await
                .unwrap()
        );
        assert!(
            !stores[0]
                .put_scope(&scope_of(&loser, true, later))
                .await
                .unwrap()
        );
        let kept = racy(&stores[1]).await;
        assert_eq!((kept.owner.as_str(), kept.enabled), (owner.as_str(), true));
        assert_eq!(
            kept.updated_at, now,
            "the other user's writes changed nothing"
        );
        let shouted = owner.to_uppercase();
        assert!(
            stores[0]
                .put_scope(&scope_of(&shouted, false, later))
                .await
                .unwrap()
        );
        let kept = racy(&stores[0]).await;
        assert_eq!((kept.owner.as_str(), kept.enabled), (owner.as_str(), false));
    }

    #[tokio::test]
    async fn sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.sqlite");
        let a: Arc<dyn HealthStore> = Arc::new(SqliteStore::open(&path).await.unwrap());
        let b: Arc<dyn HealthStore> = Arc::new(SqliteStore::open(&path).await.unwrap());
        leases_once_and_reads_back(vec![a.clone(), b.clone()]).await;
        only_the_owner_writes(vec![a, b]).await;
    }

    #[tokio::test]
    async fn postgres() {
        let Some(database) = crate::store::fresh_pg_database().await else {
            return;
        };
        let mut stores: Vec<Arc<dyn HealthStore>> = Vec::new();
        for _ in 0..2 {
            stores.push(Arc::new(PgOwnerStore::new(
                crate::store::admin_pool(&database).await,
            )));
        }
        leases_once_and_reads_back(stores.clone()).await;
        only_the_owner_writes(stores).await;
    }
}
