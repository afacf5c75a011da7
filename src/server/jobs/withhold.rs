//! Previews lend nothing: an impact preview runs with the reviewer's rights, so a rule that reads
//! tables besides the one under review runs only when its author may read those tables too.
//! Locally the app knows every user's grants and checks them; in a workspace it cannot act as the
//! author, so such a rule is not previewed. The preview records the other tables the rules it
//! ran read, and a kept preview is shown only to callers who may read every one of them.

use crate::engine::rule_reads::{Reads, tables_each_rule_reads};
use crate::engine::spark_plan::TableShape;
use crate::model::review::{ImpactPreview, RuleImpact};
use crate::model::rules::ResolvedRule;
use crate::model::table_name::TableName;
use crate::server::caller::Caller;
use crate::server::workspace::Workspace;
use std::collections::{BTreeMap, BTreeSet};

/// How the reason of a rule that was not previewed begins.
pub const NOT_PREVIEWED: &str = "not previewed: ";

/// What a kept preview says of such a rule, to anyone: no table is named.
pub const NOT_PREVIEWED_KEPT: &str = "not previewed: it reads tables besides the one under review, which the reviewer's rights must not be lent to";

/// Who wrote the two versions a preview compares.
#[derive(Debug, Clone, Default)]
pub struct Authors {
    /// The author of the version under review.
    pub version: Option<String>,
    /// The author of the active version it is compared against.
    pub active: Option<String>,
}

/// The rules taken out of a preview, and what the rules left in read.
#[derive(Debug, Default)]
pub struct Withheld {
    /// Rule name → why it was not previewed.
    pub reasons: BTreeMap<String, String>,
    /// Tables besides the one under review that the rules left in read.
    pub reads: BTreeSet<TableName>,
}

/// Why one rule may not run with the reviewer's rights, or `None` when it may.
enum Verdict {
    Runs(BTreeSet<TableName>),
    AuthorMayNot(String, BTreeSet<TableName>),
    CannotActAsAuthor(BTreeSet<TableName>),
    Unknown(String),
}

fn verdict(workspace: &dyn Workspace, author: Option<&str>, reads: Reads) -> Verdict {
    let tables = match reads {
        Ok(tables) => tables,
        Err(why) => return Verdict::Unknown(why),
    };
    if tables.is_empty() {
        return Verdict::Runs(tables);
    }
    let Some(author) = author else {
        return Verdict::CannotActAsAuthor(tables);
    };
    let answers: Vec<Option<bool>> = tables
        .iter()
        .map(|t| workspace.may_read_as(author, t))
        .collect();
    if answers.iter().all(|a| *a == Some(true)) {
        Verdict::Runs(tables)
    } else if answers.iter().any(|a| a.is_none()) {
        Verdict::CannotActAsAuthor(tables)
    } else {
        Verdict::AuthorMayNot(author.to_string(), tables)
    }
}

/// Takes out of `before` (the active version, by `authors.active`) and `after` (the version
/// under review, by `authors.version`) every rule that reads tables its author may not (or may
/// not be shown to) read; a rule name taken out of one side is taken out of both.
pub async fn withhold(
    workspace: &dyn Workspace,
    caller: &Caller,
    table: &TableName,
    shape: &TableShape,
    authors: &Authors,
    before: &mut Vec<ResolvedRule>,
    after: &mut Vec<ResolvedRule>,
) -> Withheld {
    let mut verdicts = Vec::new();
    for (rules, author) in [
        (&*before, authors.active.as_deref()),
        (&*after, authors.version.as_deref()),
    ] {
        let reads = tables_each_rule_reads(table, shape, rules);
        for (rule, reads) in rules.iter().zip(reads) {
            verdicts.push((rule.name.clone(), verdict(workspace, author, reads)));
        }
    }
    let mut withheld = Withheld::default();
    let mut readable_by_caller = BTreeMap::new();
    let mut kept_reads = Vec::new();
    for (name, verdict) in verdicts {
        if withheld.reasons.contains_key(&name) {
            continue;
        }
        let why = match verdict {
            Verdict::Runs(tables) => {
                kept_reads.push((name, tables));
                continue;
            }
            Verdict::AuthorMayNot(author, tables) => format!(
                "{NOT_PREVIEWED}it reads tables besides {table}{}, which its author {author} may not read; run with your rights it would show them what they cannot see",
                named(workspace, caller, &tables, &mut readable_by_caller).await
            ),
            Verdict::CannotActAsAuthor(tables) => format!(
                "{NOT_PREVIEWED}it reads tables besides {table}{}; the app cannot act as its author to check they may read them, and run with your rights it could show them what they cannot see",
                named(workspace, caller, &tables, &mut readable_by_caller).await
            ),
            Verdict::Unknown(why) => format!(
                "{NOT_PREVIEWED}which tables it reads cannot be determined ({why}), so it is not run with your rights"
            ),
        };
        withheld.reasons.insert(name, why);
    }
    before.retain(|r| !withheld.reasons.contains_key(&r.name));
    after.retain(|r| !withheld.reasons.contains_key(&r.name));
    withheld.reads = kept_reads
        .into_iter()
        .filter(|(name, _)| !withheld.reasons.contains_key(name))
        .flat_map(|(_, tables)| tables)
        .collect();
    withheld
}

/// " (a, b)" when the caller may read every one of `tables`, else nothing: a table is named
/// only to a reviewer who may read it. Each table is probed as the caller once per preview
/// (`readable` keeps the answers), however many rules read it.
async fn named(
    workspace: &dyn Workspace,
    caller: &Caller,
    tables: &BTreeSet<TableName>,
    readable: &mut BTreeMap<TableName, bool>,
) -> String {
    for t in tables {
        let may = match readable.get(t) {
            Some(known) => *known,
            None => {
                let may = workspace.probe_read(caller, t).await.is_ok();
                readable.insert(t.clone(), may);
                may
            }
        };
        if !may {
            return String::new();
        }
    }
    let list: Vec<String> = tables.iter().map(ToString::to_string).collect();
    format!(" ({})", list.join(", "))
}

impl Withheld {
    /// The preview with the withheld rules shown as not previewed and the tables read recorded.
    pub fn apply(
        self,
        mut preview: ImpactPreview,
        changes: &BTreeMap<String, String>,
    ) -> ImpactPreview {
        for (name, why) in self.reasons {
            preview.rules.retain(|r| r.rule_name != name);
            preview.rules.push(RuleImpact {
                change: changes
                    .get(&name)
                    .cloned()
                    .unwrap_or_else(|| "unchanged".into()),
                rule_name: name,
                violations_before: None,
                violations_after: None,
                rows_start_failing: 0,
                rows_stop_failing: 0,
                samples: Vec::new(),
                skipped: Some(why),
            });
        }
        preview.reads = Some(self.reads.iter().map(ToString::to_string).collect());
        preview
    }
}
