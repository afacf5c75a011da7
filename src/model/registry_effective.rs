//! A table's effective rule set (issue 31): its own active rules plus every binding in force
//! that covers it, resolved to concrete DQX checks, each marked with its origin
//! (`registry:key_present@3` in the check's `user_metadata`, as DQX carries it into results),
//! and the clashes between them reported, never silently merged.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The `user_metadata` key an inherited check's origin is written under.
pub const ORIGIN_KEY: &str = "dqx_origin";

/// Where one check of an effective set comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleOrigin {
    /// The check's name.
    pub rule: String,
    /// `table@3` (the table's own active version), `table` (rules not saved yet) or
    /// `registry:key_present@3`.
    pub origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_version: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding_id: Option<String>,
}

impl RuleOrigin {
    pub fn inherited(&self) -> bool {
        self.registry_rule.is_some()
    }
}

/// Two or more checks of one effective set that collide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clash {
    /// The checks' names.
    pub rules: Vec<String>,
    /// Their origins, in the same order.
    pub origins: Vec<String>,
    pub message: String,
}

/// The checks one binding in force gives a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Inherited {
    pub binding_id: String,
    pub registry_rule: String,
    pub registry_version: i32,
    pub checks: Vec<Value>,
}

/// A table's effective rule set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EffectiveRules {
    pub table: String,
    /// The table's own active version, when it has one.
    pub own_version: Option<i32>,
    /// Own rules first, then inherited ones, each a DQX check.
    pub rules: Vec<Value>,
    /// One per rule, in the same order.
    pub origins: Vec<RuleOrigin>,
    #[serde(default)]
    pub clashes: Vec<Clash>,
    /// Bindings that cover the table but resolve to nothing or fail to resolve here, in words.
    #[serde(default)]
    pub notes: Vec<String>,
}

impl EffectiveRules {
    /// The inherited checks only.
    pub fn inherited(&self) -> Vec<Value> {
        self.rules
            .iter()
            .zip(&self.origins)
            .filter(|(_, o)| o.inherited())
            .map(|(r, _)| r.clone())
            .collect()
    }
}

/// `registry:<rule>@<version>`.
pub fn registry_origin(rule: &str, version: i32) -> String {
    format!("registry:{rule}@{version}")
}

