//! Command-line tools over the engine: `validate` (data + rules → the validation result) and
//! `check-rules` (a rule set without data). Exit codes: 0 done, 1 bad input or invalid rules,
//! 3 with `--fail-on-error` when rows have errors.

use crate::engine::evaluate::{EvalOptions, evaluate};
use crate::engine::files::{cli_session, register_file};
use crate::model::results::RuleStatus;
use crate::model::rules::validate::{Severity, Validation, validate_rule_set};
use crate::model::rules::{RulesFormat, parse_rules_text};
use crate::model::table_name::quote_identifier;
use std::path::Path;

/// How `validate` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Json,
    Table,
}

/// What a command ended with: the process exit code.
pub type Exit = u8;

fn load_rules(path: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let format = RulesFormat::from_path(&path.to_string_lossy());
    parse_rules_text(&text, format).map_err(|e| format!("{}: {e}", path.display()))
}

fn report_problems(validation: &Validation) {
    for problem in &validation.problems {
        let level = match problem.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        eprintln!("{level}: {}", problem.located());
    }
}

/// `dqx-manager check-rules --rules FILE [--columns a,b]`.
pub fn check_rules(rules: &Path, columns: Option<&str>) -> Result<Exit, String> {
    let value = load_rules(rules)?;
    let columns: Option<Vec<String>> = columns.map(|c| {
        c.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    });
    let validation = validate_rule_set(&value, columns.as_deref());
    report_problems(&validation);
    if validation.is_valid() {
        println!(
            "{}: {} rules, valid",
            rules.display(),
            validation.rules.len()
        );
        Ok(0)
    } else {
        let errors = validation.errors().count();
        eprintln!(
            "{}: {}; nothing was evaluated",
            rules.display(),
            crate::model::words::plural(errors, "problem")
        );
        Ok(1)
    }
}

/// Arguments of `dqx-manager validate`.
pub struct ValidateArgs<'a> {
    pub data: &'a Path,
    pub rules: &'a Path,
    pub rows: bool,
    pub now: Option<String>,
    pub output: Output,
    pub refs: &'a [String],
    pub fail_on_error: bool,
}

/// `dqx-manager validate --data FILE --rules FILE ...`.
pub async fn validate(args: ValidateArgs<'_>) -> Result<Exit, String> {
    let ctx = cli_session(args.rows);
    register_file(&ctx, "data", args.data).await?;
    for item in args.refs {
        let (name, file) = item
            .split_once('=')
            .ok_or_else(|| format!("--ref {item}: expected NAME=FILE"))?;
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!("--ref {item}: NAME must be letters, digits and _"));
        }
        register_file(&ctx, name, Path::new(file)).await?;
    }
    let columns: Vec<String> = ctx
        .table("data")
        .await
        .map_err(|e| e.to_string())?
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let value = load_rules(args.rules)?;
    let validation = validate_rule_set(&value, Some(&columns));
    report_problems(&validation);
    if !validation.is_valid() {
        eprintln!(
            "{}: invalid rules; nothing was evaluated",
            args.rules.display()
        );
        return Ok(1);
    }
    let options = EvalOptions {
        now: args.now,
        collect_rows: args.rows,
        ..Default::default()
    };
    let display = args.data.display().to_string();
    let evaluation = evaluate(
        &ctx,
        &quote_identifier("data"),
        &display,
        &validation.rules,
        &options,
    )
    .await
    .map_err(|e| e.to_string())?;
    match args.output {
        Output::Json => {
            let mut doc = serde_json::to_value(&evaluation.result).map_err(|e| e.to_string())?;
            if let (Some(rows), Some(obj)) = (&evaluation.rows, doc.as_object_mut()) {
                obj.insert(
                    "rows".into(),
                    serde_json::to_value(rows).map_err(|e| e.to_string())?,
                );
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
            );
        }
        Output::Table => print_table(&evaluation.result),
    }
    if args.fail_on_error && evaluation.result.invalid_rows > 0 {
        return Ok(3);
    }
    Ok(0)
}

fn print_table(result: &crate::model::results::ValidationResult) {
    println!(
        "{}: {} rows, {} valid, {} invalid ({:.2}% pass), {} rules: {} passed, {} failed, {} warnings",
        result.table_name,
        result.total_rows,
        result.valid_rows,
        result.invalid_rows,
        result.pass_rate,
        result.total_rules,
        result.passed,
        result.failed,
        result.warnings
    );
    println!(
        "{:<45} {:<28} {:<6} {:>12}",
        "rule", "function", "status", "violations"
    );
    for r in &result.rule_results {
        let status = match r.status {
            RuleStatus::Pass => "pass",
            RuleStatus::Fail => "FAIL",
            RuleStatus::Warn => "warn",
            RuleStatus::Error => "ERROR",
        };
        println!(
            "{:<45} {:<28} {:<6} {:>12}",
            r.rule_name, r.function, status, r.violation_count
        );
    }
}

/// Registers `data` and profiles it.
async fn profile_file(
    data: &Path,
    sample_limit: Option<u64>,
) -> Result<crate::model::profile::TableProfile, String> {
    let ctx = cli_session(false);
    register_file(&ctx, "data", data).await?;
    crate::engine::profile::profile_table(
        &ctx,
        &quote_identifier("data"),
        &data.display().to_string(),
        sample_limit,
    )
    .await
    .map_err(|e| e.to_string())
}

/// `dqx-manager profile --data FILE [--sample-limit N]`: the profile as JSON.
pub async fn profile(data: &Path, sample_limit: Option<u64>) -> Result<Exit, String> {
    let profile = profile_file(data, sample_limit).await?;
    println!(
        "{}",
        serde_json::to_string_pretty(&profile).map_err(|e| e.to_string())?
    );
    Ok(0)
}

/// `dqx-manager generate --data FILE [--sample-limit N]`: rules proposed from the profile, as
/// DQX JSON (or YAML with `--format yaml`).
pub async fn generate(
    data: &Path,
    sample_limit: Option<u64>,
    format: RulesFormat,
) -> Result<Exit, String> {
    let profile = profile_file(data, sample_limit).await?;
    let rules = crate::engine::generate::rules_from_profile(&profile, &Default::default());
    let text = crate::model::rules::rules_to_text(&serde_json::Value::Array(rules), format)?;
    println!("{text}");
    Ok(0)
}
