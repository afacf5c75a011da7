//! The rule registry's services (issue 31): registry rules' lifecycle (`rules`), bindings and
//! their review (`bindings`), a table's effective rules (`effective`), a change's preview across tables (`impact`), promoting rule sets between catalogs
//! (`promote`), and what a
//! binding's scope covers now, as the
//! caller sees the catalog (the bind dialog shows it before anything is saved): the tables a
//! pattern matches among those they may read, the tables (and columns) carrying the tag as
//! Unity Catalog shows them to the caller, and named tables only once proven readable by them.

pub mod bindings;
pub mod effective;
pub mod impact;
pub mod promote;
pub mod republish;
pub mod rules;

use crate::model::registry::{Coverage, MAX_COVERAGE_LISTING, Scope, TagOn, fixed_parts};
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::review::readable::ReadableCache;
use crate::server::store::RuleStore;
use crate::server::workspace::Workspace;
use std::collections::{BTreeMap, BTreeSet};

/// The parts of the app a coverage reads.
pub struct Parts<'a> {
    pub workspace: &'a dyn Workspace,
    pub rules: &'a dyn RuleStore,
    pub readable: &'a ReadableCache,
}

/// What `scope` covers now for `caller`: never a table they may not read.
pub async fn coverage(
    parts: &Parts<'_>,
    caller: &Caller,
    scope: &Scope,
) -> Result<Coverage, AppError> {
    scope.check().map_err(AppError::BadRequest)?;
    let named = scope
        .tables
        .iter()
        .map(|t| TableName::parse(t).map(|n| n.to_string().to_lowercase()))
        .collect::<Result<BTreeSet<String>, _>>()
        .map_err(|e| AppError::BadRequest(format!("{e}; name tables as catalog.schema.table")))?;
    let mut truncated = false;
    let known = match &scope.pattern {
        Some(pattern) => {
            let (catalog, schema) = fixed_parts(pattern);
            let listed = parts
                .workspace
                .visible_tables(
                    caller,
                    catalog.as_deref(),
                    schema.as_deref(),
                    MAX_COVERAGE_LISTING,
                )
                .await?;
            truncated |= listed.len() >= MAX_COVERAGE_LISTING as usize;
            listed
        }
        None => Vec::new(),
    };
    let tagged = match &scope.tag {
        Some(tag) => {
            let hits = parts
                .workspace
                .tags(
                    caller,
                    &tag.key,
                    Some(&tag.value),
                    tag.on,
                    MAX_COVERAGE_LISTING,
                )
                .await?;
            truncated |= hits.len() >= MAX_COVERAGE_LISTING as usize;
            hits
        }
        None => Vec::new(),
    };
    let mut covered = scope.covered(&known, &tagged);
    // Tables only named (not seen in a listing as the caller) are shown once proven readable.
    let seen: BTreeSet<&String> = known
        .iter()
        .chain(tagged.iter().map(|h| &h.table))
        .collect();
    let unproven: Vec<String> = named
        .iter()
        .filter(|t| covered.contains(*t) && !seen.contains(t))
        .cloned()
        .collect();
    if !unproven.is_empty() {
        let proven: BTreeSet<String> = parts
            .readable
            .prove(parts.rules, parts.workspace, caller, unproven.clone())
            .await?
            .into_iter()
            .filter(|(_, may)| *may)
            .map(|(t, _)| t.to_lowercase())
            .collect();
        covered.retain(|t| !unproven.contains(t) || proven.contains(t));
    }
    let mut tagged_columns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if scope.tag.as_ref().is_some_and(|t| t.on == TagOn::Column) {
        for hit in &tagged {
            if let Some(column) = &hit.column
                && covered.contains(&hit.table)
            {
                tagged_columns
                    .entry(hit.table.clone())
                    .or_default()
                    .push(column.clone());
            }
        }
    }
    Ok(Coverage {
        tables: covered.into_iter().collect(),
        tagged_columns,
        truncated,
    })
}
