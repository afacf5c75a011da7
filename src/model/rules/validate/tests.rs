//! Validator tests: one per kind of bad input, plus the column-aware literal check.

use super::*;
use serde_json::json;

fn problems(rules: Value) -> Vec<RuleProblem> {
    validate_rule_set(&rules, None).problems
}

fn only_error(rules: Value) -> RuleProblem {
    let errors: Vec<RuleProblem> = problems(rules)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "expected exactly one error: {errors:#?}");
    errors.into_iter().next().unwrap()
}

#[test]
fn a_good_set_resolves_with_default_names() {
    let v = validate_rule_set(
        &json!([
            {"criticality": "warn", "check": {"function": "is_not_null", "arguments": {"column": "email"}}},
            {"name": "ids", "check": {"function": "is_unique", "arguments": {"columns": ["id"]}}},
        ]),
        None,
    );
    assert!(v.is_valid(), "{:?}", v.problems);
    assert_eq!(v.rules[0].name, "email_is_null");
    assert_eq!(v.rules[0].criticality, Criticality::Warn);
    assert_eq!(v.rules[1].name, "ids");
    assert_eq!(v.rules[1].criticality, Criticality::Error);
}

#[test]
fn for_each_column_expands_into_one_rule_per_column() {
    let v = validate_rule_set(
        &json!([{"check": {"function": "is_not_null", "for_each_column": ["a", "b"]}, "user_metadata": {"k": 2}}]),
        None,
    );
    assert!(v.is_valid(), "{:?}", v.problems);
    let names: Vec<&str> = v.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["a_is_null", "b_is_null"]);
    assert_eq!(v.rules[1].user_metadata["k"], "2");
    // is_unique takes the items as `columns`.
    let v = validate_rule_set(
        &json!([{"check": {"function": "is_unique", "for_each_column": [["a", "b"], ["c"]]}}]),
        None,
    );
    assert!(v.is_valid(), "{:?}", v.problems);
    assert_eq!(v.rules[0].name, "struct_a_b_is_not_unique");
}

#[test]
fn unknown_function_suggests_the_closest() {
    let p =
        only_error(json!([{"check": {"function": "is_not_nul", "arguments": {"column": "a"}}}]));
    assert_eq!(p.field, "check.function");
    assert_eq!(p.suggestion.as_deref(), Some("'is_not_null'"));
    assert!(
        p.located()
            .starts_with("rule 1, check.function: function 'is_not_nul' is not defined")
    );
}

#[test]
fn unsupported_function_is_an_error_not_a_silent_pass() {
    let p =
        only_error(json!([{"check": {"function": "is_geometry", "arguments": {"column": "g"}}}]));
    assert!(p.message.contains("not supported"));
}

#[test]
fn missing_and_unexpected_arguments() {
    let p = only_error(
        json!([{"name": "r", "check": {"function": "regex_match", "arguments": {"column": "a"}}}]),
    );
    assert_eq!(p.field, "check.arguments.regex");
    assert!(p.message.contains("missing required argument 'regex'"));
    assert_eq!(p.rule_name.as_deref(), Some("r"));

    let p = only_error(
        json!([{"check": {"function": "is_not_null", "arguments": {"column": "a", "colunm": "b"}}}]),
    );
    assert_eq!(p.field, "check.arguments.colunm");
    assert_eq!(p.suggestion.as_deref(), Some("'column'"));
}

