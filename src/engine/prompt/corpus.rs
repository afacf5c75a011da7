//! The prompt corpus: prompts written as users phrase them, over the sample tables and a few
//! made-up schemas, each with exactly the rules expected from the prompt and the clauses the
//! reader should say it did not understand. The suite asserts every expected rule, no other
//! prompt rule, each rule's clause (words of the prompt), and prints precision and recall.

use super::tests::{customers, facts, orders};
use super::*;
use crate::model::rules::{rule_columns, rule_function};
use serde_json::Value;

fn table(name: &str) -> Vec<ColumnFacts> {
    match name {
        "customers" => customers(),
        "orders" => orders(),
        "employees" => facts(&[
            ("employee_id", "bigint"),
            ("full_name", "string"),
            ("email", "string"),
            ("department", "string"),
            ("manager_id", "bigint"),
            ("hire_date", "date"),
            ("salary", "double"),
        ]),
        "transactions" => facts(&[
            ("txn_id", "string"),
            ("account_id", "string"),
            ("posted_at", "timestamp"),
            ("amount", "double"),
            ("currency", "string"),
            ("counterparty", "string"),
            ("memo", "string"),
        ]),
        "devices" => facts(&[
            ("device_uuid", "string"),
            ("serial_number", "string"),
            ("ipv6_address", "string"),
            ("battery_level", "int"),
            ("last_seen", "timestamp"),
            ("firmware", "string"),
        ]),
        _ => facts(&[
            ("sku", "string"),
            ("product_name", "string"),
            ("price", "decimal(10,2)"),
            ("stock", "int"),
            ("category", "string"),
            ("attributes", "string"),
        ]),
    }
}

/// A prompt rule in short: `function(columns;arguments)`, ` warn` for warnings.
fn signature(rule: &Value) -> String {
    let f = rule_function(rule);
    let args = &rule["check"]["arguments"];
    let cols = rule_columns(rule).join(",");
    let unquote = |v: &Value| match v {
        Value::String(s) => s.trim_matches('\'').to_string(),
        other => other.to_string(),
    };
    let detail = match f {
        "regex_match" => format!(";{}", unquote(&args["regex"])),
        "is_in_list" => format!(
            ";{}",
            args["allowed"]
                .as_array()
                .map(|a| a.iter().map(unquote).collect::<Vec<_>>().join("|"))
                .unwrap_or_default()
        ),
        "is_not_less_than" | "is_not_greater_than" => format!(";{}", unquote(&args["limit"])),
        "is_in_range" => format!(
            ";{}..{}",
            unquote(&args["min_limit"]),
            unquote(&args["max_limit"])
        ),
        "foreign_key" => format!(";{}", unquote(&args["ref_table"])),
        _ => String::new(),
    };
    let f = match f {
        "is_valid_email" => "email",
        "sql_expression" => "positive",
        other => other,
    };
    let warn = if rule["criticality"] == "warn" {
        " warn"
    } else {
        ""
    };
    format!("{f}({cols}{detail}){warn}")
}

