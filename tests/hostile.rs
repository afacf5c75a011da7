//! Hostile input through every server function, in-process against the local app: deep and
//! aliased YAML and JSON, huge and duplicate rule sets, Unicode and control characters, hostile
//! regexes, SQL fragments in every text field, oversized bodies, wrong content types and other
//! origins. Every answer must be a 4xx or a correct answer — never a 5xx — the runs it starts
//! must end in a state (not a crash), the process must be alive at the end, and its memory (RSS)
//! under a stated bound. The counts are printed for the closing note.

// Test code: an unwrap that fails is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::http::{ALICE, BOB, Reply, app, call, call_raw};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The resident set size this test process may reach, in MiB, after every input.
const RSS_BOUND_MIB: u64 = 1536;

const FUNCTIONS: [&str; 30] = [
    "whoami",
    "list_catalogs",
    "list_schemas",
    "list_tables",
    "describe_table",
    "sample_table",
    "start_generation",
    "start_validation",
    "run_status",
    "cancel_run",
    "list_runs",
    "check_rules",
    "analyze_rules",
    "save_rule_set",
    "rule_history",
    "get_rule_set",
    "diff_rule_sets",
    "restore_rule_set",
    "export_rule_set",
    "import_rule_set",
    "store_status",
    "submit_rule_set",
    "approve_rule_set",
    "reject_rule_set",
    "comment_rule_set",
    "review_queue",
    "review_detail",
    "impact_preview",
    "my_roles",
    "publish_rule_set",
];

/// A small deterministic generator, so a failure names an input that can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() as usize) % items.len()]
    }
}

fn hostile_strings() -> Vec<String> {
    vec![
        "main.sales.customers; DROP TABLE main.sales.customers".into(),
        "main.sales.customers' OR '1'='1".into(),
        "`main`.`sales`.`customers`".into(),
        "main.sales.customers\u{0000}".into(),
        "main.sales.\u{202e}sremotsuc".into(),
        "main..customers".into(),
        "../../etc/passwd".into(),
        "a".repeat(10_000),
        "ünïcødé.表.🙂".into(),
        "main.sales.customers\r\nx-forwarded-access-token: local-alice".into(),
        "'); DELETE FROM dq_rules_events; --".into(),
        "{{ input_view }}".into(),
        "\\".into(),
        "".into(),
        "(a+)+$".into(),
        "${jndi:ldap://127.0.0.1/x}".into(),
    ]
}

fn hostile_rule(rng: &mut Lcg, text: &str) -> Value {
    let column = if rng.next().is_multiple_of(2) {
        "email"
    } else {
        text
    };
    match rng.next() % 9 {
        0 => {
            json!({"name": text, "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": column}}})
        }
        1 => {
            json!({"criticality": "warn", "check": {"function": "regex_match", "arguments": {"column": "email", "regex": "(a+)+$"}}})
        }
        2 => {
            json!({"criticality": "error", "check": {"function": "sql_expression", "arguments": {"expression": text}}})
        }
        3 => {
            json!({"criticality": "error", "filter": text, "check": {"function": "is_not_null", "arguments": {"column": "email"}}})
        }
        4 => {
            json!({"criticality": "error", "check": {"function": "sql_query", "arguments": {"query": format!("SELECT 1 AS condition) x, (SELECT * FROM {text}"), "condition_column": "condition"}}})
        }
        5 => {
            json!({"criticality": "error", "check": {"function": "is_in_list", "arguments": {"column": "country", "allowed": [text, "'US'"]}}})
        }
        6 => {
            json!({"criticality": "error", "check": {"function": "foreign_key", "arguments": {"columns": ["customer_id"], "ref_columns": ["id"], "ref_table": text}}})
        }
        7 => json!({"criticality": text, "check": {"function": text, "arguments": {}}}),
        _ => {
            json!({"criticality": "error", "check": {"function": "is_in_range", "arguments": {"column": "lifetime_value", "min_limit": text, "max_limit": 1e308}}})
        }
    }
}