#[test]
fn wrong_argument_types() {
    let p = only_error(
        json!([{"check": {"function": "is_older_than_n_days", "arguments": {"column": "d", "days": "5"}}}]),
    );
    assert!(
        p.message.contains("should be of type 'int'"),
        "{}",
        p.message
    );
    let p =
        only_error(json!([{"check": {"function": "is_unique", "arguments": {"columns": "id"}}}]));
    assert!(p.message.contains("list"));
    let p = only_error(
        json!([{"check": {"function": "is_in_list", "arguments": {"column": "s", "allowed": []}}}]),
    );
    assert!(p.message.contains("must not be empty"));
    let p = only_error(
        json!([{"check": {"function": "is_in_list", "arguments": {"column": "s", "allowed": [{"a": 1}]}}}]),
    );
    assert_eq!(p.field, "check.arguments.allowed[0]");
    // An int is accepted for a float and a bool for an int, as pydantic does.
    let v = validate_rule_set(
        &json!([{"check": {"function": "is_equal_to", "arguments": {"column": "a", "value": 1, "abs_tolerance": 1}}}]),
        None,
    );
    assert!(v.is_valid());
}

#[test]
fn json_schemas_are_read_before_the_run() {
    let p = only_error(
        json!([{"check": {"function": "has_valid_json_schema", "arguments": {"column": "doc", "schema": "id VARCHAR(5)"}}}]),
    );
    assert_eq!(p.field, "check.arguments.schema");
    assert!(p.message.contains("use STRING"), "{}", p.message);
    let v = validate_rule_set(
        &json!([{"check": {"function": "has_valid_json_schema", "arguments": {"column": "doc", "schema": "id INT NOT NULL, tags ARRAY<STRING>"}}}]),
        None,
    );
    assert!(v.is_valid());
    assert_eq!(v.rules[0].name, "doc_has_invalid_json_schema");
}

#[test]
fn invalid_criticality_and_structure() {
    let p = only_error(
        json!([{"criticality": "warning", "check": {"function": "is_not_null", "arguments": {"column": "a"}}}]),
    );
    assert_eq!(p.field, "criticality");
    assert_eq!(p.suggestion.as_deref(), Some("'warn'"));
    assert_eq!(only_error(json!([{"name": "x"}])).field, "check");
    assert_eq!(
        only_error(json!([{"check": {"arguments": {}}}])).field,
        "check.function"
    );
    assert_eq!(only_error(json!(["is_not_null"])).field, "");
    assert_eq!(only_error(json!({"check": {}})).rule_index, None);
}

#[test]
fn every_problem_is_reported_at_once() {
    let all = problems(json!([
        {"criticality": "fatal", "check": {"function": "is_not_null", "arguments": {"column": "a"}}},
        {"check": {"function": "nope"}},
        {"check": {"function": "is_in_range", "arguments": {"column": "x"}}},
    ]));
    let fields: Vec<(Option<usize>, &str)> = all
        .iter()
        .map(|p| (p.rule_index, p.field.as_str()))
        .collect();
    assert!(fields.contains(&(Some(0), "criticality")));
    assert!(fields.contains(&(Some(1), "check.function")));
    assert!(fields.contains(&(Some(2), "check.arguments.min_limit")));
    assert!(fields.contains(&(Some(2), "check.arguments.max_limit")));
}

#[test]
fn duplicate_names_warn_and_keep_both_rules() {
    let v = validate_rule_set(
        &json!([
            {"check": {"function": "is_not_null", "arguments": {"column": "a"}}},
            {"check": {"function": "is_not_null", "arguments": {"column": "a"}}, "filter": "b > 0"},
            {"check": {"function": "is_not_null", "arguments": {"column": "a"}}, "criticality": "warn"},
        ]),
        None,
    );
    assert!(v.is_valid(), "{:?}", v.problems);
    assert_eq!(v.rules.len(), 3);
    let warnings: Vec<&RuleProblem> = v.problems.iter().filter(|p| p.field == "name").collect();
    assert_eq!(warnings.len(), 2);
    assert!(warnings.iter().all(|p| p.severity == Severity::Warning));
    assert_eq!(warnings[0].rule_index, Some(1));
    assert!(
        warnings[0]
            .message
            .contains("'a_is_null' is also used by rule 1")
    );
    assert!(
        warnings[1].message.contains("rule 1"),
        "{}",
        warnings[1].message
    );
    assert_eq!(warnings[1].suggestion.as_deref(), Some("a_is_null_3"));
}

