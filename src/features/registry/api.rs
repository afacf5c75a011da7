//! Server functions of the rule registry (JSON at `/api/<name>`): registry rules' lifecycle
//! (`save_registry_rule`, `submit_…`, `approve_…`, `reject_registry_rule`), the registry
//! (`registry_list`, `registry_rule`), `registry_scope_preview`, `effective_rules`,
//! `registry_impact_preview` and `promote_rule_sets`.

use crate::model::error::ApiError;
use crate::model::registry::{Coverage, Mapping, Scope};
use crate::model::registry_entries::{
    BindingSaved, Follow, RegistryRuleDetail, RegistryRuleSummary, RegistryVersion,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// `POST /api/registry_scope_preview` with `{"scope": {"tables"?: [...], "pattern"?:
/// "main.sales.*", "exclude"?: ["main.sales.tmp_*"], "tag"?: {"key": "class", "value": "email",
/// "on": "column"}}}`: the tables the scope covers now, as you see the catalog (never a table you
/// may not read), with the columns carrying a column tag on each; `truncated` when a listing hit
/// its bound (narrow the pattern).
#[server(prefix = "/api", endpoint = "registry_scope_preview", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "registry_scope_preview", skip_all)
)]
pub async fn registry_scope_preview(scope: Scope) -> Result<Coverage, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let parts = registry_parts(&ctx);
    let covered = crate::server::registry::coverage(&parts, &ctx.caller, &scope).await;
    ctx.respond(covered)
}

/// `POST /api/save_registry_rule` with `{name, rule, description?, dimension?}`: the rule's next
/// version (`rule` is one DQX check, `{"function", "arguments"}` or with `criticality` and
/// `check`; argument values may hold placeholders, `{{ key }}`). A draft for review, or approved
/// at once when no approver group exists. Answers `{name, version, status, …}`.
#[server(prefix = "/api", endpoint = "save_registry_rule", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "save_registry_rule", skip_all)
)]
pub async fn save_registry_rule(
    name: String,
    rule: serde_json::Value,
    description: Option<String>,
    dimension: Option<String>,
) -> Result<RegistryVersion, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let draft = crate::server::registry::rules::RuleDraft {
        name,
        rule,
        description,
        dimension,
    };
    let saved = crate::server::registry::rules::save(
        ctx.state.store.as_ref(),
        &ctx.state.review,
        &ctx.caller,
        draft,
    )
    .await;
    let saved = ctx.respond(saved)?;
    republish_if_approved(&ctx, &saved).await;
    Ok(saved)
}

/// `POST /api/submit_registry_rule` with `{name, version, expected_status}` (`"draft"`): the
/// draft goes to review; only its author (or an admin) submits.
#[server(prefix = "/api", endpoint = "submit_registry_rule", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "submit_registry_rule", skip_all)
)]
pub async fn submit_registry_rule(
    name: String,
    version: i32,
    expected_status: Option<String>,
) -> Result<RegistryVersion, ApiError> {
    let expected = expected_status.unwrap_or_else(|| "draft".into());
    move_rule(name, version, expected, "pending", None).await
}

/// `POST /api/approve_registry_rule` with `{name, version, expected_status}`: the version is
/// approved (bindings following the latest apply it from now). Not by its author or submitter
/// (four-eyes), and only if it still has the status the caller saw (else 409).
#[server(prefix = "/api", endpoint = "approve_registry_rule", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "approve_registry_rule", skip_all)
)]
pub async fn approve_registry_rule(
    name: String,
    version: i32,
    expected_status: String,
) -> Result<RegistryVersion, ApiError> {
    move_rule(name, version, expected_status, "approved", None).await
}

/// `POST /api/reject_registry_rule` with `{name, version, expected_status, reason}`.
#[server(prefix = "/api", endpoint = "reject_registry_rule", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "reject_registry_rule", skip_all)
)]
pub async fn reject_registry_rule(
    name: String,
    version: i32,
    expected_status: String,
    reason: Option<String>,
) -> Result<RegistryVersion, ApiError> {
    move_rule(name, version, expected_status, "rejected", reason).await
}

#[cfg(feature = "ssr")]
async fn move_rule(
    name: String,
    version: i32,
    expected_status: String,
    to: &str,
    reason: Option<String>,
) -> Result<RegistryVersion, ApiError> {
    use crate::model::review::parse_status;
    use crate::server::registry::rules;
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let expected = parse_status(&expected_status)
        .map_err(|e| ctx.bad_request(format!("expected_status: {e}")))?;
    let to = parse_status(to).map_err(|e| ctx.bad_request(e))?;
    let roles = crate::server::registry::bindings::roles_for_rule(
        ctx.state.store.as_ref(),
        &ctx.state.review,
        &ctx.caller,
        &name,
    )
    .await;
    let roles = ctx.respond(roles)?;
    let decision = rules::Decision {
        name,
        version,
        expected,
        to,
        reason,
    };
    let moved = rules::decide(ctx.state.store.as_ref(), &ctx.caller, roles, decision).await;
    let moved = ctx.respond(moved)?;
    republish_if_approved(&ctx, &moved).await;
    Ok(moved)
}

