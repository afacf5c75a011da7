//! Per-rule counts an alert's condition may read, beside DQX's summary metrics:
//! `<rule>_error_count` and `<rule>_warning_count`, the rows the rule named so failed with an
//! error or a warning. DQX's condition sees only observed metrics, so the scheduled job observes
//! these with `DQMetricsObserver`'s custom metrics (the expression [`custom_metric`] writes, which
//! counts as DQX's own `check_metrics` does); the app takes them from the run's `check_metrics`.

use crate::model::metrics::CheckMetric;
use std::collections::BTreeMap;

pub const ERROR_SUFFIX: &str = "_error_count";
pub const WARNING_SUFFIX: &str = "_warning_count";

/// Which rule a per-rule metric name counts, and whether errors (`true`) or warnings; `None`
/// for any other name. The rule's name must be an identifier (letters, digits, `_`).
pub fn parse(metric: &str) -> Option<(&str, bool)> {
    let (rule, errors) = metric
        .strip_suffix(ERROR_SUFFIX)
        .map(|r| (r, true))
        .or_else(|| metric.strip_suffix(WARNING_SUFFIX).map(|r| (r, false)))?;
    is_identifier(rule).then_some((rule, errors))
}

/// Whether a rule name can be read by a condition (Python's identifier rules, ASCII).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The per-rule counts of a run, from its `check_metrics` (rules whose names are identifiers;
/// the first check of a name when several share it).
pub fn counts(checks: &[CheckMetric]) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for check in checks.iter().filter(|c| is_identifier(&c.check_name)) {
        out.entry(format!("{}{ERROR_SUFFIX}", check.check_name))
            .or_insert(check.error_count);
        out.entry(format!("{}{WARNING_SUFFIX}", check.check_name))
            .or_insert(check.warning_count);
    }
    out
}

/// The DQX custom metric (a Spark SQL aggregate) that observes `metric`, as DQX counts a check's
/// rows in `check_metrics`; `None` when it is not a per-rule name.
pub fn custom_metric(metric: &str) -> Option<String> {
    let (rule, errors) = parse(metric)?;
    let column = if errors { "_errors" } else { "_warnings" };
    Some(format!(
        "count(case when exists({column}, x -> x.name = '{rule}') then 1 end) as {metric}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_to_their_rule() {
        assert_eq!(
            parse("email_present_error_count"),
            Some(("email_present", true))
        );
        assert_eq!(parse("id_ok_warning_count"), Some(("id_ok", false)));
        assert_eq!(parse("error_row_count"), None);
        assert_eq!(parse("_error_count"), None);
        assert_eq!(parse("1x_error_count"), None);
        assert_eq!(parse("a-b_error_count"), None);
    }

    #[test]
    fn counts_come_from_check_metrics_and_the_metric_is_dqxs_count() {
        let check = |name: &str, e, w| CheckMetric {
            check_name: name.into(),
            rule_fingerprint: None,
            error_count: e,
            warning_count: w,
            checked_count: None,
        };
        let got = counts(&[
            check("amount_ok", 3, 0),
            check("has space", 1, 1),
            check("amount_ok", 9, 9),
        ]);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got["amount_ok_error_count"], 3);
        assert_eq!(got["amount_ok_warning_count"], 0);
        assert_eq!(
            custom_metric("amount_ok_error_count").unwrap(),
            "count(case when exists(_errors, x -> x.name = 'amount_ok') then 1 end) as amount_ok_error_count"
        );
        assert_eq!(custom_metric("error_row_count"), None);
    }
}
