//! DQX 0.17's format checks in the embedded engine, on hand-made values whose answers follow
//! DQX's definitions: national identification numbers, URLs, ISO codes, letter cases and decimal
//! places (NULLs and edge values included). `spark_parity.rs` runs the same functions on Spark.

use crate::common::engine::{add_table, counts, evaluate_rules, first_message, names};
use datafusion::arrow::array::{ArrayRef, Float64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::execution::context::SessionContext;
use dqx_manager::model::results::ValidationResult;
use dqx_manager::model::rules::validate::validate_rule_set;
use serde_json::{Value, json};
use std::sync::Arc;

/// Runs `rules` over one table `f` of string columns.
async fn run(columns: &[(&str, Vec<Option<&str>>)], rules: Value) -> ValidationResult {
    let fields = columns
        .iter()
        .map(|(n, _)| Field::new(*n, DataType::Utf8, true))
        .collect();
    let arrays: Vec<ArrayRef> = columns
        .iter()
        .map(|(_, v)| Arc::new(StringArray::from(v.clone())) as ArrayRef)
        .collect();
    run_batch(fields, arrays, rules).await
}

async fn run_batch(fields: Vec<Field>, arrays: Vec<ArrayRef>, rules: Value) -> ValidationResult {
    let ctx = SessionContext::new();
    add_table(&ctx, "f", fields, arrays);
    evaluate_rules(&ctx, "f", &rules, None).await
}

fn check(function: &str, arguments: Value) -> Value {
    json!({"check": {"function": function, "arguments": arguments}})
}

#[tokio::test]
async fn national_ids_follow_dqx_patterns() {
    let ssn = vec![
        Some("123-45-6789"),
        Some("123 45 6789"),
        Some("123456789"),
        Some("123-45 6789"),
        Some("000-12-3456"),
        Some("666-12-3456"),
        Some("900-12-3456"),
        Some("123-00-4567"),
        Some("123-45-0000"),
        Some("123-45-6789\n"),
        None,
    ];
    let nino = vec![
        Some("AB123456C"),
        Some("AB 12 34 56 C"),
        Some("BG123456C"),
        Some("DA123456C"),
        Some("AO123456C"),
        Some("AB123456E"),
        Some("ab123456c"),
        Some("ZZ123456A"),
        Some("CE123456D"),
        Some("AB12345C"),
        None,
    ];
    let pan = vec![
        Some("ABCPE1234F"),
        Some("ABCTZ0000A"),
        Some("ABCXE1234F"),
        Some("abcpe1234f"),
        Some("ABCPE123F"),
        Some("ABCPE12345"),
        Some("ABCP1234F"),
        None,
        None,
        None,
        None,
    ];
    let r = run(
        &[("ssn", ssn), ("nino", nino), ("pan", pan)],
        json!([
            check("is_valid_national_id", json!({"column": "ssn"})),
            check(
                "is_valid_national_id",
                json!({"column": "nino", "country": "GB"})
            ),
            check(
                "is_valid_national_id",
                json!({"column": "pan", "country": "in"})
            ),
            check(
                "is_valid_national_id",
                json!({"column": "ssn", "country": "FR"})
            ),
        ]),
    )
    .await;
    assert_eq!(
        names(&r)[..3],
        [
            "ssn_does_not_match_pattern_ssn_us",
            "nino_does_not_match_pattern_nino_gb",
            "pan_does_not_match_pattern_pan_in"
        ]
    );
    // SSN: mixed separators, areas 000/666/9xx, group 00, serial 0000, the trailing newline.
    // NINO: prefix BG, first letter D, second letter O, suffix E, lower case, ZZ, one digit short.
    // PAN: holder type X, lower case, short, a digit last, a letter short.
    assert_eq!(counts(&r)[..3], [7, 7, 5]);
    assert_eq!(
        first_message(&r, 0),
        Some("Value '123-45 6789' in Column 'ssn' does not match pattern 'SSN_US'")
    );
    // An unknown country skips the rule: every row is flagged with DQX's error.
    assert_eq!(counts(&r)[3], 11);
    assert!(
        r.rule_results[3]
            .message
            .contains("Unsupported country code"),
        "{}",
        r.rule_results[3].message
    );
}

#[tokio::test]
async fn urls_need_a_scheme_and_encoded_characters() {
    let url = vec![
        Some("https://example.com/a/b?c=1&d=2#top"),
        Some("s3://bucket/key"),
        Some("mailto:a@example.com"),
        Some("urn:isbn:0451450523"),
        Some("file:///etc/hosts"),
        Some("http://user:pw@[2001:db8::1]:8080/x"),
        Some("https://example.com/a%20b"),
        Some("example.com"),
        Some("/relative/path"),
        Some("http://exa mple.com"),
        Some("https://example.com/%zz"),
        Some("1http://x"),
        Some("https://example.com\n"),
        None,
    ];
    let r = run(
        &[("url", url)],
        json!([check("is_valid_url", json!({"column": "url"}))]),
    )
    .await;
    assert_eq!(names(&r), ["url_does_not_match_pattern_url"]);
    assert_eq!(counts(&r), [6]);
    assert_eq!(
        first_message(&r, 0),
        Some("Value 'example.com' in Column 'url' does not match pattern 'URL'")
    );
}

#[tokio::test]
async fn iso_codes_by_format_and_case() {
    let cc = vec![
        Some("US"),
        Some("us"),
        Some("XK"),
        Some("USA"),
        Some("GB"),
        None,
    ];
    let cur = vec![
        Some("EUR"),
        Some("eur"),
        Some("XYZ"),
        Some("978"),
        Some("840"),
        None,
    ];
    let lang = vec![
        Some("en"),
        Some("EN"),
        Some("eng"),
        Some("xx"),
        Some("de"),
        None,
    ];
    let sub = vec![
        Some("US-CA"),
        Some("us-ca"),
        Some("DE-BY"),
        Some("GB-XXX"),
        Some("GB-ENG"),
        Some("FR-IDF"),
    ];
    let r = run(
        &[("cc", cc), ("cur", cur), ("lang", lang), ("sub", sub)],
        json!([
            check("is_valid_country_code", json!({"column": "cc"})),
            check(
                "is_valid_country_code",
                json!({"column": "cc", "case_sensitive": false})
            ),
            check(
                "is_valid_country_code",
                json!({"column": "cc", "code_format": "ALPHA-3"})
            ),
            check("is_valid_currency_code", json!({"column": "cur"})),
            check(
                "is_valid_currency_code",
                json!({"column": "cur", "code_format": "numeric", "case_sensitive": false})
            ),
            check("is_valid_language_code", json!({"column": "lang"})),
            check(
                "is_valid_language_code",
                json!({"column": "lang", "code_format": "alpha-3", "case_sensitive": false})
            ),
            check("is_valid_subdivision_code", json!({"column": "sub"})),
            check(
                "is_valid_subdivision_code",
                json!({"column": "sub", "country_column": "cc", "case_sensitive": false})
            ),
            check(
                "is_valid_language_code",
                json!({"column": "lang", "code_format": "numeric"})
            ),
        ]),
    )
    .await;
    assert_eq!(
        names(&r)[..4],
        [
            "cc_is_not_a_valid_country_code",
            "cc_is_not_a_valid_country_code",
            "cc_is_not_a_valid_country_code",
            "cur_is_not_a_valid_currency_code"
        ]
    );
    assert_eq!(names(&r)[7], "sub_is_not_a_valid_subdivision_code");
    // cc: us, XK (user-assigned), USA; any case: XK, USA; alpha-3: all but USA.
    // cur: eur, XYZ, the two numbers; numeric (case ignored): the three letter codes.
    // lang: EN, eng, xx; alpha-3 any case: en, EN, xx, de.
    // sub: us-ca, GB-XXX; for the row's country (any case): GB-XXX, DE-BY under XK, GB-ENG under
    // GB passes, FR-IDF under a NULL country passes (a NULL comparison), US-CA under US passes.
    assert_eq!(counts(&r)[..9], [3, 2, 4, 4, 3, 3, 4, 2, 2]);
    assert_eq!(
        first_message(&r, 0),
        Some("Value 'us' in Column 'cc' is not a valid ISO 3166-1 country code")
    );
    assert_eq!(
        first_message(&r, 3),
        Some("Value 'eur' in Column 'cur' is not a valid ISO 4217 currency code")
    );
    assert_eq!(
        first_message(&r, 5),
        Some("Value 'EN' in Column 'lang' is not a valid ISO 639 language code")
    );
    assert_eq!(
        first_message(&r, 8),
        Some(
            "Value 'DE-BY' in Column 'sub' is not a valid ISO 3166-2 subdivision code for country 'XK' in Column 'cc'"
        )
    );
    // An unknown code format skips the rule, with DQX's error.
    assert!(
        r.rule_results[9]
            .message
            .contains("Supported: [alpha-2, alpha-3]")
    );
}

#[tokio::test]
async fn string_cases() {
    let text = vec![
        Some("HELLO WORLD"),
        Some("hello world"),
        Some("Hello World"),
        Some("Hello world. Next one"),
        Some("Hello world. next one"),
        Some("hello\tWorld"),
        Some("123 !?"),
        Some(""),
        None,
    ];
    let r = run(
        &[("t", text)],
        json!([
            check(
                "has_valid_string_case",
                json!({"column": "t", "case": "upper"})
            ),
            check(
                "has_valid_string_case",
                json!({"column": "t", "case": "lower"})
            ),
            check(
                "has_valid_string_case",
                json!({"column": "t", "case": "title"})
            ),
            check(
                "has_valid_string_case",
                json!({"column": "t", "case": "sentence"})
            ),
            check(
                "has_valid_string_case",
                json!({"column": "t", "case": "camel"})
            ),
        ]),
    )
    .await;
    assert_eq!(
        names(&r)[..4],
        [
            "t_has_invalid_upper_string_case",
            "t_has_invalid_lower_string_case",
            "t_has_invalid_title_string_case",
            "t_has_invalid_sentence_string_case"
        ]
    );
    // upper: all with a lower-case letter (5); lower: all with a capital (5);
    // title: 'hello world', the two sentences ('world.', 'next'/'one' start lower), 'hello\tWorld';
    // sentence: 'hello world', '... next one' and 'hello\tWorld'.
    assert_eq!(counts(&r)[..4], [5, 5, 4, 3]);
    assert_eq!(
        first_message(&r, 2),
        Some("Value 'hello world' in Column 't' does not have valid 'title' string case")
    );
    assert!(r.rule_results[4].message.contains("'case' must be one of"));
}

#[tokio::test]
async fn decimal_places_count_significant_fraction_digits() {
    let fields = vec![
        Field::new("text", DataType::Utf8, true),
        Field::new("amount", DataType::Float64, true),
    ];
    let text = StringArray::from(vec![
        Some("1.25"),
        Some("1.250"),
        Some("1.255"),
        Some("100e-2"),
        Some("1.5e-3"),
        Some("1.2345e3"),
        Some("-.5"),
        Some("+1."),
        Some("abc"),
        Some(" 1.5"),
        Some("."),
        None,
    ]);
    let amount = Float64Array::from(vec![
        Some(1.5),
        Some(5.0),
        Some(0.25),
        Some(-2.75),
        Some(1e-4),
        Some(123.0),
        None,
        None,
        None,
        None,
        None,
        None,
    ]);
    let r = run_batch(
        fields,
        vec![Arc::new(text), Arc::new(amount)],
        json!([
            check(
                "has_num_decimal_places",
                json!({"column": "text", "limit": 2})
            ),
            check(
                "has_num_decimal_places",
                json!({"column": "amount", "limit": 1})
            ),
            check(
                "has_num_decimal_places",
                json!({"column": "amount", "limit": 1, "allow_nulls": false})
            ),
        ]),
    )
    .await;
    assert_eq!(
        names(&r),
        [
            "text_num_decimal_places_greater_than_limit",
            "amount_num_decimal_places_greater_than_limit",
            "amount_is_null_or_num_decimal_places_greater_than_limit"
        ]
    );
    // text: 1.255 (3), 1.5e-3 (4), abc, ' 1.5' and '.' are not numbers; 1.250 has 2, 100e-2 none.
    // amount: 0.25, -2.75 and 1e-4; with allow_nulls=false also the six NULLs.
    assert_eq!(counts(&r), [5, 3, 9]);
    assert_eq!(
        first_message(&r, 0),
        Some("Value '1.255' in Column 'text' has more than 2 decimal places")
    );
    let messages: Vec<&str> = r.rule_results[0]
        .sample_violations
        .iter()
        .filter_map(|s| s["_message"].as_str())
        .collect();
    assert!(
        messages.contains(&"Value 'abc' in Column 'text' is not numeric"),
        "{messages:?}"
    );
}

/// Two rules with one name (the same check with two filters) both run, as in DQX, each counted
/// on its own (DQX's per-check metrics count them apart too); the set gets a warning, not an error.
#[tokio::test]
async fn rules_sharing_a_name_run_and_count_apart() {
    let rules = json!([
        {"name": "v_present", "filter": "k = 'a'", "check": {"function": "is_not_null", "arguments": {"column": "v"}}},
        {"name": "v_present", "filter": "k = 'b'", "criticality": "warn", "check": {"function": "is_not_null", "arguments": {"column": "v"}}},
    ]);
    let validation = validate_rule_set(&rules, None);
    assert_eq!(validation.rules.len(), 2);
    assert!(validation.problems.iter().any(|p| p.field == "name"));
    let r = run(
        &[
            (
                "k",
                vec![
                    Some("a"),
                    Some("a"),
                    Some("b"),
                    Some("b"),
                    Some("b"),
                    Some("c"),
                ],
            ),
            ("v", vec![None, Some("1"), None, None, Some("2"), None]),
        ],
        rules,
    )
    .await;
    assert_eq!(names(&r), ["v_present", "v_present"]);
    assert_eq!(counts(&r), [1, 2]);
    assert_eq!(r.invalid_rows, 1);
    assert_eq!(r.rows_with_warnings, 2);
}

/// Our ISO lists against DQX 0.17's own resource files (from the test venv): the same codes but
/// for the ISO 639-3 differences named in src/engine/iso/SOURCE.
#[test]
fn iso_code_lists_match_dqx() {
    use dqx_manager::engine::iso;
    use std::collections::BTreeSet;
    let Some(python) = crate::common::spark::spark_python("the ISO list comparison with DQX's")
    else {
        return;
    };
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import importlib.resources as r; print(r.files('databricks.labs.dqx.resources'))",
        ])
        .output()
        .expect("running the venv python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let mut differences = Vec::new();
    for list in iso::all() {
        let theirs = std::fs::read_to_string(format!("{dir}/{}.txt", list.key))
            .unwrap_or_else(|e| panic!("DQX's {}: {e}", list.key));
        let theirs: BTreeSet<&str> = theirs.split_whitespace().collect();
        let ours: BTreeSet<&str> = list.codes().collect();
        for code in ours.difference(&theirs) {
            differences.push(format!("{}: +{code}", list.key));
        }
        for code in theirs.difference(&ours) {
            differences.push(format!("{}: -{code}", list.key));
        }
    }
    let documented: Vec<String> = [
        "+mrd", "+shl", "+yol", "-dyl", "-lfb", "-olb", "-osd", "-scz", "-tvg", "-zhk",
    ]
    .iter()
    .map(|d| format!("iso_639_3_alpha_3: {d}"))
    .collect();
    differences.sort();
    let mut expected = documented.clone();
    expected.sort();
    assert_eq!(differences, expected);
}

/// `is_unique` with DQX 0.17's `trim_strings`: string keys are compared trimmed, and the
/// message shows the value as written.
#[tokio::test]
async fn uniqueness_of_trimmed_strings() {
    let r = run(
        &[(
            "k",
            vec![Some(" a"), Some("a"), Some("a "), Some("b"), None, None],
        )],
        json!([
            check("is_unique", json!({"columns": ["k"]})),
            json!({"name": "k_trimmed_unique", "check": {"function": "is_unique", "arguments": {"columns": ["k"], "trim_strings": true}}}),
        ]),
    )
    .await;
    assert_eq!(counts(&r), [0, 3]);
    assert_eq!(
        first_message(&r, 1),
        Some("Value ' a' in column 'k' is not unique, found 3 duplicates")
    );
}