/// The check's name (DQX's default when it has none is derived later; the empty name here).
fn name_of(check: &Value) -> String {
    check
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// What two checks do, ignoring their names and criticality: equal keys are the same rule.
fn behaviour(check: &Value) -> String {
    let inner = check.get("check").cloned().unwrap_or(Value::Null);
    let filter = check.get("filter").cloned().unwrap_or(Value::Null);
    serde_json::to_string(&(
        inner.get("function"),
        inner.get("arguments"),
        inner.get("for_each_column"),
        filter,
    ))
    .unwrap_or_default()
}

/// The function and the columns a check reads, to find a table rule and an inherited one that
/// check the same thing differently.
fn subject(check: &Value) -> Option<String> {
    let function = crate::model::rules::rule_function(check);
    let mut columns = crate::model::rules::rule_columns(check);
    if function.is_empty() || columns.is_empty() {
        return None;
    }
    columns.sort();
    Some(format!("{function}({})", columns.join(", ")))
}

/// `check` with its origin written into `user_metadata` (kept beside any metadata it has).
fn marked(mut check: Value, origin: &str) -> Value {
    if let Value::Object(map) = &mut check {
        let metadata = map
            .entry("user_metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = metadata {
            m.insert(ORIGIN_KEY.into(), Value::String(origin.into()));
        }
    }
    check
}

/// Puts the table's own rules and the inherited checks together, marking origins and finding
/// clashes: the same rule twice, two rules of one name, and a table rule that checks what an
/// inherited one checks, differently.
pub fn assemble(
    table: &str,
    own: Vec<Value>,
    own_version: Option<i32>,
    inherited: Vec<Inherited>,
) -> EffectiveRules {
    let own_origin = own_version.map_or_else(|| "table".to_string(), |v| format!("table@{v}"));
    let mut rules = Vec::new();
    let mut origins = Vec::new();
    for check in own {
        origins.push(RuleOrigin {
            rule: name_of(&check),
            origin: own_origin.clone(),
            registry_rule: None,
            registry_version: None,
            binding_id: None,
        });
        rules.push(check);
    }
    for from in inherited {
        let origin = registry_origin(&from.registry_rule, from.registry_version);
        for check in from.checks {
            origins.push(RuleOrigin {
                rule: name_of(&check),
                origin: origin.clone(),
                registry_rule: Some(from.registry_rule.clone()),
                registry_version: Some(from.registry_version),
                binding_id: Some(from.binding_id.clone()),
            });
            rules.push(marked(check, &origin));
        }
    }
    let clashes = clashes(&rules, &origins);
    EffectiveRules {
        table: table.to_string(),
        own_version,
        rules,
        origins,
        clashes,
        notes: Vec::new(),
    }
}

fn clashes(rules: &[Value], origins: &[RuleOrigin]) -> Vec<Clash> {
    let mut out = Vec::new();
    let mut group = |key: &dyn Fn(&Value) -> Option<String>,
                     message: &dyn Fn(&str) -> String,
                     only_mixed: bool| {
        let mut by: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, rule) in rules.iter().enumerate() {
            if let Some(k) = key(rule) {
                by.entry(k).or_default().push(i);
            }
        }
        for (k, members) in by {
            if members.len() < 2 {
                continue;
            }
            let inherited = members.iter().filter(|i| origins[**i].inherited()).count();
            if only_mixed && (inherited == 0 || inherited == members.len()) {
                continue;
            }
            out.push(Clash {
                rules: members.iter().map(|i| origins[*i].rule.clone()).collect(),
                origins: members.iter().map(|i| origins[*i].origin.clone()).collect(),
                message: message(&k),
            });
        }
    };
    group(
        &|r| Some(behaviour(r)),
        &|_| {
            "the same rule twice: it runs (and counts) twice; remove the table's copy or narrow the binding".into()
        },
        false,
    );
    group(
        &|r| Some(name_of(r)).filter(|n| !n.is_empty()),
        &|name| format!("two rules are named {name}; rename one so results tell them apart"),
        false,
    );
    let same: Vec<String> = out.iter().flat_map(|c| c.rules.clone()).collect();
    let mut differing = Vec::new();
    {
        let mut by: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, rule) in rules.iter().enumerate() {
            if let Some(k) = subject(rule) {
                by.entry(k).or_default().push(i);
            }
        }
        for (k, members) in by {
            let inherited = members.iter().filter(|i| origins[**i].inherited()).count();
            let distinct: std::collections::BTreeSet<String> =
                members.iter().map(|i| behaviour(&rules[*i])).collect();
            if inherited == 0 || inherited == members.len() || distinct.len() < 2 {
                continue;
            }
            if members.iter().all(|i| same.contains(&origins[*i].rule)) {
                continue;
            }
            differing.push(Clash {
                rules: members.iter().map(|i| origins[*i].rule.clone()).collect(),
                origins: members.iter().map(|i| origins[*i].origin.clone()).collect(),
                message: format!(
                    "the table's {k} differs from the inherited one; both run: change the table's rule or ask for the binding to exclude this table"
                ),
            });
        }
    }
    out.extend(differing);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(name: &str, function: &str, arguments: Value) -> Value {
        json!({"name": name, "criticality": "error",
            "check": {"function": function, "arguments": arguments}})
    }

    #[test]
    fn inherited_checks_carry_their_origin_and_clashes_are_reported() {
        let own = vec![
            check("email_present", "is_not_null", json!({"column": "email"})),
            check(
                "amount_range",
                "is_in_range",
                json!({"column": "amount", "min_limit": 0, "max_limit": 10}),
            ),
        ];
        let inherited = vec![Inherited {
            binding_id: "b123".into(),
            registry_rule: "key_present".into(),
            registry_version: 3,
            checks: vec![
                check(
                    "key_present_email",
                    "is_not_null",
                    json!({"column": "email"}),
                ),
                check(
                    "amount_range",
                    "is_in_range",
                    json!({"column": "amount", "min_limit": 0, "max_limit": 99}),
                ),
            ],
        }];
        let set = assemble("main.sales.customers", own, Some(4), inherited);
        assert_eq!(set.rules.len(), 4, "nothing is merged away");
        assert_eq!(set.origins[0].origin, "table@4");
        assert_eq!(set.origins[2].origin, "registry:key_present@3");
        assert_eq!(
            set.rules[2]["user_metadata"][ORIGIN_KEY],
            "registry:key_present@3"
        );
        assert!(set.rules[0].get("user_metadata").is_none());
        assert_eq!(set.inherited().len(), 2);
        let messages: Vec<&str> = set.clashes.iter().map(|c| c.message.as_str()).collect();
        assert!(
            set.clashes
                .iter()
                .any(|c| c.message.contains("same rule twice")
                    && c.rules == ["email_present", "key_present_email"]),
            "{messages:?}"
        );
        assert!(
            set.clashes
                .iter()
                .any(|c| c.message.contains("two rules are named amount_range")),
            "{messages:?}"
        );
    }

    #[test]
    fn a_table_rule_checking_a_column_differently_from_an_inherited_one_is_a_clash() {
        let own = vec![check(
            "amount_ok",
            "is_in_range",
            json!({"column": "amount", "min_limit": 0, "max_limit": 10}),
        )];
        let inherited = vec![Inherited {
            binding_id: "b1".into(),
            registry_rule: "money_range".into(),
            registry_version: 1,
            checks: vec![check(
                "money_range",
                "is_in_range",
                json!({"column": "amount", "min_limit": -5, "max_limit": 10}),
            )],
        }];
        let set = assemble("t", own, None, inherited);
        assert_eq!(set.origins[0].origin, "table");
        assert_eq!(set.clashes.len(), 1, "{:?}", set.clashes);
        assert!(set.clashes[0].message.contains("differs"));
        let alone = assemble(
            "t",
            vec![check("a", "is_not_null", json!({"column": "x"}))],
            None,
            Vec::new(),
        );
        assert!(alone.clashes.is_empty());
    }
}