/// (table, prompt, expected rules, clauses not understood).
const CORPUS: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "customers",
        "emails must be valid, customer ids unique, no negative lifetime values, country is one of US, DE, FR, GB, JP",
        &[
            "email(email)",
            "is_unique(customer_id)",
            "is_not_less_than(lifetime_value;0)",
            "is_in_list(country;US|DE|FR|GB|JP)",
        ],
        &[],
    ),
    (
        "customers",
        "emails must be valid and customer ids unique",
        &["email(email)", "is_unique(customer_id)"],
        &[],
    ),
    (
        "customers",
        "Every customer needs an email.",
        &["is_not_null_and_not_empty(email)"],
        &[],
    ),
    (
        "customers",
        "email addresses should look valid (just a warning), and each customer_id appears once",
        &["email(email) warn", "is_unique(customer_id)"],
        &[],
    ),
    (
        "customers",
        "ip addresses must be valid IPv4",
        &["is_valid_ipv4_address(ip_address)"],
        &[],
    ),
    (
        "customers",
        "signup dates can't be in the future",
        &["is_not_in_future(signup_date)"],
        &[],
    ),
    (
        "customers",
        "lifetime value between 0 and 50,000",
        &["is_in_range(lifetime_value;0..50000)"],
        &[],
    ),
    (
        "customers",
        "customer ids must be unique and not null",
        &["is_unique(customer_id)", "is_not_null(customer_id)"],
        &[],
    ),
    (
        "customers",
        "full names are required",
        &["is_not_null_and_not_empty(full_name)"],
        &[],
    ),
    (
        "customers",
        "the country must not be empty",
        &["is_not_null_and_not_empty(country)"],
        &[],
    ),
    (
        "customers",
        "make it nice. emails must be valid",
        &["email(email)"],
        &["make it nice"],
    ),
    (
        "customers",
        "no negative amounts",
        &[],
        &["no negative amounts"],
    ),
    (
        "customers",
        "emails valid, warn only",
        &["email(email) warn"],
        &[],
    ),
    (
        "customers",
        "country should be either US or DE",
        &["is_in_list(country;US|DE)"],
        &[],
    ),
    (
        "customers",
        "lifetime_value must be positive",
        &["positive(lifetime_value)"],
        &[],
    ),
    (
        "customers",
        "lifetime value at most 100000",
        &["is_not_greater_than(lifetime_value;100000)"],
        &[],
    ),
    (
        "customers",
        "countries must not be negative",
        &[],
        &["countries must not be negative"],
    ),
    (
        "customers",
        "emails and full names are mandatory",
        &[
            "is_not_null_and_not_empty(email)",
            "is_not_null_and_not_empty(full_name)",
        ],
        &[],
    ),
    (
        "customers",
        "email must match '^[^@]+@example\\.com$'",
        &["regex_match(email;^[^@]+@example\\.com$)"],
        &[],
    ),
    (
        "customers",
        "signup_date is required; emails are unique",
        &["is_not_null(signup_date)", "is_unique(email)"],
        &[],
    ),
    (
        "orders",
        "every order needs a customer and a currency",
        &[
            "is_not_null(customer_id)",
            "is_not_null_and_not_empty(currency)",
        ],
        &[],
    ),
    (
        "orders",
        "amount must not exceed 10000 and must not be below zero",
        &[
            "is_not_greater_than(amount;10000)",
            "is_not_less_than(amount;0)",
        ],
        &[],
    ),
    (
        "orders",
        "status must be one of new, paid, shipped, delivered or cancelled and amounts can't be negative",
        &[
            "is_in_list(status;new|paid|shipped|delivered|cancelled)",
            "is_not_less_than(amount;0)",
        ],
        &[],
    ),
    (
        "orders",
        "every order must reference an existing customer in main.sales.customers",
        &["foreign_key(customer_id;main.sales.customers)"],
        &[],
    ),
    (
        "orders",
        "order ids are unique",
        &["is_unique(order_id)"],
        &[],
    ),
    (
        "orders",
        "No negative amounts.",
        &["is_not_less_than(amount;0)"],
        &[],
    ),
    (
        "orders",
        "status is one of new, shipped, cancelled",
        &["is_in_list(status;new|shipped|cancelled)"],
        &[],
    ),
    (
        "orders",
        "Status must be either 'new' or 'paid'.",
        &["is_in_list(status;new|paid)"],
        &[],
    ),
    (
        "orders",
        "dates must not be in the future",
        &["is_not_in_future(order_ts)"],
        &[],
    ),
    (
        "orders",
        "order_ts is mandatory, amount is at least 1",
        &["is_not_null(order_ts)", "is_not_less_than(amount;1)"],
        &[],
    ),
    (
        "orders",
        "currency is one of USD, EUR or GBP; warn only",
        &["is_in_list(currency;USD|EUR|GBP) warn"],
        &[],
    ),
    (
        "orders",
        "amounts must be positive and orders must have a status",
        &["positive(amount)", "is_not_null_and_not_empty(status)"],
        &[],
    ),
    (
        "orders",
        "customer_id should exist in main.sales.customers (warning)",
        &["foreign_key(customer_id;main.sales.customers) warn"],
        &[],
    ),
    (
        "orders",
        "order timestamps shouldn't be in the future",
        &["is_not_in_future(order_ts)"],
        &[],
    ),
    (
        "orders",
        "amount no more than 5000",
        &["is_not_greater_than(amount;5000)"],
        &[],
    ),
    (
        "orders",
        "the combination of order id and customer id must be unique",
        &["is_unique(order_id,customer_id)"],
        &[],
    ),
    (
        "orders",
        "statuses can't be negative",
        &[],
        &["statuses can't be negative"],
    ),
    (
        "orders",
        "be careful with refunds",
        &[],
        &["be careful with refunds"],
    ),
    (
        "employees",
        "each employee_id appears once",
        &["is_unique(employee_id)"],
        &[],
    ),
    (
        "employees",
        "salary between 30000 and 250000",
        &["is_in_range(salary;30000..250000)"],
        &[],
    ),
    (
        "employees",
        "hire dates are never in the future",
        &["is_not_in_future(hire_date)"],
        &[],
    ),
    (
        "employees",
        "every employee needs a manager",
        &["is_not_null(manager_id)"],
        &[],
    ),
    (
        "employees",
        "department must be one of Sales, Engineering, Finance, HR or Legal",
        &["is_in_list(department;Sales|Engineering|Finance|HR|Legal)"],
        &[],
    ),
    (
        "employees",
        "emails must be well-formed and unique",
        &["email(email)", "is_unique(email)"],
        &[],
    ),
    (
        "employees",
        "salary must be at least 30000 (just a warning)",
        &["is_not_less_than(salary;30000) warn"],
        &[],
    ),
    (
        "employees",
        "manager ids must reference main.hr.employees",
        &["foreign_key(manager_id;main.hr.employees)"],
        &[],
    ),
    (
        "employees",
        "salaries are positive",
        &["positive(salary)"],
        &[],
    ),
    (
        "employees",
        "full_name must not be blank",
        &["is_not_null_and_not_empty(full_name)"],
        &[],
    ),
    (
        "transactions",
        "memo has to be valid JSON",
        &["is_valid_json(memo)"],
        &[],
    ),
    (
        "transactions",
        "txn ids must be unique",
        &["is_unique(txn_id)"],
        &[],
    ),
    // Issue 29 (1): a clause never borrows the column of the clause before it.
    (
        "transactions",
        "amounts never negative, transaction ids unique",
        &["is_not_less_than(amount;0)", "is_unique(txn_id)"],
        &[],
    ),
    (
        "transactions",
        "transaction ids must be unique",
        &["is_unique(txn_id)"],
        &[],
    ),
    (
        "transactions",
        "amounts never negative, widget codes unique",
        &["is_not_less_than(amount;0)"],
        &["widget codes unique"],
    ),
    (
        "transactions",
        "amounts never negative, widget codes unique, and not above 100",
        &["is_not_less_than(amount;0)"],
        &["widget codes unique", "not above 100"],
    ),
    (
        "transactions",
        "acct ids are required, transaction ids unique",
        &["is_not_null_and_not_empty(account_id)", "is_unique(txn_id)"],
        &[],
    ),
    (
        "transactions",
        "every transaction needs an account",
        &["is_not_null_and_not_empty(account_id)"],
        &[],
    ),
    (
        "transactions",
        "amount must not exceed 1,000,000",
        &["is_not_greater_than(amount;1000000)"],
        &[],
    ),
    (
        "transactions",
        "currency must be one of USD, EUR, GBP, CHF",
        &["is_in_list(currency;USD|EUR|GBP|CHF)"],
        &[],
    ),
    (
        "transactions",
        "posted_at can't be in the future, and counterparty is required",
        &[
            "is_not_in_future(posted_at)",
            "is_not_null_and_not_empty(counterparty)",
        ],
        &[],
    ),
    (
        "transactions",
        "memo should be JSON, warn",
        &["is_valid_json(memo) warn"],
        &[],
    ),
    (
        "devices",
        "device uuids must be valid UUIDs",
        &["is_valid_uuid(device_uuid)"],
        &[],
    ),
    (
        "devices",
        "ipv6 addresses must be valid IPv6",
        &["is_valid_ipv6_address(ipv6_address)"],
        &[],
    ),
    (
        "devices",
        "battery level between 0 and 100",
        &["is_in_range(battery_level;0..100)"],
        &[],
    ),
    (
        "devices",
        "serial numbers are unique and required",
        &[
            "is_unique(serial_number)",
            "is_not_null_and_not_empty(serial_number)",
        ],
        &[],
    ),
    (
        "devices",
        "last_seen must not be in the future",
        &["is_not_in_future(last_seen)"],
        &[],
    ),
    (
        "devices",
        "firmware must match `^v\\d+\\.\\d+$`",
        &["regex_match(firmware;^v\\d+\\.\\d+$)"],
        &[],
    ),
    (
        "devices",
        "the fleet should be healthy",
        &[],
        &["the fleet should be healthy"],
    ),
    (
        "products",
        "skus are unique; prices must be positive; stock is at least 0",
        &[
            "is_unique(sku)",
            "positive(price)",
            "is_not_less_than(stock;0)",
        ],
        &[],
    ),
    (
        "products",
        "category is one of toys, books, garden",
        &["is_in_list(category;toys|books|garden)"],
        &[],
    ),
    (
        "products",
        "attributes must be valid JSON",
        &["is_valid_json(attributes)"],
        &[],
    ),
    (
        "products",
        "product names are mandatory, and price at most 999.99",
        &[
            "is_not_null_and_not_empty(product_name)",
            "is_not_greater_than(price;999.99)",
        ],
        &[],
    ),
    (
        "products",
        "stock can't be negative",
        &["is_not_less_than(stock;0)"],
        &[],
    ),
];

