//! `dqx-manager pull`: a pipeline's way to fetch the approved rules of a table from a running
//! app as a DQX-loadable file. It signs in with `DATABRICKS_TOKEN` (a Databricks App behind its
//! proxy), or as a local user's token (`--local-token`, local mode), or as the local default
//! user. Exit codes: 0 written, 2 no approved version, 1 anything else.

use crate::model::review::VersionStatus;
use crate::model::rules::{RulesFormat, rules_to_text};
use crate::model::rulesets::RuleSet;
use serde_json::{Value, json};

/// Exit code when the table has no approved version (or the one asked for is not approved).
pub const NO_APPROVED_VERSION: u8 = 2;

/// What to pull.
pub struct PullArgs {
    pub app: String,
    pub table: String,
    pub version: Option<i32>,
    pub format: RulesFormat,
    pub databricks_token: Option<String>,
    pub local_token: Option<String>,
}

/// The outcome: the file text, or an exit code with the reason.
pub enum Pulled {
    Rules { text: String, version: i32 },
    NotApproved(String),
}

/// Refuses an app address a token should not be sent to: anything but `https://`, except plain
/// `http://` to this machine (a local app).
pub fn check_app_url(app: &str) -> Result<(), String> {
    let lower = app.trim().to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Ok(());
    }
    if lower.starts_with("http://") {
        let host = crate::server::limits::host_of_url(&lower).unwrap_or_default();
        let local = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if local {
            return Ok(());
        }
        return Err(format!(
            "--app {app} is plain http to another machine, which would send your token unencrypted; use its https:// address"
        ));
    }
    Err(format!(
        "--app {app} is not an app address; give its https:// URL (or http://127.0.0.1:PORT for a local app)"
    ))
}

/// Fetches the version (the active one by default) and checks it was approved.
pub async fn pull(args: &PullArgs) -> Result<Pulled, String> {
    check_app_url(&args.app)?;
    let url = format!("{}/api/get_rule_set", args.app.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|e| format!("starting the HTTP client: {e}"))?;
    let mut request = client
        .post(&url)
        .json(&json!({"table": args.table, "version": args.version}));
    if let Some(token) = &args.databricks_token {
        request = request.bearer_auth(token);
    }
    if let Some(token) = &args.local_token {
        request = request.header("x-forwarded-access-token", token);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| format!("{url} answered {status} without JSON: {e}"))?;
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(Pulled::NotApproved(message));
    }
    if !status.is_success() {
        return Err(format!("{url} answered {status}: {message}"));
    }
    let set: RuleSet = serde_json::from_value(body)
        .map_err(|e| format!("{url} answered with something that is not a rule set: {e}"))?;
    let summary = &set.summary;
    if summary.status != VersionStatus::Approved {
        return Ok(Pulled::NotApproved(format!(
            "version {} of {} is {}, not approved",
            summary.version,
            args.table,
            summary.status.as_str()
        )));
    }
    let text = rules_to_text(&Value::Array(set.rules), args.format)?;
    Ok(Pulled::Rules {
        text,
        version: summary.version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_goes_only_over_https_or_to_this_machine() {
        for fine in [
            "https://dqx-1.aws.databricksapps.com",
            "http://127.0.0.1:3000",
            "http://localhost:3000/",
            "http://[::1]:3000",
        ] {
            assert!(check_app_url(fine).is_ok(), "{fine}");
        }
        for bad in [
            "http://dqx.example.com",
            "http://127.0.0.1.evil.example",
            "http://localhost:3000@evil.example",
            "ftp://x",
            "dqx.example.com",
        ] {
            assert!(check_app_url(bad).is_err(), "{bad}");
        }
    }
}
