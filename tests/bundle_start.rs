//! The bundle starts as Databricks Apps starts it: a fresh copy of `resources/build/app`, its
//! `app.yaml` command run there with only the variables the platform injects (and `app.yaml`'s
//! `env`, `valueFrom` entries filled as the platform fills them), against the fake workspace —
//! and it answers `/healthz` on `$DATABRICKS_APP_PORT`.
//!
//! Runs when `DQX_BUNDLE_DIR` names a built bundle (scripts/test.sh builds one with
//! `make bundle` and sets it); `DQX_REQUIRE_BUNDLE=1` makes its absence a failure.

// Test code: an unwrap that fails is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_yaml_command_answers_healthz_on_the_platforms_port() {
    let Ok(bundle) = std::env::var("DQX_BUNDLE_DIR") else {
        assert!(
            std::env::var("DQX_REQUIRE_BUNDLE").is_err(),
            "DQX_BUNDLE_DIR is not set but the bundle check is required"
        );
        eprintln!("skipping: no DQX_BUNDLE_DIR (make bundle, then set it to resources/build/app)");
        return;
    };
    let (fake_url, _fake) = common::fake_workspace::start().await;
    let copy = tempfile::tempdir().unwrap();
    copy_dir(std::path::Path::new(&bundle), copy.path());

    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(copy.path().join("app.yaml")).unwrap())
            .unwrap();
    let argv: Vec<String> = yaml["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // What the platform injects, then app.yaml's env (valueFrom: the bound resources' values).
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
        ("HOME".into(), copy.path().display().to_string()),
        ("TMPDIR".into(), copy.path().display().to_string()),
        ("DATABRICKS_APP_PORT".into(), port.to_string()),
        ("DATABRICKS_HOST".into(), fake_url.clone()),
        ("DATABRICKS_CLIENT_ID".into(), "client-id".into()),
        ("DATABRICKS_CLIENT_SECRET".into(), "client-secret".into()),
    ];
    for item in yaml["env"].as_sequence().unwrap() {
        let name = item["name"].as_str().unwrap().to_string();
        let value = match (item["value"].as_str(), item["valueFrom"].as_str()) {
            (Some(v), _) => v.to_string(),
            (None, Some("sql-warehouse")) => "wh-1".into(),
            (None, Some("generation-job")) => "11".into(),
            (None, Some("validation-job")) => "22".into(),
            (None, Some("monitor-job")) => "33".into(),
            (None, Some("health-job")) => "44".into(),
            (None, Some("rules-db")) => "127.0.0.1".into(),
            (None, other) => panic!("app.yaml names an unknown resource {other:?}"),
        };
        env.push((name, value));
    }
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(copy.path())
        .env_clear()
        .envs(env)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the app as app.yaml says");
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut answer = None;
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the app exited before answering: {status}");
        }
        if let Ok(reply) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            answer = Some((reply.status(), reply.text().await.unwrap_or_default()));
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let (status, body) = answer.expect("no answer on $DATABRICKS_APP_PORT within 60 s");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\""), "{body}");
    println!(
        "the bundle answered /healthz after {:.1} s: {body}",
        started.elapsed().as_secs_f64()
    );
}