/// Prompts written after the reader was finished and never tuned for: the honest figure.
const HELD_OUT: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "customers",
        "Customer emails need to be valid addresses and every customer must have a country",
        &["email(email)", "is_not_null_and_not_empty(country)"],
        &[],
    ),
    (
        "customers",
        "no duplicate emails please",
        &["is_unique(email)"],
        &[],
    ),
    (
        "customers",
        "signup_date must not be in the future and lifetime_value should never be negative",
        &[
            "is_not_in_future(signup_date)",
            "is_not_less_than(lifetime_value;0)",
        ],
        &[],
    ),
    (
        "customers",
        "The country code is one of US, CA or MX",
        &["is_in_list(country;US|CA|MX)"],
        &[],
    ),
    (
        "orders",
        "each order_id only once; amount up to 20000",
        &["is_unique(order_id)", "is_not_greater_than(amount;20000)"],
        &[],
    ),
    (
        "orders",
        "Orders must always have an order timestamp",
        &["is_not_null(order_ts)"],
        &[],
    ),
    (
        "orders",
        "currency should be EUR or USD (warn)",
        &["is_in_list(currency;EUR|USD) warn"],
        &[],
    ),
    (
        "employees",
        "Salaries must be between 20000 and 300000, and hire_date is required",
        &[
            "is_in_range(salary;20000..300000)",
            "is_not_null(hire_date)",
        ],
        &[],
    ),
    (
        "employees",
        "department can't be empty",
        &["is_not_null_and_not_empty(department)"],
        &[],
    ),
    (
        "employees",
        "no employee should be hired in the future",
        &["is_not_in_future(hire_date)"],
        &[],
    ),
    (
        "transactions",
        "account ids are mandatory and the memo column must contain valid JSON",
        &[
            "is_not_null_and_not_empty(account_id)",
            "is_valid_json(memo)",
        ],
        &[],
    ),
    (
        "transactions",
        "amounts must be greater than zero",
        &["positive(amount)"],
        &[],
    ),
    (
        "devices",
        "battery level must be at least 0 and at most 100",
        &[
            "is_not_less_than(battery_level;0)",
            "is_not_greater_than(battery_level;100)",
        ],
        &[],
    ),
    (
        "products",
        "price must not be negative, stock must not be negative",
        &["is_not_less_than(price;0)", "is_not_less_than(stock;0)"],
        &[],
    ),
    (
        "products",
        "sku values must match '^[A-Z]{3}-\\d{4}$'",
        &["regex_match(sku;^[A-Z]{3}-\\d{4}$)"],
        &[],
    ),
];