#[test]
fn empty_sets_are_refused() {
    assert!(only_error(json!([])).message.contains("empty"));
}

#[test]
fn bare_strings_that_name_no_column_are_flagged_with_the_quoted_form() {
    let columns = vec![
        "status".to_string(),
        "fallback_status".to_string(),
        "amount".to_string(),
    ];
    let rules = json!([
        {"check": {"function": "is_in_list", "arguments": {"column": "status", "allowed": ["shipped", "'new'", "fallback_status", "2024-01-01", "3"]}}},
        {"check": {"function": "is_not_less_than", "arguments": {"column": "amount", "limit": "amount * 0"}}},
    ]);
    let v = validate_rule_set(&rules, Some(&columns));
    assert!(v.is_valid(), "warnings do not block: {:?}", v.problems);
    let warnings: Vec<&RuleProblem> = v
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Warning)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].field, "check.arguments.allowed[0]");
    assert_eq!(warnings[0].suggestion.as_deref(), Some("\"'shipped'\""));
}

#[test]
fn unknown_columns_are_warned_about_when_columns_are_known() {
    let columns = vec!["email".to_string()];
    let v = validate_rule_set(
        &json!([{"check": {"function": "is_not_null", "arguments": {"column": "emial"}}}]),
        Some(&columns),
    );
    let w = &v.problems[0];
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!(w.suggestion.as_deref(), Some("'email'"));
}

#[test]
fn message_expr_is_kept_on_the_rule_and_must_be_text() {
    let v = validate_rule_set(
        &json!([{"message_expr": "concat('bad ', a)", "check": {"function": "is_not_null", "arguments": {"column": "a"}}}]),
        None,
    );
    assert!(v.is_valid());
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    assert_eq!(
        v.rules[0].message_expr.as_deref(),
        Some("concat('bad ', a)")
    );
    let v = validate_rule_set(
        &json!([{"message_expr": 3, "check": {"function": "is_not_null", "arguments": {"column": "a"}}}]),
        None,
    );
    assert!(!v.is_valid());
    assert_eq!(v.problems[0].field, "message_expr");
    assert!(
        v.problems[0]
            .message
            .contains("must be a SQL expression as text")
    );
}

#[test]
fn examples_must_read_and_name_the_tables_columns() {
    let rule = |examples: &str| {
        json!([{"check": {"function": "is_not_null", "arguments": {"column": "a"}},
            "user_metadata": {"examples": examples}}])
    };
    let columns = ["a".to_string(), "B".to_string()];
    let fine = validate_rule_set(
        &rule(r#"{"pass": [{"a": 1, "b": 2}], "fail": [{"a": null}]}"#),
        Some(&columns),
    );
    assert!(fine.is_valid(), "{:?}", fine.problems);

    let misspelt = validate_rule_set(
        &rule(r#"{"pass": [{"a": 1}], "fail": [{"aa": null}, {"zz": 1, "aa": 2}]}"#),
        Some(&columns),
    );
    assert!(!misspelt.is_valid());
    assert_eq!(misspelt.problems[0].field, "user_metadata.examples");
    assert!(
        misspelt.problems[0].message.contains("'aa', 'zz'"),
        "{:?}",
        misspelt.problems
    );
    // Without the columns, any column name may be right.
    assert!(validate_rule_set(&rule(r#"{"fail": [{"aa": null}]}"#), None).is_valid());

    let broken = validate_rule_set(&rule(r#"{"pass": [1]}"#), None);
    assert!(!broken.is_valid());
    assert!(
        broken.problems[0]
            .message
            .contains("examples.pass[0] must be a row"),
        "{:?}",
        broken.problems
    );
    let not_json = validate_rule_set(&rule("{pass"), None);
    assert!(not_json.problems[0].message.contains("not JSON text"));
}
