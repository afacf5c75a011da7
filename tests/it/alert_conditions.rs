//! Alerts in DQX's own terms: the same conditions over the same metrics give what DQX 0.17's own
//! `ConditionEvaluator` gives (true, false, or a configuration error), and the `action_json` the
//! app stores is what DQX's `ActionSerializer` loads and writes back unchanged.

use crate::common;

use dqx_manager::model::condition::{Condition, Value};
use serde_json::json;
use std::collections::BTreeMap;

const CONDITIONS: &[&str] = &[
    "error_row_count > 0",
    "error_row_count = 0",
    "warning_row_count <> 0",
    "valid_row_count / input_row_count < 0.99",
    "valid_row_count / input_row_count < 0.9",
    "error_row_count > 0 or warning_row_count > 0",
    "error_row_count > 0 and warning_row_count > 100",
    "not error_row_count",
    "0 < error_row_count <= 20 < warning_row_count",
    "error_row_count * 100 / input_row_count >= 2",
    "error_row_count // 3 == 6 and error_row_count % 3 == 2",
    "-error_row_count ** 2 < 0",
    "2 ** 10 == 1024",
    "(error_row_count + warning_row_count) * 2 > 1_000",
    "1e3 == input_row_count",
    "True + True == 2",
    "'a' == 'a' and 'a' < 'b'",
    "'a' == 1",
    "'a' < 1",
    "error_row_count / 0 > 1",
    "error_row_count / (input_row_count - input_row_count) > 1",
    "unknown_metric > 0",
    "len(error_row_count) > 0",
    "error_row_count > None",
    "error_row_count in (1, 2)",
    "error_row_count >",
    "(error_row_count > 0",
    "",
    "error_row_count >= 20 and not (warning_row_count == 25)",
];

fn metric_sets() -> Vec<BTreeMap<&'static str, i64>> {
    vec![
        BTreeMap::from([
            ("input_row_count", 1000),
            ("error_row_count", 20),
            ("warning_row_count", 25),
            ("valid_row_count", 955),
        ]),
        BTreeMap::from([
            ("input_row_count", 0),
            ("error_row_count", 0),
            ("warning_row_count", 0),
            ("valid_row_count", 0),
        ]),
    ]
}

fn ours(condition: &str, metrics: &BTreeMap<&'static str, i64>) -> serde_json::Value {
    let metrics: BTreeMap<String, Value> = metrics
        .iter()
        .map(|(k, v)| (k.to_string(), Value::Int(*v)))
        .collect();
    match Condition::parse(condition).and_then(|c| c.evaluate(&metrics)) {
        Ok(holds) => json!(holds),
        Err(_) => json!("error"),
    }
}

#[test]
fn conditions_give_dqxs_own_verdicts() {
    let Some(python) = common::spark::spark_python("the alert-condition parity test") else {
        return;
    };
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for metrics in metric_sets() {
        for condition in CONDITIONS {
            cases.push(json!({"condition": condition, "metrics": metrics}));
            expected.push(((*condition).to_string(), ours(condition, &metrics)));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.json");
    let actions = sample_actions();
    std::fs::write(
        &input,
        json!({"cases": cases, "actions": actions}).to_string(),
    )
    .unwrap();
    let answer = common::spark::run_json(
        &python,
        common::spark::script("evaluate_conditions.py"),
        &[input.as_os_str()],
    );
    let verdicts = answer["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), expected.len());
    let differ: Vec<String> = expected
        .iter()
        .zip(verdicts)
        .filter(|((_, ours), dqx)| ours != *dqx)
        .map(|((condition, ours), dqx)| format!("{condition:?}: ours {ours}, DQX {dqx}"))
        .collect();
    assert!(differ.is_empty(), "verdicts differ:\n{}", differ.join("\n"));
    assert_eq!(
        answer["actions"],
        json!(actions),
        "DQX reads and writes our action_json unchanged"
    );
}

/// The action_json of alerts using every destination kind and option.
fn sample_actions() -> Vec<serde_json::Value> {
    use dqx_manager::model::alerts::{
        AlertSpec, Destination, DestinationKind, Frequency, NotifyOn,
    };
    let spec = |frequency, notify_on, destinations: Vec<(DestinationKind, &str)>| AlertSpec {
        table: "main.sales.orders".into(),
        name: "orders have errors".into(),
        condition: "error_row_count > 0 or valid_row_count / input_row_count < 0.99".into(),
        destinations: destinations
            .into_iter()
            .map(|(kind, url)| Destination {
                kind,
                url: url.into(),
            })
            .collect(),
        frequency,
        notify_on,
        severity: "warning".into(),
    };
    vec![
        spec(
            Frequency::Always,
            NotifyOn::Each,
            vec![(DestinationKind::Webhook, "https://example.com/hook")],
        )
        .action_json(),
        spec(
            Frequency::Daily,
            NotifyOn::StatusChange,
            vec![
                (
                    DestinationKind::Slack,
                    "https://hooks.slack.com/services/T0/B0/X",
                ),
                (
                    DestinationKind::Teams,
                    "https://prod-1.westus.logic.azure.com/workflows/x",
                ),
                (DestinationKind::Webhook, "https://example.com/a"),
                (DestinationKind::Webhook, "https://example.com/b"),
            ],
        )
        .action_json(),
    ]
}
