//! The prompt, read offline: plain words ("emails must be valid", "order ids are unique", "status
//! is one of new, shipped, cancelled", "warn only") become intents about the table's columns
//! (`read`), and intents become DQX rules that are added to, or replace, the profile's (`apply`).

pub(crate) mod apply;
pub(crate) mod clauses;
pub(crate) mod columns;
pub(crate) mod read;

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod tests;

pub use apply::apply_prompt;
pub use read::{Intent, PromptReading, read_prompt};

/// What the reader needs to know about a column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnFacts {
    pub name: String,
    /// Unity Catalog type name (`bigint`, `string`, `date`, `timestamp`, `decimal(10,2)`, ...).
    pub data_type: String,
    /// Most values look like e-mail addresses (from the profile).
    pub email_like: bool,
}

impl ColumnFacts {
    pub fn is_numeric(&self) -> bool {
        let t = self.data_type.as_str();
        matches!(
            t,
            "tinyint" | "smallint" | "int" | "bigint" | "float" | "double"
        ) || t.starts_with("decimal")
    }

    pub fn is_temporal(&self) -> bool {
        self.data_type == "date" || self.data_type.starts_with("timestamp")
    }

    pub fn is_text(&self) -> bool {
        self.data_type == "string"
    }

    /// Facts from a profile's columns.
    pub fn from_profile(profile: &crate::model::profile::TableProfile) -> Vec<ColumnFacts> {
        use crate::model::profile::ValueFormat;
        profile
            .columns
            .iter()
            .map(|c| {
                let non_null = c.count.saturating_sub(c.null_count).max(1);
                let email_like = c
                    .formats
                    .iter()
                    .any(|f| f.format == ValueFormat::Email && f.matching * 2 >= non_null);
                ColumnFacts {
                    name: c.name.clone(),
                    data_type: c.data_type.clone(),
                    email_like,
                }
            })
            .collect()
    }
}
