//! Promoting rule sets between catalogs or schemas (issue 31): `dev.sales.customers` →
//! `main.sales.customers`, or every rule set under `dev.sales` → `main.sales` (same table names);
//! table names inside rules that name a promoted table are mapped too, and rules reading
//! columns the target lacks are left out and reported, per rule.

use crate::model::review::VersionStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Tables one promotion copies at most.
pub const MAX_PROMOTED: usize = 200;

/// Where a promotion reads or writes: one table, or a schema (`catalog.schema` or
/// `catalog.schema.*`), lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Table([String; 3]),
    Schema([String; 2]),
}

impl Place {
    /// Reads `c.s.t`, `c.s.*` or `c.s`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<String> = text
            .trim()
            .split('.')
            .map(|p| p.trim().to_lowercase())
            .collect();
        let bad = || {
            format!(
                "'{text}' is not a table (catalog.schema.table) or a schema (catalog.schema or catalog.schema.*)"
            )
        };
        if parts
            .iter()
            .any(|p| p.is_empty() || (p.contains('*') && p != "*"))
        {
            return Err(bad());
        }
        match parts.as_slice() {
            [c, s] if c != "*" && s != "*" => Ok(Place::Schema([c.clone(), s.clone()])),
            [c, s, t] if c != "*" && s != "*" && t == "*" => {
                Ok(Place::Schema([c.clone(), s.clone()]))
            }
            [c, s, t] if c != "*" && s != "*" => {
                Ok(Place::Table([c.clone(), s.clone(), t.clone()]))
            }
            _ => Err(bad()),
        }
    }

    /// Whether `table` (lower case) is one a promotion from here copies.
    pub fn holds(&self, table: &str) -> bool {
        let parts: Vec<&str> = table.split('.').collect();
        match (self, parts.as_slice()) {
            (Place::Table(t), [c, s, n]) => t[0] == *c && t[1] == *s && t[2] == *n,
            (Place::Schema(p), [c, s, _]) => p[0] == *c && p[1] == *s,
            _ => false,
        }
    }
}

/// The target of `table` (held by `from`) in `to`, or why the two places do not pair.
pub fn target_of(from: &Place, to: &Place, table: &str) -> Result<String, String> {
    let name = table.rsplit('.').next().unwrap_or(table);
    match (from, to) {
        (Place::Table(_), Place::Table(t)) => Ok(t.join(".")),
        (Place::Schema(_), Place::Schema(s)) => Ok(format!("{}.{}.{name}", s[0], s[1])),
        (Place::Table(_), Place::Schema(s)) => Ok(format!("{}.{}.{name}", s[0], s[1])),
        (Place::Schema(_), Place::Table(_)) => Err(
            "a schema's rule sets are promoted to a schema (catalog.schema), not to one table"
                .into(),
        ),
    }
}

/// A rule left out of a promoted copy, and the columns the target lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRule {
    pub rule: String,
    pub missing_columns: Vec<String>,
}

/// One table's promotion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromotedTable {
    pub from: String,
    pub to: String,
    pub from_version: Option<i32>,
    /// The version saved in the target, and its status (a draft where review applies there).
    pub version: Option<i32>,
    pub status: Option<VersionStatus>,
    pub copied: usize,
    #[serde(default)]
    pub skipped: Vec<SkippedRule>,
    /// Why nothing was saved for this table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a promotion did, table by table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PromoteReport {
    pub tables: Vec<PromotedTable>,
    /// Source tables past the bound, not promoted.
    #[serde(default)]
    pub not_promoted: usize,
}

/// The rules that fit `columns` (with promoted table names mapped by `renames`), and those that
/// read columns the target lacks.
pub fn split_rules(
    rules: &[Value],
    columns: &[String],
    renames: &BTreeMap<String, String>,
) -> (Vec<Value>, Vec<SkippedRule>) {
    let have: Vec<String> = columns.iter().map(|c| c.to_lowercase()).collect();
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    for rule in rules {
        let missing: Vec<String> = crate::model::rules::rule_columns(rule)
            .into_iter()
            .filter(|c| !have.contains(&c.to_lowercase()))
            .collect();
        if missing.is_empty() {
            kept.push(renamed(rule, renames));
        } else {
            skipped.push(SkippedRule {
                rule: crate::model::rules::diff::rule_key(rule),
                missing_columns: missing,
            });
        }
    }
    (kept, skipped)
}

/// `value` with every string that names a promoted table (whole, any case) naming its target.
fn renamed(value: &Value, renames: &BTreeMap<String, String>) -> Value {
    match value {
        Value::String(s) => renames
            .get(&s.trim().to_lowercase())
            .map_or_else(|| value.clone(), |t| Value::String(t.clone())),
        Value::Array(items) => Value::Array(items.iter().map(|v| renamed(v, renames)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), renamed(v, renames)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn places_pair_tables_and_schemas() {
        let schema = Place::parse("dev.sales.*").unwrap();
        assert_eq!(schema, Place::parse("Dev.Sales").unwrap());
        assert!(schema.holds("dev.sales.orders") && !schema.holds("dev.hr.x"));
        let to = Place::parse("main.sales").unwrap();
        assert_eq!(
            target_of(&schema, &to, "dev.sales.orders").unwrap(),
            "main.sales.orders"
        );
        let one = Place::parse("dev.sales.orders").unwrap();
        let other = Place::parse("main.sales.orders_v2").unwrap();
        assert_eq!(
            target_of(&one, &other, "dev.sales.orders").unwrap(),
            "main.sales.orders_v2"
        );
        assert!(target_of(&schema, &other, "dev.sales.orders").is_err());
        assert!(Place::parse("*.sales.*").is_err());
        assert!(Place::parse("dev").is_err());
        assert!(Place::parse("dev.sa*.x").is_err());
    }

    #[test]
    fn rules_reading_missing_columns_are_left_out_and_table_names_mapped() {
        let rules = vec![
            json!({"name": "id_present", "criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "id"}}}),
            json!({"name": "legacy", "criticality": "warn", "check": {"function": "is_not_null", "arguments": {"column": "old_col"}}}),
            json!({"name": "fk", "criticality": "error", "check": {"function": "foreign_key", "arguments": {"columns": ["customer_id"], "ref_columns": ["customer_id"], "ref_table": "dev.sales.customers"}}}),
        ];
        let renames = BTreeMap::from([(
            "dev.sales.customers".to_string(),
            "main.sales.customers".to_string(),
        )]);
        let columns = vec!["ID".to_string(), "customer_id".to_string()];
        let (kept, skipped) = split_rules(&rules, &columns, &renames);
        assert_eq!(kept.len(), 2);
        assert_eq!(
            kept[1]["check"]["arguments"]["ref_table"],
            "main.sales.customers"
        );
        assert_eq!(
            skipped,
            vec![SkippedRule {
                rule: "legacy".into(),
                missing_columns: vec!["old_col".into()]
            }]
        );
    }
}
