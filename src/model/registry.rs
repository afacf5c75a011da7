//! The rule registry's pure parts (issue 31): a registry rule is a DQX check whose argument
//! values may hold placeholders in DQX's variable syntax (`{{ key }}`); a binding's scope says
//! which tables it covers (explicit names, a DQX-style wildcard pattern with exclusions, or a
//! Unity Catalog tag on tables or columns) and its mapping what each placeholder becomes.
//! Resolving is DQX's `resolve_variables`: one pass over string values, keys untouched.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Placeholders one rule may hold at most, and the longest pattern or tag text accepted.
pub const MAX_PLACEHOLDERS: usize = 10;
pub const MAX_SCOPE_TEXT: usize = 300;
/// Explicit tables and exclusions one scope lists at most.
pub const MAX_SCOPE_TABLES: usize = 500;

/// Where a tag is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagOn {
    Table,
    Column,
}

/// A Unity Catalog tag a scope selects by: `key = value` on tables or on columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagScope {
    pub key: String,
    pub value: String,
    pub on: TagOn,
}

/// Which tables a binding covers: any of the explicit tables, the pattern's matches and the
/// tag's tables, less the exclusions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<TagScope>,
}

/// One tag as the catalog reports it: on a table, or on one of its columns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TagHit {
    /// `catalog.schema.table`, lower case.
    pub table: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub key: String,
    pub value: String,
}

/// What a scope covers now, as one reader sees the catalog: the tables (only those they may
/// read), and on each the columns carrying the scope's column tag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub tables: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tagged_columns: BTreeMap<String, Vec<String>>,
    /// The listing stopped at its bound: more tables may match; narrow the pattern.
    #[serde(default)]
    pub truncated: bool,
}

/// Tables and tags one coverage reads at most.
pub const MAX_COVERAGE_LISTING: u32 = 5000;

/// The catalog and schema a pattern fixes (parts without wildcards), to narrow a listing.
pub fn fixed_parts(pattern: &str) -> (Option<String>, Option<String>) {
    let literal = |p: &str| (!p.contains(['*', '?', '['])).then(|| p.trim().to_lowercase());
    let mut parts = pattern.split('.');
    let catalog = parts.next().and_then(literal);
    let schema = catalog.as_ref().and(parts.next().and_then(literal));
    (catalog, schema)
}

/// What a placeholder becomes on a covered table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mapping {
    /// A column of that name.
    Column(String),
    /// Each column carrying the tag `key=value`: one resolved rule per such column.
    Tagged(String),
    /// A literal (DQX's scalar variable types; rendered as text, as DQX does).
    Value(Value),
}

/// Whether `name` matches DQX's wildcard `pattern` (Python's `fnmatch`: `*`, `?`, `[seq]`,
/// `[!seq]`), compared in lower case as Unity Catalog names are.
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let n: Vec<char> = name.to_lowercase().chars().collect();
    glob(&p, &n)
}

fn glob(p: &[char], n: &[char]) -> bool {
    // Iterative matching with one backtrack point for the last `*`.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
            continue;
        }
        if pi < p.len()
            && let Some(next) = one(&p[pi..], n[ni])
        {
            pi += next;
            ni += 1;
            continue;
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Whether the pattern's first item matches `c`: how many pattern characters it took.
fn one(p: &[char], c: char) -> Option<usize> {
    match p.first()? {
        '?' => Some(1),
        '[' => {
            // An unclosed `[` is a literal, as in fnmatch.
            let Some(close) = p.iter().skip(2).position(|x| *x == ']').map(|i| i + 2) else {
                return (c == '[').then_some(1);
            };
            let (negated, set) = match p.get(1) {
                Some('!') => (true, &p[2..close]),
                _ => (false, &p[1..close]),
            };
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == '-' {
                    hit |= set[i] <= c && c <= set[i + 2];
                    i += 3;
                } else {
                    hit |= set[i] == c;
                    i += 1;
                }
            }
            (hit != negated).then_some(close + 1)
        }
        literal => (*literal == c).then_some(1),
    }
}

