//! The calls the server benchmark drives, each as the local users in turn (alice and carol read
//! the same tables, so each request is a different user's session half the time).

use serde_json::{Value, json};

/// One benchmarked request.
pub struct Call {
    pub name: &'static str,
    /// `None`: a GET of `path` (a page); else a POST of this JSON body.
    body: Option<fn() -> Value>,
    path: &'static str,
}

const USERS: [&str; 2] = ["local-alice", "local-carol"];

fn empty() -> Value {
    json!({})
}

fn describe_orders() -> Value {
    json!({"table": "main.sales.orders"})
}

fn preview_customers() -> Value {
    json!({"table": "main.sales.customers", "limit": 100})
}

fn preview_transactions() -> Value {
    json!({"table": "finance.ledger.transactions", "limit": 100})
}

fn check_rules() -> Value {
    json!({
        "text": "- criticality: error\n  check: {function: is_not_null, arguments: {column: customer_id}}\n- criticality: warn\n  check: {function: is_in_list, arguments: {column: country, allowed: [\"'US'\", \"'DE'\"]}}\n",
        "format": "yaml",
        "table": "main.sales.customers"
    })
}

/// Every call of the benchmark, in the order reported.
pub const CALLS: [Call; 6] = [
    Call {
        name: "list_catalogs",
        body: Some(empty),
        path: "/api/list_catalogs",
    },
    Call {
        name: "describe_table main.sales.orders",
        body: Some(describe_orders),
        path: "/api/describe_table",
    },
    Call {
        name: "sample_table main.sales.customers, 100 rows",
        body: Some(preview_customers),
        path: "/api/sample_table",
    },
    Call {
        name: "sample_table finance.ledger.transactions (100k rows), 100 rows",
        body: Some(preview_transactions),
        path: "/api/sample_table",
    },
    Call {
        name: "check_rules (2 rules, with the table's columns)",
        body: Some(check_rules),
        path: "/api/check_rules",
    },
    Call {
        name: "Generate page HTML",
        body: None,
        path: "/generate?table=main.sales.customers",
    },
];

impl Call {
    /// Sends the call as user `n % 2`; whether it answered 2xx.
    pub async fn send(&self, client: &reqwest::Client, url: &str, n: usize) -> bool {
        let token = USERS[n % USERS.len()];
        let request = match self.body {
            Some(body) => client.post(format!("{url}{}", self.path)).json(&body()),
            None => client.get(format!("{url}{}", self.path)),
        };
        match request
            .header("x-forwarded-access-token", token)
            .send()
            .await
        {
            Ok(response) => {
                let ok = response.status().is_success();
                // Read the whole body: the server's work includes writing it.
                ok && response.bytes().await.is_ok()
            }
            Err(_) => false,
        }
    }
}
