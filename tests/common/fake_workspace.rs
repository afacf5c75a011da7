//! A small fake Databricks workspace (axum on a loopback port) that follows the public API shapes
//! (reference/databricks-api.md) and records, for every call, the path and the token it carried.
//! Users: `alice-token` (reads everything), `bob-token` (no SELECT on main.hr.employees). The
//! service principal signs in as `client-id` / `client-secret` and gets `sp-token-N`. Tables named
//! `filtered_*` carry a row filter in their `TableInfo`, and `masked_*` a mask on `email`.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Rows of the fake main.sales.customers, served in chunks of four.
pub const ROWS: usize = 12;
/// Alice and bob as a Databricks App forwards them (their tokens are the ones this fake knows).
pub const WS_ALICE: [(&str, &str); 2] = [
    ("x-forwarded-access-token", "alice-token"),
    ("x-forwarded-email", "alice@example.com"),
];
pub const WS_BOB: [(&str, &str); 2] = [
    ("x-forwarded-access-token", "bob-token"),
    ("x-forwarded-email", "bob@example.com"),
];
pub const JOB_RUN_BASE: i64 = 1 << 40;

#[derive(Default)]
pub struct Fake {
    /// (method and path, bearer token or "basic") of every call, in order.
    pub calls: Mutex<Vec<(String, String)>>,
    pub mints: AtomicUsize,
    /// Service-principal tokens the workspace now refuses (expired or revoked).
    pub revoked: Mutex<HashSet<String>>,
    /// 429s to answer on the catalogs listing before serving it.
    pub throttle_catalogs: AtomicUsize,
    next_run: AtomicI64,
    /// Statement id → whether it has been polled once (counts finish on the first poll).
    pending: Mutex<HashMap<String, bool>>,
    /// Job run id → its job id.
    runs: Mutex<HashMap<i64, i64>>,
    /// (statement text, parameters) of every submitted statement.
    pub statements: Mutex<Vec<(String, Value)>>,
    /// Database credentials minted.
    pub credentials: AtomicUsize,
    /// Answer job output with exactly the §5 fields (no `rows_with_warnings`).
    pub contract_only_output: std::sync::atomic::AtomicBool,
    /// Lifetime of the service principal's tokens, in seconds (0: the default 3600).
    pub token_lifetime: AtomicI64,
    /// Statements that run until canceled.
    slow: Mutex<HashSet<String>>,
    /// Statements canceled, with the token that asked.
    pub canceled: Mutex<Vec<(String, String)>>,
    /// Files API: path → (bytes, the token that wrote them), and how many uploads there were.
    pub files: Mutex<HashMap<String, (String, String)>>,
    pub uploads: AtomicUsize,
    /// The DQX checks table `main`.`dq`.`checks`: `None` until created, then the rule set
    /// fingerprint of each batch inserted, oldest first, and (token, statement) of each write.
    pub checks_table: Mutex<Option<Vec<String>>>,
    pub checks_writes: Mutex<Vec<(String, String)>>,
    /// DQX's metrics table `main`.`dq`.`metrics`: its rows (column → value, as JSON objects)
    /// with the token that wrote each (tests add a pipeline's rows directly); bob may not read
    /// or write it.
    pub metrics_rows: Mutex<Vec<(Value, String)>>,
    /// Job definitions by id (`MONITOR_JOB` is the bundle's monitoring job), for the Jobs API's
    /// create, get, list, update, reset and delete; only the service principal may call them.
    pub job_defs: Mutex<std::collections::BTreeMap<i64, Value>>,
    /// DQX's actions table `main`.`dq`.`actions` and action-events table
    /// `main`.`dq`.`action_events`: `None` until created, then their rows (column → value) with
    /// the token that wrote each.
    pub action_rows: Mutex<Option<Vec<(Value, String)>>>,
    pub event_rows: Mutex<Option<Vec<(Value, String)>>>,
}

/// The bundle's monitoring job in the fake workspace.
pub const MONITOR_JOB: i64 = 33;

fn monitor_template() -> Value {
    json!({
        "name": "[dev] dqx-monitor-rules",
        "timeout_seconds": 7200,
        "max_concurrent_runs": 1,
        "parameters": [
            {"name": "table_name", "default": ""},
            {"name": "checks_location", "default": ""},
            {"name": "actions_location", "default": ""},
            {"name": "run_id", "default": "{{job.run_id}}"}
        ],
        "tasks": [{"task_key": "monitor", "environment_key": "dqx",
                   "notebook_task": {"notebook_path": "/Workspace/Users/sp/.bundle/dqx-manager/dev/files/notebooks/monitor_dq_rules"}}],
        "environments": [{"environment_key": "dqx", "spec": {"client": "2", "dependencies": ["databricks-labs-dqx==0.17.0"]}}]
    })
}

pub const HEALTH_JOB: i64 = 44;

fn health_template() -> Value {
    json!({
        "name": "[dev] dqx-health",
        "timeout_seconds": 3600,
        "max_concurrent_runs": 1,
        "parameters": [
            {"name": "tables", "default": "[]"},
            {"name": "metrics_table", "default": ""},
            {"name": "run_id", "default": "{{job.run_id}}"}
        ],
        "tasks": [{"task_key": "observe", "environment_key": "dqx",
                   "notebook_task": {"notebook_path": "/Workspace/Users/sp/.bundle/dqx-manager/dev/files/notebooks/observe_health"}}],
        "environments": [{"environment_key": "dqx", "spec": {"client": "2"}}]
    })
}

fn job_reply(id: i64, settings: &Value) -> Value {
    json!({"job_id": id, "creator_user_name": "client-id", "created_time": 1_765_000_000_000_i64, "settings": settings})
}

async fn jobs_create(
    State(fake): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let token = record(&fake, "POST /api/2.1/jobs/create".into(), &headers);
    if let Some(r) = require_sp(&fake, &token) {
        return r;
    }
    if body["name"].as_str().unwrap_or_default().is_empty() || !body["tasks"].is_array() {
        return error(
            StatusCode::BAD_REQUEST,
            json!("INVALID_PARAMETER_VALUE"),
            "a job needs a name and tasks",
        );
    }
    let mut defs = fake.job_defs.lock().unwrap();
    // Never an id a deleted job had.
    let id = defs.keys().copied().max().unwrap_or(0).max(999) + 1;
    defs.insert(id, body);
    axum::Json(json!({"job_id": id})).into_response()
}

async fn jobs_get(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = record(&fake, "GET /api/2.1/jobs/get".into(), &headers);
    if let Some(r) = require_sp(&fake, &token) {
        return r;
    }
    let id: i64 = q
        .get("job_id")
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    match fake.job_defs.lock().unwrap().get(&id) {
        Some(settings) => axum::Json(job_reply(id, settings)).into_response(),
        None => error(
            StatusCode::BAD_REQUEST,
            json!("INVALID_PARAMETER_VALUE"),
            &format!("Job {id} does not exist."),
        ),
    }
}

