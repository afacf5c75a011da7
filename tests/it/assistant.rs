//! AI analysis and AI-assisted generation in local mode: the offline assistant's findings on the
//! sample tables, and a fake OpenAI-compatible server answering well, in a code fence, with
//! text that is not JSON, too slowly, and with rules of which some are invalid.

use crate::common;

use axum::http::StatusCode;
use axum::routing::post;
use common::http::{ALICE, Reply, call, wait_for_run};
use dqx_manager::server::config::Config;
use dqx_manager::server::routes::router;
use dqx_manager::server::state::AppState;
use leptos::config::LeptosOptions;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The local app, with an OpenAI-compatible model at `ai` when given.
async fn app(ai: Option<&str>) -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("DQX_DATA_DIR", dir.path().display().to_string()),
        (
            "DQX_WORKSPACE_DIR",
            common::sample_workspace().display().to_string(),
        ),
        ("AI_TIMEOUT_SECS", "1".into()),
        ("AI_MODEL", "fake-model".into()),
    ]);
    if let Some(url) = ai {
        vars.insert("AI_BASE_URL", url.to_string());
    }
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let options = LeptosOptions::builder().output_name("dqx-manager").build();
    (router(AppState::build(config, options).await.unwrap()), dir)
}

/// A fake chat-completions server answering with `content` (after `delay`).
async fn fake_model(content: String, delay: Duration) -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move |axum::Json(body): axum::Json<Value>| {
            let content = content.clone();
            let log = log.clone();
            async move {
                log.lock().unwrap().push(body);
                tokio::time::sleep(delay).await;
                axum::Json(
                    json!({"choices": [{"message": {"role": "assistant", "content": content}}]}),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/v1"), seen)
}

fn not_null(column: &str) -> Value {
    json!({"name": format!("{column}_is_null"), "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": column}}})
}

