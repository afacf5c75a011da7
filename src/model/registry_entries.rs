//! The registry's reviewed entries (issue 31): a registry rule's versions and a binding's
//! versions each go through review like a rule set's (draft → pending → approved or rejected);
//! what an entry holds (a rule with its description and dimension, or a binding's scope, mapping
//! and pin) and the checks made on it before anything is saved.

use crate::model::registry::{MAX_PLACEHOLDERS, Mapping, Scope, placeholders, resolve};
use crate::model::review::VersionStatus;
use crate::model::rules::validate::validate_rule_set;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The longest registry rule name, description and rejection reason accepted.
pub const MAX_NAME: usize = 64;
pub const MAX_DESCRIPTION: usize = 2_000;
/// Versions one registry listing reads at most.
pub const MAX_LISTED: u32 = 2_000;
/// The bytes one rule's JSON may take.
pub const MAX_RULE_BYTES: usize = 16 * 1024;
/// Placeholders one binding maps at most (one per placeholder of its rule).
pub const MAX_MAPPINGS: usize = MAX_PLACEHOLDERS;

/// DQX's quality dimensions a registry rule may be filed under.
pub const DIMENSIONS: [&str; 6] = [
    "completeness",
    "validity",
    "uniqueness",
    "consistency",
    "accuracy",
    "timeliness",
];

/// Which kind of registry entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    Rule,
    Binding,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Rule => "rule",
            EntryKind::Binding => "binding",
        }
    }

    /// How an entry of this kind is named in messages: "registry rule key_present".
    pub fn label(self, name: &str) -> String {
        format!("registry {} {name}", self.as_str())
    }

    /// The key its audit entries are filed under (no table name can be spelled so: it has no
    /// dots before the colon).
    pub fn audit_key(self, name: &str) -> String {
        format!("registry:{}:{name}", self.as_str())
    }
}

/// One version of a registry entry as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryVersion {
    pub kind: EntryKind,
    pub name: String,
    pub version: i32,
    pub status: VersionStatus,
    /// A [`RuleBody`] or a [`BindingBody`], as JSON.
    pub body: Value,
    pub created_by: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: Option<String>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_reason: Option<String>,
}

/// A registry rule version's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleBody {
    /// A DQX check (`criticality` and `check: {function, arguments}`), placeholders allowed.
    pub rule: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<String>,
}

/// Which version of its rule a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(untagged)]
pub enum Follow {
    /// The newest approved version, whichever it is when the rules are resolved.
    #[default]
    #[serde(with = "latest")]
    Latest,
    /// One approved version, whatever is approved later.
    Pinned { version: i32 },
}

mod latest {
    //! `Follow::Latest` as the word `"latest"`.
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("latest")
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
        let word = String::deserialize(d)?;
        if word == "latest" {
            Ok(())
        } else {
            Err(serde::de::Error::custom(format!(
                "follow is \"latest\" or {{\"version\": N}}, not \"{word}\""
            )))
        }
    }
}

/// A binding version's content: where its rule applies and how its placeholders resolve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BindingBody {
    /// The registry rule's name.
    pub rule: String,
    pub scope: Scope,
    #[serde(default)]
    pub mapping: BTreeMap<String, Mapping>,
    #[serde(default)]
    pub follow: Follow,
    /// A retirement: once approved the binding applies nowhere (its scope is kept to say where
    /// it applied, and who must approve).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
}

/// A registry rule as the Registry page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryRuleSummary {
    pub name: String,
    /// The newest version, whatever its status.
    pub latest: RegistryVersion,
    /// The newest approved version: the one bindings following the latest apply.
    pub approved_version: Option<i32>,
    pub description: Option<String>,
    pub dimension: Option<String>,
    /// Where used: the tables its bindings in force cover now, as the reader sees the catalog
    /// (`None` when not counted: too many bindings, or the catalog could not be read).
    #[serde(default)]
    pub used_on: Option<usize>,
}

/// One registry rule with every version (newest first) and its bindings, for its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryRuleDetail {
    pub name: String,
    pub versions: Vec<RegistryVersion>,
    pub approved_version: Option<i32>,
    #[serde(default)]
    pub bindings: Vec<BindingView>,
}

