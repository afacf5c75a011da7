//! Server functions over saved rule sets: `save_rule_set`, `rule_history`, `get_rule_set`,
//! `diff_rule_sets`, `restore_rule_set`, `export_rule_set`, `import_rule_set`, `store_status`.
//! Every one first proves, as the caller, that the caller may read the table.

use crate::model::error::ApiError;
use crate::model::rules::RulesFormat;
use crate::model::rulesets::{
    ExportedRuleSet, RuleSet, RuleSetDiff, RuleSetSummary, SavedRuleSet, StorageStatus,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde_json::Value;

#[cfg(feature = "ssr")]
pub(crate) mod guard {
    use crate::model::table_name::TableName;
    use crate::server::request::RequestContext;

    /// Publishes the table's active version when this save made one (no review applies).
    pub async fn publish_if_active(
        ctx: &RequestContext,
        table: &str,
        saved: &crate::model::rulesets::SavedRuleSet,
    ) {
        if saved.is_active {
            let inherited = crate::server::registry::effective::inherited_in_app(
                &ctx.state,
                &ctx.caller,
                table,
            )
            .await;
            ctx.state
                .publisher
                .publish_active(ctx.state.store.as_ref(), &ctx.caller, table, inherited)
                .await;
        }
    }

    /// Whether saves of the table are drafts (review applies to it).
    pub fn drafts(ctx: &RequestContext, table: &str) -> bool {
        TableName::parse(table).is_ok_and(|name| ctx.state.review.saves_draft(&name))
    }
}

/// `POST /api/save_rule_set` with `{table, rules, user_prompt?, ai_summary?, metadata?}`: validates
/// the rules against the table, then saves them as the next version: a draft where review applies
/// (submit it with `submit_rule_set`), else at once the only active one.
#[server(prefix = "/api", endpoint = "save_rule_set", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "save_rule_set", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn save_rule_set(
    table: String,
    rules: Vec<Value>,
    user_prompt: Option<String>,
    ai_summary: Option<Value>,
    metadata: Option<Value>,
) -> Result<SavedRuleSet, ApiError> {
    use crate::server::store::{AuditAction, NewRuleSet, ops};
    let (ctx, table, columns) =
        crate::server::request::RequestContext::for_table_columns(&table).await?;
    let table_name = table.clone();
    let (table, columns) = (table.to_string(), Some(columns));
    let rules = ctx.rules_in(rules)?;
    ctx.notes_in(user_prompt.as_deref(), &ai_summary, &metadata)?;
    let ai_summary = ai_summary.filter(|a| crate::model::analysis::describes(a, rules.len()));
    let draft = guard::drafts(&ctx, &table);
    if !draft {
        // Active at once, with no review: a rule letting through its own "fail" example is
        // refused here, as submit refuses it where review applies.
        let examples = ctx.respond(
            crate::server::examples::examples_for(&ctx.state, &ctx.caller, &table_name, &rules)
                .await,
        )?;
        ctx.respond(crate::server::examples::refuse_wrong(
            &examples,
            "saving it as the active version",
        ))?;
    }
    let name = table.clone();
    let new = NewRuleSet {
        table_name: table,
        rules,
        user_prompt: user_prompt.filter(|p| !p.trim().is_empty()),
        ai_summary,
        metadata,
        restored_from: None,
        draft,
    };
    let saved = ops::save_checked(
        ctx.state.store.as_ref(),
        &ctx.caller,
        new,
        columns.as_deref(),
        AuditAction::Save,
    )
    .await;
    let saved = ctx.respond(saved)?;
    guard::publish_if_active(&ctx, &name, &saved).await;
    Ok(saved)
}

/// `POST /api/rule_history` with `{table, limit?}` (default 50): versions, newest first.
#[server(prefix = "/api", endpoint = "rule_history", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "rule_history", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn rule_history(
    table: String,
    limit: Option<u32>,
) -> Result<Vec<RuleSetSummary>, ApiError> {
    use crate::model::rulesets::MAX_HISTORY;
    let (ctx, table) = crate::server::request::RequestContext::for_table(&table).await?;
    let table = table.to_string();
    let limit = limit.unwrap_or(50);
    if limit == 0 || limit > MAX_HISTORY {
        return Err(ctx.bad_request(format!("limit must be between 1 and {MAX_HISTORY}")));
    }
    let history = crate::server::store::ops::history_with_publishing(
        ctx.state.store.as_ref(),
        &ctx.caller,
        &table,
        limit,
    )
    .await;
    ctx.respond(history)
}

