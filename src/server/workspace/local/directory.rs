//! The users and grants of the embedded local workspace (`local-workspace.toml`), with Unity
//! Catalog's rules: a catalog needs USE CATALOG, a schema USE SCHEMA, a table SELECT; privileges
//! granted on a parent apply to everything inside it.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// A privilege, spelled as in Unity Catalog (`USE CATALOG` or `USE_CATALOG` are both accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Privilege {
    #[serde(rename = "ALL_PRIVILEGES", alias = "ALL PRIVILEGES")]
    AllPrivileges,
    #[serde(rename = "USE_CATALOG", alias = "USE CATALOG")]
    UseCatalog,
    #[serde(rename = "USE_SCHEMA", alias = "USE SCHEMA")]
    UseSchema,
    #[serde(rename = "SELECT")]
    Select,
}

/// Privileges on one securable: `*` (every catalog), `catalog`, `catalog.schema` or
/// `catalog.schema.table`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub on: String,
    pub privileges: Vec<Privilege>,
}

/// One user of the local workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalUser {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The token a request forwards to act as this user; users without one can only be the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Groups the user is in (for review roles; they never grant data access).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default)]
    pub grants: Vec<Grant>,
}

/// Who approves rule sets in the local workspace, in the syntax of `DQX_APPROVER_GROUPS` /
/// `DQX_ADMIN_GROUPS` (which, when set, win over these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LocalReview {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver_groups: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_groups: Option<String>,
}

impl LocalUser {
    fn has(&self, securable: &[&str], privilege: Privilege) -> bool {
        self.grants.iter().any(|grant| {
            covers(&grant.on, securable)
                && grant
                    .privileges
                    .iter()
                    .any(|p| *p == privilege || *p == Privilege::AllPrivileges)
        })
    }

    /// USE CATALOG on the catalog (or on everything).
    pub fn can_use_catalog(&self, catalog: &str) -> bool {
        self.has(&[catalog], Privilege::UseCatalog)
    }

    /// USE CATALOG on the catalog and USE SCHEMA on the schema (or a parent).
    pub fn can_use_schema(&self, catalog: &str, schema: &str) -> bool {
        self.can_use_catalog(catalog) && self.has(&[catalog, schema], Privilege::UseSchema)
    }

    /// USE CATALOG, USE SCHEMA and SELECT on the table (or a parent).
    pub fn can_select(&self, catalog: &str, schema: &str, table: &str) -> bool {
        self.can_use_schema(catalog, schema)
            && self.has(&[catalog, schema, table], Privilege::Select)
    }
}

/// Whether a grant on `on` applies to the securable whose path is `path`.
fn covers(on: &str, path: &[&str]) -> bool {
    if on.trim() == "*" {
        return true;
    }
    let parts: Vec<String> = on.split('.').map(|p| p.trim().to_lowercase()).collect();
    parts.len() <= path.len() && parts.iter().zip(path).all(|(a, b)| a == &b.to_lowercase())
}

/// Problems in `local-workspace.toml`.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    Invalid { path: String, message: String },
}

/// A Unity Catalog tag in the local workspace: `key = value` on a table
/// (`catalog.schema.table`) or on one of its columns (`catalog.schema.table.column`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalTag {
    pub on: String,
    pub key: String,
    pub value: String,
}

/// All local users; one of them is the default for requests without forwarded headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalDirectory {
    pub default_user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<LocalReview>,
    #[serde(rename = "user")]
    pub users: Vec<LocalUser>,
    /// Tags on tables and columns, as Unity Catalog's `table_tags` and `column_tags` hold them.
    #[serde(default, rename = "tag", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<LocalTag>,
}

impl LocalDirectory {
    /// The directory written on first start: dev@localhost (default, everything), alice
    /// (everything), bob (only `main` and `main.sales`) and carol (everything, in
    /// `dq-approvers`, which approves rule sets of every table); and the sample tables' tags:
    /// `class = email` on the two e-mail columns, `class = money` on the two amounts.
    pub fn default_directory() -> Self {
        let everything = vec![Grant {
            on: "*".into(),
            privileges: vec![Privilege::AllPrivileges],
        }];
        Self {
            default_user: "dev@localhost".into(),
            review: Some(LocalReview {
                approver_groups: Some("dq-approvers=*".into()),
                admin_groups: None,
            }),
            users: vec![
                LocalUser {
                    email: "dev@localhost".into(),
                    display_name: Some("Local developer".into()),
                    token: None,
                    groups: Vec::new(),
                    grants: everything.clone(),
                },
                LocalUser {
                    email: "alice@example.com".into(),
                    display_name: Some("Alice".into()),
                    token: Some("local-alice".into()),
                    groups: Vec::new(),
                    grants: everything.clone(),
                },
                LocalUser {
                    email: "carol@example.com".into(),
                    display_name: Some("Carol".into()),
                    token: Some("local-carol".into()),
                    groups: vec!["dq-approvers".into()],
                    grants: everything,
                },
                LocalUser {
                    email: "bob@example.com".into(),
                    display_name: Some("Bob".into()),
                    token: Some("local-bob".into()),
                    groups: Vec::new(),
                    grants: vec![
                        Grant {
                            on: "main".into(),
                            privileges: vec![Privilege::UseCatalog],
                        },
                        Grant {
                            on: "main.sales".into(),
                            privileges: vec![Privilege::UseSchema, Privilege::Select],
                        },
                    ],
                },
            ],
            tags: [
                ("main.sales.customers.email", "email"),
                ("main.hr.employees.email", "email"),
                ("main.sales.orders.amount", "money"),
                ("finance.ledger.transactions.amount", "money"),
            ]
            .into_iter()
            .map(|(on, value)| LocalTag {
                on: on.into(),
                key: "class".into(),
                value: value.into(),
            })
            .collect(),
        }
    }

