//! What the app keeps of a finished run when its status is read: a validation's counts and
//! messages (never row values) and an impact preview's counts, each once per run with an audit
//! entry. A store that is not configured or fails never hides the result from the user.

use crate::model::runs::RunStatus;
use crate::server::caller::Caller;
use crate::server::store::{AuditAction, RuleStore, ops::audit_quietly};

/// Keeps what `status` carries (a validation result, an impact preview), once per run; the
/// validation result when it was recorded just now (the first reading of a finished run).
pub async fn keep_results(
    store: &dyn RuleStore,
    caller: &Caller,
    status: &RunStatus,
) -> Option<crate::model::results::ValidationResult> {
    let mut recorded = None;
    if let Some(result) = &status.validation
        && record_validation(
            store,
            caller,
            &status.summary.run_id,
            status.rule_set_version,
            result,
        )
        .await
    {
        recorded = Some(result.clone());
    }
    if let Some(preview) = status
        .impact
        .as_ref()
        .filter(|p| p.version != crate::model::review::REGISTRY_PREVIEW_VERSION)
    {
        keep_preview(store, caller, &status.summary.run_id, preview).await;
    }
    recorded
}

/// What follows a validation run recorded just now, after the reply: in a workspace with DQX's
/// metrics table configured, its DQX metric rows are appended there as the caller (so the team's
/// dashboards and the trends see it beside their pipelines' runs), and the table's alerts are
/// evaluated and delivered.
pub fn after_recorded(
    state: &crate::server::state::AppState,
    caller: &Caller,
    status: &RunStatus,
    result: crate::model::results::ValidationResult,
) {
    let run_id = status.summary.run_id.clone();
    if let (Some(metrics), true) = (
        state.config.metrics_table.clone(),
        state.databricks.is_some(),
    ) {
        let (store, workspace, caller) =
            (state.store.clone(), state.workspace.clone(), caller.clone());
        let (run_id, version, result) = (run_id.clone(), status.rule_set_version, result.clone());
        tokio::spawn(async move {
            let rules = version_rules(store.as_ref(), &caller, &result.table_name, version).await;
            let rows = metric_rows(&run_id, version, &result, &rules);
            if let Err(error) = workspace.append_metric_rows(&caller, &metrics, &rows).await {
                tracing::warn!(request_id = %caller.request_id, %error, run_id, %metrics, "run metrics not written to DQX's metrics table");
            }
        });
    }
    let alerts = state.alerts.clone();
    let run = crate::server::alerts::FinishedRun {
        run_id,
        run_time: chrono::Utc::now(),
        result,
    };
    let caller = caller.clone();
    tokio::spawn(
        async move { crate::server::alerts::after_run(&alerts, &run, Some(&caller)).await },
    );
}

/// The rules of a saved version, resolved (none for unsaved rules or when they cannot be read:
/// the metrics then carry no fingerprints).
async fn version_rules(
    store: &dyn RuleStore,
    caller: &Caller,
    table: &str,
    version: Option<i32>,
) -> Vec<crate::model::rules::ResolvedRule> {
    let Some(version) = version else {
        return Vec::new();
    };
    match store.get(caller, table, Some(version)).await {
        Ok(set) => {
            crate::model::rules::validate::validate_rule_set(
                &serde_json::Value::Array(set.rules),
                None,
            )
            .rules
        }
        Err(error) => {
            tracing::info!(request_id = %caller.request_id, %error, table, version, "version rules not read for metrics");
            Vec::new()
        }
    }
}

/// A manual run's rows in DQX's metrics table.
pub fn metric_rows(
    run_id: &str,
    version: Option<i32>,
    result: &crate::model::results::ValidationResult,
    rules: &[crate::model::rules::ResolvedRule],
) -> Vec<crate::model::metrics::MetricRow> {
    use crate::model::metrics::{RunFacts, RunMetrics, Trigger};
    let run_time = crate::server::workspace::metrics_table::utc_text(&result.validated_at)
        .unwrap_or_else(|| chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    let facts = RunFacts {
        run_id,
        run_time: &run_time,
        trigger: Trigger::Manual,
        version,
        checks_location: None,
    };
    RunMetrics::of(result, rules).rows(&result.table_name, rules, &facts)
}

/// Keeps a finished impact preview with its version's review (once per run, counts only) and
/// audits it; a failure is logged and the preview is still shown to the user.
async fn keep_preview(
    store: &dyn RuleStore,
    caller: &Caller,
    run_id: &str,
    preview: &crate::model::review::ImpactPreview,
) {
    let kept = crate::server::review::kept::kept_preview(preview);
    match store.save_preview(caller, run_id, &kept).await {
        Ok(true) => {
            let detail = serde_json::json!({
                "run_id": run_id,
                "against_version": preview.against_version,
                "rows_checked": preview.rows_checked,
                "invalid_before": preview.invalid_before,
                "invalid_after": preview.invalid_after,
            });
            audit_quietly(
                store,
                caller,
                AuditAction::Preview,
                &preview.table_name,
                Some(preview.version),
                Some(detail),
            )
            .await;
        }
        Ok(false) => {}
        Err(error) => {
            tracing::warn!(request_id = %caller.request_id, %error, run_id, "impact preview not kept")
        }
    }
}

/// A result as the store keeps it: counts and messages, never row values (whoever reads the
/// store later may not be allowed to see them).
pub fn counts_only(
    mut result: crate::model::results::ValidationResult,
) -> crate::model::results::ValidationResult {
    for rule in &mut result.rule_results {
        rule.sample_violations.clear();
    }
    result
}

/// Keeps a finished validation in the store (once per run) with an audit entry; whether it was
/// new. A store that is not configured or fails does not hide the result from the user.
async fn record_validation(
    store: &dyn RuleStore,
    caller: &Caller,
    run_id: &str,
    version: Option<i32>,
    result: &crate::model::results::ValidationResult,
) -> bool {
    let kept = counts_only(result.clone());
    match store
        .record_validation(caller, run_id, version, &kept)
        .await
    {
        Ok(true) => {
            let detail = serde_json::json!({"run_id": run_id, "invalid_rows": result.invalid_rows, "total_rows": result.total_rows});
            audit_quietly(
                store,
                caller,
                AuditAction::Validate,
                &result.table_name,
                version,
                Some(detail),
            )
            .await;
            true
        }
        Ok(false) => false,
        Err(error) => {
            tracing::warn!(request_id = %caller.request_id, %error, run_id, "validation run not recorded");
            false
        }
    }
}
