//! The generation job's result document (ARCHITECTURE §5), built from a profile and the prompt:
//! the profile's rules, then the prompt's (which replace profile rules of the same kind), the
//! DQX-style column profiles behind them, and a summary that says what came from where.

use super::generate::{GeneratorOptions, rules_from_profile};
use super::prompt::{ColumnFacts, apply_prompt, read_prompt};
use crate::model::profile::TableProfile;
use crate::model::runs::{GenerationMetadata, GenerationResult, ProfileEntry};
use crate::model::words::{count, plural};
use serde_json::Value;

/// The generator's name as results report it.
pub const OFFLINE_GENERATOR: &str = "offline: profile + prompt rules (dqx-manager)";

fn source_of(rule: &Value) -> &str {
    rule.pointer("/user_metadata/source")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// DQX's profile entry for a profile rule: its kind, column, reason and parameters.
fn profile_entry(rule: &Value) -> Option<ProfileEntry> {
    let args = crate::model::rules::rule_arguments(rule)?.as_object()?;
    let column = args.get("column")?.as_str()?.to_string();
    let function = Some(crate::model::rules::rule_function(rule)).filter(|f| !f.is_empty())?;
    let name = match function {
        "is_not_null" => "is_not_null",
        "is_not_empty" => "is_not_empty",
        "is_not_null_and_not_empty" => "is_not_null_or_empty",
        "is_in_list" | "is_not_null_and_is_in_list" => "is_in",
        "is_in_range" => "min_max",
        other => other,
    };
    let mut parameters = args.clone();
    parameters.remove("column");
    Some(ProfileEntry {
        column,
        name: name.to_string(),
        description: rule
            .pointer("/user_metadata/reason")
            .and_then(Value::as_str)
            .map(str::to_string),
        parameters: Value::Object(parameters),
    })
}

/// Rules and the result document for `profile` and `prompt`.
pub fn generation_result(
    profile: &TableProfile,
    prompt: &str,
    options: &GeneratorOptions,
) -> GenerationResult {
    let columns = ColumnFacts::from_profile(profile);
    let reading = read_prompt(prompt, &columns);
    let profile_rules = rules_from_profile(profile, options);
    let column_profiles = profile_rules.iter().filter_map(profile_entry).collect();
    let profile_count = profile_rules.len();
    let mut rules = apply_prompt(profile_rules, &reading, &columns);
    super::example_gen::add_examples(&mut rules, profile);
    let from_prompt = rules.iter().filter(|r| source_of(r) == "prompt").count();
    let from_profile = rules.len() - from_prompt;
    let replaced = profile_count - from_profile;
    let sampled = if profile.row_count < profile.total_row_count {
        format!(
            "a sample of {} of its {} rows",
            count(profile.row_count),
            count(profile.total_row_count)
        )
    } else {
        format!("all {} rows", count(profile.row_count))
    };
    let mut summary = format!(
        "Profiled {sampled} of {}: {} from the profile, {from_prompt} from the prompt.",
        profile.table_name,
        plural(from_profile, "rule")
    );
    if replaced > 0 {
        summary.push_str(&format!(
            " The prompt's rules replaced {replaced} of the profile's on the same columns (the prompt is your word)."
        ));
    }
    if reading.warn_only {
        summary.push_str(" Every rule only warns, as the prompt asked.");
    }
    if !reading.notes.is_empty() {
        let parts = reading.notes.len();
        summary.push_str(&format!(
            " {} of the prompt gave no rule (see the notes).",
            plural(parts, "part")
        ));
    }
    let names: Vec<String> = profile.columns.iter().map(|c| c.name.clone()).collect();
    GenerationResult {
        table_name: profile.table_name.clone(),
        user_prompt: prompt.to_string(),
        summary,
        metadata: GenerationMetadata {
            row_count: profile.row_count,
            total_row_count: profile.total_row_count,
            sample_limit: profile.sample_limit,
            column_count: names.len(),
            columns: names,
            rules_generated: rules.len(),
            generator: OFFLINE_GENERATOR.to_string(),
        },
        rules,
        column_profiles,
        column_stats: profile.columns.clone(),
        prompt_notes: reading.notes,
    }
}
