//! The bounds on what one request can make the server hold or compute, and the origins allowed
//! to call it. Each bound has an environment variable (documented in `.env.example`), a default,
//! and an error that names it and says what to do.

use crate::server::error::AppError;

/// Bounds, parsed once from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Rules in one rule set (`DQX_MAX_RULES`).
    pub max_rules: usize,
    /// Dataset-level rules (`is_unique`, `foreign_key`, `is_aggr_*`, `sql_query`,
    /// `has_valid_schema`) evaluated in one pass (`DQX_MAX_DATASET_RULES`).
    pub max_dataset_rules: usize,
    /// Bytes of rule text (JSON or YAML) parsed from one request (`DQX_MAX_RULES_TEXT_BYTES`).
    pub max_rules_text_bytes: usize,
    /// Runs one user may have queued or running at once (`DQX_MAX_RUNS_PER_USER`).
    pub max_runs_per_user: usize,
    /// Ended runs kept per user, and for how long (`DQX_RUNS_KEPT_PER_USER`, `DQX_RUN_TTL_SECS`).
    pub runs_kept_per_user: usize,
    pub run_ttl_secs: u64,
    /// Origins other than the app's own that may call server functions (`DQX_ALLOWED_ORIGINS`,
    /// comma-separated, e.g. a proxy's `https://dqx.example.com`).
    pub allowed_origins: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rules: 1_000,
            max_dataset_rules: 100,
            max_rules_text_bytes: 1024 * 1024,
            max_runs_per_user: 4,
            runs_kept_per_user: 50,
            run_ttl_secs: 24 * 3600,
            allowed_origins: Vec::new(),
        }
    }
}

/// A bound that a request went past.
fn over(what: &str, limit: usize, variable: &str, advice: &str) -> AppError {
    AppError::BadRequest(format!(
        "{what} is over the limit of {limit} ({variable}); {advice}"
    ))
}

impl Limits {
    /// Reads the bounds through `get` (empty values count as unset).
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, crate::server::config::ConfigError> {
        let d = Self::default();
        let number = |name: &'static str, default: usize| -> Result<usize, _> {
            match get(name) {
                None => Ok(default),
                Some(v) => match v.replace('_', "").parse::<usize>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(crate::server::config::ConfigError {
                        variable: name,
                        problem: format!("expected a whole number above 0, got '{v}'"),
                    }),
                },
            }
        };
        Ok(Self {
            max_rules: number("DQX_MAX_RULES", d.max_rules)?,
            max_dataset_rules: number("DQX_MAX_DATASET_RULES", d.max_dataset_rules)?,
            max_rules_text_bytes: number("DQX_MAX_RULES_TEXT_BYTES", d.max_rules_text_bytes)?,
            max_runs_per_user: number("DQX_MAX_RUNS_PER_USER", d.max_runs_per_user)?,
            runs_kept_per_user: number("DQX_RUNS_KEPT_PER_USER", d.runs_kept_per_user)?,
            run_ttl_secs: number("DQX_RUN_TTL_SECS", d.run_ttl_secs as usize)? as u64,
            allowed_origins: get("DQX_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Refuses a rule list longer than `max_rules`, or with more dataset-level rules than one
    /// pass evaluates.
    pub fn check_rules(&self, rules: &[serde_json::Value]) -> Result<(), AppError> {
        if rules.len() > self.max_rules {
            return Err(over(
                &format!("the rule set's {} rules", rules.len()),
                self.max_rules,
                "DQX_MAX_RULES",
                "split it into several rule sets",
            ));
        }
        let dataset = rules
            .iter()
            .filter(|r| {
                crate::model::rules::functions::find(crate::model::rules::rule_function(r))
                    .is_some_and(|s| s.level == crate::model::rules::functions::Level::Dataset)
            })
            .count();
        if dataset > self.max_dataset_rules {
            return Err(over(
                &format!(
                    "{dataset} dataset-level rules (is_unique, foreign_key, is_aggr_*, sql_query, has_valid_schema)"
                ),
                self.max_dataset_rules,
                "DQX_MAX_DATASET_RULES",
                "validate them in several smaller sets",
            ));
        }
        Ok(())
    }

    /// Refuses rule text (JSON or YAML) larger than `max_rules_text_bytes`.
    pub fn check_text(&self, text: &str) -> Result<(), AppError> {
        if text.len() > self.max_rules_text_bytes {
            return Err(over(
                &format!("the rule text's {} bytes", text.len()),
                self.max_rules_text_bytes,
                "DQX_MAX_RULES_TEXT_BYTES",
                "send fewer rules at once",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_bound_names_its_variable() {
        let limits = Limits {
            max_rules: 2,
            max_dataset_rules: 1,
            max_rules_text_bytes: 4,
            ..Default::default()
        };
        let row = json!({"check": {"function": "is_not_null", "arguments": {"column": "a"}}});
        let unique = json!({"check": {"function": "is_unique", "arguments": {"columns": ["a"]}}});
        assert!(limits.check_rules(&[row.clone(), unique.clone()]).is_ok());
        let e = limits
            .check_rules(&[row.clone(), row.clone(), row])
            .unwrap_err();
        assert!(e.to_string().contains("DQX_MAX_RULES"), "{e}");
        let e = limits.check_rules(&[unique.clone(), unique]).unwrap_err();
        assert!(e.to_string().contains("DQX_MAX_DATASET_RULES"), "{e}");
        assert!(
            limits
                .check_text("12345")
                .unwrap_err()
                .to_string()
                .contains("DQX_MAX_RULES_TEXT_BYTES")
        );
    }

    #[test]
    fn reads_the_environment() {
        let limits = Limits::from_lookup(|k| match k {
            "DQX_MAX_RULES" => Some("10".into()),
            "DQX_ALLOWED_ORIGINS" => Some("https://A.example/, https://b.example".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(limits.max_rules, 10);
        assert_eq!(
            limits.allowed_origins,
            vec!["https://a.example", "https://b.example"]
        );
        assert!(Limits::from_lookup(|k| (k == "DQX_MAX_RULES").then(|| "0".into())).is_err());
    }
}
