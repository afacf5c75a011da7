//! The local workspace honours grants as Unity Catalog would: listings per user, refusals with
//! clear messages, and SQL that cannot reach a table the caller may not read.

use crate::common;

use dqx_manager::model::table_name::TableName;
use dqx_manager::server::error::AppError;
use dqx_manager::server::workspace::Workspace;
use dqx_manager::server::workspace::local::LocalWorkspace;
use dqx_manager::server::workspace::local::directory::LocalDirectory;
use std::sync::Arc;

async fn workspace() -> LocalWorkspace {
    LocalWorkspace::open(
        common::sample_workspace(),
        Arc::new(LocalDirectory::default_directory()),
    )
    .await
    .unwrap()
}

fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| name(i).to_string()).collect()
}

#[tokio::test]
async fn alice_sees_everything() {
    let ws = workspace().await;
    let alice = common::caller("alice@example.com");
    let catalogs = ws.list_catalogs(&alice).await.unwrap();
    assert_eq!(names(&catalogs, |c| &c.name), ["finance", "main"]);
    let schemas = ws.list_schemas(&alice, "main").await.unwrap();
    assert_eq!(names(&schemas, |s| &s.name), ["hr", "sales"]);
    let tables = ws.list_tables(&alice, "main", "sales").await.unwrap();
    assert_eq!(names(&tables, |t| &t.name), ["customers", "orders"]);
    assert_eq!(tables[0].full_name, "main.sales.customers");
    assert_eq!(tables[0].table_type, "PARQUET");
}

#[tokio::test]
async fn bob_sees_only_main_sales() {
    let ws = workspace().await;
    let bob = common::caller("bob@example.com");
    let catalogs = ws.list_catalogs(&bob).await.unwrap();
    assert_eq!(names(&catalogs, |c| &c.name), ["main"]);
    let schemas = ws.list_schemas(&bob, "main").await.unwrap();
    assert_eq!(names(&schemas, |s| &s.name), ["sales"]);

    let err = ws.list_schemas(&bob, "finance").await.unwrap_err();
    assert!(matches!(err, AppError::PermissionDenied(_)), "{err:?}");
    assert!(err.to_string().contains("USE CATALOG on finance"));

    let err = ws.list_tables(&bob, "main", "hr").await.unwrap_err();
    assert!(err.to_string().contains("USE SCHEMA on main.hr"), "{err}");

    let hr = TableName::parse("main.hr.employees").unwrap();
    assert!(matches!(
        ws.sample_table(&bob, &hr, 5).await,
        Err(AppError::PermissionDenied(_))
    ));
    assert!(matches!(
        ws.probe_read(&bob, &hr).await,
        Err(AppError::PermissionDenied(_))
    ));

    let customers = TableName::parse("main.sales.customers").unwrap();
    ws.probe_read(&bob, &customers).await.unwrap();
    let sample = ws.sample_table(&bob, &customers, 5).await.unwrap();
    assert_eq!(sample.rows.len(), 5);
}

#[tokio::test]
async fn unknown_things_are_not_found() {
    let ws = workspace().await;
    let alice = common::caller("alice@example.com");
    assert!(matches!(
        ws.list_schemas(&alice, "nope").await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        ws.list_tables(&alice, "main", "nope").await,
        Err(AppError::NotFound(_))
    ));
    let missing = TableName::parse("main.sales.nope").unwrap();
    let err = ws.describe_table(&alice, &missing).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)));
    assert!(err.to_string().contains("main.sales.nope"));
}