/// Writes the published checks of the tables an approved entry touches again.
#[cfg(feature = "ssr")]
async fn republish_if_approved(
    ctx: &crate::server::request::RequestContext,
    entry: &RegistryVersion,
) {
    use crate::server::registry::republish;
    if entry.status != crate::model::review::VersionStatus::Approved {
        return;
    }
    let scopes = republish::touched_scopes(
        &ctx.state,
        &ctx.caller,
        entry.kind,
        &entry.name,
        &entry.body,
    )
    .await;
    republish::republish(&ctx.state, &ctx.caller, &scopes).await;
}

/// `POST /api/registry_list` with `{}`: every registry rule, by name, with its newest version,
/// the newest approved one and where it is used (`used_on`: the tables its bindings in force
/// cover now, as you see the catalog).
#[server(prefix = "/api", endpoint = "registry_list", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "registry_list", skip_all))]
pub async fn registry_list() -> Result<Vec<RegistryRuleSummary>, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let parts = registry_parts(&ctx);
    let listed = crate::server::registry::rules::list(&parts, &ctx.caller).await;
    ctx.respond(listed)
}

/// `POST /api/registry_rule` with `{name}`: the rule's versions, newest first.
#[server(prefix = "/api", endpoint = "registry_rule", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "registry_rule", skip_all))]
pub async fn registry_rule(name: String) -> Result<RegistryRuleDetail, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let parts = registry_parts(&ctx);
    let detail = crate::server::registry::rules::detail(&parts, &ctx.caller, &name).await;
    ctx.respond(detail)
}

#[cfg(feature = "ssr")]
fn registry_parts(
    ctx: &crate::server::request::RequestContext,
) -> crate::server::registry::Parts<'_> {
    crate::server::registry::Parts {
        workspace: ctx.state.workspace.as_ref(),
        rules: ctx.state.store.as_ref(),
        readable: &ctx.state.review.readable,
    }
}

/// `POST /api/bind_registry_rule` with `{name, scope: {tables?, pattern?, exclude?, tag?: {key,
/// value, on: "table"|"column"}}, mapping: {placeholder: {"column": "customer_id"} | {"tagged":
/// "class=email"} | {"value": …}}, follow: "latest" | {"version": N}, binding_id?}`: a new
/// binding (or, with `binding_id`, its next version), submitted for review by an approver
/// covering all the scope may reach. Answers `{binding_id, version, status, coverage}` (what
/// it covers now as you see the catalog).
#[server(prefix = "/api", endpoint = "bind_registry_rule", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "bind_registry_rule", skip_all)
)]
pub async fn bind_registry_rule(
    name: String,
    scope: Scope,
    #[server(default)] mapping: std::collections::BTreeMap<String, Mapping>,
    #[server(default)] follow: Follow,
    binding_id: Option<String>,
) -> Result<BindingSaved, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let parts = registry_parts(&ctx);
    let request = crate::server::registry::bindings::BindRequest {
        rule: name,
        scope,
        mapping,
        follow,
        binding_id,
    };
    let saved =
        crate::server::registry::bindings::bind(&parts, &ctx.state.review, &ctx.caller, request)
            .await;
    let saved = ctx.respond(saved)?;
    republish_binding_if_approved(&ctx, &saved).await;
    Ok(saved)
}

/// `POST /api/retire_binding` with `{binding_id}`: a new version of the binding that retires it,
/// reviewed like any binding change by an approver covering its scope; once approved the binding
/// applies nowhere and the tables it covered are published without it.
#[server(prefix = "/api", endpoint = "retire_binding", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "retire_binding", skip_all)
)]
pub async fn retire_binding(binding_id: String) -> Result<BindingSaved, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let parts = registry_parts(&ctx);
    let saved = crate::server::registry::bindings::retire(
        &parts,
        &ctx.state.review,
        &ctx.caller,
        &binding_id,
    )
    .await;
    let saved = ctx.respond(saved)?;
    republish_binding_if_approved(&ctx, &saved).await;
    Ok(saved)
}

/// Republishes what an approved-at-once binding version touches.
#[cfg(feature = "ssr")]
async fn republish_binding_if_approved(
    ctx: &crate::server::request::RequestContext,
    saved: &BindingSaved,
) {
    if saved.status != crate::model::review::VersionStatus::Approved {
        return;
    }
    let versions = ctx
        .state
        .store
        .registry_versions(
            &ctx.caller,
            crate::model::registry_entries::EntryKind::Binding,
            Some(&saved.binding_id),
            1,
        )
        .await;
    match versions {
        Ok(versions) => {
            if let Some(newest) = versions.first() {
                republish_if_approved(ctx, newest).await;
            }
        }
        Err(error) => {
            tracing::warn!(request_id = %ctx.caller.request_id, %error, "not republished: the binding could not be read again");
        }
    }
}