async fn jobs_list(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = record(&fake, "GET /api/2.1/jobs/list".into(), &headers);
    if let Some(r) = require_sp(&fake, &token) {
        return r;
    }
    let name = q.get("name").map(|n| n.to_lowercase());
    let jobs: Vec<Value> = fake
        .job_defs
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, s)| {
            name.as_ref()
                .is_none_or(|n| s["name"].as_str().unwrap_or_default().to_lowercase() == *n)
        })
        .map(|(id, s)| job_reply(*id, s))
        .collect();
    axum::Json(json!({"jobs": jobs, "has_more": false})).into_response()
}

/// `jobs/reset` (whole settings), `jobs/update` (top-level fields) and `jobs/delete`.
async fn jobs_change(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Path(verb): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let token = record(&fake, format!("POST /api/2.1/jobs/{verb}"), &headers);
    if let Some(r) = require_sp(&fake, &token) {
        return r;
    }
    let id = body["job_id"].as_i64().unwrap_or_default();
    let mut defs = fake.job_defs.lock().unwrap();
    let Some(settings) = defs.get_mut(&id) else {
        return error(
            StatusCode::BAD_REQUEST,
            json!("INVALID_PARAMETER_VALUE"),
            &format!("Job {id} does not exist."),
        );
    };
    match verb.as_str() {
        "reset" => *settings = body["new_settings"].clone(),
        "update" => {
            for (k, v) in body["new_settings"]
                .as_object()
                .cloned()
                .unwrap_or_default()
            {
                settings[k] = v;
            }
        }
        "delete" => {
            defs.remove(&id);
        }
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                json!("ENDPOINT_NOT_FOUND"),
                "no such endpoint",
            );
        }
    }
    axum::Json(json!({})).into_response()
}

impl Fake {
    pub fn calls(&self) -> Vec<(String, String)> {
        self.calls.lock().unwrap().clone()
    }
}

type Shared = Arc<Fake>;

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.strip_prefix("Bearer ").unwrap_or("basic").to_string())
        .unwrap_or_default()
}

fn record(fake: &Fake, what: String, headers: &HeaderMap) -> String {
    let token = bearer(headers);
    fake.calls.lock().unwrap().push((what, token.clone()));
    token
}

fn error(status: StatusCode, code: Value, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error_code": code, "message": message})),
    )
        .into_response()
}

fn is_user(token: &str) -> bool {
    token == "alice-token" || token == "bob-token"
}

/// User endpoints refuse anything but a user token; job endpoints anything but a live SP token.
fn require_user(token: &str) -> Option<Response> {
    (!is_user(token)).then(|| {
        error(
            StatusCode::FORBIDDEN,
            json!("PERMISSION_DENIED"),
            "this fake serves user calls to user tokens only",
        )
    })
}

fn require_sp(fake: &Fake, token: &str) -> Option<Response> {
    if fake.revoked.lock().unwrap().contains(token) {
        return Some(error(
            StatusCode::FORBIDDEN,
            json!(403),
            "Invalid access token.",
        ));
    }
    (!token.starts_with("sp-token-")).then(|| {
        error(
            StatusCode::FORBIDDEN,
            json!("PERMISSION_DENIED"),
            "Provided OAuth token does not have required scopes: jobs",
        )
    })
}