async fn analyze(app: &axum::Router, body: Value) -> Reply {
    let reply = call(app, "/api/analyze_rules", &ALICE, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply
}

#[tokio::test]
async fn offline_analysis_recommends_an_email_format_rule_and_flags_a_rule_failing_everywhere() {
    let (app, _dir) = app(None).await;
    let impossible = json!({"name": "customer_id_in_range", "criticality": "error",
        "check": {"function": "is_in_range", "arguments": {"column": "customer_id", "min_limit": 5000, "max_limit": 6000}}});
    let rules = json!([not_null("customer_id"), impossible]);
    let run_id = common::http::validated_as(
        &app,
        &ALICE,
        json!({"table": "main.sales.customers", "rules": rules}),
    )
    .await;

    let a = analyze(&app, json!({"table": "main.sales.customers", "rules": rules, "user_prompt": "dates not in the future", "validation_run_id": run_id})).await.body;
    assert_eq!(a["offline"], true);
    assert!(a["assistant"].as_str().unwrap().contains("offline"));
    let recs = a["recommendations"].as_array().unwrap();
    let email = recs
        .iter()
        .find(|r| {
            r["rule"]["check"]["function"] == "is_valid_email"
                && r["rule"]["check"]["arguments"]["column"] == "email"
        })
        .unwrap_or_else(|| panic!("no email format recommendation in {recs:#?}"));
    assert!(
        email["text"].as_str().unwrap().contains("20 of 980"),
        "{email}"
    );
    assert!(
        recs.iter().any(|r| r["text"]
            .as_str()
            .unwrap()
            .contains("customer_id_in_range fails on every row")),
        "{recs:#?}"
    );
    // The prompt asked for a future-date check that no rule makes.
    assert!(
        recs.iter()
            .any(|r| r["rule"]["check"]["function"] == "is_not_in_future"),
        "{recs:#?}"
    );
    // Duplicated ids are seen in the profile.
    assert!(
        recs.iter()
            .any(|r| r["rule"]["check"]["function"] == "is_unique"),
        "{recs:#?}"
    );
    let score = a["overall_quality_score"].as_f64().unwrap();
    assert!((0.0..8.0).contains(&score), "{score}");
    assert_eq!(a["based_on"]["validated_rows"], 1000);
    // Every offered rule is a valid DQX check.
    let offered: Vec<Value> = recs
        .iter()
        .filter_map(|r| r.get("rule").filter(|x| x.is_object()).cloned())
        .collect();
    let check = call(&app, "/api/check_rules", &ALICE, json!({"text": Value::Array(offered).to_string(), "format": "json", "table": "main.sales.customers"})).await;
    assert!(
        check.body["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["severity"] != "error"),
        "{}",
        check.text
    );
}

/// Issue 29 (2): a rule set that looks right but is wrong is not scored "good": a date range
/// past now, a range on an id, and two format rules failing the same rows are each named.
#[tokio::test]
async fn offline_analysis_flags_a_date_range_past_now_a_range_on_an_id_and_a_repeated_format() {
    let (app, _dir) = app(None).await;
    let rule = |name: &str, function: &str, arguments: Value| json!({"name": name, "criticality": "error", "check": {"function": function, "arguments": arguments}});
    let rules = json!([
        not_null("customer_id"),
        rule(
            "signup_date_isnt_in_range",
            "is_in_range",
            json!({"column": "signup_date", "min_limit": "2019-01-01", "max_limit": "2099-10-14"})
        ),
        rule(
            "customer_id_isnt_in_range",
            "is_in_range",
            json!({"column": "customer_id", "min_limit": 1, "max_limit": 999})
        ),
        rule("email_valid", "is_valid_email", json!({"column": "email"})),
        rule(
            "email_pattern",
            "regex_match",
            json!({"column": "email", "regex": "^[^@]+@[^@]+$"})
        ),
    ]);
    let a = analyze(
        &app,
        json!({"table": "main.sales.customers", "rules": rules}),
    )
    .await
    .body;
    let texts: Vec<&str> = a["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    let has = |needle: &str| texts.iter().any(|t| t.contains(needle));
    assert!(
        has("signup_date_isnt_in_range lets signup_date reach 2099-10-14"),
        "{texts:#?}"
    );
    assert!(
        has("customer_id_isnt_in_range caps customer_id at 999"),
        "{texts:#?}"
    );
    assert!(
        has("email_valid and email_pattern both check the format of email"),
        "{texts:#?}"
    );
    let score = a["overall_quality_score"].as_f64().unwrap();
    assert!(score < 8.0, "scored {score}, which reads as good");
    // Without the three, the same table scores better.
    let fixed = json!([
        not_null("customer_id"),
        rule(
            "signup_date_in_future",
            "is_not_in_future",
            json!({"column": "signup_date", "offset": 0})
        ),
        rule("email_valid", "is_valid_email", json!({"column": "email"})),
    ]);
    let b = analyze(
        &app,
        json!({"table": "main.sales.customers", "rules": fixed}),
    )
    .await
    .body;
    assert!(
        b["overall_quality_score"].as_f64().unwrap() > score,
        "{b:#}"
    );
}

#[tokio::test]
async fn a_model_reply_in_a_code_fence_is_read_and_the_result_is_cached() {
    let reply = "```json\n{\"summary\": \"two solid rules\", \"strengths\": [\"named\"], \"overall_quality_score\": 7, \"recommendations\": [{\"text\": \"check emails\", \"rule\": {\"name\": \"email_ok\", \"criticality\": \"warn\", \"check\": {\"function\": \"regex_match\", \"arguments\": {\"column\": \"email\", \"regex\": \"@\"}}}}, {\"text\": \"bad rule\", \"rule\": {\"check\": {\"function\": \"no_such_function\"}}}]}\n```";
    let (url, seen) = fake_model(reply.into(), Duration::ZERO).await;
    let (app, _dir) = app(Some(&url)).await;
    let body = json!({"table": "main.sales.customers", "rules": [not_null("email")]});
    let a = analyze(&app, body.clone()).await.body;
    assert_eq!(a["summary"], "two solid rules");
    assert_eq!(a["offline"], false);
    assert_eq!(a["assistant"], "model fake-model (OpenAI-compatible)");
    assert!(a["recommendations"][0]["rule"].is_object());
    assert!(
        a["recommendations"][1]["rule"].is_null(),
        "an invalid recommended rule is not offered"
    );
    // The prompt carried the table's columns and profile.
    let prompt = seen.lock().unwrap()[0]["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        prompt.contains("lifetime_value") && prompt.contains("\"nulls\""),
        "{prompt}"
    );
    analyze(&app, body).await;
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "re-opening did not ask the model again"
    );
}

#[tokio::test]
async fn a_reply_that_is_not_json_is_shown_as_text_with_a_note() {
    let (url, _) = fake_model("I think these rules look great!".into(), Duration::ZERO).await;
    let (app, _dir) = app(Some(&url)).await;
    let a = analyze(
        &app,
        json!({"table": "main.sales.customers", "rules": [not_null("email")]}),
    )
    .await
    .body;
    assert_eq!(a["raw_reply"], "I think these rules look great!");
    assert!(a["note"].as_str().unwrap().contains("shown as text"));
    assert!(
        !a["recommendations"].as_array().unwrap().is_empty(),
        "the offline findings are still there"
    );
}

#[tokio::test]
async fn a_model_that_times_out_falls_back_to_the_offline_analysis() {
    let (url, _) = fake_model("{}".into(), Duration::from_secs(3)).await;
    let (app, _dir) = app(Some(&url)).await;
    let a = analyze(
        &app,
        json!({"table": "main.sales.customers", "rules": [not_null("email")]}),
    )
    .await
    .body;
    assert_eq!(a["offline"], true);
    let note = a["note"].as_str().unwrap();
    assert!(note.contains("did not answer within 1 s"), "{note}");
}

#[tokio::test]
async fn model_generation_keeps_valid_rules_and_lists_the_dropped_ones() {
    let rules = json!([
        {"name": "email_valid", "criticality": "error", "check": {"function": "regex_match", "arguments": {"column": "email", "regex": "^.+@.+$"}}},
        {"name": "broken", "criticality": "fatal", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}
    ]);
    let (url, _) = fake_model(
        format!("Here you go:\n```json\n{rules}\n```"),
        Duration::ZERO,
    )
    .await;
    let (app, _dir) = app(Some(&url)).await;
    let started = call(
        &app,
        "/api/start_generation",
        &ALICE,
        json!({"table": "main.sales.customers", "prompt": "emails valid", "sample_limit": 500}),
    )
    .await;
    let done = wait_for_run(&app, &ALICE, started.body["run_id"].as_str().unwrap()).await;
    let g = &done["generation"];
    assert_eq!(g["rules"].as_array().unwrap().len(), 1, "{g}");
    assert_eq!(g["rules"][0]["name"], "email_valid");
    assert_eq!(g["rules"][0]["user_metadata"]["source"], "model");
    assert_eq!(
        g["metadata"]["generator"],
        "model fake-model (OpenAI-compatible)"
    );
    assert!(
        g["prompt_notes"][0]
            .as_str()
            .unwrap()
            .contains("model rule 2 dropped"),
        "{g}"
    );
}

#[tokio::test]
async fn model_generation_failure_runs_the_offline_generator_and_says_so() {
    let (url, _) = fake_model("no rules today".into(), Duration::ZERO).await;
    let (app, _dir) = app(Some(&url)).await;
    let started = call(&app, "/api/start_generation", &ALICE, json!({"table": "main.sales.customers", "prompt": "customer ids unique", "sample_limit": 500})).await;
    let done = wait_for_run(&app, &ALICE, started.body["run_id"].as_str().unwrap()).await;
    let g = &done["generation"];
    assert!(
        g["metadata"]["generator"]
            .as_str()
            .unwrap()
            .contains("offline"),
        "{g}"
    );
    assert!(
        g["summary"]
            .as_str()
            .unwrap()
            .contains("The model was not used"),
        "{g}"
    );
    assert!(
        g["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["check"]["function"] == "is_unique")
    );
}

/// Issue 33: the model's edit is checked and shown as hunks; the prompt carries the rules and
/// the instruction as data; a reply that is not the expected JSON falls back to the offline
/// reading, saying so.
#[tokio::test]
async fn a_model_edit_is_checked_and_an_unusable_one_falls_back_to_the_offline_reading() {
    let rules = json!([not_null("email"), not_null("customer_id")]);
    let mut warn = not_null("email");
    warn["criticality"] = json!("warn");
    let answer = json!({"changes": [
        {"kind": "changed", "rule_name": "email_is_null", "after": warn, "clause": "make the email rule a warning"},
        {"kind": "added", "rule_name": "bad", "after": {"name": "bad", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "no_such_column"}}}, "clause": "and more"},
    ], "not_understood": []});
    let (url, seen) = fake_model(format!("```json\n{answer}\n```"), Duration::ZERO).await;
    let (model_app, _dir) = app(Some(&url)).await;
    let body = json!({"table": "main.sales.customers", "rules": rules, "instruction": "make the email rule a warning"});
    let reply = call(&model_app, "/api/propose_edit", &ALICE, body.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        reply.body["reader"]
            .as_str()
            .unwrap()
            .contains("fake-model"),
        "{}",
        reply.text
    );
    let changes = reply.body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{}", reply.text);
    assert_eq!(changes[0]["before"], not_null("email"));
    assert_eq!(changes[0]["after"]["criticality"], "warn");
    assert!(
        reply.body["notes"][0]
            .as_str()
            .unwrap()
            .contains("no_such_column"),
        "{}",
        reply.text
    );
    let prompt = seen.lock().unwrap()[0]["messages"].to_string();
    assert!(
        prompt.contains("customer_id_is_null") && prompt.contains("make the email rule a warning"),
        "{prompt}"
    );

    let (url, _) = fake_model("Sure! I made it a warning.".into(), Duration::ZERO).await;
    let (chatty_app, _dir2) = app(Some(&url)).await;
    let reply = call(&chatty_app, "/api/propose_edit", &ALICE, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        reply.body["reader"].as_str().unwrap().contains("offline"),
        "{}",
        reply.text
    );
    assert!(
        reply.body["notes"][0]
            .as_str()
            .unwrap()
            .contains("The model was not used"),
        "{}",
        reply.text
    );
    assert_eq!(
        reply.body["changes"][0]["after"]["criticality"], "warn",
        "{}",
        reply.text
    );
}