/// A binding as a reader sees it: its newest version, the one that applies (its newest
/// approved), and the tables it covers now as far as the reader may see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BindingView {
    pub binding_id: String,
    pub latest: RegistryVersion,
    pub approved_version: Option<i32>,
    pub coverage: crate::model::registry::Coverage,
}

/// What a bind answers: the binding, its new version's status and what it covers now for you.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BindingSaved {
    pub binding_id: String,
    pub version: i32,
    pub status: VersionStatus,
    pub coverage: crate::model::registry::Coverage,
}

/// The registry rule version a binding applies now, among the rule's `versions`: its pin (when
/// approved) or the newest approved; `None` applies nothing.
pub fn applied_version(follow: Follow, versions: &[RegistryVersion]) -> Option<&RegistryVersion> {
    let approved = |v: &&RegistryVersion| v.status == VersionStatus::Approved;
    match follow {
        Follow::Pinned { version } => versions
            .iter()
            .filter(approved)
            .find(|v| v.version == version),
        Follow::Latest => versions.iter().filter(approved).max_by_key(|v| v.version),
    }
}

/// Each binding's versions (any order) grouped by binding id, newest first.
pub fn by_entry(versions: Vec<RegistryVersion>) -> BTreeMap<String, Vec<RegistryVersion>> {
    let mut out: BTreeMap<String, Vec<RegistryVersion>> = BTreeMap::new();
    for v in versions {
        out.entry(v.name.clone()).or_default().push(v);
    }
    for list in out.values_mut() {
        list.sort_by_key(|v| std::cmp::Reverse(v.version));
    }
    out
}

/// The newest approved version among `versions`.
pub fn newest_approved(versions: &[RegistryVersion]) -> Option<i32> {
    versions
        .iter()
        .filter(|v| v.status == VersionStatus::Approved)
        .map(|v| v.version)
        .max()
}

/// The rules of a registry listing (versions of many rules, by name then newest first), one
/// summary each.
pub fn summaries(versions: Vec<RegistryVersion>) -> Vec<RegistryRuleSummary> {
    by_entry(versions)
        .into_iter()
        .filter_map(|(name, versions)| {
            let latest = versions.first()?.clone();
            let approved_version = newest_approved(&versions);
            let shown = approved_version
                .and_then(|a| versions.iter().find(|v| v.version == a))
                .unwrap_or(&latest);
            let body: Option<RuleBody> = serde_json::from_value(shown.body.clone()).ok();
            Some(RegistryRuleSummary {
                name,
                latest,
                approved_version,
                description: body.as_ref().and_then(|b| b.description.clone()),
                dimension: body.and_then(|b| b.dimension),
                used_on: None,
            })
        })
        .collect()
}

/// A registry rule's name as typed, lower-cased, or why it is not one: a letter, then letters,
/// digits and underscores (it becomes part of DQX check names).
pub fn rule_name(name: &str) -> Result<String, String> {
    let name = name.trim().to_lowercase();
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if !first_ok
        || name.len() > MAX_NAME
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!(
            "'{name}' is not a registry rule name: use a letter, then letters, digits and underscores, at most {MAX_NAME} characters (e.g. key_present)"
        ));
    }
    Ok(name)
}