async fn token(State(fake): State<Shared>, headers: HeaderMap, body: String) -> Response {
    record(&fake, "POST /oidc/v1/token".into(), &headers);
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // base64("client-id:client-secret")
    if basic != "Basic Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQ="
        || !body.contains("grant_type=client_credentials")
        || !body.contains("scope=all-apis")
    {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client", "error_description": "Client authentication failed"}))).into_response();
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let n = fake.mints.fetch_add(1, Ordering::SeqCst) + 1;
    let lifetime = match fake.token_lifetime.load(Ordering::SeqCst) {
        0 => 3600,
        n => n,
    };
    axum::Json(json!({"access_token": format!("sp-token-{n}"), "token_type": "Bearer", "scope": "all-apis", "expires_in": lifetime})).into_response()
}

async fn catalogs(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = record(
        &fake,
        format!(
            "GET catalogs page={}",
            q.get("page_token").cloned().unwrap_or_default()
        ),
        &headers,
    );
    if let Some(r) = require_user(&token) {
        return r;
    }
    if fake.throttle_catalogs.load(Ordering::SeqCst) > 0 {
        fake.throttle_catalogs.fetch_sub(1, Ordering::SeqCst);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            axum::Json(json!({"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "slow down"})),
        )
            .into_response();
    }
    if q.get("max_results").map(String::as_str) != Some("0") {
        return error(
            StatusCode::BAD_REQUEST,
            json!("INVALID_PARAMETER_VALUE"),
            "send max_results=0",
        );
    }
    match q.get("page_token").map(String::as_str) {
        // An empty first page that still has a next token.
        None => axum::Json(json!({"catalogs": [], "next_page_token": "p2"})).into_response(),
        Some("p2") => axum::Json(
            json!({"catalogs": [{"name": "main", "comment": "Main"}], "next_page_token": "p3"}),
        )
        .into_response(),
        Some("p3") => axum::Json(json!({"catalogs": [{"name": "finance"}]})).into_response(),
        Some(_) => error(
            StatusCode::BAD_REQUEST,
            json!("INVALID_PARAMETER_VALUE"),
            "bad page token",
        ),
    }
}

async fn table_info(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Path(full): Path<String>,
) -> Response {
    let token = record(&fake, format!("GET table {full}"), &headers);
    if let Some(r) = require_user(&token) {
        return r;
    }
    let parts: Vec<&str> = full.split('.').collect();
    let mut email = json!({"name": "email", "type_text": "string", "type_name": "STRING", "position": 1, "nullable": true});
    if parts[2].starts_with("masked_") {
        email["mask"] =
            json!({"function_name": "main.governance.mask_email", "using_column_names": []});
    }
    let mut info = json!({"name": parts[2], "catalog_name": parts[0], "schema_name": parts[1], "full_name": full,
        "table_type": "MANAGED", "columns": [
            {"name": "customer_id", "type_text": "bigint", "type_name": "LONG", "position": 0, "nullable": false},
            email]});
    if parts[2].starts_with("filtered_") {
        info["row_filter"] = json!({"function_name": "main.governance.region_filter", "input_column_names": ["customer_id"]});
    }
    axum::Json(info).into_response()
}

fn chunk(id: &str, index: usize) -> Value {
    let rows: Vec<Value> = (index * 4..index * 4 + 4)
        .map(|i| {
            if i == 5 {
                json!([i.to_string(), null])
            } else {
                json!([i.to_string(), format!("user{i}@example.com")])
            }
        })
        .collect();
    let mut c =
        json!({"chunk_index": index, "row_offset": index * 4, "row_count": 4, "data_array": rows});
    if index < ROWS / 4 - 1 {
        c["next_chunk_index"] = json!(index + 1);
        c["next_chunk_internal_link"] = json!(format!(
            "/api/2.0/sql/statements/{id}/result/chunks/{}?row_offset={}",
            index + 1,
            (index + 1) * 4
        ));
    }
    c
}

fn succeeded(id: &str, columns: Value, result: Value, total: usize) -> Value {
    json!({"statement_id": id, "status": {"state": "SUCCEEDED"},
        "manifest": {"format": "JSON_ARRAY", "schema": {"columns": columns}, "total_row_count": total, "truncated": false},
        "result": result})
}

/// The publish target's checks table in the fake's catalog.
pub const CHECKS_TABLE: &str = "`main`.`dq`.`checks`";

fn failed(id: &str, sql_state: &str, message: &str) -> Response {
    axum::Json(
        json!({"statement_id": id, "status": {"state": "FAILED", "sql_state": sql_state,
        "error": {"error_code": "BAD_REQUEST", "message": message}}}),
    )
    .into_response()
}

/// The 64-hex literal whose closing quote is at byte `end` of `sql`.
fn fingerprint_before(sql: &str, end: usize) -> Option<String> {
    let text = sql.get(end.checked_sub(65)?..end)?;
    let hex = text.strip_prefix('\'')?;
    hex.chars()
        .all(|c| c.is_ascii_hexdigit())
        .then(|| hex.to_string())
}

/// The DQX checks table: missing until created; bob may not modify it; the probe answers the
/// newest batch's fingerprint and how many batches carry the asked one.
fn checks_table(fake: &Fake, id: &str, token: &str, sql: &str) -> Response {
    let mut table = fake.checks_table.lock().unwrap();
    let writes =
        sql.starts_with("CREATE") || sql.starts_with("INSERT") || sql.starts_with("DELETE");
    if writes {
        fake.checks_writes
            .lock()
            .unwrap()
            .push((token.to_string(), sql.to_string()));
        if token == "bob-token" {
            return failed(
                id,
                "42501",
                "[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have MODIFY on Table 'main.dq.checks'. SQLSTATE: 42501",
            );
        }
    }
    if sql.starts_with("CREATE") {
        table.get_or_insert_with(Vec::new);
        return axum::Json(succeeded(id, json!([]), json!({}), 0)).into_response();
    }
    let Some(batches) = table.as_mut() else {
        return failed(
            id,
            "42P01",
            "[TABLE_OR_VIEW_NOT_FOUND] The table or view `main`.`dq`.`checks` cannot be found. SQLSTATE: 42P01",
        );
    };
    if sql.starts_with("INSERT") {
        // Every row ends with the batch's rule set fingerprint: `…, '<64 hex>')`.
        let end = sql.trim_end().trim_end_matches(')').len();
        if let Some(fp) = fingerprint_before(sql, end.saturating_sub(1)) {
            batches.push(fp);
        }
        return axum::Json(succeeded(id, json!([]), json!({}), 0)).into_response();
    }
    if sql.starts_with("DELETE") {
        let end = sql.trim_end().len();
        if let Some(fp) = fingerprint_before(sql, end.saturating_sub(1)) {
            batches.retain(|b| *b != fp);
        }
        return axum::Json(succeeded(id, json!([]), json!({}), 0)).into_response();
    }
    let asked = sql
        .rfind("') AS same")
        .and_then(|at| fingerprint_before(sql, at));
    let same = batches
        .iter()
        .filter(|b| Some(*b) == asked.as_ref())
        .count();
    let columns =
        json!([{"name": "newest", "type_name": "STRING"}, {"name": "same", "type_name": "LONG"}]);
    let row = json!([[batches.last(), same.to_string()]]);
    axum::Json(succeeded(
        id,
        columns,
        json!({"chunk_index": 0, "row_offset": 0, "row_count": 1, "data_array": row}),
        1,
    ))
    .into_response()
}

const METRICS_TABLE: &str = "`main`.`dq`.`metrics`";

/// DQX's metrics table: an INSERT keeps its rows (from the named parameters `r<i>_<column>`);
/// reading the locations answers them; reading runs answers the rows of the asked locations
/// (`loc<i>`), as the warehouse would (every value as text).
fn metrics_table(fake: &Fake, id: &str, token: &str, sql: &str, params: &Value) -> Response {
    if token == "bob-token" {
        return failed(
            id,
            "42501",
            "[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have SELECT on Table 'main.dq.metrics'. SQLSTATE: 42501",
        );
    }
    let named = named(params);
    let mut rows = fake.metrics_rows.lock().unwrap();
    if sql.starts_with("INSERT") {
        let mut by_row: std::collections::BTreeMap<usize, serde_json::Map<String, Value>> =
            Default::default();
        for (name, value) in &named {
            let Some((index, column)) = name.strip_prefix('r').and_then(|n| n.split_once('_'))
            else {
                continue;
            };
            if let Ok(i) = index.parse::<usize>() {
                by_row
                    .entry(i)
                    .or_default()
                    .insert(column.to_string(), value.clone());
            }
        }
        for (_, row) in by_row {
            rows.push((Value::Object(row), token.to_string()));
        }
        return axum::Json(succeeded(id, json!([]), json!({}), 0)).into_response();
    }
    if sql.starts_with("SELECT DISTINCT input_location") {
        let mut seen: Vec<Value> = Vec::new();
        for (row, _) in rows.iter() {
            let location = row["input_location"].clone();
            if !seen.contains(&location) {
                seen.push(location);
            }
        }
        let data: Vec<Value> = seen.into_iter().map(|l| json!([l])).collect();
        let n = data.len();
        return axum::Json(succeeded(
            id,
            json!([{"name": "input_location", "type_name": "STRING"}]),
            json!({"chunk_index": 0, "row_offset": 0, "row_count": n, "data_array": data}),
            n,
        ))
        .into_response();
    }
    if sql.contains("run_name = :run_name") {
        return health_rows(id, &rows, &named);
    }
    let asked: Vec<&Value> = named
        .iter()
        .filter(|(k, _)| k.starts_with("loc"))
        .map(|(_, v)| v)
        .collect();
    let columns = [
        "run_id",
        "run_name",
        "input_location",
        "checks_location",
        "rule_set_fingerprint",
        "metric_name",
        "metric_value",
        "run_time",
    ];
    let data: Vec<Value> = rows
        .iter()
        .filter(|(row, _)| asked.contains(&&row["input_location"]))
        .map(|(row, _)| Value::Array(columns.iter().map(|c| row[*c].clone()).collect()))
        .collect();
    let n = data.len();
    let described: Vec<Value> = columns
        .iter()
        .map(|c| json!({"name": c, "type_name": if *c == "run_time" { "TIMESTAMP" } else { "STRING" }}))
        .collect();
    axum::Json(succeeded(
        id,
        Value::Array(described),
        json!({"chunk_index": 0, "row_offset": 0, "row_count": n, "data_array": data}),
        n,
    ))
    .into_response()
}

/// Health's read of the metrics table: the asked table's rows under health's run name, only the
/// metrics named (`m<i>`) when some are.
fn health_rows(id: &str, rows: &[(Value, String)], named: &HashMap<String, Value>) -> Response {
    let only: Vec<&Value> = named
        .iter()
        .filter(|(k, _)| k.starts_with('m'))
        .map(|(_, v)| v)
        .collect();
    let columns = [
        "run_id",
        "run_name",
        "input_location",
        "metric_name",
        "metric_value",
        "run_time",
    ];
    let data: Vec<Vec<Value>> = rows
        .iter()
        .filter(|(row, _)| {
            row["input_location"] == named["loc"]
                && row["run_name"] == named["run_name"]
                && row["metric_name"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("health."))
                && (only.is_empty() || only.contains(&&row["metric_name"]))
        })
        .map(|(row, _)| columns.iter().map(|c| row[*c].clone()).collect())
        .collect();
    answer(id, &columns, data)
}

/// Unity Catalog's `information_schema.tables`: three tables, `main.hr` hidden from bob,
/// narrowed by the `catalog` and `schema` parameters.
fn visible_tables(id: &str, token: &str, params: &Value) -> Response {
    let p = named(params);
    let data = [
        ("main", "hr", "employees"),
        ("main", "sales", "customers"),
        ("main", "sales", "orders"),
    ]
    .into_iter()
    .filter(|(_, schema, _)| !(token == "bob-token" && *schema == "hr"))
    .filter(|(c, _, _)| p.get("catalog").is_none_or(|v| v == c))
    .filter(|(_, s, _)| p.get("schema").is_none_or(|v| v == s))
    .map(|(c, s, t)| vec![json!(c), json!(s), json!(t)])
    .collect();
    answer(id, &["table_catalog", "table_schema", "table_name"], data)
}

/// Unity Catalog's tag views: `class = email` on the two e-mail columns (bob may not use
/// `main.hr`, so he sees one), no table tags.
fn tags(id: &str, token: &str, sql: &str, params: &Value) -> Response {
    let p = named(params);
    let columns = [
        "catalog_name",
        "schema_name",
        "table_name",
        "column_name",
        "tag_name",
        "tag_value",
    ];
    if sql.contains("table_tags") {
        return answer(
            id,
            &columns[..3]
                .iter()
                .chain(&columns[4..])
                .copied()
                .collect::<Vec<_>>(),
            vec![],
        );
    }
    let data = [("hr", "employees"), ("sales", "customers")]
        .into_iter()
        .filter(|(schema, _)| !(token == "bob-token" && *schema == "hr"))
        .filter(|_| p.get("key") == Some(&json!("class")))
        .filter(|_| p.get("value").is_none_or(|v| v == "email"))
        .map(|(schema, table)| {
            vec![
                json!("main"),
                json!(schema),
                json!(table),
                json!("email"),
                json!("class"),
                json!("email"),
            ]
        })
        .collect();
    answer(id, &columns, data)
}

const ACTIONS_TABLE: &str = "`main`.`dq`.`actions`";
const EVENTS_TABLE: &str = "`main`.`dq`.`action_events`";

/// Named parameters as a map of their values.
fn named(params: &Value) -> HashMap<String, Value> {
    params
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                p["value"].clone(),
            )
        })
        .collect()
}

