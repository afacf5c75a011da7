//! AI-assisted generation (local mode with a model configured): the model proposes DQX rules
//! from the schema, profile and prompt; every returned rule goes through the validator, invalid
//! ones are dropped with the reason; any model failure leaves the offline generator's rules.

use super::reply::json_in;
use super::{AnalysisInput, Assistant, prompt};
use crate::model::rules::validate::validate_rule_set;
use crate::model::runs::GenerationResult;
use crate::server::caller::Caller;
use serde_json::{Value, json};

/// Replaces `offline`'s rules by the model's valid ones; on failure keeps them and says why.
pub async fn with_model(
    assistant: &dyn Assistant,
    caller: &Caller,
    input: &AnalysisInput,
    mut offline: GenerationResult,
) -> GenerationResult {
    let Some(answer) = assistant
        .complete(caller, &prompt::generation_prompt(input))
        .await
    else {
        return offline;
    };
    let columns: Vec<String> = input.columns.iter().map(|(n, _)| n.clone()).collect();
    let fallback = |mut result: GenerationResult, why: String| {
        result.summary = format!(
            "{} The model was not used ({why}); these are the offline generator's rules.",
            result.summary
        );
        result
            .prompt_notes
            .push(format!("model generation failed: {why}"));
        result
    };
    let reply = match answer {
        Ok(reply) => reply,
        Err(e) => return fallback(offline, e.user_message()),
    };
    let Some(Value::Array(proposed)) = json_in(&reply) else {
        return fallback(offline, "its reply was not a JSON list of rules".into());
    };
    let mut kept = Vec::new();
    for (i, mut rule) in proposed.into_iter().enumerate() {
        let check = validate_rule_set(&Value::Array(vec![rule.clone()]), Some(&columns));
        match check.errors().next() {
            Some(problem) => offline.prompt_notes.push(format!(
                "model rule {} dropped: {}",
                i + 1,
                problem.located()
            )),
            None => {
                if let Some(obj) = rule.as_object_mut() {
                    let meta = obj.entry("user_metadata").or_insert_with(|| json!({}));
                    if let Some(m) = meta.as_object_mut() {
                        m.insert("source".into(), json!("model"));
                    }
                }
                kept.push(rule);
            }
        }
    }
    if kept.is_empty() {
        return fallback(offline, "none of its rules were valid".into());
    }
    offline.summary = format!(
        "{} rules proposed by {} from the schema, the profile of {} rows and the prompt.",
        kept.len(),
        assistant.label(),
        offline.metadata.row_count
    );
    offline.metadata.rules_generated = kept.len();
    offline.metadata.generator = assistant.label();
    offline.rules = kept;
    offline
}