/// `POST /api/approve_binding` with `{binding_id, expected_status, version?}`: the binding's
/// version (its newest unless named) applies from now. Its approver covers all its scope may
/// reach, and is neither its author nor submitter (four-eyes).
#[server(prefix = "/api", endpoint = "approve_binding", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "approve_binding", skip_all)
)]
pub async fn approve_binding(
    binding_id: String,
    expected_status: String,
    version: Option<i32>,
) -> Result<RegistryVersion, ApiError> {
    decide_binding(binding_id, expected_status, version, None).await
}

/// `POST /api/reject_binding` with `{binding_id, expected_status, reason, version?}`.
#[server(prefix = "/api", endpoint = "reject_binding", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "reject_binding", skip_all)
)]
pub async fn reject_binding(
    binding_id: String,
    expected_status: String,
    reason: String,
    version: Option<i32>,
) -> Result<RegistryVersion, ApiError> {
    decide_binding(binding_id, expected_status, version, Some(reason)).await
}

#[cfg(feature = "ssr")]
async fn decide_binding(
    binding_id: String,
    expected_status: String,
    version: Option<i32>,
    reason: Option<String>,
) -> Result<RegistryVersion, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let expected = crate::model::review::parse_status(&expected_status)
        .map_err(|e| ctx.bad_request(format!("expected_status: {e}")))?;
    let decided = crate::server::registry::bindings::decide(
        ctx.state.store.as_ref(),
        &ctx.state.review,
        &ctx.caller,
        &binding_id,
        version,
        expected,
        reason,
    )
    .await;
    let decided = ctx.respond(decided)?;
    republish_if_approved(&ctx, &decided).await;
    Ok(decided)
}

/// `POST /api/effective_rules` with `{table}`: the table's own active rules plus every binding
/// in force that covers it, resolved to DQX checks (`rules`), each with its origin (`origins`:
/// `table@3` or `registry:key_present@3`), the clashes between them, and notes on bindings that
/// cover the table but give it nothing.
#[server(prefix = "/api", endpoint = "effective_rules", input = Json)]
#[cfg_attr(feature = "ssr", tracing::instrument(name = "effective_rules", skip_all, fields(table = %crate::server::telemetry::field(&table))))]
pub async fn effective_rules(
    table: String,
) -> Result<crate::model::registry_effective::EffectiveRules, ApiError> {
    let (ctx, table) = crate::server::request::RequestContext::for_table(&table).await?;
    let parts = registry_parts(&ctx);
    let set =
        crate::server::registry::effective::effective(&parts, &ctx.caller, &table, None).await;
    ctx.respond(set)
}

/// `POST /api/registry_impact_preview` with `{name, version?}` (a registry rule's version) or
/// `{binding_id, version?}` (a binding's; the newest when no version is named): a run that
/// previews the change, as if approved, on every covered table you may read, each on its sample
/// as the single-table preview does (violations before and after, rows that start failing), and
/// sums them; covered tables you may not read are counted only. Poll it with `run_status` (its
/// `cross_table` field fills in table by table).
#[server(prefix = "/api", endpoint = "registry_impact_preview", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "registry_impact_preview", skip_all)
)]
pub async fn registry_impact_preview(
    name: Option<String>,
    binding_id: Option<String>,
    version: Option<i32>,
) -> Result<crate::model::runs::RunSummary, ApiError> {
    use crate::server::registry::impact::{Subject, start};
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let subject = match (name, binding_id) {
        (Some(name), None) => {
            let name =
                crate::model::registry_entries::rule_name(&name).map_err(|e| ctx.bad_request(e))?;
            Subject::Rule { name, version }
        }
        (None, Some(id)) => Subject::Binding { id, version },
        _ => {
            return Err(
                ctx.bad_request("name a registry rule (name) or a binding (binding_id), not both")
            );
        }
    };
    let started = start(&ctx.state, &ctx.caller, subject).await;
    ctx.respond(started)
}

/// `POST /api/promote_rule_sets` with `{from, to}`: copies a table's active rule set
/// (`dev.sales.customers` → `main.sales.customers`) or every rule set under a schema
/// (`dev.sales.*` → `main.sales.*`, same table names) to the target, as you: a draft for review
/// where review applies there. Rules reading columns a target lacks are left out and listed per
/// rule; names of promoted tables inside rules are mapped to their targets. Answers a report per
/// table (a table that could not be promoted says why).
#[server(prefix = "/api", endpoint = "promote_rule_sets", input = Json)]
#[cfg_attr(
    feature = "ssr",
    tracing::instrument(name = "promote_rule_sets", skip_all)
)]
pub async fn promote_rule_sets(
    from: String,
    to: String,
) -> Result<crate::model::promote::PromoteReport, ApiError> {
    let ctx = crate::server::request::RequestContext::resolve().await?;
    let report =
        crate::server::registry::promote::promote(&ctx.state, &ctx.caller, &from, &to).await;
    ctx.respond(report)
}
