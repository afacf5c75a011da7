//! Settings that name something for some tables: `name=scope,scope;name2` where each scope is
//! `*` (every table), a catalog, `catalog.schema` or `catalog.schema.table`, and a name without
//! `=` covers every table. Review groups (`DQX_APPROVER_GROUPS`) and publish targets
//! (`DQX_PUBLISH_TABLE`, …) are written this way.

use crate::model::table_name::TableName;

/// The tables one setting covers: each entry is empty (everything) or a lower-cased path of one
/// to three parts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(pub Vec<Vec<String>>);

impl Scopes {
    /// Every table.
    pub fn everything() -> Self {
        Self(vec![Vec::new()])
    }

    /// Whether `table` is inside one of the scopes (names compare case-insensitively).
    pub fn covers(&self, table: &TableName) -> bool {
        let path = [
            table.catalog.to_lowercase(),
            table.schema.to_lowercase(),
            table.table.to_lowercase(),
        ];
        self.0
            .iter()
            .any(|scope| scope.iter().zip(&path).all(|(a, b)| a == b))
    }

    /// Whether one scope covers everything under `prefix` (a catalog, schema or table path in
    /// lower case; empty for the whole metastore): a scope equal to it or above it.
    pub fn covers_all_under(&self, prefix: &[String]) -> bool {
        self.0.iter().any(|scope| {
            scope.len() <= prefix.len() && scope.iter().zip(prefix).all(|(a, b)| a == b)
        })
    }

    /// Whether it covers anything at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One name and the tables it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scoped {
    pub name: String,
    pub scopes: Scopes,
}

/// Parses `name=scope,scope;name2` from `variable`; `noun` names what a name is in errors ("group",
/// "volume folder"). `none` (any case) is an empty list.
pub fn parse_scoped(variable: &str, text: &str, noun: &str) -> Result<Vec<Scoped>, String> {
    let mut entries = Vec::new();
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(entries);
    }
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let (name, scopes) = match entry.split_once('=') {
            Some((n, s)) => (n.trim(), s.trim()),
            None => (entry, "*"),
        };
        if name.is_empty() {
            return Err(format!(
                "{variable}: '{entry}' names no {noun}; write {noun}=catalog[.schema[.table]],…"
            ));
        }
        let mut parsed = Vec::new();
        for scope in scopes.split(',').map(str::trim) {
            if scope == "*" {
                parsed.push(Vec::new());
                continue;
            }
            let parts: Vec<String> = scope.split('.').map(|p| p.trim().to_lowercase()).collect();
            if scope.is_empty() || parts.len() > 3 || parts.iter().any(String::is_empty) {
                return Err(format!(
                    "{variable}: '{scope}' (for {noun} {name}) is not *, a catalog, catalog.schema or catalog.schema.table"
                ));
            }
            parsed.push(parts);
        }
        entries.push(Scoped {
            name: name.to_string(),
            scopes: Scopes(parsed),
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> TableName {
        TableName::parse(name).unwrap()
    }

    #[test]
    fn a_name_without_scopes_covers_every_table() {
        let parsed = parse_scoped("V", "/Volumes/a/b/c", "folder").unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].name, "/Volumes/a/b/c");
        assert!(parsed[0].scopes.covers(&table("x.y.z")));
    }

    #[test]
    fn scopes_cover_catalogs_schemas_and_tables_case_insensitively() {
        let parsed = parse_scoped("V", "t1=Main.Sales,finance; t2=main.hr.employees", "t").unwrap();
        assert!(parsed[0].scopes.covers(&table("main.sales.orders")));
        assert!(parsed[0].scopes.covers(&table("FINANCE.x.y")));
        assert!(!parsed[0].scopes.covers(&table("main.hr.employees")));
        assert!(parsed[1].scopes.covers(&table("main.hr.employees")));
        assert!(!parsed[1].scopes.covers(&table("main.hr.salaries")));
    }

    #[test]
    fn bad_entries_name_the_variable_and_the_scope() {
        let e = parse_scoped("DQX_PUBLISH_TABLE", "=main", "table").unwrap_err();
        assert!(
            e.contains("DQX_PUBLISH_TABLE") && e.contains("names no table"),
            "{e}"
        );
        let e = parse_scoped("V", "t=a.b.c.d", "table").unwrap_err();
        assert!(e.contains("'a.b.c.d'"), "{e}");
        assert!(parse_scoped("V", "None", "t").unwrap().is_empty());
    }
}