/// The examples statement (each rule's inline rows, tagged `N AS __dqx_r`): this warehouse
/// passes every example, whatever the rule.
fn examples_pass(id: &str, sql: &str) -> Response {
    let parts: Vec<&str> = sql.split(" AS __dqx_r, ").collect();
    let mut data = Vec::new();
    for k in 1..parts.len() {
        let rule: String = parts[k - 1]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<char>>()
            .into_iter()
            .rev()
            .collect();
        for ex in 0..parts[k].matches(" AS __dqx_ex").count() {
            data.push(vec![json!(rule), json!(ex.to_string()), json!("0")]);
        }
    }
    answer(id, &["__dqx_r", "__dqx_ex", "__f"], data)
}

/// The triage's cardinality statement over the 12-row table: every column counted has 12
/// distinct values (`d0`, `d1`, … as asked).
fn triage_cardinality(id: &str, sql: &str) -> Response {
    let names: Vec<String> = sql
        .match_indices(" AS d")
        .map(|(at, m)| {
            let digits: String = sql[at + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            format!("d{digits}")
        })
        .collect();
    let columns: Vec<&str> = names.iter().map(String::as_str).collect();
    answer(id, &columns, vec![vec![json!("12"); names.len()]])
}

/// A triage's grouped statement over the 12-row table: row 5 fails, the 11 others pass, and
/// each candidate column keys every row by its customer id.
fn triage_groups(id: &str, sql: &str) -> Response {
    let candidates = sql.matches(" AS __k").count();
    let mut data = vec![
        vec![json!("-1"), Value::Null, json!("1"), json!("1")],
        vec![json!("-1"), Value::Null, json!("0"), json!("11")],
    ];
    for set in 0..candidates {
        for row in 1..=ROWS {
            let failing = if row == 5 { "1" } else { "0" };
            data.push(vec![
                json!(set.to_string()),
                json!(row.to_string()),
                json!(failing),
                json!("1"),
            ]);
        }
    }
    answer(id, &["__set", "__key", "__f", "__n"], data)
}

/// A statement's answer of text cells under `columns`.
fn answer(id: &str, columns: &[&str], data: Vec<Vec<Value>>) -> Response {
    let n = data.len();
    let described: Vec<Value> = columns
        .iter()
        .map(|c| json!({"name": c, "type_name": "STRING"}))
        .collect();
    axum::Json(succeeded(
        id,
        Value::Array(described),
        json!({"chunk_index": 0, "row_offset": 0, "row_count": n, "data_array": data}),
        n,
    ))
    .into_response()
}

const NOT_FOUND_STATE: &str = "42P01";

fn missing(id: &str, table: &str) -> Response {
    failed(
        id,
        NOT_FOUND_STATE,
        &format!(
            "[TABLE_OR_VIEW_NOT_FOUND] The table or view {table} cannot be found. SQLSTATE: 42P01"
        ),
    )
}

/// A table that exists once a CREATE made it: its rows, or the answer already given (the CREATE
/// done, or the table missing).
fn created_on_demand<'a>(
    table: &'a mut Option<Vec<(Value, String)>>,
    id: &str,
    sql: &str,
    name: &str,
) -> Result<&'a mut Vec<(Value, String)>, Box<Response>> {
    if sql.starts_with("CREATE") {
        table.get_or_insert_with(Vec::new);
        return Err(Box::new(answer(id, &[], vec![])));
    }
    table.as_mut().ok_or_else(|| Box::new(missing(id, name)))
}

