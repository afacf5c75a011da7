//! Unity Catalog's fine-grained access control on one table, as read by the caller: its row
//! filter and its masked columns. A principal reading the table sees its own view of both, so the
//! service principal's job may only read tables that have neither.

/// A table's row filter and column masks (none: every principal sees the same rows and values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessControls {
    /// The row filter's function, when the table has one.
    pub row_filter: Option<String>,
    /// Columns whose values a mask function rewrites.
    pub masked_columns: Vec<String>,
}

impl AccessControls {
    /// Whether the table has neither a row filter nor a masked column.
    pub fn is_empty(&self) -> bool {
        self.row_filter.is_none() && self.masked_columns.is_empty()
    }

    /// "a row filter (f) and masks on a, b", or `None` when there is neither.
    pub fn describe(&self) -> Option<String> {
        let filter = self
            .row_filter
            .as_ref()
            .map(|f| format!("a row filter ({f})"));
        let masks = (!self.masked_columns.is_empty())
            .then(|| format!("masks on {}", self.masked_columns.join(", ")));
        match (filter, masks) {
            (None, None) => None,
            (Some(f), None) => Some(f),
            (None, Some(m)) => Some(m),
            (Some(f), Some(m)) => Some(format!("{f} and {m}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_the_table_has() {
        assert_eq!(AccessControls::default().describe(), None);
        let both = AccessControls {
            row_filter: Some("main.gov.region".into()),
            masked_columns: vec!["email".into(), "card".into()],
        };
        assert!(!both.is_empty());
        assert_eq!(
            both.describe().as_deref(),
            Some("a row filter (main.gov.region) and masks on email, card")
        );
    }
}