/// `POST /api/publish_rule_set` with `{table}`: publishes the active version again to the
/// table's targets, as the caller (the targets' own grants decide), and says how it went.
#[server(prefix = "/api", endpoint = "publish_rule_set", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "publish_rule_set", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn publish_rule_set(table: String) -> Result<String, ApiError> {
    let (ctx, table) = crate::server::request::RequestContext::for_table(&table).await?;
    let table = table.to_string();
    let inherited =
        crate::server::registry::effective::inherited_in_app(&ctx.state, &ctx.caller, &table).await;
    let report = crate::server::publish::publish_again(
        &ctx.state.publisher,
        ctx.state.store.as_ref(),
        &ctx.caller,
        &table,
        inherited,
    )
    .await;
    ctx.respond(report)
}

/// `POST /api/get_rule_set` with `{table, version?}`: one version (default: the active one).
#[server(prefix = "/api", endpoint = "get_rule_set", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "get_rule_set", skip_all, fields(table = %crate::server::telemetry::field(&table), version = ?version)))]
pub async fn get_rule_set(table: String, version: Option<i32>) -> Result<RuleSet, ApiError> {
    let (ctx, table) = crate::server::request::RequestContext::for_table(&table).await?;
    let table = table.to_string();
    let set = ctx.state.store.get(&ctx.caller, &table, version).await;
    ctx.respond(set)
}

/// `POST /api/diff_rule_sets` with `{table, from, to}`: rules added, removed and changed (by
/// name, field by field).
#[server(prefix = "/api", endpoint = "diff_rule_sets", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "diff_rule_sets", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn diff_rule_sets(table: String, from: i32, to: i32) -> Result<RuleSetDiff, ApiError> {
    let (ctx, table) = crate::server::request::RequestContext::for_table(&table).await?;
    let table = table.to_string();
    let diff =
        crate::server::store::ops::diff(ctx.state.store.as_ref(), &ctx.caller, &table, from, to)
            .await;
    ctx.respond(diff)
}

/// `POST /api/restore_rule_set` with `{table, version}`: saves that version's rules as a new
/// version, recording what it was restored from.
#[server(prefix = "/api", endpoint = "restore_rule_set", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "restore_rule_set", skip_all, fields(table = %crate::server::telemetry::field(&table), version = ?version)))]
pub async fn restore_rule_set(table: String, version: i32) -> Result<SavedRuleSet, ApiError> {
    let (ctx, table) = crate::server::request::RequestContext::for_table(&table).await?;
    let table = table.to_string();
    let draft = guard::drafts(&ctx, &table);
    let saved = crate::server::store::ops::restore(
        ctx.state.store.as_ref(),
        &ctx.caller,
        &table,
        version,
        draft,
    )
    .await;
    let saved = ctx.respond(saved)?;
    guard::publish_if_active(&ctx, &table, &saved).await;
    Ok(saved)
}

/// `POST /api/export_rule_set` with `{table, version?, format: yaml|json}`: DQX-loadable text.
#[server(prefix = "/api", endpoint = "export_rule_set", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "export_rule_set", skip_all, fields(table = %crate::server::telemetry::field(&table), version = ?version)))]
pub async fn export_rule_set(
    table: String,
    version: Option<i32>,
    format: RulesFormat,
) -> Result<ExportedRuleSet, ApiError> {
    let (ctx, table) = crate::server::request::RequestContext::for_table(&table).await?;
    let table = table.to_string();
    let exported = crate::server::store::ops::export(
        ctx.state.store.as_ref(),
        &ctx.caller,
        &table,
        version,
        format,
    )
    .await;
    ctx.respond(exported)
}

/// `POST /api/import_rule_set` with `{table, text, format}`: parsed, validated against the
/// table, then saved as a new version; nothing is saved when anything is wrong.
#[server(prefix = "/api", endpoint = "import_rule_set", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "import_rule_set", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn import_rule_set(
    table: String,
    text: String,
    format: RulesFormat,
) -> Result<SavedRuleSet, ApiError> {
    let (ctx, table, columns) =
        crate::server::request::RequestContext::for_table_columns(&table).await?;
    let (table, columns) = (table.to_string(), Some(columns));
    ctx.rules_from_text(&text, format)?;
    let draft = guard::drafts(&ctx, &table);
    let saved = crate::server::store::ops::import(
        ctx.state.store.as_ref(),
        &ctx.caller,
        &table,
        &text,
        format,
        columns.as_deref(),
        draft,
    )
    .await;
    let saved = ctx.respond(saved)?;
    guard::publish_if_active(&ctx, &table, &saved).await;
    Ok(saved)
}

/// `POST /api/store_status` with `{}`: configured, connected, backend and user (never a token).
#[server(prefix = "/api", endpoint = "store_status", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "store_status", skip_all))]
pub async fn store_status() -> Result<StorageStatus, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    Ok(ctx.state.store.status(&ctx.caller).await)
}
