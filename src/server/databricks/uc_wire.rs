//! Unity Catalog's answers as types (reference: databricks-api.md, "Unity Catalog REST
//! listing"): a page of catalogs, schemas or tables, and a `TableInfo` with its columns. Read
//! tolerantly: every field is optional as in the SDK, unknown fields are ignored, and a shape that
//! does not fit is an error that says so instead of a silent default.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// One page of a listing: its items under `catalogs`, `schemas` or `tables` (absent on an empty
/// page), and the token of the next page (absent or empty on the last).
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageToken {
    next_page_token: Option<String>,
}

impl<T: DeserializeOwned> Page<T> {
    /// Reads a page whose items are under `key`; a shape that does not fit says which.
    pub fn parse(mut value: Value, key: &str) -> Result<Self, String> {
        let items = match value.get_mut(key).map(Value::take) {
            None | Some(Value::Null) => Vec::new(),
            Some(list) => serde_json::from_value(list).map_err(|e| {
                format!("Unity Catalog answered a listing's `{key}` in an unexpected shape: {e}")
            })?,
        };
        let token: PageToken = serde_json::from_value(value).map_err(|e| {
            format!("Unity Catalog answered a listing page in an unexpected shape: {e}")
        })?;
        Ok(Page {
            items,
            next_page_token: token.next_page_token.filter(|t| !t.is_empty()),
        })
    }
}

/// A catalog or a schema as listed (`CatalogInfo`, `SchemaInfo`: the fields the app shows).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UcSecurable {
    pub name: Option<String>,
    pub comment: Option<String>,
}

/// `TableInfo`, listed (without columns) or read alone (with them).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UcTable {
    pub name: Option<String>,
    pub catalog_name: Option<String>,
    pub schema_name: Option<String>,
    pub full_name: Option<String>,
    /// MANAGED, EXTERNAL, VIEW, ... — a string, so a new kind reads too.
    pub table_type: Option<String>,
    pub comment: Option<String>,
    pub columns: Vec<UcColumn>,
    /// `TableRowFilter`, present when the table has a row filter.
    pub row_filter: Option<UcFunctionRef>,
}

/// The function of a row filter (`TableRowFilter`) or a column mask (`ColumnMask`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UcFunctionRef {
    pub function_name: Option<String>,
}

impl UcFunctionRef {
    /// The function's name, or a word for one Unity Catalog did not name.
    pub fn name(&self) -> String {
        self.function_name
            .clone()
            .unwrap_or_else(|| "unnamed function".into())
    }
}

/// `ColumnInfo`: `type_text` is the SQL type (`decimal(12,2)`), `type_name` its kind (`DECIMAL`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UcColumn {
    pub name: Option<String>,
    pub type_text: Option<String>,
    pub type_name: Option<String>,
    pub nullable: Option<bool>,
    /// `ColumnMask`, present when the column's values are masked.
    pub mask: Option<UcFunctionRef>,
}

impl UcTable {
    /// Reads a `TableInfo`; a shape that does not fit says which field.
    pub fn parse(value: Value) -> Result<Self, String> {
        serde_json::from_value(value)
            .map_err(|e| format!("Unity Catalog answered a table in an unexpected shape: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_empty_page_with_a_token_reads_as_no_items_and_a_next_page() {
        let page: Page<UcSecurable> =
            Page::parse(json!({"next_page_token": "eyJv"}), "catalogs").unwrap();
        assert!(page.items.is_empty());
        assert_eq!(page.next_page_token.as_deref(), Some("eyJv"));
        let last: Page<UcSecurable> = Page::parse(
            json!({"catalogs": [{"name": "main"}], "next_page_token": ""}),
            "catalogs",
        )
        .unwrap();
        assert_eq!(last.items[0].name.as_deref(), Some("main"));
        assert!(
            last.next_page_token.is_none(),
            "an empty token ends the listing"
        );
    }

    #[test]
    fn the_reference_table_reads_with_its_columns_and_extra_fields_ignored() {
        let t = UcTable::parse(json!({
            "name": "customers", "catalog_name": "main", "schema_name": "sales",
            "full_name": "main.sales.customers", "table_type": "MANAGED", "data_source_format": "DELTA",
            "comment": null, "properties": {"delta.minReaderVersion": "1"},
            "columns": [
                {"name": "customer_id", "type_text": "bigint", "type_name": "LONG", "position": 0, "nullable": false},
                {"name": "lifetime_value", "type_name": "DECIMAL", "type_precision": 12}
            ]
        }))
        .unwrap();
        assert_eq!(t.full_name.as_deref(), Some("main.sales.customers"));
        assert!(t.comment.is_none());
        assert_eq!(t.columns.len(), 2);
        assert_eq!(t.columns[0].nullable, Some(false));
        assert!(t.columns[1].type_text.is_none() && t.columns[1].nullable.is_none());
    }

    #[test]
    fn a_shape_that_does_not_fit_is_named() {
        let e =
            Page::<UcSecurable>::parse(json!({"schemas": {"name": "x"}}), "schemas").unwrap_err();
        assert!(e.contains("`schemas`"), "{e}");
        let e = UcTable::parse(json!({"columns": [{"name": 7}]})).unwrap_err();
        assert!(e.contains("unexpected shape"), "{e}");
    }
}
