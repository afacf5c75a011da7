//! The Jobs API's and the token endpoint's answers as types (reference: databricks-api.md,
//! "Jobs" and "OAuth M2M"): a run, a task's output, `run-now`, a token. Read tolerantly: every
//! field the contract does not promise is optional and unknown fields are ignored; a shape that
//! does not fit is an error that names the field.

use serde::Deserialize;
use serde_json::Value;

fn parse<T: serde::de::DeserializeOwned>(what: &str, value: Value) -> Result<T, String> {
    serde_json::from_value(value)
        .map_err(|e| format!("the workspace answered {what} in an unexpected shape: {e}"))
}

/// `GET /api/2.1/jobs/runs/get`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Run {
    pub state: RunStateWire,
    pub status: RunStatusWire,
    /// Epoch milliseconds; 0 or absent while not started / not ended.
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub tasks: Vec<TaskRun>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunStateWire {
    pub life_cycle_state: Option<String>,
    pub result_state: Option<String>,
    pub state_message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunStatusWire {
    pub termination_details: TerminationDetails,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TerminationDetails {
    pub code: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TaskRun {
    pub run_id: Option<i64>,
}

impl Run {
    pub fn parse(value: Value) -> Result<Self, String> {
        parse("a run", value)
    }

    /// The life-cycle state, `PENDING` when absent.
    pub fn life_cycle(&self) -> &str {
        self.state.life_cycle_state.as_deref().unwrap_or("PENDING")
    }

    /// Why it ended, in the workspace's words: the termination message, else the state message.
    pub fn message(&self) -> Option<String> {
        let nonempty = |m: &Option<String>| m.clone().filter(|m| !m.is_empty());
        nonempty(&self.status.termination_details.message)
            .or_else(|| nonempty(&self.state.state_message))
    }
}

/// `GET /api/2.1/jobs/runs/get-output`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunOutput {
    pub error: Option<String>,
    pub notebook_output: NotebookOutput,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NotebookOutput {
    pub result: Option<String>,
    pub truncated: bool,
}

impl RunOutput {
    pub fn parse(value: Value) -> Result<Self, String> {
        parse("a run's output", value)
    }
}

/// `POST /api/2.1/jobs/run-now`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunNow {
    pub run_id: Option<i64>,
}

impl RunNow {
    pub fn parse(value: Value) -> Result<Self, String> {
        parse("run-now", value)
    }
}

/// `POST /oidc/v1/token`: `expires_in` comes as a number or a string of one.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenResponse {
    pub access_token: Option<String>,
    expires_in: Option<Value>,
}

impl TokenResponse {
    pub fn parse(value: Value) -> Result<Self, String> {
        parse("a token", value)
    }

    /// The lifetime in seconds, when given.
    pub fn expires_in(&self) -> Option<u64> {
        match &self.expires_in {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_run_reads_its_states_tasks_and_message() {
        let run = Run::parse(json!({
            "run_id": 5, "state": {"life_cycle_state": "TERMINATED", "result_state": "FAILED", "state_message": "boom"},
            "status": {"termination_details": {"code": "RUN_EXECUTION_ERROR", "message": ""}},
            "start_time": 1000, "end_time": 0, "tasks": [{"run_id": 7}], "extra": true
        }))
        .unwrap();
        assert_eq!(run.life_cycle(), "TERMINATED");
        assert_eq!(run.message().as_deref(), Some("boom"));
        assert_eq!(run.tasks[0].run_id, Some(7));
        assert_eq!(Run::parse(json!({})).unwrap().life_cycle(), "PENDING");
    }

    #[test]
    fn outputs_tokens_and_run_now_read_tolerantly() {
        let out = RunOutput::parse(json!({"notebook_output": {"result": "{}", "truncated": true}}))
            .unwrap();
        assert!(out.notebook_output.truncated && out.error.is_none());
        assert_eq!(
            TokenResponse::parse(json!({"access_token": "t", "expires_in": "600"}))
                .unwrap()
                .expires_in(),
            Some(600)
        );
        assert_eq!(
            TokenResponse::parse(json!({"access_token": "t", "expires_in": 60}))
                .unwrap()
                .expires_in(),
            Some(60)
        );
        assert_eq!(
            RunNow::parse(json!({"run_id": 3, "number_in_job": 3}))
                .unwrap()
                .run_id,
            Some(3)
        );
        let e = Run::parse(json!({"tasks": "x"})).unwrap_err();
        assert!(e.contains("unexpected shape"), "{e}");
    }
}
