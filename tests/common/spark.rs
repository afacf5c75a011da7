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

/// Runs one notebook job on `tests/spark/run_notebook.py` (the job document on its stdin:
/// notebook, params, tables, ...), asserts it succeeded (showing the end of its log otherwise)
/// and reads its answer.
pub fn run_notebook_job(python: &str, job: &serde_json::Value) -> serde_json::Value {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(python)
        .arg(script("run_notebook.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the notebook runner");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(job.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the notebook runner failed: {}",
        stderr.lines().rev().take(30).collect::<Vec<_>>().join("\n")
    );
    serde_json::from_slice(&out.stdout).expect("the runner's answer")
}
