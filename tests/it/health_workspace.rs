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
