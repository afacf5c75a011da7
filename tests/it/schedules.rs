//! Schedules: set over HTTP as a reader of the table and of every table its rules read, fired by
//! the embedded scheduler on an injected clock as the owner, each due time exactly once across
//! processes sharing a store (SQLite and a real Postgres), one catch-up after downtime, and on
//! local time across daylight-saving changes.

use crate::common;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use common::http::{ALICE, BOB, approved_by_carol, call};
use dqx_manager::server::routes::router;
use dqx_manager::server::schedule::scheduler::{Fire, Scheduler};
use dqx_manager::server::schedule::store::{Outcome, PgOwnerStore, ScheduleStore, StoredSchedule};
use dqx_manager::server::store::sqlite::SqliteStore;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const ORDERS: &str = "main.sales.orders";

fn order_rules() -> Value {
    json!([
        {"name": "amount_not_negative", "criticality": "error",
         "check": {"function": "is_not_less_than", "arguments": {"column": "amount", "limit": 0}}},
    ])
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_schedule_runs_the_approved_rules_as_its_owner_and_every_reader_sees_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let state = common::local_state(dir.path()).await;
    let app = router(state.clone());
    let version = approved_by_carol(&app, ORDERS, order_rules()).await;

    let set = call(
        &app,
        "/api/set_schedule",
        &ALICE,
        json!({"table": ORDERS, "cron": "* * * * *", "timezone": "Europe/Berlin", "enabled": true}),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let next = utc(set.body["next_run_at"].as_str().unwrap());
    assert!(
        next > Utc::now() && next <= Utc::now() + Duration::seconds(61),
        "{next}"
    );
    assert_eq!(set.body["schedule"]["owner"], "alice@example.com");

    // The scheduler's clock says two minutes later: one run, as alice, of the approved version.
    let scheduler = state.scheduler().expect("local mode schedules itself");
    let later = Utc::now() + Duration::minutes(2);
    let claimed = scheduler.tick(later).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let Outcome::Started(run_id) = scheduler.run(&claimed[0]).await else {
        panic!("the scheduled run did not start");
    };
    assert!(
        scheduler.tick(later).await.unwrap().is_empty(),
        "a due time fires once"
    );

    let history = call(&app, "/api/run_history", &BOB, json!({"table": ORDERS})).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    let run = &history.body["runs"][0];
    assert_eq!(run["run_id"], run_id.as_str());
    assert_eq!(run["trigger"], "schedule");
    assert_eq!(run["started_by"], "alice@example.com");
    assert_eq!(run["version"], version);
    // docs/sample-data.md: 80 negative amounts in 10,000 orders.
    assert_eq!(run["metrics"]["input_row_count"], 10000);
    assert_eq!(run["metrics"]["error_row_count"], 80);

    // The Monitor page's overview, as bob: the orders with the scheduled run as a trend point.
    let overview = call(&app, "/api/monitor_overview", &BOB, json!({})).await;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.text);
    let orders = overview.body["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == ORDERS)
        .expect("the orders are monitored");
    assert_eq!(orders["points"][0]["run_id"], run_id.as_str());
    assert_eq!(orders["points"][0]["trigger"], "schedule");
    assert_eq!(orders["points"][0]["error_row_count"], 80);
    assert_eq!(orders["failing_rules"], json!(["amount_not_negative"]));
    assert!(orders["next_run_at"].is_string(), "{}", overview.text);

    let listed = call(&app, "/api/list_schedules", &BOB, json!({})).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let shown = &listed.body["schedules"][0];
    assert_eq!(shown["table"], ORDERS);
    assert_eq!(shown["last_run_id"], run_id.as_str());
    assert!(shown["runs_as"].as_str().unwrap().contains("owner"));

    let paused = call(
        &app,
        "/api/set_schedule",
        &ALICE,
        json!({"table": ORDERS, "cron": "@daily", "timezone": "UTC", "enabled": false}),
    )
    .await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.text);
    assert_eq!(
        paused.body["next_run_at"],
        Value::Null,
        "paused: no next run"
    );
    assert!(
        scheduler
            .tick(Utc::now() + Duration::days(3))
            .await
            .unwrap()
            .is_empty(),
        "a paused schedule does not fire"
    );
    let deleted = call(&app, "/api/delete_schedule", &BOB, json!({"table": ORDERS})).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    let again = call(&app, "/api/delete_schedule", &BOB, json!({"table": ORDERS})).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.text);
}