impl Scope {
    /// Refuses a scope that covers nothing or passes the bounds, in words.
    pub fn check(&self) -> Result<(), String> {
        if self.tables.is_empty() && self.pattern.is_none() && self.tag.is_none() {
            return Err(
                "a scope names tables, a pattern (main.sales.*) or a tag (class = email)".into(),
            );
        }
        if self.tables.len() > MAX_SCOPE_TABLES || self.exclude.len() > MAX_SCOPE_TABLES {
            return Err(format!(
                "a scope lists at most {MAX_SCOPE_TABLES} tables and {MAX_SCOPE_TABLES} exclusions; use a pattern or a tag for more"
            ));
        }
        let texts = self
            .pattern
            .iter()
            .chain(&self.exclude)
            .chain(self.tag.iter().flat_map(|t| [&t.key, &t.value]));
        for text in texts {
            if text.trim().is_empty() || text.chars().count() > MAX_SCOPE_TEXT {
                return Err(format!(
                    "patterns, exclusions and tags are 1 to {MAX_SCOPE_TEXT} characters"
                ));
            }
        }
        if let Some(pattern) = &self.pattern
            && pattern.split('.').count() != 3
        {
            return Err(format!(
                "the pattern '{pattern}' needs three parts, catalog.schema.table (each may be *)"
            ));
        }
        Ok(())
    }

    /// The tables it covers among `known` (every table the reader can see) and the tables the
    /// tag is on (`tagged`), sorted, exclusions removed.
    pub fn covered(&self, known: &[String], tagged: &[TagHit]) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self.tables.iter().map(|t| t.to_lowercase()).collect();
        if let Some(pattern) = &self.pattern {
            out.extend(
                known
                    .iter()
                    .filter(|t| matches(pattern, t))
                    .map(|t| t.to_lowercase()),
            );
        }
        if let Some(tag) = &self.tag {
            out.extend(
                tagged
                    .iter()
                    .filter(|h| tag_holds(tag, h))
                    .map(|h| h.table.to_lowercase()),
            );
        }
        out.retain(|t| !self.exclude.iter().any(|x| matches(x, t)));
        out
    }
}

/// Whether a catalog tag is the scope's tag, where the scope wants it.
pub fn tag_holds(tag: &TagScope, hit: &TagHit) -> bool {
    let place = if hit.column.is_some() {
        TagOn::Column
    } else {
        TagOn::Table
    };
    place == tag.on && hit.key.eq_ignore_ascii_case(&tag.key) && hit.value == tag.value
}

/// The placeholders of a rule: the names inside `{{ … }}` in its string values, as DQX reads them.
pub fn placeholders(rule: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    walk_strings(rule, &mut |text| {
        for (start, end) in spans(text) {
            out.insert(
                text[start + 2..end - 2]
                    .trim_matches([' ', '\t'])
                    .to_string(),
            );
        }
    });
    out
}

fn walk_strings(value: &Value, f: &mut dyn FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|v| walk_strings(v, f)),
        Value::Object(map) => map.values().for_each(|v| walk_strings(v, f)),
        _ => {}
    }
}

