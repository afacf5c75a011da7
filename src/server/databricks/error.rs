//! Databricks errors: the standard body (`error_code` as text or number), the OAuth and SCIM
//! shapes, and statement failures (HTTP 200, state FAILED, classified by SQLSTATE). Each becomes an
//! `AppError` that says what to do, naming the host, warehouse or job, never a token.

use crate::server::error::AppError;
use serde_json::Value;

/// Which identity made a call, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// The signed-in user (on-behalf-of) or the developer's personal access token.
    User,
    /// The app's service principal (OAuth M2M).
    ServicePrincipal,
}

/// A failed Databricks HTTP call.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    pub status: u16,
    /// `error_code` as text (`PERMISSION_DENIED`, `403`, `invalid_client`, ...).
    pub code: String,
    pub message: String,
}

impl ApiFailure {
    /// Reads any of the error shapes Databricks answers with; falls back to the raw text.
    pub fn parse(status: u16, body: &str) -> Self {
        let json: Option<Value> = serde_json::from_str(body).ok();
        let text = |v: &Value, k: &str| {
            v.get(k).map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        let (code, message) = match &json {
            Some(v) => (
                text(v, "error_code")
                    .or_else(|| text(v, "error"))
                    .or_else(|| text(v, "status").map(|s| format!("SCIM_{s}")))
                    .unwrap_or_default(),
                text(v, "message")
                    .or_else(|| text(v, "error_description"))
                    .or_else(|| text(v, "detail"))
                    .unwrap_or_default(),
            ),
            None => (String::new(), body.trim().chars().take(300).collect()),
        };
        Self {
            status,
            code,
            message,
        }
    }

    /// An expired or revoked bearer token (403 with a numeric code, or "Invalid access token").
    pub fn is_invalid_token(&self) -> bool {
        (self.status == 403 || self.status == 401)
            && (self.code == "403"
                || self.code == "401"
                || self.message.contains("Invalid access token"))
    }

    /// The OBO token lacks a scope the call needs.
    pub fn missing_scope(&self) -> Option<String> {
        let marker = "does not have required scopes:";
        self.message.find(marker).map(|at| {
            self.message[at + marker.len()..]
                .trim()
                .trim_end_matches('.')
                .to_string()
        })
    }
}

/// Where a call went, for the message.
#[derive(Debug, Clone, Default)]
pub struct CallSite {
    pub host: String,
    pub warehouse: Option<String>,
    pub job: Option<i64>,
}

/// The `AppError` a user can act on.
pub fn to_app_error(
    failure: &ApiFailure,
    who: Principal,
    doing: &str,
    site: &CallSite,
) -> AppError {
    if let Some(scope) = failure.missing_scope() {
        return AppError::PermissionDenied(match who {
            Principal::User => format!(
                "the app's user authorization lacks the {scope} scope (add it to user_api_scopes and redeploy) — needed for {doing}"
            ),
            Principal::ServicePrincipal => {
                format!("the app's service principal lacks the {scope} scope for {doing}")
            }
        });
    }
    if failure.is_invalid_token() {
        return match who {
            Principal::User => AppError::Unauthorized(
                "your Databricks sign-in has expired or was revoked; reload the app to sign in again".into(),
            ),
            Principal::ServicePrincipal => AppError::Unavailable(format!(
                "the app's service principal could not sign in to {} ({}); check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET",
                site.host, failure.message
            )),
        };
    }
    match (failure.status, failure.code.as_str()) {
        (401, _) | (_, "invalid_client") | (_, "UNAUTHENTICATED") => {
            AppError::Unauthorized(format!(
                "{} refused the credentials while {doing}: {}",
                site.host, failure.message
            ))
        }
        (403, _) | (_, "PERMISSION_DENIED") => {
            AppError::PermissionDenied(match (who, site.job, &site.warehouse) {
                (Principal::ServicePrincipal, Some(job), _) => {
                    format!(
                        "the app's service principal needs CAN_MANAGE_RUN on job {job} ({})",
                        failure.message
                    )
                }
                (Principal::User, _, Some(w))
                    if doing.contains("SQL") || failure.message.contains("warehouse") =>
                {
                    format!(
                        "you need CAN_USE on SQL warehouse {w} ({})",
                        failure.message
                    )
                }
                _ => format!("not allowed while {doing}: {}", failure.message),
            })
        }
        (404, _)
        | (_, "RESOURCE_DOES_NOT_EXIST")
        | (_, "CATALOG_DOES_NOT_EXIST")
        | (_, "SCHEMA_DOES_NOT_EXIST")
        | (_, "TABLE_DOES_NOT_EXIST")
        | (_, "NOT_FOUND") => {
            if let (Some(w), true) = (
                &site.warehouse,
                failure.message.to_lowercase().contains("warehouse"),
            ) {
                AppError::NotFound(format!(
                    "SQL warehouse {w} does not exist; check SQL_WAREHOUSE_ID"
                ))
            } else {
                AppError::NotFound(failure.message.clone())
            }
        }
        (400, "INVALID_PARAMETER_VALUE")
            if site.job.is_some() && failure.message.contains("does not exist") =>
        {
            AppError::NotFound(format!(
                "{} (check DQ_GENERATION_JOB_ID / DQ_VALIDATION_JOB_ID)",
                failure.message
            ))
        }
        (429, _) | (503, _) => AppError::Unavailable(format!(
            "Databricks at {} is busy ({}); try again in a minute",
            site.host, failure.message
        )),
        (400, _) => AppError::BadRequest(failure.message.clone()),
        _ => AppError::internal(
            doing,
            format!(
                "HTTP {} {}: {}",
                failure.status, failure.code, failure.message
            ),
        ),
    }
}

/// A statement that ended FAILED, classified by SQLSTATE (`42501` no privilege, `42P01` no such
/// table, `42704` no such catalog or schema).
pub fn statement_error(sql_state: Option<&str>, message: &str, doing: &str) -> AppError {
    let first = message.lines().next().unwrap_or(message).to_string();
    match sql_state {
        Some("42501") => AppError::PermissionDenied(permission_words(&message.replace('\n', " "))),
        Some("42P01") | Some("42704") => AppError::NotFound(first),
        _ if first.starts_with("[INSUFFICIENT_PERMISSIONS]") => {
            AppError::PermissionDenied(permission_words(&message.replace('\n', " ")))
        }
        _ if first.starts_with("[TABLE_OR_VIEW_NOT_FOUND]")
            || first.starts_with("[SCHEMA_NOT_FOUND]")
            || first.starts_with("[NO_SUCH_CATALOG_EXCEPTION]") =>
        {
            AppError::NotFound(first)
        }
        _ => AppError::BadRequest(format!("{doing} failed: {first}")),
    }
}

/// "[INSUFFICIENT_PERMISSIONS] ... User does not have SELECT on Table 'main.hr.salaries'." →
/// "you don't have SELECT on main.hr.salaries".
fn permission_words(message: &str) -> String {
    let lower = message.to_lowercase();
    if let Some(at) = lower.find("does not have ") {
        let rest = &message[at + "does not have ".len()..];
        if let Some(on) = rest.find(" on ") {
            let privilege = &rest[..on];
            let object = rest[on + 4..]
                .split('\'')
                .nth(1)
                .unwrap_or(&rest[on + 4..])
                .trim_end_matches(['.', ' ']);
            return format!("you don't have {privilege} on {object}");
        }
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_shape_is_read() {
        let std = ApiFailure::parse(
            404,
            r#"{"error_code":"TABLE_DOES_NOT_EXIST","message":"Table 'x' does not exist."}"#,
        );
        assert_eq!(
            (std.code.as_str(), std.message.as_str()),
            ("TABLE_DOES_NOT_EXIST", "Table 'x' does not exist.")
        );
        let numeric = ApiFailure::parse(
            403,
            r#"{"error_code":403,"message":"Invalid access token."}"#,
        );
        assert!(numeric.is_invalid_token());
        let oauth = ApiFailure::parse(
            401,
            r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
        );
        assert_eq!(oauth.code, "invalid_client");
        let html = ApiFailure::parse(502, "<html>bad gateway</html>");
        assert_eq!(html.message, "<html>bad gateway</html>");
    }

    #[test]
    fn messages_say_what_to_do() {
        let site = CallSite {
            host: "https://h".into(),
            warehouse: Some("w1".into()),
            job: None,
        };
        let scope = ApiFailure::parse(
            403,
            r#"{"error_code":"PERMISSION_DENIED","message":"Provided OAuth token does not have required scopes: sql"}"#,
        );
        let e = to_app_error(&scope, Principal::User, "running SQL", &site);
        assert!(
            e.to_string()
                .contains("lacks the sql scope (add it to user_api_scopes"),
            "{e}"
        );
        let job_site = CallSite {
            job: Some(42),
            ..site.clone()
        };
        let denied = ApiFailure::parse(403, r#"{"error_code":"PERMISSION_DENIED","message":"no"}"#);
        let e = to_app_error(
            &denied,
            Principal::ServicePrincipal,
            "starting the job",
            &job_site,
        );
        assert!(
            e.to_string().contains("needs CAN_MANAGE_RUN on job 42"),
            "{e}"
        );
        let e = to_app_error(
            &denied,
            Principal::User,
            "running SQL on the warehouse",
            &site,
        );
        assert!(
            e.to_string()
                .contains("you need CAN_USE on SQL warehouse w1"),
            "{e}"
        );
        let e = statement_error(
            Some("42501"),
            "[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have SELECT on Table 'main.hr.salaries'. SQLSTATE: 42501",
            "reading",
        );
        assert_eq!(e.to_string(), "you don't have SELECT on main.hr.salaries");
        assert!(matches!(e, AppError::PermissionDenied(_)));
    }
}