/// Rules expected and found, and the prompts read wrongly, over `corpus`.
fn score(corpus: &[(&str, &str, &[&str], &[&str])]) -> (usize, usize, usize, Vec<String>) {
    let (mut expected_total, mut produced_total, mut hits) = (0usize, 0usize, 0usize);
    let mut problems = Vec::new();
    for (name, prompt, expected, _) in corpus {
        let columns = table(name);
        let rules = apply_prompt(Vec::new(), &read_prompt(prompt, &columns), &columns);
        let got: Vec<String> = rules.iter().map(signature).collect();
        expected_total += expected.len();
        produced_total += got.len();
        hits += got
            .iter()
            .filter(|g| expected.contains(&g.as_str()))
            .count();
        if got.len() != expected.len() || got.iter().any(|g| !expected.contains(&g.as_str())) {
            problems.push(format!(
                "\u{201c}{prompt}\u{201d}: expected {expected:?}, got {got:?}"
            ));
        }
    }
    (expected_total, produced_total, hits, problems)
}

#[test]
fn prompts_never_tuned_for_read_mostly_right() {
    let (expected, produced, hits, problems) = score(HELD_OUT);
    let precision = hits as f64 / produced.max(1) as f64;
    let recall = hits as f64 / expected.max(1) as f64;
    println!(
        "held-out prompts: {} prompts, {expected} expected rules, {produced} produced, precision {precision:.3}, recall {recall:.3}\n{}",
        HELD_OUT.len(),
        problems.join("\n")
    );
    // A floor, not a target: a reader that guesses would produce wrong rules and fall under it.
    assert!(precision >= 0.8 && recall >= 0.7, "{problems:?}");
}

