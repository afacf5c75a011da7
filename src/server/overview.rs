//! The landing page's list: the tables with saved rules that the caller may read (asked as the
//! caller, a bounded number at a time, like the review queue), each with where its rules stand.

use crate::model::rulesets::{MAX_RULE_TABLES, RuleTables};
use crate::server::caller::Caller;
use crate::server::error::AppError;
use crate::server::review::readable::ReadableCache;
use crate::server::store::RuleStore;
use crate::server::workspace::Workspace;

/// Which tables have rules (names only), which of them the caller may read (probed as them),
/// and only then where those stand: a store that shows rows to proven readers shows those.
pub async fn rule_tables(
    store: &dyn RuleStore,
    workspace: &dyn Workspace,
    readable: &ReadableCache,
    caller: &Caller,
) -> Result<RuleTables, AppError> {
    let names = store.rule_tables(caller, MAX_RULE_TABLES).await?;
    let answers = readable
        .prove(store, workspace, caller, names.iter().cloned())
        .await?;
    let mine: Vec<String> = names
        .iter()
        .filter(|n| answers.get(*n) == Some(&true))
        .cloned()
        .collect();
    let unchecked = names.iter().filter(|n| !answers.contains_key(*n)).count();
    if mine.is_empty() {
        return Ok(RuleTables {
            tables: Vec::new(),
            unchecked,
        });
    }
    let mut tables = store.overviews(caller, &mine).await?;
    // Only what was proven here, whatever else a store might show.
    tables.retain(|t| mine.contains(&t.table_name));
    Ok(RuleTables { tables, unchecked })
}
