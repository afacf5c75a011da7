//! The local runner's state machine, queue, cancellation and ownership, on a small sample
//! workspace. Permits are taken by the test to hold jobs in the queue deterministically.

use super::*;
use crate::model::runs::RunState;
use crate::model::table_name::TableName;
use crate::server::caller::test_caller as caller;
use crate::server::workspace::local::LocalWorkspace;
use crate::server::workspace::local::directory::LocalDirectory;
use crate::server::workspace::local::sample_data::write_sample_workspace;
use serde_json::json;
use std::time::Duration;

async fn runner(max: usize) -> (tempfile::TempDir, LocalJobRunner) {
    let dir = tempfile::tempdir().unwrap();
    write_sample_workspace(dir.path(), Some(300)).unwrap();
    let workspace = LocalWorkspace::open(dir.path(), Arc::new(LocalDirectory::default_directory()))
        .await
        .unwrap();
    (dir, LocalJobRunner::new(Arc::new(workspace), max, None))
}

fn validation(table: &str) -> JobRequest {
    JobRequest::Validation {
        table: TableName::parse(table).unwrap(),
        rules: vec![json!({"criticality": "error",
            "check": {"function": "is_not_null", "arguments": {"column": "email"}}})],
        rule_set_version: None,
        engine: Default::default(),
    }
}

async fn wait_terminal(runner: &LocalJobRunner, who: &Caller, id: &str) -> RunStatus {
    for _ in 0..400 {
        let status = runner.status(who, id).await.unwrap();
        if status.summary.state.is_terminal() {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("run {id} did not end");
}

#[tokio::test]
async fn a_queued_run_waits_for_a_permit_then_completes() {
    let (_dir, runner) = runner(1).await;
    let alice = caller("alice@example.com");
    let held = runner.permits.clone().acquire_owned().await.unwrap();
    let run = runner
        .start(&alice, validation("main.sales.customers"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let status = runner.status(&alice, &run.run_id).await.unwrap();
    assert_eq!(status.summary.state, RunState::Pending);
    assert_eq!(status.phase, "queued");
    drop(held);
    let done = wait_terminal(&runner, &alice, &run.run_id).await;
    assert_eq!(
        done.summary.state,
        RunState::Completed,
        "{:?}",
        done.summary.message
    );
    let result = done.validation.expect("validation result");
    assert_eq!(result.total_rows, 300);
    // NULL emails are planted at a fixed rate; the run found them.
    assert!(result.rule_results[0].violation_count > 0);
}

#[tokio::test]
async fn the_bound_holds_one_job_while_another_runs() {
    let (_dir, runner) = runner(2).await;
    let alice = caller("alice@example.com");
    // One permit of two is taken: of three jobs, one may run at a time; never two.
    let held = runner.permits.clone().acquire_owned().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            runner
                .start(&alice, validation("finance.ledger.transactions"))
                .await
                .unwrap()
                .run_id,
        );
    }
    let mut most_running = 0;
    loop {
        let mut running = 0;
        let mut ended = 0;
        for id in &ids {
            let state = runner.status(&alice, id).await.unwrap().summary.state;
            running += usize::from(state == RunState::Running);
            ended += usize::from(state.is_terminal());
        }
        most_running = most_running.max(running);
        if ended == ids.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // A fast job can end between two polls, so none may be seen running; two never may.
    assert!(
        most_running <= 1,
        "{most_running} jobs ran at once with one permit free"
    );
    for id in &ids {
        assert_eq!(
            runner.status(&alice, id).await.unwrap().summary.state,
            RunState::Completed
        );
    }
    assert_eq!(runner.permits.available_permits(), 1);
    drop(held);
}

#[tokio::test]
async fn cancel_ends_a_queued_run_and_it_never_runs() {
    let (_dir, runner) = runner(1).await;
    let alice = caller("alice@example.com");
    let held = runner.permits.clone().acquire_owned().await.unwrap();
    let run = runner
        .start(&alice, validation("main.sales.customers"))
        .await
        .unwrap();
    let canceled = runner.cancel(&alice, &run.run_id).await.unwrap();
    assert_eq!(canceled.summary.state, RunState::Canceled);
    assert_eq!(
        canceled.summary.message.as_deref(),
        Some("canceled by alice@example.com")
    );
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let later = runner.status(&alice, &run.run_id).await.unwrap();
    assert_eq!(later.summary.state, RunState::Canceled);
    assert!(later.validation.is_none());
    // Canceling an ended run changes nothing.
    let again = runner.cancel(&alice, &run.run_id).await.unwrap();
    assert_eq!(again.summary.message, later.summary.message);
}

#[tokio::test]
async fn runs_are_visible_only_to_their_owner() {
    let (_dir, runner) = runner(1).await;
    let alice = caller("alice@example.com");
    let bob = caller("bob@example.com");
    let run = runner
        .start(&alice, validation("main.sales.customers"))
        .await
        .unwrap();
    let err = runner.status(&bob, &run.run_id).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    let err = runner.cancel(&bob, &run.run_id).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    assert!(runner.list(&bob).await.unwrap().is_empty());
    assert_eq!(runner.list(&alice).await.unwrap().len(), 1);
    // Bob's cancel attempt did not touch it.
    let done = wait_terminal(&runner, &alice, &run.run_id).await;
    assert_eq!(done.summary.state, RunState::Completed);
}

#[tokio::test]
async fn a_table_the_caller_cannot_read_is_refused_before_anything_runs() {
    let (_dir, runner) = runner(1).await;
    let bob = caller("bob@example.com");
    let err = runner
        .start(&bob, validation("finance.ledger.transactions"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::PermissionDenied(_)), "{err:?}");
    assert!(runner.list(&bob).await.unwrap().is_empty());
}

#[tokio::test]
async fn generation_reads_the_prompt_and_reports_its_generator() {
    let (_dir, runner) = runner(1).await;
    let alice = caller("alice@example.com");
    let run = runner
        .start(
            &alice,
            JobRequest::Generation {
                table: TableName::parse("main.sales.customers").unwrap(),
                prompt: "customer ids unique".into(),
                sample_limit: 100,
                engine: Default::default(),
            },
        )
        .await
        .unwrap();
    let done = wait_terminal(&runner, &alice, &run.run_id).await;
    let result = done.generation.expect("generation result");
    assert_eq!(result.metadata.row_count, 100);
    assert_eq!(result.metadata.total_row_count, 300);
    assert!(result.metadata.generator.contains("offline"));
    assert!(
        result
            .rules
            .iter()
            .any(|r| r["check"]["function"] == "is_unique"
                && r["user_metadata"]["source"] == "prompt")
    );
}