#[tokio::test]
async fn describe_reports_columns_types_and_row_count() {
    let ws = workspace().await;
    let alice = common::caller("alice@example.com");
    let d = ws
        .describe_table(&alice, &TableName::parse("main.sales.orders").unwrap())
        .await
        .unwrap();
    assert_eq!(d.row_count, Some(10_000));
    let cols: Vec<(String, String)> = d
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.data_type.clone()))
        .collect();
    assert_eq!(
        cols,
        [
            ("order_id", "bigint"),
            ("customer_id", "bigint"),
            ("order_ts", "timestamp"),
            ("status", "string"),
            ("amount", "double"),
            ("currency", "string"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
}

#[tokio::test]
async fn samples_keep_nulls_and_respect_the_limit() {
    let ws = workspace().await;
    let alice = common::caller("alice@example.com");
    let sample = ws
        .sample_table(
            &alice,
            &TableName::parse("main.sales.customers").unwrap(),
            60,
        )
        .await
        .unwrap();
    assert_eq!(sample.rows.len(), 60);
    let email = sample
        .columns
        .iter()
        .position(|c| c.name == "email")
        .unwrap();
    let nulls = sample.rows.iter().filter(|r| r[email].is_none()).count();
    // Rows 3 and 53 have a planted NULL email.
    assert_eq!(nulls, 2);
}

#[tokio::test]
async fn sql_cannot_reach_a_table_the_caller_may_not_read() {
    let ws = workspace().await;
    let bob = common::caller("bob@example.com");
    let err = ws
        .query(&bob, "SELECT count(*) FROM main.sales.customers WHERE customer_id IN (SELECT employee_id FROM main.hr.employees)")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Internal { .. }),
        "planning must fail: {err:?}"
    );
    assert!(err.to_string().contains("employees"), "{err}");
    // The same query works for alice.
    ws.query(
        &common::caller("alice@example.com"),
        "SELECT count(*) FROM main.sales.customers WHERE customer_id IN (SELECT employee_id FROM main.hr.employees)",
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn only_queries_are_allowed() {
    let ws = workspace().await;
    let alice = common::caller("alice@example.com");
    for sql in [
        "DROP TABLE main.sales.customers",
        "CREATE TABLE x AS SELECT 1",
        "INSERT INTO main.sales.customers SELECT * FROM main.sales.customers",
        "SET datafusion.execution.batch_size = 1",
    ] {
        assert!(
            ws.query(&alice, sql).await.is_err(),
            "{sql} must be refused"
        );
    }
}

#[tokio::test]
async fn a_caller_not_in_the_directory_is_refused() {
    let ws = workspace().await;
    let stranger = common::caller("mallory@example.com");
    assert!(matches!(
        ws.list_catalogs(&stranger).await,
        Err(AppError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn csv_tables_are_read_too_and_bad_names_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("lab").join("raw");
    std::fs::create_dir_all(&schema).unwrap();
    std::fs::write(schema.join("events.csv"), "id,kind\n1,a\n2,\n3,c\n").unwrap();
    std::fs::write(schema.join("bad name.csv"), "id\n1\n").unwrap();
    std::fs::write(schema.join("notes.txt"), "ignored").unwrap();
    let ws = LocalWorkspace::open(dir.path(), Arc::new(LocalDirectory::default_directory()))
        .await
        .unwrap();
    let alice = common::caller("alice@example.com");
    let tables = ws.list_tables(&alice, "lab", "raw").await.unwrap();
    assert_eq!(names(&tables, |t| &t.name), ["events"]);
    assert_eq!(tables[0].table_type, "CSV");
    let sample = ws
        .sample_table(&alice, &TableName::parse("lab.raw.events").unwrap(), 10)
        .await
        .unwrap();
    assert_eq!(sample.rows.len(), 3);
}

/// Previews and descriptions are kept between requests, but never past a change of the file,
/// and never for someone the grants refuse: the kept answer of alice's preview is not bob's.
#[tokio::test]
async fn kept_answers_follow_the_file_and_the_grants() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("lab").join("raw");
    std::fs::create_dir_all(&schema).unwrap();
    let file = schema.join("events.csv");
    std::fs::write(&file, "id,kind\n1,a\n2,b\n").unwrap();
    let ws = LocalWorkspace::open(dir.path(), Arc::new(LocalDirectory::default_directory()))
        .await
        .unwrap();
    let alice = common::caller("alice@example.com");
    let table = TableName::parse("lab.raw.events").unwrap();
    let first = ws.sample_table(&alice, &table, 10).await.unwrap();
    assert_eq!(first.rows.len(), 2);
    assert_eq!(
        ws.sample_table(&alice, &table, 10).await.unwrap().rows,
        first.rows
    );
    assert_eq!(
        ws.describe_table(&alice, &table).await.unwrap().row_count,
        Some(2)
    );
    // The file changes (one more row, so its size does): the next preview reads it again.
    std::fs::write(&file, "id,kind\n1,a\n2,b\n3,c\n").unwrap();
    let after = ws.sample_table(&alice, &table, 10).await.unwrap();
    assert_eq!(after.rows.len(), 3, "{:?}", after.rows);
    assert_eq!(
        ws.describe_table(&alice, &table).await.unwrap().row_count,
        Some(3)
    );
    // bob has no grant on lab: the kept answer does not reach him.
    let bob = common::caller("bob@example.com");
    assert!(ws.sample_table(&bob, &table, 10).await.is_err());
}

/// The sample workspace is written in row groups of 8,192 rows: a preview of the 100,000-row
/// table reads and decodes the first group only.
#[test]
fn the_sample_tables_are_written_in_small_row_groups() {
    use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
    let path = common::sample_workspace().join("finance/ledger/transactions.parquet");
    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let meta = reader.metadata();
    assert_eq!(meta.file_metadata().num_rows(), 100_000);
    assert_eq!(meta.num_row_groups(), 13);
    assert!((0..meta.num_row_groups()).all(|i| meta.row_group(i).num_rows() <= 8_192));
}

#[tokio::test]
async fn tags_are_seen_only_on_tables_the_caller_may_read_and_scope_tables() {
    use dqx_manager::model::registry::{Scope, TagOn, TagScope};
    let ws = workspace().await;
    let alice = common::caller("alice@example.com");
    let bob = common::caller("bob@example.com");
    let emails = |hits: &[dqx_manager::model::registry::TagHit]| {
        hits.iter()
            .map(|h| format!("{}.{}", h.table, h.column.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    let seen = ws
        .tags(&alice, "class", Some("email"), TagOn::Column, 100)
        .await
        .unwrap();
    assert_eq!(
        emails(&seen),
        ["main.hr.employees.email", "main.sales.customers.email"]
    );
    let bobs = ws
        .tags(&bob, "CLASS", Some("email"), TagOn::Column, 100)
        .await
        .unwrap();
    assert_eq!(
        emails(&bobs),
        ["main.sales.customers.email"],
        "bob may not read hr"
    );
    let money = ws
        .tags(&alice, "class", None, TagOn::Column, 100)
        .await
        .unwrap();
    assert_eq!(money.len(), 4, "{money:?}");
    assert!(
        ws.tags(&alice, "class", None, TagOn::Table, 100)
            .await
            .unwrap()
            .is_empty(),
        "the sample's tags are on columns"
    );
    let scope = Scope {
        tag: Some(TagScope {
            key: "class".into(),
            value: "money".into(),
            on: TagOn::Column,
        }),
        ..Default::default()
    };
    let covered: Vec<String> = scope.covered(&[], &money).into_iter().collect();
    assert_eq!(
        covered,
        ["finance.ledger.transactions", "main.sales.orders"]
    );
}
