//! Who approves what: approver and admin groups, each named for some catalogs, schemas or
//! tables, or for everything (`DQX_APPROVER_GROUPS`, `DQX_ADMIN_GROUPS`, e.g.
//! `dq-approvers=main.sales,finance;data-leads=*`), and whether authors may approve their own
//! versions (`DQX_ALLOW_SELF_APPROVAL`, off unless set to true). A role never grants data access.

use crate::model::review::Roles;
use crate::model::table_name::TableName;
use crate::server::scopes::{Scoped, parse_scoped};

/// One group and the securables it covers.
pub type GroupGrant = Scoped;

fn covers(grant: &GroupGrant, table: Option<&TableName>) -> bool {
    match table {
        Some(table) => grant.scopes.covers(table),
        None => !grant.scopes.is_empty(),
    }
}

/// Parses `group=scope,scope;group2` (a group without `=` covers everything; `*` too; `none`
/// names no group).
pub fn parse_groups(variable: &str, text: &str) -> Result<Vec<GroupGrant>, String> {
    parse_scoped(variable, text, "group")
}

/// The review policy of the running app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewPolicy {
    pub approvers: Vec<GroupGrant>,
    pub admins: Vec<GroupGrant>,
    pub allow_self_approval: bool,
}

impl ReviewPolicy {
    /// The environment's settings, falling back to the local users file's `[review]`.
    pub fn from_config(
        config: &crate::server::config::ReviewConfig,
        local: Option<&crate::server::workspace::local::directory::LocalReview>,
    ) -> Result<Self, String> {
        let approvers = config
            .approver_groups
            .as_deref()
            .or(local.and_then(|l| l.approver_groups.as_deref()));
        let admins = config
            .admin_groups
            .as_deref()
            .or(local.and_then(|l| l.admin_groups.as_deref()));
        Self::parse(approvers, admins, config.allow_self_approval)
    }

    /// From the two group lists' text (either may be absent).
    pub fn parse(
        approvers: Option<&str>,
        admins: Option<&str>,
        allow_self_approval: bool,
    ) -> Result<Self, String> {
        Ok(Self {
            approvers: parse_groups("DQX_APPROVER_GROUPS", approvers.unwrap_or_default())?,
            admins: parse_groups("DQX_ADMIN_GROUPS", admins.unwrap_or_default())?,
            allow_self_approval,
        })
    }

    /// Whether saves of the table go through review: some approver group covers it.
    pub fn review_applies(&self, table: &TableName) -> bool {
        self.approvers.iter().any(|g| covers(g, Some(table)))
    }

    /// The approver groups covering the table.
    pub fn approver_groups_for(&self, table: Option<&TableName>) -> Vec<String> {
        self.approvers
            .iter()
            .filter(|g| covers(g, table))
            .map(|g| g.name.clone())
            .collect()
    }

    /// The caller's roles for a table (or anywhere), given their groups. `author` is set by the
    /// caller of this function once the table was proved readable.
    pub fn roles(&self, email: &str, groups: Vec<String>, table: Option<&TableName>) -> Roles {
        let member = |grants: &[GroupGrant]| {
            grants.iter().any(|g| {
                covers(g, table) && groups.iter().any(|mine| mine.eq_ignore_ascii_case(&g.name))
            })
        };
        Roles {
            email: email.to_string(),
            table: table.map(|t| t.to_string()),
            author: false,
            approver: member(&self.approvers),
            admin: member(&self.admins),
            review_required: table.is_some_and(|t| self.review_applies(t)),
            self_approval_allowed: self.allow_self_approval,
            approver_groups: self.approver_groups_for(table),
            groups,
        }
    }
}

