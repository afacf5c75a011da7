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
    /// Host names (no port) the app answers to besides the loopback names: `DQX_ALLOWED_HOSTS`
    /// (comma-separated), the hosts of `DQX_ALLOWED_ORIGINS`, and `DATABRICKS_APP_URL`'s host.
    pub allowed_hosts: Vec<String>,
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
            allowed_hosts: Vec::new(),
        }
    }
}

/// A bound that a request went past.
fn over(what: &str, limit: usize, variable: &str, advice: &str) -> AppError {
    AppError::BadRequest(format!(
        "{what} is over the limit of {limit} ({variable}); {advice}"
    ))
}

/// Bytes of a rule set's `ai_summary` or `metadata` kept with a version (serialized JSON).
pub const MAX_NOTE_BYTES: usize = 64 * 1024;

/// Refuses a prompt longer than the Generate screen accepts.
pub fn check_prompt(prompt: Option<&str>) -> Result<(), AppError> {
    let max = crate::model::runs::MAX_PROMPT_CHARS;
    match prompt.map(|p| p.chars().count()) {
        Some(chars) if chars > max => Err(AppError::BadRequest(format!(
            "user_prompt has {chars} characters, over the limit of {max}; shorten it"
        ))),
        _ => Ok(()),
    }
}

/// Refuses a JSON note (`ai_summary`, `metadata`) larger than [`MAX_NOTE_BYTES`] serialized.
pub fn check_note(what: &str, note: Option<&serde_json::Value>) -> Result<(), AppError> {
    let Some(note) = note else { return Ok(()) };
    let bytes = serde_json::to_vec(note).map_or(usize::MAX, |b| b.len());
    if bytes > MAX_NOTE_BYTES {
        return Err(AppError::BadRequest(format!(
            "{what} is {bytes} bytes of JSON, over the limit of {MAX_NOTE_BYTES}; keep only what a reviewer needs"
        )));
    }
    Ok(())
}

/// The host name (lower case, no port, no brackets) of a URL such as `https://a.example:8443/x`.
pub fn host_of_url(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://").map_or(url.trim(), |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host_of_authority(authority)
}