/// DQX's actions table: created on demand; MERGE sets a row by (run_config_name, name inside
/// action_json); SELECT answers rows (of the asked run config); DELETE counts what it removed.
fn actions_table(fake: &Fake, id: &str, token: &str, sql: &str, params: &Value) -> Response {
    let p = named(params);
    let mut table = fake.action_rows.lock().unwrap();
    let rows = match created_on_demand(&mut table, id, sql, ACTIONS_TABLE) {
        Ok(rows) => rows,
        Err(answered) => return *answered,
    };
    let name_of = |row: &Value| -> String {
        serde_json::from_str::<Value>(row["action_json"].as_str().unwrap_or_default())
            .map(|j| j["name"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    let config = p.get("run_config_name").cloned();
    let asked = |r: &Value| {
        Some(&r["run_config_name"]) == config.as_ref()
            && p.get("name").and_then(Value::as_str) == Some(name_of(r).as_str())
    };
    if sql.starts_with("MERGE") {
        let row = json!({"action_json": p["action_json"], "run_config_name": p["run_config_name"],
            "created_at": p["created_at"]});
        rows.retain(|(r, _)| !asked(r));
        rows.push((row, token.to_string()));
        return answer(id, &["num_affected_rows"], vec![vec![json!("1")]]);
    }
    if sql.starts_with("DELETE") {
        let before = rows.len();
        rows.retain(|(r, _)| !asked(r));
        let removed = (before - rows.len()).to_string();
        return answer(id, &["num_affected_rows"], vec![vec![json!(removed)]]);
    }
    let mut found: Vec<&Value> = rows
        .iter()
        .map(|(r, _)| r)
        .filter(|r| config.as_ref().is_none_or(|c| r["run_config_name"] == *c))
        .collect();
    found.sort_by_key(|r| (r["run_config_name"].to_string(), name_of(r)));
    let columns = ["run_config_name", "action_json", "created_at"];
    let data = found
        .into_iter()
        .map(|r| columns.iter().map(|c| r[*c].clone()).collect())
        .collect();
    answer(id, &columns, data)
}

/// DQX's action-events table: created on demand; INSERT keeps a row from its parameters; the
/// state, count and fired-events reads answer from the rows.
fn events_table(fake: &Fake, id: &str, token: &str, sql: &str, params: &Value) -> Response {
    let p = named(params);
    let mut table = fake.event_rows.lock().unwrap();
    let rows = match created_on_demand(&mut table, id, sql, EVENTS_TABLE) {
        Ok(rows) => rows,
        Err(answered) => return *answered,
    };
    let listed = |prefix: &str| -> Vec<Value> {
        (0..)
            .map_while(|i| p.get(&format!("{prefix}{i}")).cloned())
            .collect()
    };
    if sql.starts_with("INSERT") {
        let metrics: serde_json::Map<String, Value> = listed("mk")
            .into_iter()
            .zip(listed("mv"))
            .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v))
            .collect();
        let row = json!({"action_name": p["action_name"], "condition": p["condition"],
            "fired": sql.contains(":condition, TRUE,"),
            "status": p["status"], "observed_metrics": metrics, "run_id": p["run_id"],
            "run_time": p["run_time"], "input_location": p["input_location"],
            "destinations": listed("d"), "delivery_errors": listed("e"),
            "run_config_name": p["run_config_name"]});
        rows.push((row, token.to_string()));
        return answer(id, &["num_affected_rows"], vec![vec![json!("1")]]);
    }
    let of_action = |r: &Value| {
        r["run_config_name"] == p["run_config_name"] && r["action_name"] == p["action_name"]
    };
    if sql.contains("max_by(status, run_time)") {
        let mine: Vec<&Value> = rows
            .iter()
            .map(|(r, _)| r)
            .filter(|r| of_action(r))
            .collect();
        let time = |r: &&&Value| r["run_time"].as_str().unwrap_or_default().to_string();
        let fired = mine.iter().filter(|r| r["fired"] == true).max_by_key(time);
        let last = mine.iter().max_by_key(time);
        return answer(
            id,
            &["last_fired", "last_status"],
            vec![vec![
                fired.map(|r| r["run_time"].clone()).unwrap_or(Value::Null),
                last.map(|r| r["status"].clone()).unwrap_or(Value::Null),
            ]],
        );
    }
    if sql.contains("count(*) AS n") {
        let n = rows
            .iter()
            .filter(|(r, _)| of_action(r) && r["run_id"] == p["run_id"])
            .count();
        return answer(id, &["n"], vec![vec![json!(n.to_string())]]);
    }
    let mut fired: Vec<&Value> = rows
        .iter()
        .map(|(r, _)| r)
        .filter(|r| r["fired"] == true)
        .filter(|r| {
            p.get("run_config_name")
                .is_none_or(|c| r["run_config_name"] == *c)
        })
        .collect();
    fired
        .sort_by_key(|r| std::cmp::Reverse(r["run_time"].as_str().unwrap_or_default().to_string()));
    let data = fired
        .into_iter()
        .map(|r| {
            vec![
                r["run_id"].clone(),
                r["run_config_name"].clone(),
                r["action_name"].clone(),
                json!(r["destinations"].to_string()),
                json!(r["delivery_errors"].to_string()),
                r["run_time"].clone(),
            ]
        })
        .collect();
    answer(
        id,
        &[
            "run_id",
            "run_config_name",
            "action_name",
            "destinations",
            "delivery_errors",
            "run_time",
        ],
        data,
    )
}

async fn submit(
    State(fake): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let token = record(&fake, "POST /api/2.0/sql/statements".into(), &headers);
    if let Some(r) = require_user(&token) {
        return r;
    }
    let sql = body["statement"].as_str().unwrap_or_default().to_string();
    if body["warehouse_id"] != "wh-1" || body["on_wait_timeout"] != "CONTINUE" {
        return error(
            StatusCode::BAD_REQUEST,
            json!("INVALID_PARAMETER_VALUE"),
            "bad warehouse or wait settings",
        );
    }
    fake.statements
        .lock()
        .unwrap()
        .push((sql.clone(), body["parameters"].clone()));
    let id = format!("stmt-{}", uuid::Uuid::new_v4().simple());
    if sql.contains("ai_query") {
        let reply = json!({"summary": "from the model", "overall_quality_score": 8, "recommendations": [], "rule_analysis": []}).to_string();
        let columns = json!([{"name": "response", "type_name": "STRING", "position": 0}]);
        return axum::Json(succeeded(
            &id,
            columns,
            json!({"chunk_index": 0, "row_offset": 0, "row_count": 1, "data_array": [[reply]]}),
            1,
        ))
        .into_response();
    }
    if token == "bob-token" && sql.contains("`main`.`hr`.`employees`") {
        return axum::Json(json!({"statement_id": id, "status": {"state": "FAILED", "sql_state": "42501",
            "error": {"error_code": "BAD_REQUEST", "message": "[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have SELECT on Table 'main.hr.employees'. SQLSTATE: 42501"}}})).into_response();
    }
    if sql.contains(CHECKS_TABLE) {
        return checks_table(&fake, &id, &token, &sql);
    }
    if sql.contains(METRICS_TABLE) {
        return metrics_table(&fake, &id, &token, &sql, &body["parameters"]);
    }
    if sql.contains("system.information_schema.tables") {
        return visible_tables(&id, &token, &body["parameters"]);
    }
    if sql.contains("information_schema.column_tags")
        || sql.contains("information_schema.table_tags")
    {
        return tags(&id, &token, &sql, &body["parameters"]);
    }
    if sql.contains(ACTIONS_TABLE) {
        return actions_table(&fake, &id, &token, &sql, &body["parameters"]);
    }
    if sql.contains(EVENTS_TABLE) {
        return events_table(&fake, &id, &token, &sql, &body["parameters"]);
    }
    if sql.starts_with("DESCRIBE HISTORY") {
        return history(&id);
    }
    if sql.contains(" AS __dqx_r, __dqx_ex") {
        return examples_pass(&id, &sql);
    }
    if sql.contains("FROM __dqx_t GROUP BY") {
        return triage_groups(&id, &sql);
    }
    if sql.contains(") __dqx_s") && sql.contains("approx_count_distinct(") {
        return triage_cardinality(&id, &sql);
    }
    if sql.contains("approx_count_distinct(") {
        return health_sample(&id, &sql);
    }
    if sql.contains("LIMIT 0") {
        return axum::Json(succeeded(&id, json!([]), json!({}), 0)).into_response();
    }
    if sql.contains("`main`.`sales`.`slow`") {
        // Never finishes on its own: only a cancel ends it.
        fake.slow.lock().unwrap().insert(id.clone());
        return axum::Json(json!({"statement_id": id, "status": {"state": "RUNNING"}}))
            .into_response();
    }
    if sql.contains("__dqx_total") {
        // The warehouse plan's counting statement: 12 rows, 1 invalid, one violation per rule.
        let rules = sql.matches(") AS __dqx_c").count();
        let mut columns = vec![
            json!({"name": "__dqx_total", "type_name": "LONG"}),
            json!({"name": "__dqx_invalid", "type_name": "LONG"}),
            json!({"name": "__dqx_warned", "type_name": "LONG"}),
            json!({"name": "__dqx_any_warned", "type_name": "LONG"}),
        ];
        let mut row = vec![json!(ROWS.to_string()), json!("1"), json!("0"), json!("0")];
        for i in 0..rules {
            columns.push(json!({"name": format!("__dqx_c{i}"), "type_name": "LONG"}));
            row.push(json!("1"));
        }
        return axum::Json(succeeded(
            &id,
            json!(columns),
            json!({"chunk_index": 0, "row_offset": 0, "row_count": 1, "data_array": [row]}),
            1,
        ))
        .into_response();
    }
    if sql.contains("AS __dqx_i0") {
        // The impact preview's counting statement: 12 rows, the new version fails one more row,
        // and every rule name starts failing on it.
        let columns = sql.matches(" AS __dqx_i").count();
        let mut row = vec![
            json!(ROWS.to_string()),
            json!("0"),
            json!("1"),
            json!("1"),
            json!("0"),
        ];
        for i in 5..columns {
            row.push(json!(if (i - 5) % 4 == 0 || (i - 5) % 4 == 3 {
                "0"
            } else {
                "1"
            }));
        }
        let names: Vec<Value> = (0..columns)
            .map(|i| json!({"name": format!("__dqx_i{i}"), "type_name": "LONG"}))
            .collect();
        return axum::Json(succeeded(
            &id,
            json!(names),
            json!({"chunk_index": 0, "row_offset": 0, "row_count": 1, "data_array": [row]}),
            1,
        ))
        .into_response();
    }
    if sql.contains("__dqx_k, __dqx_m") {
        // Its sampling statement: row 5 starts failing overall and under the first rule name.
        let columns = json!([{"name": "__dqx_k", "type_name": "INT"}, {"name": "__dqx_m", "type_name": "STRING"}, {"name": "customer_id", "type_name": "LONG"}, {"name": "email", "type_name": "STRING"}]);
        let rows = json!([
            ["-1", "", "5", null],
            ["0", "Column 'email' value is null", "5", null]
        ]);
        return axum::Json(succeeded(
            &id,
            columns,
            json!({"chunk_index": 0, "row_offset": 0, "row_count": 2, "data_array": rows}),
            2,
        ))
        .into_response();
    }
    if sql.contains("__dqx_rule") {
        // The sampling statement: row 5 (NULL e-mail) for every rule asked about.
        let rows: Vec<Value> = sql
            .match_indices("named_struct('i', ")
            .map(|(at, m)| {
                let index: String = sql[at + m.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                json!([index, "Column 'email' value is null", "5", null])
            })
            .collect();
        let columns = json!([{"name": "__dqx_rule", "type_name": "INT"}, {"name": "__dqx_message", "type_name": "STRING"}, {"name": "customer_id", "type_name": "LONG"}, {"name": "email", "type_name": "STRING"}]);
        let n = rows.len();
        return axum::Json(succeeded(
            &id,
            columns,
            json!({"chunk_index": 0, "row_offset": 0, "row_count": n, "data_array": rows}),
            n,
        ))
        .into_response();
    }
    if sql.contains("count(*)") {
        // Still running: the client must poll.
        fake.pending.lock().unwrap().insert(id.clone(), false);
        return axum::Json(json!({"statement_id": id, "status": {"state": "RUNNING"}}))
            .into_response();
    }
    let columns = json!([{"name": "customer_id", "type_name": "LONG", "position": 0}, {"name": "email", "type_name": "STRING", "position": 1}]);
    axum::Json(succeeded(&id, columns, chunk(&id, 0), ROWS)).into_response()
}

/// A Delta history: data written hourly until 07:00 on 2026-12-07, then an OPTIMIZE at 09:00.
fn history(id: &str) -> Response {
    let mut data: Vec<Vec<Value>> = vec![vec![
        json!("9"),
        json!("2026-12-07T09:00:00.000Z"),
        json!("OPTIMIZE"),
    ]];
    for (i, hour) in (0..8).rev().enumerate() {
        data.push(vec![
            json!((8 - i).to_string()),
            json!(format!("2026-12-07T0{hour}:00:00.000Z")),
            json!(if hour % 2 == 0 { "WRITE" } else { "MERGE" }),
        ]);
    }
    answer(id, &["version", "timestamp", "operation"], data)
}

/// Health's sampled figures: every sampled column has one NULL in the 12 rows.
fn health_sample(id: &str, sql: &str) -> Response {
    let columns = sql.matches(" AS c").count();
    let mut names = vec!["n".to_string()];
    let mut row = vec![json!(ROWS.to_string())];
    for i in 0..columns {
        names.extend([format!("c{i}"), format!("d{i}"), format!("m{i}")]);
        row.extend([
            json!((ROWS - 1).to_string()),
            json!((ROWS - 1).to_string()),
            json!("6.5"),
        ]);
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    answer(id, &names, vec![row])
}

async fn poll(State(fake): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let token = record(&fake, "GET /api/2.0/sql/statements/{id}".into(), &headers);
    if let Some(r) = require_user(&token) {
        return r;
    }
    if fake.slow.lock().unwrap().contains(&id) {
        return axum::Json(json!({"statement_id": id, "status": {"state": "RUNNING"}}))
            .into_response();
    }
    if fake.pending.lock().unwrap().remove(&id).is_none() {
        return error(
            StatusCode::NOT_FOUND,
            json!("NOT_FOUND"),
            "no such statement",
        );
    }
    let columns = json!([{"name": "row_count", "type_name": "LONG", "position": 0}]);
    axum::Json(succeeded(&id, columns, json!({"chunk_index": 0, "row_offset": 0, "row_count": 1, "data_array": [[ROWS.to_string()]]}), 1)).into_response()
}

async fn cancel_statement(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let token = record(
        &fake,
        "POST /api/2.0/sql/statements/{id}/cancel".into(),
        &headers,
    );
    if let Some(r) = require_user(&token) {
        return r;
    }
    fake.slow.lock().unwrap().remove(&id);
    fake.canceled.lock().unwrap().push((id, token));
    axum::Json(json!({})).into_response()
}

async fn chunk_get(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Path((id, index)): Path<(String, usize)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = record(&fake, "GET chunk".into(), &headers);
    if let Some(r) = require_user(&token) {
        return r;
    }
    if q.get("row_offset").and_then(|o| o.parse::<usize>().ok()) != Some(index * 4) {
        return error(
            StatusCode::BAD_REQUEST,
            json!("INVALID_PARAMETER_VALUE"),
            "row_offset lost",
        );
    }
    axum::Json(chunk(&id, index)).into_response()
}

async fn run_now(
    State(fake): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let token = record(&fake, "POST /api/2.1/jobs/run-now".into(), &headers);
    if let Some(r) = require_sp(&fake, &token) {
        return r;
    }
    let params = &body["job_parameters"];
    if body["idempotency_token"].as_str().is_none()
        || !params
            .as_object()
            .is_some_and(|p| p.values().all(Value::is_string))
    {
        return error(
            StatusCode::BAD_REQUEST,
            json!("INVALID_PARAMETER_VALUE"),
            "job_parameters must be strings, idempotency_token set",
        );
    }
    let run_id = JOB_RUN_BASE + fake.next_run.fetch_add(10, Ordering::SeqCst);
    fake.runs
        .lock()
        .unwrap()
        .insert(run_id, body["job_id"].as_i64().unwrap_or(0));
    axum::Json(json!({"run_id": run_id, "number_in_job": run_id})).into_response()
}

async fn runs_get(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = record(&fake, "GET /api/2.1/jobs/runs/get".into(), &headers);
    if let Some(r) = require_sp(&fake, &token) {
        return r;
    }
    let run_id: i64 = q.get("run_id").and_then(|r| r.parse().ok()).unwrap_or(0);
    if !fake.runs.lock().unwrap().contains_key(&run_id) {
        return error(
            StatusCode::BAD_REQUEST,
            json!("INVALID_PARAMETER_VALUE"),
            &format!("Run {run_id} does not exist."),
        );
    }
    axum::Json(json!({"run_id": run_id, "start_time": 1_724_000_000_000i64, "end_time": 1_724_000_004_000i64,
        "state": {"life_cycle_state": "TERMINATED", "result_state": "SUCCESS", "state_message": ""},
        "status": {"state": "TERMINATED", "termination_details": {"code": "SUCCESS", "type": "SUCCESS", "message": ""}},
        "tasks": [{"run_id": run_id + 1, "task_key": "validate", "state": {"life_cycle_state": "TERMINATED", "result_state": "SUCCESS"}}]})).into_response()
}

async fn get_output(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = record(&fake, "GET /api/2.1/jobs/runs/get-output".into(), &headers);
    if let Some(r) = require_sp(&fake, &token) {
        return r;
    }
    let id: i64 = q.get("run_id").and_then(|r| r.parse().ok()).unwrap_or(0);
    if fake.runs.lock().unwrap().contains_key(&id) {
        return error(
            StatusCode::BAD_REQUEST,
            json!("INVALID_PARAMETER_VALUE"),
            "Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.",
        );
    }
    let result = json!({"success": true, "table_name": "main.sales.customers", "validated_at": "2026-11-29T00:00:00Z",
        "total_rules": 1, "passed": 0, "failed": 1, "warnings": 0, "total_rows": 12, "valid_rows": 11, "invalid_rows": 1,
        "rows_with_warnings": 0, "pass_rate": 91.67, "duration_ms": 4000,
        "rule_results": [{"rule_name": "email_is_null", "function": "is_not_null", "columns": ["email"], "criticality": "error",
            "status": "fail", "violation_count": 1, "sample_violations": [{"customer_id": "5", "email": null}], "message": ""}]});
    let mut result = result;
    if fake.contract_only_output.load(Ordering::SeqCst) {
        result.as_object_mut().unwrap().remove("rows_with_warnings");
    }
    axum::Json(json!({"metadata": {"run_id": id}, "notebook_output": {"result": result.to_string(), "truncated": false}})).into_response()
}

async fn me(State(fake): State<Shared>, headers: HeaderMap) -> Response {
    let token = record(&fake, "GET scim Me".into(), &headers);
    if let Some(r) = require_user(&token) {
        return r;
    }
    let (who, groups) = if token == "alice-token" {
        (
            "alice@example.com",
            json!([{"display": "users", "type": "direct", "value": "100"}]),
        )
    } else {
        // bob approves; SCIM lists inherited groups too, and a group without a name is skipped.
        (
            "bob@example.com",
            json!([{"display": "users", "value": "100"}, {"display": "dq-approvers", "type": "indirect", "value": "200", "$ref": "Groups/200"}, {"value": "300"}]),
        )
    };
    axum::Json(
        json!({"userName": who, "displayName": who, "emails": [{"value": who, "primary": true}], "groups": groups}),
    )
    .into_response()
}

async fn database_credential(
    State(fake): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let token = record(&fake, "POST /api/2.0/database/credentials".into(), &headers);
    if let Some(r) = require_sp(&fake, &token) {
        return r;
    }
    if body["instance_names"] != json!(["dqx-lakebase"]) || body["request_id"].as_str().is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            json!("INVALID_PARAMETER_VALUE"),
            "unknown instance",
        );
    }
    fake.credentials.fetch_add(1, Ordering::SeqCst);
    let expires = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    axum::Json(json!({"token": "sp-pg-credential", "expiration_time": expires})).into_response()
}

/// Starts the fake on a free loopback port; returns its base URL.
pub async fn start() -> (String, Shared) {
    let fake: Shared = Arc::new(Fake::default());
    fake.job_defs
        .lock()
        .unwrap()
        .insert(MONITOR_JOB, monitor_template());
    fake.job_defs
        .lock()
        .unwrap()
        .insert(HEALTH_JOB, health_template());
    let app = Router::new()
        .route("/oidc/v1/token", post(token))
        .route("/api/2.1/unity-catalog/catalogs", get(catalogs))
        .route("/api/2.1/unity-catalog/tables/{full}", get(table_info))
        .route("/api/2.0/sql/statements", post(submit))
        .route("/api/2.0/sql/statements/{id}", get(poll))
        .route(
            "/api/2.0/sql/statements/{id}/cancel",
            post(cancel_statement),
        )
        .route(
            "/api/2.0/sql/statements/{id}/result/chunks/{index}",
            get(chunk_get),
        )
        .route("/api/2.1/jobs/run-now", post(run_now))
        .route("/api/2.1/jobs/create", post(jobs_create))
        .route("/api/2.1/jobs/get", get(jobs_get))
        .route("/api/2.1/jobs/list", get(jobs_list))
        .route("/api/2.1/jobs/{verb}", post(jobs_change))
        .route("/api/2.1/jobs/runs/get", get(runs_get))
        .route("/api/2.1/jobs/runs/get-output", get(get_output))
        .route("/api/2.0/preview/scim/v2/Me", get(me))
        .route("/api/2.0/database/credentials", post(database_credential))
        .route("/api/2.0/fs/files/{*path}", get(file_get).put(file_put))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), fake)
}

