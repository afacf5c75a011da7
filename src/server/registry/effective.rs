//! A table's effective rules as the caller sees them: its own active rules plus the checks of
//! every binding in force that covers it (the binding's pattern, names and exclusions matched on
//! the table's name; tags read from Unity Catalog as the caller), resolved against the table's
//! columns. A binding that resolves to nothing, or to checks that do not fit the table, is
//! named in the notes instead of failing the table's rules.

use super::Parts;
use super::bindings::{all, in_force};
use crate::model::registry::Mapping;
use crate::model::registry::{
    MAX_COVERAGE_LISTING, Scope, TagHit, TagOn, TagScope, resolve_on_table,
};
use crate::model::registry_effective::{EffectiveRules, Inherited, assemble};
use crate::model::registry_entries::{
    BindingBody, EntryKind, MAX_LISTED, RegistryVersion, RuleBody, applied_version, by_entry,
};
use crate::model::rules::validate::validate_rule_set;
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::store::RuleStore;
use crate::server::workspace::Workspace;
use serde_json::Value;
use std::collections::BTreeMap;

/// Tags read once per (key, value, place) for one table's resolution.
type TagCache = BTreeMap<(String, String, TagOn), Vec<TagHit>>;

async fn tag_hits<'c>(
    workspace: &dyn Workspace,
    caller: &Caller,
    cache: &'c mut TagCache,
    key: &str,
    value: &str,
    on: TagOn,
) -> Result<&'c Vec<TagHit>, AppError> {
    let slot = (key.to_lowercase(), value.to_string(), on);
    if !cache.contains_key(&slot) {
        let hits = workspace
            .tags(caller, key, Some(value), on, MAX_COVERAGE_LISTING)
            .await?;
        cache.insert(slot.clone(), hits);
    }
    Ok(cache.get(&slot).map_or(&EMPTY, |hits| hits))
}

static EMPTY: Vec<TagHit> = Vec::new();

