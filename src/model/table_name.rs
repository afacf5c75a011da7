//! Unity Catalog three-part names: validation, parsing and back-quoting for SQL.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest name Unity Catalog accepts for a catalog, schema or table.
pub const MAX_NAME_LEN: usize = 255;

/// Why a name was refused; the text is shown to users as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a table name needs three parts, catalog.schema.table; got '{0}'")]
    WrongPartCount(String),
    #[error("the {kind} name is empty")]
    Empty { kind: &'static str },
    #[error("the {kind} name '{name}' is longer than {MAX_NAME_LEN} characters")]
    TooLong { kind: &'static str, name: String },
    #[error(
        "the {kind} name '{name}' contains '{bad}', which Unity Catalog does not allow in names"
    )]
    BadCharacter {
        kind: &'static str,
        name: String,
        bad: String,
    },
}

/// Checks one catalog, schema or table name the way Unity Catalog does: not empty, at most 255
/// characters, and no period, space, forward slash or control character.
pub fn validate_name(kind: &'static str, name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty { kind });
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(NameError::TooLong {
            kind,
            name: name.to_string(),
        });
    }
    if let Some(bad) = name
        .chars()
        .find(|c| matches!(c, '.' | ' ' | '/') || c.is_control())
    {
        let bad = if bad.is_control() {
            format!("U+{:04X}", bad as u32)
        } else {
            bad.to_string()
        };
        return Err(NameError::BadCharacter {
            kind,
            name: name.to_string(),
            bad,
        });
    }
    Ok(())
}

/// Wraps an identifier in backticks, doubling any backtick inside, so that it can never end the
/// quoted identifier early (Spark SQL and our DataFusion dialect both read this form).
pub fn quote_identifier(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A validated `catalog.schema.table` name. Parts are stored lower-case, as Unity Catalog stores them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TableName {
    pub catalog: String,
    pub schema: String,
    pub table: String,
}

impl TableName {
    /// Builds a name from three parts, validating each.
    pub fn new(catalog: &str, schema: &str, table: &str) -> Result<Self, NameError> {
        let catalog = normalize_part("catalog", catalog)?;
        let schema = normalize_part("schema", schema)?;
        let table = normalize_part("table", table)?;
        Ok(Self {
            catalog,
            schema,
            table,
        })
    }

    /// Parses `catalog.schema.table`; each part may also be written back-quoted.
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let parts =
            split_parts(text.trim()).ok_or_else(|| NameError::WrongPartCount(text.into()))?;
        match parts.as_slice() {
            [c, s, t] => Self::new(c, s, t),
            _ => Err(NameError::WrongPartCount(text.to_string())),
        }
    }

    /// The name as SQL: each part back-quoted.
    pub fn quoted(&self) -> String {
        format!(
            "{}.{}.{}",
            quote_identifier(&self.catalog),
            quote_identifier(&self.schema),
            quote_identifier(&self.table)
        )
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.catalog, self.schema, self.table)
    }
}

fn normalize_part(kind: &'static str, part: &str) -> Result<String, NameError> {
    validate_name(kind, part)?;
    Ok(part.to_lowercase())
}

/// Splits on dots outside backticks and unquotes back-quoted parts. `None` for an unterminated quote.
fn split_parts(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => loop {
                match chars.next()? {
                    '`' if chars.peek() == Some(&'`') => {
                        chars.next();
                        current.push('`');
                    }
                    '`' => break,
                    other => current.push(other),
                }
            },
            '.' => parts.push(std::mem::take(&mut current)),
            other => current.push(other),
        }
    }
    parts.push(current);
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_three_parts_and_lowercases() {
        let name = TableName::parse(" Main.Sales.Customers ").unwrap();
        assert_eq!(name.to_string(), "main.sales.customers");
        assert_eq!(name.quoted(), "`main`.`sales`.`customers`");
    }

    #[test]
    fn accepts_back_quoted_parts() {
        let name = TableName::parse("`main`.`sales`.`customers`").unwrap();
        assert_eq!(name.table, "customers");
    }

    #[test]
    fn refuses_wrong_part_counts_and_empty_parts() {
        assert!(matches!(
            TableName::parse("main.customers"),
            Err(NameError::WrongPartCount(_))
        ));
        assert!(matches!(
            TableName::parse("a.b.c.d"),
            Err(NameError::WrongPartCount(_))
        ));
        assert_eq!(
            TableName::parse("main..customers"),
            Err(NameError::Empty { kind: "schema" })
        );
        assert!(matches!(
            TableName::parse("`main.sales.customers"),
            Err(NameError::WrongPartCount(_))
        ));
    }

    #[test]
    fn refuses_characters_unity_catalog_refuses() {
        for bad in [
            "main.sa les.customers",
            "main.sales.cust/omers",
            "main.sales.a\u{0}b",
        ] {
            assert!(
                matches!(TableName::parse(bad), Err(NameError::BadCharacter { .. })),
                "{bad:?} should be refused"
            );
        }
        let long = "x".repeat(MAX_NAME_LEN + 1);
        assert!(matches!(
            TableName::new("main", "sales", &long),
            Err(NameError::TooLong { .. })
        ));
    }

    #[test]
    fn quoting_doubles_backticks_so_identifiers_cannot_escape() {
        assert_eq!(quote_identifier("a`b"), "`a``b`");
        assert_eq!(quote_identifier("x` FROM t; --"), "`x`` FROM t; --`");
        // A back-quoted part with a doubled backtick parses back to the original text.
        let name = TableName::parse("main.sales.`we``ird`").unwrap();
        assert_eq!(name.table, "we`ird");
        assert_eq!(name.quoted(), "`main`.`sales`.`we``ird`");
    }
}