/// With a model, a triage carries its short summary, written over the figures only: the
/// prompt holds the segments and shares and no row of the table.
#[tokio::test]
async fn a_triage_summary_is_written_by_the_model_over_the_figures_only() {
    let said = "The NULL currencies all come from orders placed on 2024-03-14 and 2024-03-15.";
    let (url, seen) = fake_model(said.into(), Duration::ZERO).await;
    let (app, _dir) = app(Some(&url)).await;
    let rules = json!([not_null("currency")]);
    let run_id = common::http::validated_as(
        &app,
        &ALICE,
        json!({"table": "main.sales.orders", "rules": rules}),
    )
    .await;
    let asked_before = seen.lock().unwrap().len();
    let triage = call(&app, "/api/triage_run", &ALICE, json!({"run_id": run_id})).await;
    assert_eq!(triage.status, StatusCode::OK, "{}", triage.text);
    assert_eq!(triage.body["summary"], said, "{}", triage.text);
    let asked = seen.lock().unwrap()[asked_before..].to_vec();
    assert_eq!(asked.len(), 1, "one request for the summary");
    let prompt = asked[0]["messages"].to_string();
    assert!(prompt.contains("order_ts on 2024-03-14"), "{prompt}");
    assert!(prompt.contains("currency_is_null"), "{prompt}");
    // Figures only: no row's values (an order id, an amount) reach the model.
    assert!(!prompt.contains("order_id\\\":"), "{prompt}");
    assert!(!prompt.contains("amount"), "{prompt}");
}