/// The byte spans of `{{[^}]*}}` in `text` (DQX's placeholder pattern), left to right.
fn spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'{' && bytes[i + 1] == b'{' {
            let inner = i + 2;
            let close = bytes[inner..]
                .iter()
                .position(|b| *b == b'}')
                .map(|p| inner + p);
            if let Some(c) = close
                && bytes.get(c + 1) == Some(&b'}')
            {
                out.push((i, c + 2));
                i = c + 2;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The rule with every placeholder replaced by its variable's text, in one pass over string
/// values (a replacement is never substituted again; keys stay as they are); an error names
/// the placeholders left without a value.
pub fn resolve(rule: &Value, variables: &BTreeMap<String, String>) -> Result<Value, String> {
    let mut missing = BTreeSet::new();
    let resolved = substitute(rule, variables, &mut missing);
    if missing.is_empty() {
        Ok(resolved)
    } else {
        Err(format!(
            "no value for {}",
            missing
                .iter()
                .map(|m| format!("{{{{ {m} }}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

fn substitute(
    value: &Value,
    variables: &BTreeMap<String, String>,
    missing: &mut BTreeSet<String>,
) -> Value {
    match value {
        Value::String(text) => {
            let mut out = String::with_capacity(text.len());
            let mut last = 0;
            for (start, end) in spans(text) {
                out.push_str(&text[last..start]);
                let key = text[start + 2..end - 2].trim_matches([' ', '\t']);
                match variables.get(key) {
                    Some(v) => out.push_str(v),
                    None => {
                        missing.insert(key.to_string());
                        out.push_str(&text[start..end]);
                    }
                }
                last = end;
            }
            out.push_str(&text[last..]);
            Value::String(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute(v, variables, missing))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, variables, missing)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A literal mapping as DQX renders a scalar variable (`str(value)`: Python's spelling of
/// booleans); `None` for lists and objects, which DQX refuses.
pub fn literal_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(true) => Some("True".into()),
        Value::Bool(false) => Some("False".into()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The concrete checks a bound rule becomes on one table: one per combination of the columns
/// its `Tagged` placeholders find there (`tagged_columns`: the table's columns by tag text
/// `key=value`), each named `<rule>` or, when tags fan it out, `<rule>_<column>`.
pub fn resolve_on_table(
    name: &str,
    rule: &Value,
    mapping: &BTreeMap<String, Mapping>,
    tagged_columns: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<Value>, String> {
    let mut fixed = BTreeMap::new();
    let mut fanned: Vec<(String, Vec<String>)> = Vec::new();
    for (placeholder, how) in mapping {
        match how {
            Mapping::Column(c) => {
                fixed.insert(placeholder.clone(), c.clone());
            }
            Mapping::Value(v) => {
                let text = literal_text(v).ok_or_else(|| {
                    format!("{{{{ {placeholder} }}}} maps to a list or object; DQX's variables are scalars")
                })?;
                fixed.insert(placeholder.clone(), text);
            }
            Mapping::Tagged(tag) => {
                let columns = tagged_columns.get(tag).cloned().unwrap_or_default();
                fanned.push((placeholder.clone(), columns));
            }
        }
    }
    let mut combos: Vec<(BTreeMap<String, String>, Vec<String>)> = vec![(fixed, Vec::new())];
    for (placeholder, columns) in &fanned {
        combos = combos
            .into_iter()
            .flat_map(|(vars, suffix)| {
                columns.iter().map(move |c| {
                    let mut vars = vars.clone();
                    vars.insert(placeholder.clone(), c.clone());
                    let mut suffix = suffix.clone();
                    suffix.push(c.clone());
                    (vars, suffix)
                })
            })
            .collect();
    }
    combos
        .into_iter()
        .map(|(vars, suffix)| {
            let mut check = resolve(rule, &vars)?;
            let named = if suffix.is_empty() {
                name.to_string()
            } else {
                format!("{name}_{}", suffix.join("_"))
            };
            if let Value::Object(map) = &mut check {
                map.insert("name".into(), Value::String(named));
            }
            Ok(check)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patterns_match_as_dqxs_fnmatch_does() {
        for (pattern, name, hit) in [
            ("main.sales.*", "main.sales.orders", true),
            ("main.sales.*", "main.hr.employees", false),
            ("*.finance_*.*", "dev.finance_eu.ledger", true),
            ("*.finance_*.*", "dev.finance.ledger", false),
            ("main.*.order?", "main.sales.orders", true),
            ("main.*.order?", "main.sales.order", false),
            ("main.s[a-c]les.*", "main.sales.x", true),
            ("main.s[!a]les.*", "main.sales.x", false),
            ("MAIN.Sales.*", "main.sales.orders", true),
            ("*", "anything.at.all", true),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
            ("main.[x.*", "main.[x.y", true),
        ] {
            assert_eq!(matches(pattern, name), hit, "{pattern} vs {name}");
        }
    }

    #[test]
    fn a_scope_covers_tables_patterns_and_tags_less_exclusions() {
        let known: Vec<String> = [
            "main.sales.customers",
            "main.sales.orders",
            "main.hr.employees",
            "finance.ledger.transactions",
        ]
        .map(String::from)
        .to_vec();
        let hit = |t: &str, c: Option<&str>, v: &str| TagHit {
            table: t.into(),
            column: c.map(str::to_string),
            key: "class".into(),
            value: v.into(),
        };
        let tags = vec![
            hit("main.sales.customers", Some("email"), "email"),
            hit("main.hr.employees", Some("email"), "email"),
            hit("main.sales.orders", Some("amount"), "money"),
            hit("finance.ledger.transactions", None, "email"),
        ];
        let by_pattern = Scope {
            pattern: Some("main.*.*".into()),
            exclude: vec!["main.hr.*".into()],
            ..Default::default()
        };
        assert_eq!(
            by_pattern
                .covered(&known, &tags)
                .into_iter()
                .collect::<Vec<_>>(),
            ["main.sales.customers", "main.sales.orders"]
        );
        let by_tag = Scope {
            tag: Some(TagScope {
                key: "class".into(),
                value: "email".into(),
                on: TagOn::Column,
            }),
            ..Default::default()
        };
        assert_eq!(
            by_tag
                .covered(&known, &tags)
                .into_iter()
                .collect::<Vec<_>>(),
            ["main.hr.employees", "main.sales.customers"],
            "a table tag is not a column tag"
        );
        assert!(Scope::default().check().is_err());
        let two_parts = Scope {
            pattern: Some("main.*".into()),
            ..Default::default()
        };
        assert!(two_parts.check().unwrap_err().contains("three parts"));
    }

    #[test]
    fn a_pattern_fixes_the_parts_without_wildcards() {
        assert_eq!(
            fixed_parts("main.sales.*"),
            (Some("main".into()), Some("sales".into()))
        );
        assert_eq!(fixed_parts("main.*.x"), (Some("main".into()), None));
        assert_eq!(fixed_parts("*.sales.x"), (None, None));
    }

    #[test]
    fn placeholders_resolve_in_one_pass_and_missing_ones_are_named() {
        let rule = json!({"criticality": "error", "check": {"function": "is_not_null",
            "arguments": {"column": "{{ key }}", "note": "{{key}} and {{ other}}", "n": 3}}});
        assert_eq!(
            placeholders(&rule).into_iter().collect::<Vec<_>>(),
            ["key", "other"]
        );
        let vars = BTreeMap::from([
            ("key".to_string(), "{{ other }}".to_string()),
            ("other".to_string(), "x".to_string()),
        ]);
        let done = resolve(&rule, &vars).unwrap();
        assert_eq!(
            done["check"]["arguments"]["column"], "{{ other }}",
            "a replacement is not substituted again"
        );
        assert_eq!(done["check"]["arguments"]["note"], "{{ other }} and x");
        assert_eq!(done["check"]["arguments"]["n"], 3);
        let err = resolve(&rule, &BTreeMap::new()).unwrap_err();
        assert!(
            err.contains("{{ key }}") && err.contains("{{ other }}"),
            "{err}"
        );
    }

    #[test]
    fn a_tagged_placeholder_fans_out_one_rule_per_column() {
        let rule = json!({"criticality": "error", "check": {"function": "regex_match",
            "arguments": {"column": "{{ col }}", "regex": "{{ re }}"}}});
        let mapping = BTreeMap::from([
            ("col".to_string(), Mapping::Tagged("class=email".into())),
            ("re".to_string(), Mapping::Value(json!("^.+@.+$"))),
        ]);
        let tagged = BTreeMap::from([(
            "class=email".to_string(),
            vec!["email".to_string(), "backup_email".to_string()],
        )]);
        let checks = resolve_on_table("email_valid", &rule, &mapping, &tagged).unwrap();
        let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["email_valid_email", "email_valid_backup_email"]);
        assert_eq!(checks[1]["check"]["arguments"]["column"], "backup_email");
        assert_eq!(checks[0]["check"]["arguments"]["regex"], "^.+@.+$");
        let none = resolve_on_table("email_valid", &rule, &mapping, &BTreeMap::new()).unwrap();
        assert!(none.is_empty(), "no tagged column: no rule");
        assert_eq!(literal_text(&json!(true)).as_deref(), Some("True"));
        assert_eq!(literal_text(&json!([1])), None);
    }
}