/// The app in Databricks Apps mode on a fresh fake workspace (warehouse `wh-1`, jobs 11 and 22),
/// with `extra` variables on top; the temp dir holds its data folder.
pub async fn app_on_fake(extra: &[(&str, &str)]) -> (Router, Shared, tempfile::TempDir) {
    let (state, fake, dir) = state_on_fake(extra).await;
    (dqx_manager::server::routes::router(state), fake, dir)
}

/// The app's state in Databricks Apps mode against a new fake.
pub async fn state_on_fake(
    extra: &[(&str, &str)],
) -> (
    dqx_manager::server::state::AppState,
    Shared,
    tempfile::TempDir,
) {
    let (url, fake) = start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABRICKS_HOST".to_string(), url),
        ("DATABRICKS_CLIENT_ID".into(), "client-id".into()),
        ("DATABRICKS_CLIENT_SECRET".into(), "client-secret".into()),
        ("SQL_WAREHOUSE_ID".into(), "wh-1".into()),
        ("DQ_GENERATION_JOB_ID".into(), "11".into()),
        ("DQ_VALIDATION_JOB_ID".into(), "22".into()),
        ("DQX_DATA_DIR".into(), dir.path().display().to_string()),
    ]);
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    let config =
        dqx_manager::server::config::Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let options = leptos::config::LeptosOptions::builder()
        .output_name("dqx-manager")
        .build();
    let state = dqx_manager::server::state::AppState::build(config, options)
        .await
        .unwrap();
    (state, fake, dir)
}

