//! DQX 0.17's fingerprints of a rule and of a rule set, computed as DQX computes them: a rule's
//! is the SHA-256 of `json.dumps({name, criticality, function, arguments, filter,
//! for_each_column}, sort_keys=True)` over the expanded rule (its resolved name, `for_each_column`
//! already expanded so `None`); a set's is the SHA-256 of the JSON list of its rules'
//! fingerprints, sorted. Python's JSON text is reproduced exactly: `", "` and `": "` separators,
//! keys sorted, non-ASCII escaped as `\uXXXX`, floats as Python's `repr`.

use super::ResolvedRule;
use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};

/// The fingerprint of one (expanded) rule, as `DQRule.rule_fingerprint`.
pub fn rule_fingerprint(rule: &ResolvedRule) -> String {
    let arguments: Map<String, Value> = rule
        .arguments
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut data = Map::new();
    data.insert("name".into(), Value::String(rule.name.clone()));
    data.insert(
        "criticality".into(),
        Value::String(rule.criticality.as_str().into()),
    );
    data.insert("function".into(), Value::String(rule.function.clone()));
    data.insert("arguments".into(), Value::Object(arguments));
    data.insert(
        "filter".into(),
        rule.filter.clone().map_or(Value::Null, Value::String),
    );
    data.insert("for_each_column".into(), Value::Null);
    sha256_hex(&python_json(&Value::Object(data)))
}

/// The fingerprint DQX stores for a compact `for_each_column` rule (one row that expands only
/// when applied): over the rule as written, its `for_each_column` sorted.
pub fn compact_rule_fingerprint(rule: &Value) -> String {
    let check = rule.get("check").cloned().unwrap_or(Value::Null);
    let mut for_each: Vec<Value> = check
        .get("for_each_column")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for_each.sort_by(python_cmp);
    let mut data = Map::new();
    data.insert(
        "name".into(),
        rule.get("name").cloned().unwrap_or(Value::Null),
    );
    data.insert(
        "criticality".into(),
        rule.get("criticality")
            .cloned()
            .unwrap_or_else(|| Value::String("error".into())),
    );
    data.insert(
        "function".into(),
        check.get("function").cloned().unwrap_or(Value::Null),
    );
    data.insert(
        "arguments".into(),
        check.get("arguments").cloned().unwrap_or(Value::Null),
    );
    data.insert(
        "filter".into(),
        rule.get("filter").cloned().unwrap_or(Value::Null),
    );
    data.insert(
        "for_each_column".into(),
        if for_each.is_empty() {
            Value::Null
        } else {
            Value::Array(for_each)
        },
    );
    sha256_hex(&python_json(&Value::Object(data)))
}

/// Python's ordering of the values a `for_each_column` holds: strings by code point, lists
/// element by element.
fn python_cmp(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = python_cmp(p, q);
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => python_json(a).cmp(&python_json(b)),
    }
}

/// The fingerprint of a rule set, as `compute_rule_set_fingerprint`: order-independent.
pub fn rule_set_fingerprint(rules: &[ResolvedRule]) -> String {
    let mut prints: Vec<Value> = rules
        .iter()
        .map(|r| Value::String(rule_fingerprint(r)))
        .collect();
    prints.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    sha256_hex(&python_json(&Value::Array(prints)))
}

fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `json.dumps(value, sort_keys=True)` as Python writes it.
pub fn python_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&python_number(n)),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| python_order(a, b));
            out.push('{');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(key, out);
                out.push_str(": ");
                if let Some(v) = map.get(*key) {
                    write_value(v, out);
                }
            }
            out.push('}');
        }
    }
}

/// Python sorts `str` keys by code point; Rust's `str` order is by UTF-8 bytes, which is the same.
fn python_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.cmp(b)
}

/// A JSON string with `ensure_ascii`: quotes, backslashes and control characters escaped as
/// Python escapes them, everything past ASCII as `\uXXXX` (surrogate pairs past the BMP).
fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) >= 0x80 => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as Python prints it: integers as they are, floats as `repr` (`0.5`, `1.0`,
/// `1e-05`, `1e+16`, `inf` never occurs in JSON).
fn python_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let Some(f) = n.as_f64() else {
        return n.to_string();
    };
    python_float(f)
}

/// Python's `repr(float)`: the shortest round-tripping digits, fixed notation for exponents
/// from -4 to 15, scientific (at least two exponent digits, with its sign) otherwise.
pub fn python_float(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // `{:e}` gives the shortest round-tripping digits as d.ddde±x.
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let text = if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        };
        format!("{sign}{text}")
    } else {
        let rest = &digits[1..];
        let mantissa = if rest.is_empty() {
            digits[..1].to_string()
        } else {
            format!("{}.{rest}", &digits[..1])
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rules::validate::validate_rule_set;
    use serde_json::json;

    #[test]
    fn floats_print_as_python_repr() {
        for (f, text) in [
            (120.5, "120.5"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (123456789012345.6, "123456789012345.6"),
            (-2.5e-7, "-2.5e-07"),
            (1.5e300, "1.5e+300"),
        ] {
            assert_eq!(python_float(f), text, "{f}");
        }
    }

    #[test]
    fn json_text_is_pythons_sorted_ascii_form() {
        let value = json!({"b": [1, 2.0, null], "a": "ü\"\n€😀", "c": {"z": true, "y": false}});
        assert_eq!(
            python_json(&value),
            r#"{"a": "\u00fc\"\n\u20ac\ud83d\ude00", "b": [1, 2.0, null], "c": {"y": false, "z": true}}"#
        );
    }

    #[test]
    fn fingerprints_match_dqx_for_known_rules() {
        // Computed by DQX 0.17 (`DQRule.rule_fingerprint`, `compute_rule_set_fingerprint_by_metadata`).
        let rules = json!([
            {"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "customer_id"}}},
            {"name": "email_ok", "criticality": "warn", "filter": "country = 'US'", "check": {"function": "regex_match", "arguments": {"column": "email", "regex": "^.+@.+$"}}},
            {"check": {"function": "is_in_range", "arguments": {"column": "age", "min_limit": 0, "max_limit": 120.5}}}
        ]);
        let checked = validate_rule_set(&rules, None);
        assert!(checked.is_valid(), "{:?}", checked.problems);
        let prints: Vec<String> = checked.rules.iter().map(rule_fingerprint).collect();
        assert_eq!(
            prints,
            [
                "e115acde60ba60b45765acdf6032d55f636b6755b819bd5cf610d1f3179840ac",
                "16f5b37b427c599817ad902dc81bea9368d7580c6d392eda5fea3ef4d758c42c",
                "34b3fb117fbfc62d14d01db5bc8da09a73fbd1a65d36b98665fbea0a03fdaaf5",
            ]
        );
        let mut reversed = checked.rules.clone();
        reversed.reverse();
        assert_eq!(
            rule_set_fingerprint(&checked.rules),
            rule_set_fingerprint(&reversed)
        );
    }
}