/// The rule as it is stored, or every reason it is not a DQX check: `{function, arguments}` is
/// taken as the check itself (criticality error); placeholders are bounded, and the check must
/// validate with each placeholder standing for a column.
pub fn rule_body(
    rule: Value,
    description: Option<String>,
    dimension: Option<String>,
) -> Result<RuleBody, String> {
    let rule = match rule {
        Value::Object(map) if map.contains_key("function") && !map.contains_key("check") => {
            json!({"criticality": "error", "check": Value::Object(map)})
        }
        Value::Object(map) => Value::Object(map),
        other => {
            return Err(format!(
                "a registry rule is one DQX check (an object), not {}",
                match other {
                    Value::Array(_) => "a list",
                    Value::String(_) => "a string",
                    Value::Null => "null",
                    _ => "a scalar",
                }
            ));
        }
    };
    let size = serde_json::to_string(&rule).map(|s| s.len()).unwrap_or(0);
    if size > MAX_RULE_BYTES {
        return Err(format!(
            "the rule takes {size} bytes, more than the {MAX_RULE_BYTES} one registry rule may; shorten its arguments"
        ));
    }
    let names = placeholders(&rule);
    if names.len() > MAX_PLACEHOLDERS {
        return Err(format!(
            "the rule has {} placeholders, more than the {MAX_PLACEHOLDERS} allowed",
            names.len()
        ));
    }
    if let Some(bad) = names.iter().find(|n| !is_variable_name(n)) {
        return Err(format!(
            "'{{{{ {bad} }}}}' is not a placeholder name: use letters, digits and underscores"
        ));
    }
    let stand_ins = names
        .iter()
        .map(|n| (n.clone(), format!("placeholder_{n}")))
        .collect();
    let resolved = resolve(&rule, &stand_ins)?;
    let checked = validate_rule_set(&Value::Array(vec![resolved]), None);
    let errors: Vec<String> = checked
        .errors()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect();
    if !errors.is_empty() {
        return Err(format!("not a valid DQX check: {}", errors.join("; ")));
    }
    let description = description
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty());
    if let Some(d) = &description
        && d.chars().count() > MAX_DESCRIPTION
    {
        return Err(format!(
            "the description is longer than {MAX_DESCRIPTION} characters"
        ));
    }
    let dimension = match dimension.map(|d| d.trim().to_lowercase()) {
        Some(d) if d.is_empty() => None,
        Some(d) if DIMENSIONS.contains(&d.as_str()) => Some(d),
        Some(d) => {
            return Err(format!(
                "'{d}' is not a quality dimension; use one of {}",
                DIMENSIONS.join(", ")
            ));
        }
        None => None,
    };
    Ok(RuleBody {
        rule,
        description,
        dimension,
    })
}

fn is_variable_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Refuses a binding whose mapping does not give every placeholder of `rule` one value (or maps
/// ones it lacks), whose scope is not one, or whose pin is not a version number.
pub fn check_binding(body: &BindingBody, rule: &RuleBody) -> Result<(), String> {
    body.scope.check()?;
    let wanted = placeholders(&rule.rule);
    let missing: Vec<&String> = wanted
        .iter()
        .filter(|p| !body.mapping.contains_key(*p))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the mapping gives no value for {}; map each to {{\"column\": …}}, {{\"tagged\": \"key=value\"}} or {{\"value\": …}}",
            placeholder_list(missing)
        ));
    }
    let extra: Vec<&String> = body
        .mapping
        .keys()
        .filter(|k| !wanted.contains(*k))
        .collect();
    if !extra.is_empty() {
        return Err(format!(
            "the mapping names placeholders not in the rule: {}",
            placeholder_list(extra)
        ));
    }
    for (placeholder, how) in &body.mapping {
        match how {
            Mapping::Column(c) if c.trim().is_empty() => {
                return Err(format!(
                    "{{{{ {placeholder} }}}} maps to an empty column name"
                ));
            }
            Mapping::Tagged(tag) if !tag.contains('=') => {
                return Err(format!(
                    "{{{{ {placeholder} }}}} maps to the tag '{tag}'; write it as key=value (e.g. class=email)"
                ));
            }
            Mapping::Value(v) if crate::model::registry::literal_text(v).is_none() => {
                return Err(format!(
                    "{{{{ {placeholder} }}}} maps to a list or object; DQX's variables are scalars"
                ));
            }
            _ => {}
        }
    }
    if let Follow::Pinned { version } = body.follow
        && version < 1
    {
        return Err(format!("{version} is not a version number"));
    }
    Ok(())
}

/// What a scope may reach, as catalog paths in lower case (its approver must cover each): every
/// named table, and the literal leading parts of its pattern (`main.sales.*` reaches
/// `main.sales`; `*.finance_*.*` the whole metastore, the empty path). A tag may be set anywhere,
/// so a tag scope reaches everything. Exclusions never narrow it: they are not read as grants.
pub fn reach(scope: &Scope) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = scope
        .tables
        .iter()
        .map(|t| t.split('.').map(|p| p.trim().to_lowercase()).collect())
        .collect();
    if let Some(pattern) = &scope.pattern {
        out.push(
            pattern
                .split('.')
                .map(|p| p.trim().to_lowercase())
                .take_while(|p| !p.contains(['*', '?', '[']))
                .collect(),
        );
    }
    if scope.tag.is_some() {
        out.push(Vec::new());
    }
    out.sort();
    out.dedup();
    out
}