impl ReviewPolicy {
    /// The caller's roles for everything under each of `reach` (catalog, schema or table paths;
    /// an empty path is the whole metastore): an approver (or admin) only through groups whose
    /// scopes cover all of it, as a registry binding or rule version that reaches there needs.
    pub fn roles_for_reach(
        &self,
        email: &str,
        groups: Vec<String>,
        reach: &[Vec<String>],
    ) -> Roles {
        let covering = |grants: &[GroupGrant]| -> Vec<String> {
            grants
                .iter()
                .filter(|g| reach.iter().all(|p| g.scopes.covers_all_under(p)))
                .map(|g| g.name.clone())
                .collect()
        };
        let member = |names: &[String]| {
            names
                .iter()
                .any(|n| groups.iter().any(|mine| mine.eq_ignore_ascii_case(n)))
        };
        let approver_groups = covering(&self.approvers);
        Roles {
            email: email.to_string(),
            table: None,
            author: false,
            approver: member(&approver_groups),
            admin: member(&covering(&self.admins)),
            review_required: !self.approvers.is_empty(),
            self_approval_allowed: self.allow_self_approval,
            approver_groups,
            groups,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> TableName {
        TableName::parse(name).unwrap()
    }

    #[test]
    fn groups_cover_their_catalogs_and_schemas_only() {
        let policy =
            ReviewPolicy::parse(Some("dq-approvers=main.sales,finance"), None, false).unwrap();
        assert!(policy.review_applies(&table("main.sales.customers")));
        assert!(policy.review_applies(&table("finance.ledger.transactions")));
        assert!(!policy.review_applies(&table("main.hr.employees")));
        let carol = policy.roles(
            "carol@x",
            vec!["dq-approvers".into()],
            Some(&table("main.sales.orders")),
        );
        assert!(carol.approver && carol.review_required && !carol.admin);
        let hr = policy.roles(
            "carol@x",
            vec!["dq-approvers".into()],
            Some(&table("main.hr.employees")),
        );
        assert!(!hr.approver && !hr.review_required);
        let bob = policy.roles(
            "bob@x",
            vec!["users".into()],
            Some(&table("main.sales.orders")),
        );
        assert!(!bob.approver);
        assert_eq!(bob.approver_groups, vec!["dq-approvers".to_string()]);
    }

    #[test]
    fn a_reach_is_approved_only_by_groups_covering_all_of_it() {
        let policy = ReviewPolicy::parse(
            Some("sales-approvers=main.sales;leads=*"),
            Some("hr-admins=main.hr"),
            false,
        )
        .unwrap();
        let path = |p: &str| -> Vec<String> {
            if p.is_empty() {
                Vec::new()
            } else {
                p.split('.').map(str::to_string).collect()
            }
        };
        let sales = vec!["sales-approvers".to_string()];
        let inside = policy.roles_for_reach("c@x", sales.clone(), &[path("main.sales")]);
        assert!(inside.approver);
        let table = policy.roles_for_reach("c@x", sales.clone(), &[path("main.sales.orders")]);
        assert!(table.approver);
        let wider = policy.roles_for_reach("c@x", sales.clone(), &[path("main")]);
        assert!(!wider.approver, "main.* reaches past main.sales");
        let both = policy.roles_for_reach(
            "c@x",
            sales,
            &[path("main.sales.orders"), path("main.hr.employees")],
        );
        assert!(!both.approver);
        assert_eq!(both.approver_groups, vec!["leads".to_string()]);
        let lead = policy.roles_for_reach("l@x", vec!["LEADS".into()], &[path("")]);
        assert!(lead.approver && !lead.admin);
        let hr = policy.roles_for_reach("h@x", vec!["hr-admins".into()], &[path("main.hr")]);
        assert!(hr.admin);
    }

    #[test]
    fn a_group_without_scopes_covers_everything() {
        let policy = ReviewPolicy::parse(Some("dq-approvers"), Some("admins=*"), true).unwrap();
        let roles = policy.roles("a@x", vec!["Admins".into()], Some(&table("x.y.z")));
        assert!(
            roles.admin && !roles.approver && roles.review_required && roles.self_approval_allowed
        );
    }

    #[test]
    fn bad_scopes_name_the_variable() {
        let err = ReviewPolicy::parse(Some("g=a.b.c.d"), None, false).unwrap_err();
        assert!(err.starts_with("DQX_APPROVER_GROUPS"), "{err}");
        let err = ReviewPolicy::parse(None, Some("=main"), false).unwrap_err();
        assert!(err.starts_with("DQX_ADMIN_GROUPS"), "{err}");
        assert!(
            ReviewPolicy::parse(Some(""), None, false)
                .unwrap()
                .approvers
                .is_empty()
        );
    }
}
