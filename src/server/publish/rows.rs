//! A publication as the rows of DQX's checks tables (Lakebase and Delta share them): one row per
//! rule as saved, `for_each_column` rules kept compact with DQX's compact fingerprint, every other
//! rule named as DQX names it, with its `rule_fingerprint`.

use super::Publication;
use crate::model::rules::fingerprint::{compact_rule_fingerprint, rule_fingerprint};
use serde_json::Value;

/// One rule as a checks-table row (without the batch's `run_config_name`, `created_at` and
/// `rule_set_fingerprint`, which every row of a publication shares).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow {
    pub name: Option<String>,
    pub criticality: String,
    /// `{function, arguments, for_each_column?}` as saved.
    pub check: Value,
    pub filter: Option<String>,
    pub user_metadata: Option<Value>,
    pub message_expr: Option<String>,
    pub rule_fingerprint: String,
}

/// The rows for every rule of `publication`, in the saved order.
pub fn check_rows(publication: &Publication) -> Vec<CheckRow> {
    publication
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let compact = crate::model::rules::rule_for_each_column(rule).is_some();
            let expanded = publication.expanded.iter().find(|r| r.index == index);
            let (name, rule_fingerprint) = match (compact, expanded) {
                (false, Some(r)) => (Some(r.name.clone()), rule_fingerprint(r)),
                _ => (
                    rule.get("name").and_then(Value::as_str).map(str::to_string),
                    compact_rule_fingerprint(rule),
                ),
            };
            let text = |key: &str| rule.get(key).and_then(Value::as_str).map(str::to_string);
            CheckRow {
                name,
                criticality: text("criticality").unwrap_or_else(|| "error".into()),
                check: rule.get("check").cloned().unwrap_or(Value::Null),
                filter: text("filter"),
                user_metadata: rule.get("user_metadata").filter(|v| !v.is_null()).cloned(),
                message_expr: text("message_expr"),
                rule_fingerprint,
            }
        })
        .collect()
}