fn placeholder_list(names: Vec<&String>) -> String {
    names
        .iter()
        .map(|n| format!("{{{{ {n} }}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_check_is_wrapped_and_validated_with_its_placeholders() {
        let body = rule_body(
            json!({"function": "is_not_null", "arguments": {"column": "{{ key }}"}}),
            Some(" Keys are present ".into()),
            Some("Completeness".into()),
        )
        .unwrap();
        assert_eq!(body.rule["criticality"], "error");
        assert_eq!(body.rule["check"]["arguments"]["column"], "{{ key }}");
        assert_eq!(body.description.as_deref(), Some("Keys are present"));
        assert_eq!(body.dimension.as_deref(), Some("completeness"));
        let unknown = rule_body(
            json!({"function": "is_not_nul", "arguments": {"column": "{{ key }}"}}),
            None,
            None,
        )
        .unwrap_err();
        assert!(unknown.contains("not a valid DQX check"), "{unknown}");
        let dimension = rule_body(
            json!({"function": "is_not_null", "arguments": {"column": "a"}}),
            None,
            Some("beauty".into()),
        )
        .unwrap_err();
        assert!(dimension.contains("completeness"), "{dimension}");
        assert!(rule_body(json!([1]), None, None).is_err());
    }

    #[test]
    fn a_scope_reaches_its_tables_its_patterns_prefix_or_everything_for_a_tag() {
        let scope = Scope {
            tables: vec!["Main.Sales.Orders".into()],
            pattern: Some("main.sales.cust*".into()),
            ..Scope::default()
        };
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            reach(&scope),
            vec![path(&["main", "sales"]), path(&["main", "sales", "orders"])]
        );
        let wild = Scope {
            pattern: Some("*.finance_*.*".into()),
            ..Scope::default()
        };
        assert_eq!(reach(&wild), vec![Vec::<String>::new()]);
        let tagged = Scope {
            tag: Some(crate::model::registry::TagScope {
                key: "class".into(),
                value: "email".into(),
                on: crate::model::registry::TagOn::Column,
            }),
            ..Scope::default()
        };
        assert_eq!(reach(&tagged), vec![Vec::<String>::new()]);
    }

    #[test]
    fn names_are_identifiers() {
        assert_eq!(rule_name(" Key_Present ").unwrap(), "key_present");
        assert!(rule_name("1key").is_err());
        assert!(rule_name("key-present").is_err());
        assert!(rule_name(&"k".repeat(65)).is_err());
    }

    #[test]
    fn follow_reads_as_latest_or_a_pinned_version() {
        let latest: Follow = serde_json::from_value(json!("latest")).unwrap();
        assert_eq!(latest, Follow::Latest);
        let pinned: Follow = serde_json::from_value(json!({"version": 3})).unwrap();
        assert_eq!(pinned, Follow::Pinned { version: 3 });
        assert_eq!(
            serde_json::to_value(Follow::Latest).unwrap(),
            json!("latest")
        );
        assert!(serde_json::from_value::<Follow>(json!("newest")).is_err());
    }

    #[test]
    fn a_binding_maps_every_placeholder_once() {
        let rule = rule_body(
            json!({"function": "is_not_null", "arguments": {"column": "{{ key }}"}}),
            None,
            None,
        )
        .unwrap();
        let scope = Scope {
            pattern: Some("main.sales.*".into()),
            ..Scope::default()
        };
        let mut body = BindingBody {
            rule: "key_present".into(),
            scope,
            mapping: BTreeMap::new(),
            follow: Follow::Latest,
            retired: false,
        };
        assert!(
            check_binding(&body, &rule)
                .unwrap_err()
                .contains("{{ key }}")
        );
        body.mapping
            .insert("key".into(), Mapping::Tagged("class".into()));
        assert!(
            check_binding(&body, &rule)
                .unwrap_err()
                .contains("key=value")
        );
        body.mapping
            .insert("key".into(), Mapping::Column("customer_id".into()));
        assert!(check_binding(&body, &rule).is_ok());
        body.mapping
            .insert("other".into(), Mapping::Column("x".into()));
        assert!(
            check_binding(&body, &rule)
                .unwrap_err()
                .contains("not in the rule")
        );
    }
}