#[test]
fn the_corpus_reads_as_its_users_meant() {
    let (mut expected_total, mut produced_total, mut hits) = (0usize, 0usize, 0usize);
    let mut problems = Vec::new();
    for (name, prompt, expected, not_understood) in CORPUS {
        let columns = table(name);
        let reading = read_prompt(prompt, &columns);
        let rules = apply_prompt(Vec::new(), &reading, &columns);
        let got: Vec<String> = rules.iter().map(signature).collect();
        expected_total += expected.len();
        produced_total += got.len();
        hits += got
            .iter()
            .filter(|g| expected.contains(&g.as_str()))
            .count();
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        let mut have = got.clone();
        want.sort();
        have.sort();
        if want != have {
            problems.push(format!(
                "{name}: \u{201c}{prompt}\u{201d}\n    expected {want:?}\n    got      {have:?}"
            ));
        }
        for rule in &rules {
            let clause = rule["user_metadata"]["clause"].as_str().unwrap_or_default();
            if clause.is_empty() || !prompt.contains(clause.split(" and ").next().unwrap_or(clause))
            {
                problems.push(format!(
                    "{name}: \u{201c}{prompt}\u{201d}: clause {clause:?} is not the prompt's words"
                ));
            }
        }
        let mut unread = reading.not_understood.clone();
        unread.sort();
        let mut want_unread: Vec<String> = not_understood.iter().map(|s| s.to_string()).collect();
        want_unread.sort();
        if unread != want_unread {
            problems.push(format!("{name}: \u{201c}{prompt}\u{201d}: not understood {unread:?}, expected {want_unread:?}"));
        }
    }
    let precision = hits as f64 / produced_total.max(1) as f64;
    let recall = hits as f64 / expected_total.max(1) as f64;
    println!(
        "prompt corpus: {} prompts, {expected_total} expected rules, {produced_total} produced, precision {precision:.3}, recall {recall:.3}",
        CORPUS.len()
    );
    assert!(CORPUS.len() >= 60);
    assert!(
        problems.is_empty(),
        "{} prompts read wrongly:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
