//! Health in a Databricks workspace, against the fake: one observation reads the table's
//! description and count, its Delta history and one sampled statement of column figures, every
//! call with the caller's own token; maintenance in the history is not a change; a masked
//! column is neither sampled nor measured; a table the caller may not read is refused.

use crate::common;

use common::fake_workspace::state_on_fake;
use dqx_manager::model::table_name::TableName;
use dqx_manager::server::caller::{Caller, IdentitySource};
use dqx_manager::server::error::AppError;
use dqx_manager::server::health::observe::observe_table;
use dqx_manager::server::secret::SecretToken;

fn user(email: &str, token: &str) -> Caller {
    Caller {
        email: email.into(),
        user_name: None,
        display_name: None,
        token: Some(SecretToken::new(token)),
        source: IdentitySource::ForwardedToken,
        request_id: "health-test".into(),
    }
}

fn at(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}

#[tokio::test]
async fn an_observation_reads_as_the_caller_and_skips_masked_columns() {
    let (state, fake, _dir) = state_on_fake(&[]).await;
    let alice = user("alice@example.com", "alice-token");
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:30:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let table = TableName::parse("main.sales.masked_customers").unwrap();
    let observed = observe_table(state.workspace.as_ref(), &alice, &table, now)
        .await
        .unwrap();

    // The history's OPTIMIZE at 09:00 changed no data: the last change is the 07:00 write.
    assert_eq!(observed.last_change, Some(at("2026-12-07T07:00:00Z")));
    assert_eq!(observed.changes.len(), 8, "{:?}", observed.changes);
    assert_eq!(observed.row_count, common::fake_workspace::ROWS as u64);
    assert_eq!(observed.sampled_rows, common::fake_workspace::ROWS as u64);
    // Both columns are described; only the unmasked one is measured.
    assert_eq!(observed.columns.len(), 2);
    let measured: Vec<&str> = observed.stats.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(measured, ["customer_id"]);
    assert_eq!(observed.stats[0].mean, Some(6.5));
    assert!((observed.stats[0].null_rate - 1.0 / 12.0).abs() < 1e-9);

    let statements = fake.statements.lock().unwrap().clone();
    let sample = statements
        .iter()
        .find(|(sql, _)| sql.contains("approx_count_distinct("))
        .unwrap();
    assert!(!sample.0.contains("email"), "{}", sample.0);
    assert!(sample.0.contains("LIMIT 100000"), "{}", sample.0);
    assert!(
        statements
            .iter()
            .any(|(sql, _)| sql == "DESCRIBE HISTORY `main`.`sales`.`masked_customers` LIMIT 30")
    );
    let calls = fake.calls();
    assert!(calls.len() >= 4, "{calls:?}");
    assert!(
        calls.iter().all(|(_, token)| token == "alice-token"),
        "{calls:?}"
    );

    // bob may not read main.hr.employees: the observation is refused, not made another way.
    let bob = user("bob@example.com", "bob-token");
    let hr = TableName::parse("main.hr.employees").unwrap();
    let refused = observe_table(state.workspace.as_ref(), &bob, &hr, now)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AppError::PermissionDenied(_)),
        "{refused:?}"
    );
    assert!(
        fake.calls()
            .iter()
            .skip(calls.len())
            .all(|(_, token)| token == "bob-token")
    );
}

mod jobs {
    //! Health's scopes in a workspace are Databricks jobs made by the service principal; the
    //! tables a job observes are those the owner could read, less any with a row filter or mask;
    //! only the owner changes a scope, also when two users race for it; each viewer reads the
    //! observations from DQX's metrics table as themselves.

    use crate::common;
    use axum::http::StatusCode;
    use common::fake_workspace::{Fake, HEALTH_JOB, state_on_fake};
    use common::http::call;
    use serde_json::{Value, json};

    const ALICE: [(&str, &str); 2] = [
        ("x-forwarded-access-token", "alice-token"),
        ("x-forwarded-email", "alice@example.com"),
    ];
    const BOB: [(&str, &str); 2] = [
        ("x-forwarded-access-token", "bob-token"),
        ("x-forwarded-email", "bob@example.com"),
    ];

