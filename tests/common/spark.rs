//! The Python with pyspark and DQX 0.17 that the Spark and DQX tests run (`DQX_SPARK_PYTHON`).

/// The venv's python, or `None` (the test is skipped) outside CI; under CI a missing one fails
/// the test, saying it must run `what`.
pub fn spark_python(what: &str) -> Option<String> {
    match std::env::var("DQX_SPARK_PYTHON") {
        Ok(p) if !p.trim().is_empty() => Some(p),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "DQX_SPARK_PYTHON is not set: CI must run {what} (scripts/test.sh sets it)"
            );
            eprintln!(
                "skipping {what}: set DQX_SPARK_PYTHON to a python with pyspark and DQX 0.17 (scripts/setup.sh --spark makes one)"
            );
            None
        }
    }
}

/// Runs `script` with `args` on the test venv's python, asserts it succeeded, and reads the JSON
/// object it printed on its last `{…}` line (Spark and DQX log above it).
pub fn run_json<S: AsRef<std::ffi::OsStr>>(
    python: &str,
    script: impl AsRef<std::path::Path>,
    args: &[S],
) -> serde_json::Value {
    let out = std::process::Command::new(python)
        .arg(script.as_ref())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} failed: {}",
        script.as_ref().display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let line = out
        .stdout
        .split(|b| *b == b'\n')
        .rfind(|l| l.starts_with(b"{"))
        .unwrap_or_default();
    serde_json::from_slice(line).unwrap_or_else(|e| {
        panic!(
            "{}'s answer: {e}: {}",
            script.as_ref().display(),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// `tests/spark/<name>`.
pub fn script(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/spark")
        .join(name)
}

/// Runs `tests/spark/<name>` with `input` as JSON on its stdin, to its end (its stderr kept
/// when `keep_stderr`, else dropped).
fn run_with_input(
    python: &str,
    name: &str,
    input: &serde_json::Value,
    keep_stderr: bool,
) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(python)
        .arg(script(name))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(if keep_stderr {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .spawn()
        .unwrap_or_else(|e| panic!("start {name}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Runs one notebook job on `tests/spark/run_notebook.py` (the job document on its stdin:
/// notebook, params, tables, ...), asserts it succeeded (showing the end of its log otherwise)
/// and reads its answer.
pub fn run_notebook_job(python: &str, job: &serde_json::Value) -> serde_json::Value {
    let out = run_with_input(python, "run_notebook.py", job, true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the notebook runner failed: {}",
        stderr.lines().rev().take(30).collect::<Vec<_>>().join("\n")
    );
    serde_json::from_slice(&out.stdout).expect("the runner's answer")
}

/// Runs `statements` (after `setup`) on a local Spark session through `tests/spark/run_sql.py`:
/// one answer per statement, `{"columns", "rows"}` or `{"error"}`.
pub fn run_sql(python: &str, setup: &[String], statements: &[String]) -> Vec<serde_json::Value> {
    let warehouse = tempfile::tempdir().unwrap();
    let job = serde_json::json!({
        "setup": setup,
        "statements": statements,
        "warehouse_dir": warehouse.path().join("w").display().to_string(),
    });
    let out = run_with_input(python, "run_sql.py", &job, false);
    assert!(out.status.success(), "the Spark runner failed");
    serde_json::from_slice(&out.stdout).expect("the Spark runner's answer")
}

/// Spark as a `TextQuery`: each statement on its own local session (`run_sql`).
pub struct SparkText(pub String);

#[async_trait::async_trait]
impl dqx_manager::engine::text_query::TextQuery for SparkText {
    async fn query(&self, sql: &str) -> Result<dqx_manager::engine::text_query::TextRows, String> {
        let python = self.0.clone();
        let statements = vec![sql.to_string()];
        let answers = tokio::task::spawn_blocking(move || run_sql(&python, &[], &statements))
            .await
            .map_err(|e| e.to_string())?;
        let answer = answers.into_iter().next().ok_or("no answer")?;
        if let Some(error) = answer.get("error").and_then(|e| e.as_str()) {
            return Err(error.to_string());
        }
        let columns = answer["columns"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|n| n.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let rows = answer["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        r.as_array()
                            .map(|cells| {
                                cells
                                    .iter()
                                    .map(|c| c.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(dqx_manager::engine::text_query::TextRows { columns, rows })
    }
}