/// `state_on_fake` with a rule store that keeps each run once (Lakebase in a deployment; a
/// SQLite file in the temp dir here).
pub async fn state_on_fake_with_sqlite(
    extra: &[(&str, &str)],
) -> (
    dqx_manager::server::state::AppState,
    Shared,
    tempfile::TempDir,
) {
    let (mut state, fake, dir) = state_on_fake(extra).await;
    state.store = Arc::new(
        dqx_manager::server::store::sqlite::SqliteStore::open(&dir.path().join("rules.sqlite"))
            .await
            .unwrap(),
    );
    (state, fake, dir)
}

/// Files API download: the bytes, or 404 in the common error shape.
async fn file_get(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Path(path): Path<String>,
) -> Response {
    let token = record(&fake, "GET /api/2.0/fs/files".into(), &headers);
    if let Some(r) = require_user(&token) {
        return r;
    }
    match fake.files.lock().unwrap().get(&format!("/{path}")) {
        Some((bytes, _)) => bytes.clone().into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            json!("NOT_FOUND"),
            "The file does not exist",
        ),
    }
}

/// Files API upload (`overwrite=true` required for an existing file); only alice may write the
/// `/Volumes/main/dq/rules` volume.
async fn file_put(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Path(path): Path<String>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let token = record(&fake, "PUT /api/2.0/fs/files".into(), &headers);
    if let Some(r) = require_user(&token) {
        return r;
    }
    let path = format!("/{path}");
    if token != "alice-token" {
        return error(
            StatusCode::FORBIDDEN,
            json!("PERMISSION_DENIED"),
            "User does not have WRITE VOLUME on Volume 'main.dq.rules'.",
        );
    }
    let mut files = fake.files.lock().unwrap();
    if files.contains_key(&path) && query.get("overwrite").map(String::as_str) != Some("true") {
        return error(
            StatusCode::CONFLICT,
            json!("ALREADY_EXISTS"),
            "The file being created already exists.",
        );
    }
    files.insert(path, (body, token));
    fake.uploads.fetch_add(1, Ordering::SeqCst);
    StatusCode::NO_CONTENT.into_response()
}
