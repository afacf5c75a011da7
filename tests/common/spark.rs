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