/// The host name of an authority (`host[:port]`, `[v6]:port`), lower case, without the port.
pub fn host_of_authority(authority: &str) -> Option<String> {
    let authority = authority.trim();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split_once(']')?.0
    } else {
        authority.split(':').next()?
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// How many rules one rule as written runs as: the length of its `for_each_column` list (an
/// empty or absent list: one).
fn expanded_count(rule: &serde_json::Value) -> usize {
    crate::model::rules::rule_for_each_column(rule)
        .and_then(serde_json::Value::as_array)
        .map_or(1, |items| items.len().max(1))
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
        let allowed_origins: Vec<String> = get("DQX_ALLOWED_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut allowed_hosts: Vec<String> = get("DQX_ALLOWED_HOSTS")
            .map(|v| {
                v.split(',')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let app_url = get("DATABRICKS_APP_URL");
        for url in allowed_origins
            .iter()
            .map(String::as_str)
            .chain(app_url.as_deref())
        {
            if let Some(host) = host_of_url(url) {
                allowed_hosts.push(host);
            }
        }
        Ok(Self {
            max_rules: number("DQX_MAX_RULES", d.max_rules)?,
            max_dataset_rules: number("DQX_MAX_DATASET_RULES", d.max_dataset_rules)?,
            max_rules_text_bytes: number("DQX_MAX_RULES_TEXT_BYTES", d.max_rules_text_bytes)?,
            max_runs_per_user: number("DQX_MAX_RUNS_PER_USER", d.max_runs_per_user)?,
            runs_kept_per_user: number("DQX_RUNS_KEPT_PER_USER", d.runs_kept_per_user)?,
            run_ttl_secs: number("DQX_RUN_TTL_SECS", d.run_ttl_secs as usize)? as u64,
            allowed_origins,
            allowed_hosts,
        })
    }

    /// Refuses a rule list that expands (each `for_each_column` item is one rule, as DQX runs
    /// it) to more than `max_rules` rules, or to more dataset-level rules than one pass
    /// evaluates.
    pub fn check_rules(&self, rules: &[serde_json::Value]) -> Result<(), AppError> {
        let expanded: usize = rules.iter().map(expanded_count).sum();
        if expanded > self.max_rules {
            return Err(over(
                &format!(
                    "the rule set's {expanded} rules (after for_each_column, written as {})",
                    rules.len()
                ),
                self.max_rules,
                "DQX_MAX_RULES",
                "split it into several rule sets",
            ));
        }
        let dataset: usize = rules
            .iter()
            .filter(|r| {
                crate::model::rules::functions::find(crate::model::rules::rule_function(r))
                    .is_some_and(|s| s.level == crate::model::rules::functions::Level::Dataset)
            })
            .map(expanded_count)
            .sum();
        if dataset > self.max_dataset_rules {
            return Err(over(
                &format!(
                    "{dataset} dataset-level rules after for_each_column (is_unique, foreign_key, is_aggr_*, sql_query, has_valid_schema)"
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
    fn for_each_column_counts_each_column_it_expands_to() {
        let limits = Limits {
            max_rules: 10,
            max_dataset_rules: 2,
            ..Default::default()
        };
        let columns: Vec<String> = (0..1000).map(|i| format!("c{i}")).collect();
        let unique = json!({"check": {"function": "is_unique", "for_each_column": columns.iter().map(|c| vec![c.clone()]).collect::<Vec<_>>(), "arguments": {}}});
        let e = limits.check_rules(&[unique]).unwrap_err().to_string();
        assert!(
            e.contains("DQX_MAX_RULES") && e.contains("1000 rules"),
            "{e}"
        );
        let three = json!({"check": {"function": "is_unique", "for_each_column": [["a"], ["b"], ["c"]], "arguments": {}}});
        let e = limits.check_rules(&[three]).unwrap_err().to_string();
        assert!(e.contains("DQX_MAX_DATASET_RULES"), "{e}");
        let nulls = json!({"check": {"function": "is_not_null", "for_each_column": columns, "arguments": {}}});
        assert!(limits.check_rules(&[nulls]).is_err());
        let two = json!({"check": {"function": "is_not_null", "for_each_column": ["a", "b"], "arguments": {}}});
        assert!(limits.check_rules(&[two.clone(), two]).is_ok());
    }

    #[test]
    fn allowed_hosts_come_from_the_app_url_and_the_origins() {
        let limits = Limits::from_lookup(|k| match k {
            "DATABRICKS_APP_URL" => Some("https://dqx-1234.aws.databricksapps.com/".into()),
            "DQX_ALLOWED_ORIGINS" => Some("https://Proxy.example:8443".into()),
            "DQX_ALLOWED_HOSTS" => Some("box.lan".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(
            limits.allowed_hosts,
            [
                "box.lan",
                "proxy.example",
                "dqx-1234.aws.databricksapps.com"
            ]
        );
        assert_eq!(host_of_authority("[::1]:3000").as_deref(), Some("::1"));
        assert_eq!(
            host_of_authority("LOCALHOST.:3000").as_deref(),
            Some("localhost")
        );
    }

    #[test]
    fn prompts_and_notes_are_bounded() {
        let max = crate::model::runs::MAX_PROMPT_CHARS;
        assert!(check_prompt(Some(&"é".repeat(max))).is_ok());
        let e = check_prompt(Some(&"é".repeat(max + 1))).unwrap_err();
        assert!(e.to_string().contains("user_prompt"), "{e}");
        assert!(check_note("metadata", Some(&json!({"a": "b"}))).is_ok());
        let big = json!({"a": "x".repeat(MAX_NOTE_BYTES)});
        let e = check_note("metadata", Some(&big)).unwrap_err();
        assert!(e.to_string().contains("metadata"), "{e}");
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
