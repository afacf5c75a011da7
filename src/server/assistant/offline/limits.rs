//! Limits that cannot be right: an upper limit on a date or time that lies past tomorrow (every
//! wrong future value up to it passes, so "not in the future" says what was meant), and an upper
//! limit on a column that identifies rows (the next new id above it fails).

use super::{Findings, warn_rule};
use crate::model::profile::key_like_name;
use crate::model::rules::diff::rule_key;
use crate::model::rules::validate::looks_like_iso_date_or_time;
use crate::model::rules::{rule_arguments, rule_columns, rule_function};
use crate::server::assistant::AnalysisInput;
use serde_json::{Value, json};

/// What a limit that lets future values through lowers the score by.
const FUTURE_LIMIT_PENALTY: f64 = 1.5;
/// What an upper limit on an identifier lowers the score by.
const ID_LIMIT_PENALTY: f64 = 1.5;

/// The text of `rule`'s literal upper limit, for range and "not greater than" checks.
pub(super) fn upper_limit(rule: &Value) -> Option<String> {
    let key = match rule_function(rule) {
        "is_in_range" => "max_limit",
        "is_not_greater_than" => "limit",
        _ => return None,
    };
    match rule_arguments(rule)?.get(key)? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether `limit`, an ISO date or time, lies after the day after `today` (`YYYY-MM-DD`): a
/// range widened to the next midnight is not flagged.
pub(super) fn past_tomorrow(limit: &str, today: &str) -> bool {
    let tomorrow = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.succ_opt())
        .map(|d| d.format("%Y-%m-%d").to_string());
    looks_like_iso_date_or_time(limit)
        && limit
            .get(..10)
            .zip(tomorrow)
            .is_some_and(|(day, tomorrow)| day > tomorrow.as_str())
}

/// Whether `column` identifies rows, by its profile when there is one, else by its name.
fn identifies_rows(input: &AnalysisInput, column: &str) -> bool {
    match input
        .profile
        .as_ref()
        .and_then(|p| p.columns.iter().find(|c| c.name == column))
    {
        Some(profile) => profile.looks_like_identifier(),
        None => key_like_name(column),
    }
}

/// Flags every upper limit past tomorrow on a date or time, and every upper limit on an id.
pub(super) fn limit_findings(input: &AnalysisInput, today: &str, found: &mut Findings) {
    for rule in &input.rules {
        let Some(limit) = upper_limit(rule) else {
            continue;
        };
        let [column] = rule_columns(rule).try_into().unwrap_or_default();
        if column.is_empty() {
            continue;
        }
        let name = rule_key(rule);
        if past_tomorrow(&limit, today) {
            found.add(
                FUTURE_LIMIT_PENALTY,
                format!(
                    "{name} lets {column} reach {limit}, after today: wrong future values pass it. \
                     Check \u{201c}not in the future\u{201d} instead"
                ),
                Some(warn_rule(
                    format!("{column}_in_future"),
                    "is_not_in_future",
                    json!({"column": column, "offset": 0}),
                )),
            );
        } else if identifies_rows(input, &column) && !looks_like_iso_date_or_time(&limit) {
            found.add(
                ID_LIMIT_PENALTY,
                format!(
                    "{name} caps {column} at {limit}, but {column} identifies rows: the first new \
                     id above {limit} fails. Remove the range or check uniqueness instead"
                ),
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_more_than_a_day_ahead_is_past_tomorrow() {
        assert!(past_tomorrow("2099-10-14", "2026-12-06"));
        assert!(past_tomorrow("2026-12-08T00:00:00", "2026-12-06"));
        assert!(!past_tomorrow("2026-12-07T00:00:00", "2026-12-06"));
        assert!(!past_tomorrow("2026-01-01", "2026-12-06"));
        assert!(!past_tomorrow("current_date()", "2026-12-06"));
        assert!(!past_tomorrow("999", "2026-12-06"));
    }
}
