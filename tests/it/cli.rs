//! The command line: `validate` finds exactly the defects docs/sample-data.md documents, and
//! `check-rules` refuses bad rules with every problem and exit code 1.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dqx-manager"))
}

const RULES: &str = r#"
- name: email_valid
  check:
    function: regex_match
    arguments: {column: email, regex: '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}$'}
- check: {function: is_not_null, arguments: {column: email}}
- check: {function: is_unique, arguments: {columns: [customer_id]}}
- criticality: warn
  check: {function: is_not_less_than, arguments: {column: lifetime_value, limit: 0}}
- check: {function: is_valid_ipv4_address, arguments: {column: ip_address}}
- check: {function: is_not_in_future, arguments: {column: signup_date}}
"#;

#[test]
fn validate_counts_the_documented_defects() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["sample-data", "--out"])
        .arg(dir.path().join("ws"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rules = dir.path().join("rules.yaml");
    std::fs::write(&rules, RULES).unwrap();
    let out = bin()
        .args(["validate", "--data"])
        .arg(dir.path().join("ws/main/sales/customers.parquet"))
        .arg("--rules")
        .arg(&rules)
        .args(["--now", "2026-11-29T00:00:00", "--rows"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let counts: Vec<(String, u64)> = doc["rule_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule_name"].as_str().unwrap().to_string(),
                r["violation_count"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("email_valid", 20),
        ("email_is_null", 20),
        ("customer_id_is_not_unique", 20),
        ("lifetime_value_less_than_limit", 25),
        ("ip_address_does_not_match_pattern_ipv4_address", 16),
        ("signup_date_in_future", 8),
    ]
    .map(|(n, c)| (n.to_string(), c));
    assert_eq!(counts, expected);
    assert_eq!(doc["total_rows"], 1000);
    // Rows are reported in input order; row 3 has a planted NULL email.
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows[3]["row"], 3);
    assert_eq!(
        rows[3]["_errors"][0]["message"],
        "Column 'email' value is null"
    );
    // The warn-only rows are valid: invalid rows are those with errors.
    let with_errors = rows.iter().filter(|r| !r["_errors"].is_null()).count() as u64;
    assert_eq!(doc["invalid_rows"].as_u64().unwrap(), with_errors);

    let fail = bin()
        .args(["validate", "--fail-on-error", "--output", "table", "--data"])
        .arg(dir.path().join("ws/main/sales/customers.parquet"))
        .arg("--rules")
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(fail.status.code(), Some(3));
}

#[test]
fn check_rules_lists_every_problem_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"[{"check": {"function": "is_in_lst", "arguments": {"column": "c", "allowed": ["'US'"]}}},
            {"criticality": "fatal", "check": {"function": "is_not_null", "arguments": {"column": "x"}}}]"#,
    )
    .unwrap();
    let out = bin()
        .args(["check-rules", "--rules"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rule 1, check.function: function 'is_in_lst' is not defined (did you mean 'is_in_list'?)"), "{stderr}");
    assert!(stderr.contains("rule 2, criticality"), "{stderr}");

    let good = dir.path().join("good.yaml");
    std::fs::write(&good, RULES).unwrap();
    let out = bin()
        .args(["check-rules", "--rules"])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
