//! Where active rule sets are published, from the environment: `DQX_PUBLISH_LAKEBASE`
//! (`db.schema.table`), `DQX_PUBLISH_TABLE` (`catalog.schema.table`) and `DQX_PUBLISH_VOLUME`
//! (`/Volumes/c/s/v`), each a `;`-separated list of `location[=scope,…]` (no scope: every table),
//! and `DQX_PUBLISH_RUN_CONFIG_NAME` (default `{table}`).

use super::RunConfigName;
use crate::server::scopes::{Scoped, parse_scoped};

/// The parsed publish settings; every location was checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishConfig {
    pub lakebase: Vec<Scoped>,
    pub table: Vec<Scoped>,
    pub volume: Vec<Scoped>,
    pub run_config: RunConfigName,
}

impl PublishConfig {
    /// Reads the four variables with `get`; an error names the variable and what is wrong.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, (&'static str, String)> {
        let list = |variable: &'static str,
                    noun: &str,
                    check: &dyn Fn(&str) -> Result<(), String>|
         -> Result<Vec<Scoped>, (&'static str, String)> {
            let Some(text) = get(variable) else {
                return Ok(Vec::new());
            };
            let entries = parse_scoped(variable, &text, noun).map_err(|p| (variable, p))?;
            for entry in &entries {
                check(&entry.name).map_err(|p| (variable, p))?;
            }
            Ok(entries)
        };
        let lakebase = list("DQX_PUBLISH_LAKEBASE", "table", &|l| {
            super::lakebase::parse_location(l).map(|_| ())
        })?;
        let table = list("DQX_PUBLISH_TABLE", "table", &|l| {
            super::delta::parse_table(l).map(|_| ())
        })?;
        let volume = list("DQX_PUBLISH_VOLUME", "folder", &|l| {
            super::volume::parse_folder(l).map(|_| ())
        })?;
        let run_config = match get("DQX_PUBLISH_RUN_CONFIG_NAME") {
            Some(text) => {
                RunConfigName::parse(&text).map_err(|p| ("DQX_PUBLISH_RUN_CONFIG_NAME", p))?
            }
            None => RunConfigName::default(),
        };
        Ok(Self {
            lakebase,
            table,
            volume,
            run_config,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(vars: &[(&str, &str)]) -> Result<PublishConfig, (&'static str, String)> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        PublishConfig::from_lookup(|k| vars.get(k).cloned())
    }

    #[test]
    fn targets_are_scoped_and_checked() {
        let config = parse(&[
            (
                "DQX_PUBLISH_TABLE",
                "main.dq.checks=main.sales;finance.dq.checks=finance",
            ),
            ("DQX_PUBLISH_VOLUME", "/Volumes/main/dq/rules/"),
            ("DQX_PUBLISH_RUN_CONFIG_NAME", "dq_{schema}_{name}"),
        ])
        .unwrap();
        assert_eq!(config.table.len(), 2);
        assert_eq!(config.table[1].scopes.0, vec![vec!["finance".to_string()]]);
        assert_eq!(
            config.volume[0].scopes,
            crate::server::scopes::Scopes::everything()
        );
        assert_eq!(
            config.run_config.for_table("main.sales.orders"),
            "dq_sales_orders"
        );
        assert_eq!(
            RunConfigName::default().for_table("main.sales.orders"),
            "main.sales.orders"
        );
    }

    #[test]
    fn a_bad_location_names_its_variable() {
        let (variable, problem) = parse(&[("DQX_PUBLISH_TABLE", "main.checks")]).unwrap_err();
        assert_eq!(variable, "DQX_PUBLISH_TABLE");
        assert!(problem.contains("catalog.schema.table"), "{problem}");
        let (variable, _) = parse(&[("DQX_PUBLISH_VOLUME", "/tmp/x")]).unwrap_err();
        assert_eq!(variable, "DQX_PUBLISH_VOLUME");
        let (variable, problem) =
            parse(&[("DQX_PUBLISH_RUN_CONFIG_NAME", "x'; DROP TABLE y")]).unwrap_err();
        assert_eq!(variable, "DQX_PUBLISH_RUN_CONFIG_NAME");
        assert!(problem.contains("'''"), "{problem}");
    }
}