    fn health_jobs(fake: &Fake) -> Vec<(i64, Value)> {
        fake.job_defs
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, s)| s["tags"]["dqx-manager"] == "health")
            .map(|(id, s)| (*id, s.clone()))
            .collect()
    }

    fn parameter(settings: &Value, name: &str) -> Value {
        settings["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["default"].clone())
            .unwrap_or(Value::Null)
    }

    /// Observations of customers as the job writes them: `rows` rows each day.
    fn observed_days(fake: &Fake, counts: &[u64]) {
        use dqx_manager::model::health::Observation;
        let start = 1_764_000_000i64;
        let mut kept = fake.metrics_rows.lock().unwrap();
        for (i, count) in counts.iter().enumerate() {
            let at = start + 86_400 * i as i64;
            let observation = Observation {
                observed_at: at + 600,
                last_change: Some(at),
                changes: Vec::new(),
                row_count: *count,
                columns: Vec::new(),
                sampled_rows: *count,
                stats: Vec::new(),
            };
            let time = chrono::DateTime::from_timestamp(at + 600, 0).unwrap();
            for row in dqx_manager::model::health::metrics::rows(
                "main.sales.customers",
                &observation,
                &format!("health-run-{i}"),
                &time.format("%Y-%m-%d %H:%M:%S").to_string(),
            ) {
                let value = serde_json::to_value(&row).unwrap();
                kept.push((value, "sp-token-job".into()));
            }
        }
    }

    #[tokio::test]
    async fn a_scope_is_a_job_of_the_owners_readable_unmasked_tables() {
        let (state, fake, _dir) = state_on_fake(&[
            ("DQ_HEALTH_JOB_ID", &HEALTH_JOB.to_string()),
            ("DQX_METRICS_TABLE", "main.dq.metrics"),
            ("DQX_ACTIONS_TABLE", "main.dq.actions"),
            ("DQX_ACTION_EVENTS_TABLE", "main.dq.action_events"),
            ("DQX_WEBHOOK_ALLOW_LOOPBACK", "true"),
        ])
        .await;
        let app = dqx_manager::server::routes::router(state);
        let scope = json!({"tables": ["main.sales.customers", "main.sales.masked_customers"]});
        let on = call(
            &app,
            "/api/set_health_scope",
            &ALICE,
            json!({"scope": scope, "enabled": true}),
        )
        .await;
        assert_eq!(on.status, StatusCode::OK, "{}", on.text);
        let view: Value = serde_json::from_str(&on.text).unwrap();
        assert!(
            view["not_observed"][0]
                .as_str()
                .unwrap()
                .starts_with("main.sales.masked_customers (masked email"),
            "{view}"
        );
        assert!(
            view["runs_as"]
                .as_str()
                .unwrap()
                .contains("service principal")
        );

        let jobs = health_jobs(&fake);
        assert_eq!(jobs.len(), 1, "{jobs:?}");
        let settings = &jobs[0].1;
        assert_eq!(settings["tags"]["dqx-owner"], "alice@example.com");
        assert_eq!(
            parameter(settings, "tables"),
            json!(r#"["main.sales.customers"]"#)
        );
        assert_eq!(
            parameter(settings, "metrics_table"),
            json!("main.dq.metrics")
        );
        assert_eq!(
            parameter(settings, "actions_location"),
            json!("main.dq.actions")
        );
        assert_eq!(
            parameter(settings, "action_events_location"),
            json!("main.dq.action_events")
        );
        assert_eq!(
            settings["tasks"][0]["task_key"], "observe",
            "the bundle's health notebook"
        );
        for (what, token) in fake.calls() {
            if what.contains("/jobs/") {
                assert!(token.starts_with("sp-token-"), "{what} as {token}");
            } else {
                assert!(
                    token == "alice-token" || what.contains("oidc"),
                    "{what} as {token}"
                );
            }
        }

        // Health alerts here are the job's, with DQX's actions: thresholds on what one
        // observation shows; a condition judged against history is refused in words.
        let alert = |name: &str, condition: &str| {
            json!({"table": "main.sales.customers", "name": name, "condition": condition,
                "destinations": [{"kind": "webhook", "url": "http://127.0.0.1:9/hook"}]})
        };
        let judged = call(
            &app,
            "/api/set_alert",
            &ALICE,
            alert("drift", "health_volume_anomaly"),
        )
        .await;
        assert_eq!(judged.status, StatusCode::BAD_REQUEST, "{}", judged.text);
        assert!(
            judged.text.contains("health_minutes_since_change > 180"),
            "{}",
            judged.text
        );
        let stale = call(
            &app,
            "/api/set_alert",
            &ALICE,
            alert("stale", "health_minutes_since_change > 180"),
        )
        .await;
        assert_eq!(stale.status, StatusCode::OK, "{}", stale.text);

        // bob may neither take the scope over nor turn it off.
        for enabled in [true, false] {
            let taken = call(
                &app,
                "/api/set_health_scope",
                &BOB,
                json!({"scope": scope, "enabled": enabled}),
            )
            .await;
            assert_eq!(taken.status, StatusCode::FORBIDDEN, "{}", taken.text);
            assert!(taken.text.contains("alice@example.com"), "{}", taken.text);
        }
        assert_eq!(health_jobs(&fake), jobs, "bob changed nothing");

        // Racing for a new scope: one owns it, the other is refused, and one job remains.
        let orders = json!({"scope": {"tables": ["main.sales.orders"]}, "enabled": true});
        let (a, b) = tokio::join!(
            call(&app, "/api/set_health_scope", &ALICE, orders.clone()),
            call(&app, "/api/set_health_scope", &BOB, orders)
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::FORBIDDEN],
            "{} {}",
            a.text,
            b.text
        );
        let ordered: Vec<(i64, Value)> = health_jobs(&fake)
            .into_iter()
            .filter(|(_, s)| parameter(s, "tables") == json!(r#"["main.sales.orders"]"#))
            .collect();
        assert_eq!(ordered.len(), 1, "{ordered:?}");

        // Observations are read from DQX's metrics table as each viewer.
        observed_days(&fake, &[1000, 1010, 1020, 1030, 1040, 1050, 1060, 500]);
        let page = call(
            &app,
            "/api/table_health",
            &ALICE,
            json!({"table": "main.sales.customers"}),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let page: Value = serde_json::from_str(&page.text).unwrap();
        assert_eq!(page["health"]["observations"], 8, "{page}");
        assert_eq!(page["points"][7]["row_count"], 500);
        let volume = page["health"]["signals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == "volume")
            .unwrap()
            .clone();
        assert_eq!(volume["state"], "anomaly", "{volume}");
        let reads: Vec<(String, Value)> = fake
            .statements
            .lock()
            .unwrap()
            .iter()
            .filter(|(sql, _)| sql.contains("run_name = :run_name"))
            .cloned()
            .collect();
        assert_eq!(reads.len(), 2, "the history and the long series");
        let grid = call(&app, "/api/health_overview", &ALICE, json!({})).await;
        assert_eq!(grid.status, StatusCode::OK, "{}", grid.text);
        assert!(grid.text.contains("\"worst\":\"anomaly\""), "{}", grid.text);
        // bob may not read the metrics table: refused, not read some other way.
        let refused = call(
            &app,
            "/api/table_health",
            &BOB,
            json!({"table": "main.sales.customers"}),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);

        // alice turns hers off: the job is paused, not deleted (its history stays).
        let off = call(
            &app,
            "/api/set_health_scope",
            &ALICE,
            json!({"scope": scope, "enabled": false}),
        )
        .await;
        assert_eq!(off.status, StatusCode::OK, "{}", off.text);
        let paused = health_jobs(&fake)
            .into_iter()
            .find(|(id, _)| *id == jobs[0].0)
            .unwrap();
        assert_eq!(paused.1["schedule"]["pause_status"], "PAUSED");
    }
}

mod later_tables {
    //! A table that joins a workspace scope after the owner turned it on joins the job on the
    //! owner's next look, probed as them; another viewer's look changes nothing.

    use crate::common;
    use axum::http::StatusCode;
    use common::fake_workspace::{HEALTH_JOB, state_on_fake};
    use common::http::call;
    use serde_json::{Value, json};

    const ALICE: [(&str, &str); 2] = [
        ("x-forwarded-access-token", "alice-token"),
        ("x-forwarded-email", "alice@example.com"),
    ];
    const BOB: [(&str, &str); 2] = [
        ("x-forwarded-access-token", "bob-token"),
        ("x-forwarded-email", "bob@example.com"),
    ];

    fn tables_of(fake: &common::fake_workspace::Fake) -> Value {
        let defs = fake.job_defs.lock().unwrap();
        let (_, settings) = defs
            .iter()
            .find(|(_, s)| s["tags"]["dqx-manager"] == "health")
            .unwrap();
        let tables = settings["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "tables")
            .unwrap()["default"]
            .as_str()
            .unwrap()
            .to_string();
        serde_json::from_str(&tables).unwrap()
    }

    #[tokio::test]
    async fn new_tables_join_on_the_owners_next_look() {
        let (state, fake, _dir) = state_on_fake(&[
            ("DQ_HEALTH_JOB_ID", &HEALTH_JOB.to_string()),
            ("DQX_METRICS_TABLE", "main.dq.metrics"),
        ])
        .await;
        let app = dqx_manager::server::routes::router(state);
        let on = call(
            &app,
            "/api/set_health_scope",
            &ALICE,
            json!({"scope": {"pattern": "main.sales.*"}, "enabled": true}),
        )
        .await;
        assert_eq!(on.status, StatusCode::OK, "{}", on.text);
        assert_eq!(
            tables_of(&fake),
            json!(["main.sales.customers", "main.sales.orders"])
        );
        // As if the job were made before orders existed.
        for settings in fake.job_defs.lock().unwrap().values_mut() {
            if settings["tags"]["dqx-manager"] == "health" {
                for p in settings["parameters"].as_array_mut().unwrap() {
                    if p["name"] == "tables" {
                        p["default"] = json!(r#"["main.sales.customers"]"#);
                    }
                }
            }
        }
        let bobs = call(&app, "/api/list_health_scopes", &BOB, json!({})).await;
        assert_eq!(bobs.status, StatusCode::OK, "{}", bobs.text);
        assert_eq!(
            tables_of(&fake),
            json!(["main.sales.customers"]),
            "bob's look"
        );
        assert!(bobs.text.contains("not in the job"), "{}", bobs.text);
        let alices = call(&app, "/api/list_health_scopes", &ALICE, json!({})).await;
        assert_eq!(alices.status, StatusCode::OK, "{}", alices.text);
        assert_eq!(
            tables_of(&fake),
            json!(["main.sales.customers", "main.sales.orders"])
        );
        assert!(!alices.text.contains("not in the job"), "{}", alices.text);
    }
}