    /// Parses and checks a directory: unique emails and tokens, an existing default user.
    pub fn from_toml(text: &str, path: &str) -> Result<Self, DirectoryError> {
        let invalid = |message: String| DirectoryError::Invalid {
            path: path.to_string(),
            message,
        };
        let directory: LocalDirectory =
            toml::from_str(text).map_err(|e| invalid(e.message().to_string()))?;
        let mut emails = std::collections::HashSet::new();
        let mut tokens = std::collections::HashSet::new();
        for user in &directory.users {
            if !emails.insert(user.email.to_lowercase()) {
                return Err(invalid(format!("user {} is listed twice", user.email)));
            }
            if let Some(token) = &user.token
                && (token.is_empty() || !tokens.insert(token.clone()))
            {
                return Err(invalid(format!(
                    "user {} has an empty or shared token",
                    user.email
                )));
            }
        }
        if directory.find_by_email(&directory.default_user).is_none() {
            return Err(invalid(format!(
                "default_user {} is not one of the listed users",
                directory.default_user
            )));
        }
        Ok(directory)
    }

    /// Reads the file, writing the default directory there first when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, DirectoryError> {
        let shown = path.display().to_string();
        if !path.exists() {
            let text = Self::default_directory().to_toml();
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| DirectoryError::Read {
                    path: shown.clone(),
                    source,
                })?;
            }
            std::fs::write(path, text).map_err(|source| DirectoryError::Read {
                path: shown.clone(),
                source,
            })?;
        }
        let text = std::fs::read_to_string(path).map_err(|source| DirectoryError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::from_toml(&text, &shown)
    }

    /// The file's text, with a header explaining it.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).unwrap_or_default();
        format!(
            "# Users and grants of the embedded local workspace (DQX Data Quality Manager).\n\
             # A request forwarding `x-forwarded-access-token: <token>` acts as that user; a request\n\
             # without forwarded headers acts as `default_user`. Grants follow Unity Catalog:\n\
             # `on` is \"*\", a catalog, catalog.schema or catalog.schema.table; privileges are\n\
             # ALL_PRIVILEGES, USE_CATALOG, USE_SCHEMA, SELECT and apply to everything inside `on`.\n\
             # [review] names the groups that approve rule sets (`group=catalog[.schema],…`, or\n\
             # `group=*`); a user's `groups` never grant data access.\n\n{body}"
        )
    }

    /// The user for requests without forwarded headers (checked to exist when the file is read).
    pub fn default_user(&self) -> Option<&LocalUser> {
        self.find_by_email(&self.default_user)
    }

    pub fn find_by_email(&self, email: &str) -> Option<&LocalUser> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    pub fn find_by_token(&self, token: &str) -> Option<&LocalUser> {
        let presented = crate::server::secret::SecretToken::new(token);
        self.users
            .iter()
            .find(|u| u.token.as_deref().is_some_and(|t| presented.matches(t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_directory_round_trips_through_toml() {
        let dir = LocalDirectory::default_directory();
        let parsed = LocalDirectory::from_toml(&dir.to_toml(), "test").unwrap();
        assert_eq!(parsed, dir);
    }

    #[test]
    fn bob_sees_only_main_sales() {
        let dir = LocalDirectory::default_directory();
        let bob = dir.find_by_token("local-bob").unwrap();
        assert!(bob.can_use_catalog("main"));
        assert!(!bob.can_use_catalog("finance"));
        assert!(bob.can_use_schema("main", "sales"));
        assert!(!bob.can_use_schema("main", "hr"));
        assert!(bob.can_select("main", "sales", "customers"));
        assert!(!bob.can_select("main", "hr", "employees"));
        assert!(!bob.can_select("finance", "ledger", "transactions"));
    }

    #[test]
    fn select_without_use_schema_gives_no_access() {
        let text = r#"
default_user = "a@x"
[[user]]
email = "a@x"
grants = [{ on = "main", privileges = ["USE CATALOG"] }, { on = "main.s.t", privileges = ["SELECT"] }]
"#;
        let dir = LocalDirectory::from_toml(text, "t").unwrap();
        let a = dir.default_user().unwrap();
        assert!(a.can_use_catalog("main"));
        assert!(
            !a.can_select("main", "s", "t"),
            "SELECT alone is not enough without USE SCHEMA"
        );
    }

    #[test]
    fn refuses_duplicate_tokens_and_unknown_default() {
        let dup = r#"
default_user = "a@x"
[[user]]
email = "a@x"
token = "t"
[[user]]
email = "b@x"
token = "t"
"#;
        assert!(LocalDirectory::from_toml(dup, "t").is_err());
        let missing = "default_user = \"nobody@x\"\n[[user]]\nemail = \"a@x\"\n";
        let err = LocalDirectory::from_toml(missing, "t").unwrap_err();
        assert!(err.to_string().contains("nobody@x"));
    }

    #[test]
    fn unknown_privilege_is_a_clear_error() {
        let text = "default_user = \"a@x\"\n[[user]]\nemail = \"a@x\"\ngrants = [{ on = \"*\", privileges = [\"OWN\"] }]\n";
        let err = LocalDirectory::from_toml(text, "users.toml").unwrap_err();
        assert!(err.to_string().contains("users.toml"));
    }
}