/// Whether `scope` covers `table` (lower case) as the caller sees its tags.
async fn covers(
    workspace: &dyn Workspace,
    caller: &Caller,
    cache: &mut TagCache,
    scope: &Scope,
    table: &str,
) -> Result<bool, AppError> {
    let tagged: Vec<TagHit> = match &scope.tag {
        Some(TagScope { key, value, on }) => tag_hits(workspace, caller, cache, key, value, *on)
            .await?
            .iter()
            .filter(|h| h.table == table)
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    Ok(scope.covered(&[table.to_string()], &tagged).contains(table))
}

/// The table's columns carrying each `key=value` tag a mapping names.
async fn tagged_columns(
    workspace: &dyn Workspace,
    caller: &Caller,
    cache: &mut TagCache,
    mapping: &BTreeMap<String, Mapping>,
    table: &str,
) -> Result<BTreeMap<String, Vec<String>>, AppError> {
    let mut out = BTreeMap::new();
    for how in mapping.values() {
        let Mapping::Tagged(text) = how else { continue };
        let Some((key, value)) = text.split_once('=') else {
            continue;
        };
        let columns: Vec<String> = tag_hits(
            workspace,
            caller,
            cache,
            key.trim(),
            value.trim(),
            TagOn::Column,
        )
        .await?
        .iter()
        .filter(|h| h.table == table)
        .filter_map(|h| h.column.clone())
        .collect();
        out.insert(text.clone(), columns);
    }
    Ok(out)
}

/// The registry as resolution reads it: the bindings in force and every rule's versions.
#[derive(Debug, Clone, Default)]
pub struct RegistryView {
    pub bindings: Vec<(String, i32, BindingBody)>,
    pub rules: BTreeMap<String, Vec<RegistryVersion>>,
}

impl RegistryView {
    /// Reads the registry as the caller.
    pub async fn read(store: &dyn RuleStore, caller: &Caller) -> Result<Self, AppError> {
        let bindings = in_force(&all(store, caller).await?);
        let rules = by_entry(
            store
                .registry_versions(caller, EntryKind::Rule, None, MAX_LISTED)
                .await?,
        );
        Ok(Self { bindings, rules })
    }

    /// The registry as it would be with `change` approved.
    pub fn with(&self, change: &Change) -> Self {
        let mut view = self.clone();
        match change {
            Change::Binding { id, body } => {
                view.bindings.retain(|(b, _, _)| b != id);
                if !body.retired {
                    view.bindings.push((id.clone(), 0, body.clone()));
                }
            }
            Change::RuleVersion(version) => {
                let mut approved = version.clone();
                approved.status = crate::model::review::VersionStatus::Approved;
                let versions = view.rules.entry(version.name.clone()).or_default();
                versions.retain(|v| v.version != version.version);
                versions.insert(0, approved);
            }
        }
        view
    }
}

/// A pending registry change, as if approved.
#[derive(Debug, Clone)]
pub enum Change {
    /// A binding's version replacing the one in force (or a new binding).
    Binding { id: String, body: BindingBody },
    /// A rule's version becoming its newest approved one.
    RuleVersion(RegistryVersion),
}

/// The checks the bindings in force give `table`, and notes on bindings that give nothing.
pub async fn inherited(
    workspace: &dyn Workspace,
    store: &dyn RuleStore,
    caller: &Caller,
    table: &TableName,
) -> Result<(Vec<Inherited>, Vec<String>), AppError> {
    let view = RegistryView::read(store, caller).await?;
    inherited_from(&view, workspace, caller, table).await
}

/// The checks `view`'s bindings give `table`, and notes on bindings that give nothing.
pub async fn inherited_from(
    view: &RegistryView,
    workspace: &dyn Workspace,
    caller: &Caller,
    table: &TableName,
) -> Result<(Vec<Inherited>, Vec<String>), AppError> {
    let name = table.to_string().to_lowercase();
    if view.bindings.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let rules = &view.rules;
    let mut cache = TagCache::new();
    let mut columns: Option<Vec<String>> = None;
    let (mut out, mut notes) = (Vec::new(), Vec::new());
    for (binding_id, _, body) in view.bindings.iter().cloned() {
        if !covers(workspace, caller, &mut cache, &body.scope, &name).await? {
            continue;
        }
        let BindingBody {
            rule,
            mapping,
            follow,
            ..
        } = body;
        let versions = rules.get(&rule).map(Vec::as_slice).unwrap_or_default();
        let Some(applied) = applied_version(follow, versions) else {
            notes.push(format!(
                "binding {binding_id} of {rule} applies nothing yet: {rule} has no approved version it follows"
            ));
            continue;
        };
        let Ok(rule_body) = serde_json::from_value::<RuleBody>(applied.body.clone()) else {
            notes.push(format!(
                "binding {binding_id}: {rule}@{} cannot be read",
                applied.version
            ));
            continue;
        };
        let tagged = tagged_columns(workspace, caller, &mut cache, &mapping, &name).await?;
        let checks = match resolve_on_table(&rule, &rule_body.rule, &mapping, &tagged) {
            Ok(checks) => checks,
            Err(why) => {
                notes.push(format!(
                    "binding {binding_id} of {rule}@{}: {why}",
                    applied.version
                ));
                continue;
            }
        };
        if checks.is_empty() {
            notes.push(format!(
                "binding {binding_id} of {rule}@{} covers {name} but finds no column for it here",
                applied.version
            ));
            continue;
        }
        if columns.is_none() {
            columns = Some(
                workspace
                    .columns(caller, table)
                    .await?
                    .into_iter()
                    .map(|c| c.name)
                    .collect(),
            );
        }
        let fits = validate_rule_set(&Value::Array(checks.clone()), columns.as_deref());
        if !fits.is_valid() {
            let why: Vec<String> = fits.errors().map(|p| p.message.clone()).collect();
            notes.push(format!(
                "binding {binding_id} of {rule}@{} does not fit {name}: {}",
                applied.version,
                why.join("; ")
            ));
            continue;
        }
        out.push(Inherited {
            binding_id,
            registry_rule: rule,
            registry_version: applied.version,
            checks,
        });
    }
    // By rule, then binding: the order pages and published files show them in.
    out.sort_by(|a, b| (&a.registry_rule, &a.binding_id).cmp(&(&b.registry_rule, &b.binding_id)));
    Ok((out, notes))
}

/// The table's effective rules: `own` (rules and their saved version) when given (an editor's
/// rules being validated), else its active version (none yet: no own rules), plus what it
/// inherits.
pub async fn effective(
    parts: &Parts<'_>,
    caller: &Caller,
    table: &TableName,
    own: Option<(Vec<Value>, Option<i32>)>,
) -> Result<EffectiveRules, AppError> {
    let name = table.to_string();
    let (rules, version) = match own {
        Some(own) => own,
        None => match parts.rules.get(caller, &name, None).await {
            Ok(active) => (active.rules, Some(active.summary.version)),
            Err(AppError::NotFound(_)) => (Vec::new(), None),
            Err(e) => return Err(e),
        },
    };
    let (inherited, notes) = inherited(parts.workspace, parts.rules, caller, table).await?;
    let mut set = assemble(&name, rules, version, inherited);
    set.notes = notes;
    Ok(set)
}

/// The inherited checks of `table` as they are published beside its own (marked with their
/// origin), or an empty list with a warning when they cannot be read: a publish is never failed
/// by them, and the run of a later validation shows the same notes.
pub async fn inherited_checks(
    workspace: &dyn Workspace,
    store: &dyn RuleStore,
    caller: &Caller,
    table: &str,
) -> Vec<Value> {
    let Ok(name) = TableName::parse(table) else {
        return Vec::new();
    };
    match inherited(workspace, store, caller, &name).await {
        Ok((inherited, _)) => assemble(table, Vec::new(), None, inherited).rules,
        Err(error) => {
            tracing::warn!(request_id = %caller.request_id, %error, table, "published without inherited rules: they could not be read");
            Vec::new()
        }
    }
}

/// [`inherited_checks`] with the app's own parts.
pub async fn inherited_in_app(
    state: &crate::server::state::AppState,
    caller: &Caller,
    table: &str,
) -> Vec<Value> {
    inherited_checks(
        state.workspace.as_ref(),
        state.store.as_ref(),
        caller,
        table,
    )
    .await
}

/// Leaves out of a finished generation's proposals what its table already inherits, with a note
/// for each (the viewer's own registry view: the starter reads their own run).
pub async fn drop_inherited_proposals(
    state: &crate::server::state::AppState,
    caller: &Caller,
    status: &mut crate::model::runs::RunStatus,
) {
    let Some(generation) = status.generation.as_mut() else {
        return;
    };
    let inherited = inherited_in_app(state, caller, &generation.table_name).await;
    if inherited.is_empty() {
        return;
    }
    let proposed = std::mem::take(&mut generation.rules);
    let (kept, notes) = crate::model::registry_overlap::without_inherited(proposed, &inherited);
    generation.rules = kept;
    generation.prompt_notes.extend(notes);
}