#[tokio::test]
async fn schedules_are_refused_in_words_and_shown_only_to_readers() {
    let dir = tempfile::tempdir().unwrap();
    let state = common::local_state(dir.path()).await;
    let app = router(state);
    let refused = |cron: &str, zone: &str| json!({"table": ORDERS, "cron": cron, "timezone": zone, "enabled": true});
    let no_rules = call(
        &app,
        "/api/set_schedule",
        &ALICE,
        refused("0 6 * * *", "UTC"),
    )
    .await;
    assert_eq!(
        no_rules.status,
        StatusCode::BAD_REQUEST,
        "{}",
        no_rules.text
    );
    assert!(
        no_rules.text.contains("no active rule set"),
        "{}",
        no_rules.text
    );

    approved_by_carol(&app, ORDERS, order_rules()).await;
    for (cron, zone, says) in [
        ("61 * * * *", "UTC", "minute field takes 0-59"),
        ("0 6 * *", "UTC", "5 fields"),
        ("0 6 * * *", "Mars/Olympus", "not an IANA time zone"),
    ] {
        let bad = call(&app, "/api/set_schedule", &ALICE, refused(cron, zone)).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
        assert!(bad.text.contains(says), "{cron} {zone}: {}", bad.text);
    }

    // A rule reading main.hr.employees: bob reads the orders but not that table.
    let employees = "main.hr.employees";
    let reads_hr = json!([{"name": "customer_is_employee", "criticality": "warn",
        "check": {"function": "foreign_key", "arguments": {"columns": ["customer_id"],
        "ref_columns": ["employee_id"], "ref_table": employees}}}]);
    approved_by_carol(&app, ORDERS, reads_hr).await;
    let bob = call(&app, "/api/set_schedule", &BOB, refused("0 6 * * *", "UTC")).await;
    assert_eq!(bob.status, StatusCode::FORBIDDEN, "{}", bob.text);
    assert!(bob.text.contains("customer_is_employee"), "{}", bob.text);

    // alice schedules the HR table; bob, who may not read it, neither sees nor touches it.
    let hr_rules = json!([{"name": "salary_present", "criticality": "error",
        "check": {"function": "is_not_null", "arguments": {"column": "salary"}}}]);
    approved_by_carol(&app, employees, hr_rules).await;
    let hr = json!({"table": employees, "cron": "@hourly", "timezone": "UTC"});
    let set = call(&app, "/api/set_schedule", &ALICE, hr).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let listed = call(&app, "/api/list_schedules", &BOB, json!({})).await;
    assert_eq!(listed.body["schedules"], json!([]), "{}", listed.text);
    let listed = call(&app, "/api/list_schedules", &ALICE, json!({})).await;
    assert_eq!(listed.body["schedules"][0]["table"], employees);
    let delete = call(
        &app,
        "/api/delete_schedule",
        &BOB,
        json!({"table": employees}),
    )
    .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN, "{}", delete.text);
}

/// Counts firings instead of running anything.
#[derive(Default)]
struct Tally {
    fired: Mutex<Vec<(String, DateTime<Utc>)>>,
}

#[async_trait::async_trait]
impl Fire for Tally {
    async fn fire(&self, schedule: &StoredSchedule, due: DateTime<Utc>) -> Outcome {
        let mut fired = self.fired.lock().unwrap();
        fired.push((schedule.table_name.clone(), due));
        Outcome::Started(format!("run-{}", fired.len()))
    }
}

fn schedule(table: &str, cron: &str, zone: &str, since: &str) -> StoredSchedule {
    let since: NaiveDateTime = utc(since).naive_utc();
    StoredSchedule {
        table_name: table.into(),
        cron: cron.into(),
        timezone: zone.into(),
        enabled: true,
        owner: "alice@example.com".into(),
        since,
        updated_at: since,
        last_due_at: None,
        claimed_by: None,
        last_run_id: None,
        last_error: None,
    }
}

/// Ticks every minute of `[from, to)` on each scheduler in turn (as processes sharing a store
/// would, racing), firing what each claims; the due times fired, in order.
async fn tick_every_minute(
    schedulers: &[Arc<Scheduler>],
    from: &str,
    to: &str,
) -> Vec<DateTime<Utc>> {
    let (mut at, end) = (utc(from), utc(to));
    let mut fired = Vec::new();
    while at < end {
        let ticks = schedulers.iter().map(|s| {
            let s = s.clone();
            async move {
                let claimed = s.tick(at).await.unwrap();
                for c in &claimed {
                    s.run(c).await;
                }
                claimed
                    .into_iter()
                    .map(|c| (c.due, s.holder.clone()))
                    .collect::<Vec<_>>()
            }
        });
        for due in futures::future::join_all(ticks).await {
            fired.extend(due);
        }
        at += Duration::minutes(1);
    }
    fired.sort();
    // The evidence, for `--nocapture`: each due time and the process that fired it.
    for (due, holder) in &fired {
        println!("fired {} by {holder}", due.format("%Y-%m-%d %H:%M %Z"));
    }
    fired.into_iter().map(|(due, _)| due).collect()
}

fn schedulers(stores: Vec<Arc<dyn ScheduleStore>>, tally: &Arc<Tally>) -> Vec<Arc<Scheduler>> {
    stores
        .into_iter()
        .enumerate()
        .map(|(i, store)| {
            Arc::new(Scheduler {
                store,
                fire: tally.clone(),
                holder: format!("process-{i}"),
            })
        })
        .collect()
}

