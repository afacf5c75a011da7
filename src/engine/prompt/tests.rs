//! The prompt reader and applier on the sample tables' columns.

use super::*;
use crate::engine::prompt::read::Intent;
use serde_json::{Value, json};

pub(super) fn facts(spec: &[(&str, &str)]) -> Vec<ColumnFacts> {
    spec.iter()
        .map(|(name, data_type)| ColumnFacts {
            name: name.to_string(),
            data_type: data_type.to_string(),
            email_like: *name == "email",
        })
        .collect()
}

pub(super) fn customers() -> Vec<ColumnFacts> {
    facts(&[
        ("customer_id", "bigint"),
        ("email", "string"),
        ("full_name", "string"),
        ("country", "string"),
        ("signup_date", "date"),
        ("lifetime_value", "double"),
        ("ip_address", "string"),
    ])
}

pub(super) fn orders() -> Vec<ColumnFacts> {
    facts(&[
        ("order_id", "bigint"),
        ("customer_id", "bigint"),
        ("order_ts", "timestamp"),
        ("status", "string"),
        ("amount", "double"),
        ("currency", "string"),
    ])
}

fn intents(prompt: &str, columns: &[ColumnFacts]) -> Vec<Intent> {
    read_prompt(prompt, columns)
        .asked
        .into_iter()
        .map(|a| a.intent)
        .collect()
}

#[test]
fn emails_valid_and_ids_unique_are_two_intents() {
    let got = intents("emails must be valid and customer ids unique", &customers());
    assert_eq!(
        got,
        vec![
            Intent::ValidEmail(vec!["email".into()]),
            Intent::Unique(vec!["customer_id".into()]),
        ]
    );
}

#[test]
fn no_negative_amounts_is_a_lower_bound_on_amount() {
    assert_eq!(
        intents("No negative amounts.", &orders()),
        vec![Intent::NonNegative(vec!["amount".into()])]
    );
    // No amount column in customers: nothing is invented, and the user is told.
    let reading = read_prompt("no negative amounts", &customers());
    assert!(reading.asked.is_empty());
    assert_eq!(reading.notes.len(), 1, "{:?}", reading.notes);
}

#[test]
fn order_ids_unique_does_not_take_customer_id() {
    assert_eq!(
        intents("order ids are unique", &orders()),
        vec![Intent::Unique(vec!["order_id".into()])]
    );
}

#[test]
fn status_list_keeps_its_values_and_commas() {
    assert_eq!(
        intents("status is one of new, shipped, cancelled", &orders()),
        vec![Intent::InList {
            column: "status".into(),
            values: vec!["new".into(), "shipped".into(), "cancelled".into()],
        }]
    );
    assert_eq!(
        intents("Status must be either 'new' or 'paid'.", &orders()),
        vec![Intent::InList {
            column: "status".into(),
            values: vec!["new".into(), "paid".into()],
        }]
    );
}

#[test]
fn dates_not_in_the_future_find_the_date_columns() {
    assert_eq!(
        intents("dates not in the future", &customers()),
        vec![Intent::NotInFuture(vec!["signup_date".into()])]
    );
    // orders has a timestamp but no column named like a date: "dates" means the temporal columns.
    assert_eq!(
        intents("dates must not be in the future", &orders()),
        vec![Intent::NotInFuture(vec!["order_ts".into()])]
    );
}

#[test]
fn warn_only_applies_to_every_rule() {
    let reading = read_prompt("emails valid, warn only", &customers());
    assert!(reading.warn_only);
    let profile_rule = json!({"name": "email_is_null", "criticality": "error",
        "check": {"function": "is_not_null", "arguments": {"column": "email"}},
        "user_metadata": {"source": "profile"}});
    let rules = apply_prompt(vec![profile_rule], &reading, &customers());
    assert_eq!(rules.len(), 2);
    assert!(rules.iter().all(|r| r["criticality"] == "warn"));
}

#[test]
fn a_clause_without_columns_takes_the_previous_subject() {
    assert_eq!(
        intents("customer ids must be unique and not null", &customers()),
        vec![
            Intent::Unique(vec!["customer_id".into()]),
            Intent::NotNull(vec!["customer_id".into()]),
        ]
    );
}

#[test]
fn between_is_a_range_and_not_two_clauses() {
    assert_eq!(
        intents("lifetime value between 0 and 50,000", &customers()),
        vec![Intent::Range {
            column: "lifetime_value".into(),
            min: "0".into(),
            max: "50000".into(),
        }]
    );
}

#[test]
fn what_is_not_understood_is_reported() {
    let reading = read_prompt("make it nice. emails must be valid", &customers());
    assert_eq!(reading.asked.len(), 1);
    assert_eq!(reading.notes.len(), 1);
    assert!(
        reading.notes[0].contains("make it nice"),
        "{:?}",
        reading.notes
    );
}

#[test]
fn prompt_rules_replace_profile_rules_and_say_where_they_came_from() {
    let columns = orders();
    let reading = read_prompt("status is one of new, shipped, cancelled", &columns);
    let profile_rule = json!({"name": "status_other_value", "criticality": "error",
        "check": {"function": "is_in_list", "arguments": {"column": "status", "allowed": ["'new'", "'x'"]}},
        "user_metadata": {"source": "profile"}});
    let rules = apply_prompt(vec![profile_rule], &reading, &columns);
    assert_eq!(rules.len(), 1);
    let rule = &rules[0];
    assert_eq!(rule["check"]["function"], "is_in_list");
    assert_eq!(
        rule["check"]["arguments"]["allowed"],
        json!(["'new'", "'shipped'", "'cancelled'"])
    );
    assert_eq!(rule["user_metadata"]["source"], "prompt");
    let validation = crate::model::rules::validate::validate_rule_set(
        &Value::Array(rules),
        Some(&columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>()),
    );
    assert!(validation.is_valid(), "{:?}", validation.problems);
}

#[test]
fn generated_names_stay_unique() {
    let columns = customers();
    let reading = read_prompt("customer ids unique. customer_id must be unique", &columns);
    let rules = apply_prompt(Vec::new(), &reading, &columns);
    // The same rule asked twice is added once.
    assert_eq!(rules.len(), 1);
}