fn deep_json(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn billion_laughs() -> String {
    let mut yaml = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        yaml.push_str(&format!(
            "{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    yaml
}

/// One 20 KB string and `aliases` aliases to it: a small text for a large value.
fn alias_bomb(aliases: usize) -> String {
    let mut yaml = format!("- &big \"{}\"\n", "x".repeat(20_000));
    for _ in 0..aliases {
        yaml.push_str("- *big\n");
    }
    yaml
}

/// One rule that `for_each_column` expands to `n` rules.
fn one_rule_for_each(n: usize, function: &str) -> Value {
    let columns: Vec<Value> = (0..n)
        .map(|i| match function {
            "is_unique" => json!([format!("c{i}")]),
            _ => json!(format!("c{i}")),
        })
        .collect();
    json!([{"criticality": "error", "check": {"function": function, "for_each_column": columns, "arguments": {}}}])
}

fn many_rules(n: usize, function: &str) -> Value {
    Value::Array(
        (0..n)
            .map(|i| match function {
                "is_unique" => json!({"name": format!("u{i}"), "criticality": "error", "check": {"function": "is_unique", "arguments": {"columns": ["customer_id"]}}}),
                _ => json!({"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "email"}}}),
            })
            .collect(),
    )
}

/// One input: which function, with which headers and body.
struct Input {
    function: String,
    headers: Vec<(&'static str, &'static str)>,
    body: String,
    /// The body is sent as is (no JSON content type added).
    raw: bool,
}

fn inputs() -> Vec<Input> {
    let mut rng = Lcg(0x5eed);
    let strings = hostile_strings();
    let mut out = Vec::new();
    let json_input = |function: &str, body: Value| Input {
        function: function.into(),
        headers: ALICE.to_vec(),
        body: body.to_string(),
        raw: false,
    };
    // Generated: every function with hostile text in each of its fields.
    for round in 0..22u32 {
        for function in FUNCTIONS {
            let text = rng.pick(&strings).clone();
            let rules = json!([hostile_rule(&mut rng, &text), hostile_rule(&mut rng, &text)]);
            let body = match function {
                "list_schemas" => json!({"catalog": text}),
                "list_tables" => json!({"catalog": "main", "schema": text}),
                "describe_table" | "rule_history" | "get_rule_set" | "store_status"
                | "publish_rule_set" => {
                    json!({"table": text})
                }
                "sample_table" => json!({"table": text, "limit": rng.next() as i64 - (1 << 30)}),
                "start_generation" => {
                    json!({"table": if round.is_multiple_of(2) { "main.sales.customers".to_string() } else { text.clone() }, "prompt": text, "sample_limit": rng.next()})
                }
                "start_validation" => {
                    json!({"table": "main.sales.customers", "rules": rules, "rule_set_version": rng.next() as i64})
                }
                "run_status" | "cancel_run" => json!({"run_id": text}),
                "check_rules" => {
                    json!({"text": text, "format": if round.is_multiple_of(2) { "yaml" } else { "json" }, "table": "main.sales.customers"})
                }
                "analyze_rules" => {
                    json!({"table": "main.sales.customers", "rules": rules, "user_prompt": text})
                }
                "save_rule_set" => {
                    json!({"table": "main.sales.customers", "rules": rules, "user_prompt": text, "metadata": {"x": text}})
                }
                "diff_rule_sets" => json!({"table": text, "from": rng.next() as i64, "to": -1}),
                "restore_rule_set" => json!({"table": text, "version": i32::MAX}),
                "export_rule_set" => json!({"table": text, "format": text}),
                "import_rule_set" => {
                    json!({"table": "main.sales.customers", "text": format!("- check: {{function: {text}}}"), "format": "yaml"})
                }
                "submit_rule_set" | "review_detail" => {
                    json!({"table": text, "version": rng.next() as i64 - (1 << 30)})
                }
                "approve_rule_set" => {
                    json!({"table": "main.sales.customers", "version": rng.next() as i64, "expected_status": text})
                }
                "reject_rule_set" => {
                    json!({"table": "main.sales.customers", "version": 1, "reason": text.repeat(100), "expected_status": "pending"})
                }
                "comment_rule_set" => {
                    json!({"table": "main.sales.customers", "version": 1, "text": text.repeat(100)})
                }
                "review_queue" => json!({"x": text}),
                "impact_preview" => {
                    json!({"table": "main.sales.customers", "version": 1, "sample_rows": rng.next()})
                }
                "my_roles" => json!({"table": text}),
                _ => json!({"unexpected": text}),
            };
            out.push(json_input(function, body));
        }
    }
    // Structural attacks on the rule parsers and the engine.
    for (function, body) in [
        (
            "check_rules",
            json!({"text": billion_laughs(), "format": "yaml"}),
        ),
        (
            "import_rule_set",
            json!({"table": "main.sales.customers", "text": billion_laughs(), "format": "yaml"}),
        ),
        (
            "check_rules",
            json!({"text": deep_json(100_000), "format": "json"}),
        ),
        (
            "check_rules",
            json!({"text": format!("{}x{}", "- ".repeat(50_000), ""), "format": "yaml"}),
        ),
        (
            "check_rules",
            json!({"text": deep_json(5_000).replace('[', "- ["), "format": "yaml"}),
        ),
        (
            "start_validation",
            json!({"table": "main.sales.customers", "rules": many_rules(2_000, "is_unique")}),
        ),
        (
            "start_validation",
            json!({"table": "main.sales.customers", "rules": many_rules(1_001, "is_not_null")}),
        ),
        (
            "analyze_rules",
            json!({"table": "main.sales.customers", "rules": many_rules(1_000, "is_not_null")}),
        ),
        (
            "analyze_rules",
            json!({"table": "main.sales.customers", "rules": many_rules(20_000, "is_not_null")}),
        ),
        (
            "save_rule_set",
            json!({"table": "main.sales.customers", "rules": many_rules(5_000, "is_not_null")}),
        ),
        (
            "start_validation",
            json!({"table": "main.sales.customers", "rules": many_rules(100, "is_unique")}),
        ),
        (
            "check_rules",
            json!({"text": alias_bomb(20_000), "format": "yaml"}),
        ),
        (
            "import_rule_set",
            json!({"table": "main.sales.customers", "text": alias_bomb(20_000), "format": "yaml"}),
        ),
        (
            "start_validation",
            json!({"table": "main.sales.customers", "rules": one_rule_for_each(1_000, "is_unique")}),
        ),
        (
            "start_validation",
            json!({"table": "main.sales.customers", "rules": one_rule_for_each(60_000, "is_not_null")}),
        ),
        (
            "analyze_rules",
            json!({"table": "main.sales.customers", "rules": one_rule_for_each(60_000, "is_not_null"), "user_prompt": "x".repeat(100_000)}),
        ),
        (
            "save_rule_set",
            json!({"table": "main.sales.customers", "rules": many_rules(1, "is_not_null"), "user_prompt": "p".repeat(100_000), "metadata": {"x": "m".repeat(200_000)}}),
        ),
    ] {
        out.push(json_input(function, body));
    }
    // Bodies that are not what they claim, too large, or from elsewhere.
    for function in FUNCTIONS {
        out.push(Input {
            function: function.into(),
            headers: vec![("content-type", "text/plain"), ALICE[0]],
            body: "{}".into(),
            raw: true,
        });
        out.push(Input {
            function: function.into(),
            headers: vec![
                ("content-type", "application/json"),
                ("origin", "http://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
            body: "{}".into(),
            raw: true,
        });
        // DNS rebinding: another host with an Origin to match it, and a fetch that says "none".
        out.push(Input {
            function: function.into(),
            headers: vec![
                ("content-type", "application/json"),
                ("host", "evil.example"),
                ("origin", "http://evil.example"),
                ALICE[0],
            ],
            body: "{}".into(),
            raw: true,
        });
        out.push(Input {
            function: function.into(),
            headers: vec![
                ("content-type", "application/json"),
                ("origin", "http://evil.example"),
                ("sec-fetch-site", "none"),
                ALICE[0],
            ],
            body: "{}".into(),
            raw: true,
        });
        out.push(Input {
            function: function.into(),
            headers: vec![("content-type", "application/json"), ALICE[0]],
            body: deep_json(200_000),
            raw: true,
        });
        out.push(Input {
            function: function.into(),
            headers: vec![("content-type", "application/json"), BOB[0]],
            body: format!("{{\"table\": \"{}\"}}", "x".repeat(3 * 1024 * 1024)),
            raw: true,
        });
        out.push(Input {
            function: function.into(),
            headers: vec![
                ("content-type", "application/x-www-form-urlencoded"),
                ALICE[0],
            ],
            body: "table=main.sales.customers".into(),
            raw: true,
        });
    }
    out
}

fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// On the server's own runtime (its thread stacks), as in production.
#[test]
fn no_hostile_input_gets_a_5xx_or_stops_the_app() {
    dqx_manager::server::runtime::build()
        .unwrap()
        .block_on(hostile_inputs());
}

async fn hostile_inputs() {
    let (app, _dir) = app().await;
    let inputs = inputs();
    assert!(inputs.len() >= 500, "only {} inputs", inputs.len());
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut runs = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let path = format!("/api/{}", input.function);
        if std::env::var("HOSTILE_TRACE").is_ok() {
            eprintln!(
                "input {i}: {} {}",
                input.function,
                input.body.chars().take(120).collect::<String>()
            );
        }
        let reply: Reply = if input.raw {
            call_raw(&app, &path, &input.headers, input.body.clone()).await
        } else {
            let body: Value = serde_json::from_str(&input.body).unwrap();
            call(&app, &path, &input.headers, body).await
        };
        *by_status.entry(reply.status.as_u16()).or_default() += 1;
        if reply.status.is_server_error() {
            failures.push(format!(
                "input {i} ({}): {} {}",
                input.function,
                reply.status,
                reply.text.chars().take(300).collect::<String>()
            ));
        }
        if reply.status.is_success()
            && let Some(id) = reply.body["run_id"].as_str()
        {
            runs.push(id.to_string());
        }
        // Another site, or another host, never makes the app act.
        if input
            .headers
            .iter()
            .any(|(_, v)| v.contains("evil.example"))
        {
            assert_eq!(
                reply.status.as_u16(),
                403,
                "input {i} ({}) from elsewhere: {}",
                input.function,
                reply.text
            );
        }
        // Every refusal is in the app's error shape, naming what is wrong.
        if reply.status.is_client_error() && reply.status.as_u16() != 413 {
            assert!(
                reply.body["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "input {i} ({}): {} without a message: {}",
                input.function,
                reply.status,
                reply.text
            );
        }
    }
    // The runs that were started end in a state, with a message when they fail.
    let mut run_states: BTreeMap<String, usize> = BTreeMap::new();
    for id in &runs {
        let done = common::http::wait_for_run(&app, &ALICE, id).await;
        let state = done["state"].as_str().unwrap_or_default().to_string();
        *run_states.entry(state).or_default() += 1;
    }
    // The app still answers a normal request correctly.
    let me = call(&app, "/api/whoami", &ALICE, json!({})).await;
    assert_eq!(me.body["email"], "alice@example.com");
    let rss = rss_mib();
    let client_errors: usize = by_status
        .iter()
        .filter(|(s, _)| (400..500).contains(*s))
        .map(|(_, n)| n)
        .sum();
    let answers: usize = by_status
        .iter()
        .filter(|(s, _)| (200..300).contains(*s))
        .map(|(_, n)| n)
        .sum();
    println!(
        "hostile inputs: {} tried, {client_errors} refused with 4xx, {answers} answered, {} 5xx; by status {by_status:?}; runs {run_states:?}; final RSS {rss} MiB (bound {RSS_BOUND_MIB} MiB)",
        inputs.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "5xx answers:\n{}", failures.join("\n"));
    assert!(rss < RSS_BOUND_MIB, "RSS {rss} MiB");
}
