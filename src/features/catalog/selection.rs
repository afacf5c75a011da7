//! What the browser page shows, read from the URL (`?catalog=`, `?schema=`, `?table=`, `?limit=`),
//! so a page can be reloaded, bookmarked and shared.

use crate::model::table_name::TableName;

/// The catalog, schema and table chosen in the URL.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    pub catalog: Option<String>,
    pub schema: Option<String>,
    /// The full table name when `?table=` parsed.
    pub table: Option<String>,
    /// Why `?table=` did not parse.
    pub table_error: Option<String>,
    pub limit: Option<u32>,
    pub limit_error: Option<String>,
}

impl Selection {
    /// Reads the selection from query parameters; `table` wins over `catalog`/`schema`.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut selection = Selection {
            catalog: non_empty("catalog").map(|c| c.to_lowercase()),
            schema: non_empty("schema").map(|s| s.to_lowercase()),
            ..Default::default()
        };
        if let Some(raw) = non_empty("table") {
            match TableName::parse(&raw) {
                Ok(name) => {
                    selection.catalog = Some(name.catalog.clone());
                    selection.schema = Some(name.schema.clone());
                    selection.table = Some(name.to_string());
                }
                Err(err) => selection.table_error = Some(err.to_string()),
            }
        }
        if selection.catalog.is_none() {
            selection.schema = None;
        }
        if let Some(raw) = non_empty("limit") {
            match raw.parse::<u32>() {
                Ok(n) if n >= 1 => selection.limit = Some(n),
                _ => {
                    selection.limit_error =
                        Some(format!("'{raw}' is not a row count; showing the default"))
                }
            }
        }
        selection
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn sel(pairs: &[(&str, &str)]) -> Selection {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        Selection::from_params(|k| map.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn table_sets_catalog_and_schema() {
        let s = sel(&[("table", "Main.Sales.Customers"), ("catalog", "finance")]);
        assert_eq!(s.catalog.as_deref(), Some("main"));
        assert_eq!(s.schema.as_deref(), Some("sales"));
        assert_eq!(s.table.as_deref(), Some("main.sales.customers"));
    }

    #[test]
    fn bad_table_and_limit_are_reported() {
        let s = sel(&[("table", "customers"), ("limit", "lots")]);
        assert!(s.table.is_none());
        assert!(s.table_error.unwrap().contains("three parts"));
        assert!(s.limit.is_none());
        assert!(s.limit_error.is_some());
    }

    #[test]
    fn schema_without_catalog_is_ignored() {
        assert_eq!(sel(&[("schema", "sales")]).schema, None);
    }
}