/// Two processes' stores on one SQLite file.
async fn sqlite_pair(dir: &std::path::Path) -> Vec<Arc<dyn ScheduleStore>> {
    let path = dir.join("rules.sqlite");
    let a: Arc<dyn ScheduleStore> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let b: Arc<dyn ScheduleStore> = Arc::new(SqliteStore::open(&path).await.unwrap());
    vec![a, b]
}

/// Two processes' stores on the test Postgres (as its admin, the tables' owner), in a fresh
/// database; `None` when no cluster runs.
async fn postgres_pair() -> Option<Vec<Arc<dyn ScheduleStore>>> {
    let database = crate::store::fresh_pg_database().await?;
    let mut pair: Vec<Arc<dyn ScheduleStore>> = Vec::new();
    for _ in 0..2 {
        let pool = crate::store::admin_pool(&database).await;
        pair.push(Arc::new(PgOwnerStore::new(pool)));
    }
    Some(pair)
}

async fn fires_each_due_time_once(stores: Vec<Arc<dyn ScheduleStore>>) {
    let tally = Arc::new(Tally::default());
    stores[0]
        .put(&schedule(
            "main.s.every",
            "*/10 * * * *",
            "UTC",
            "2026-12-07T09:58:00Z",
        ))
        .await
        .unwrap();
    let running = schedulers(stores, &tally);
    let fired = tick_every_minute(&running, "2026-12-07T09:58:00Z", "2026-12-07T11:01:00Z").await;
    let expected: Vec<DateTime<Utc>> = (0..7)
        .map(|i| utc("2026-12-07T10:00:00Z") + Duration::minutes(10 * i))
        .collect();
    assert_eq!(fired, expected, "each due time once, across both processes");
    assert_eq!(tally.fired.lock().unwrap().len(), 7);
}

#[tokio::test]
async fn two_processes_on_one_sqlite_file_fire_each_due_time_once() {
    let dir = tempfile::tempdir().unwrap();
    fires_each_due_time_once(sqlite_pair(dir.path()).await).await;
}

#[tokio::test]
async fn two_processes_on_one_postgres_fire_each_due_time_once() {
    let Some(stores) = postgres_pair().await else {
        return;
    };
    fires_each_due_time_once(stores).await;
}

#[tokio::test]
async fn three_missed_windows_give_one_catch_up_run() {
    let dir = tempfile::tempdir().unwrap();
    let stores = sqlite_pair(dir.path()).await;
    let tally = Arc::new(Tally::default());
    stores[0]
        .put(&schedule(
            "main.s.hourly",
            "0 * * * *",
            "UTC",
            "2026-12-07T09:30:00Z",
        ))
        .await
        .unwrap();
    let running = schedulers(stores, &tally);
    assert_eq!(
        tick_every_minute(&running, "2026-12-07T10:00:00Z", "2026-12-07T10:01:00Z").await,
        [utc("2026-12-07T10:00:00Z")]
    );
    // Down from 10:01 to 13:30: 11:00, 12:00 and 13:00 were missed; one run on return.
    let fired = tick_every_minute(&running, "2026-12-07T13:30:00Z", "2026-12-07T14:01:00Z").await;
    assert_eq!(
        fired,
        [utc("2026-12-07T13:00:00Z"), utc("2026-12-07T14:00:00Z")]
    );
}

#[tokio::test]
async fn schedules_fire_on_local_time_across_daylight_saving_changes() {
    let dir = tempfile::tempdir().unwrap();
    let stores = sqlite_pair(dir.path()).await;
    let tally = Arc::new(Tally::default());
    // 06:00 Berlin time; 29 March 2026 the clocks go from 02:00 CET to 03:00 CEST.
    stores[0]
        .put(&schedule(
            "main.s.daily",
            "0 6 * * *",
            "Europe/Berlin",
            "2026-03-27T12:00:00Z",
        ))
        .await
        .unwrap();
    // 02:30 Berlin time does not exist that day: it runs when the clocks have jumped.
    stores[0]
        .put(&schedule(
            "main.s.night",
            "30 2 * * *",
            "Europe/Berlin",
            "2026-03-27T12:00:00Z",
        ))
        .await
        .unwrap();
    let running = schedulers(stores, &tally);
    tick_every_minute(&running, "2026-03-28T00:00:00Z", "2026-03-30T06:00:00Z").await;
    let fired = tally.fired.lock().unwrap().clone();
    let of = |table: &str| -> Vec<DateTime<Utc>> {
        fired
            .iter()
            .filter(|(t, _)| t == table)
            .map(|(_, at)| *at)
            .collect()
    };
    assert_eq!(
        of("main.s.daily"),
        [
            utc("2026-03-28T05:00:00Z"),
            utc("2026-03-29T04:00:00Z"),
            utc("2026-03-30T04:00:00Z")
        ]
    );
    assert_eq!(
        of("main.s.night"),
        [
            utc("2026-03-28T01:30:00Z"),
            utc("2026-03-29T01:00:00Z"),
            utc("2026-03-30T00:30:00Z")
        ]
    );
}
