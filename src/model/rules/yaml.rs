//! YAML rule text read into JSON values within a budget on what it expands to: aliases repeat
//! the node they name, so a small text can stand for a huge value; the budget stops the build
//! before the memory is spent, and the error says so.

use serde::Deserialize as _;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::Cell;
use std::fmt;

/// What one YAML text may expand to: string bytes plus [`NODE_COST`] per node.
pub const MAX_EXPANDED_BYTES: usize = 16 * 1024 * 1024;
/// The budget one node (scalar, list, mapping or key) costs on top of its text.
const NODE_COST: usize = 8;

/// Parses YAML into a JSON value, refusing text that expands past [`MAX_EXPANDED_BYTES`].
pub fn parse_bounded(text: &str) -> Result<Value, String> {
    parse_within(text, MAX_EXPANDED_BYTES)
}

fn parse_within(text: &str, budget: usize) -> Result<Value, String> {
    let left = Cell::new(budget);
    let de = serde_yaml::Deserializer::from_str(text);
    match (Bounded { left: &left }).deserialize(de) {
        Ok(value) => Ok(value),
        Err(_) if left.get() == 0 => Err(format!(
            "the YAML expands (through its anchors and aliases) to more than {} MiB; write the repeated parts out, or send fewer rules at once",
            budget / (1024 * 1024)
        )),
        Err(e) => Err(format!("not valid YAML: {e}")),
    }
}

/// Builds one value, spending from the shared budget.
#[derive(Clone, Copy)]
struct Bounded<'b> {
    left: &'b Cell<usize>,
}

impl Bounded<'_> {
    fn spend<E: serde::de::Error>(&self, bytes: usize) -> Result<(), E> {
        let cost = bytes.saturating_add(NODE_COST);
        match self.left.get().checked_sub(cost) {
            Some(rest) => {
                self.left.set(rest);
                Ok(())
            }
            None => {
                self.left.set(0);
                Err(E::custom("the YAML expands past its budget"))
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Bounded<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_any(self)
    }
}

/// A mapping key, as a string (as `serde_json::Value` reads keys).
struct Key<'b>(Bounded<'b>);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<String, D::Error> {
        let key = String::deserialize(de)?;
        self.0.spend(key.len())?;
        Ok(key)
    }
}

impl<'de> Visitor<'de> for Bounded<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        self.spend(0)?;
        Ok(Value::Null)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        self.deserialize(de)
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
        self.spend(0)?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
        self.spend(0)?;
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        self.spend(0)?;
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        self.spend(0)?;
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        self.spend(v.len())?;
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Value, E> {
        self.spend(v.len())?;
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.spend(0)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.spend(0)?;
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(Key(self))? {
            let value = map.next_value_seed(self)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_yaml_reads() {
        let text = "- name: a\n  criticality: warn\n  check:\n    function: is_in_list\n    for_each_column: [s, t]\n    arguments: {allowed: [1, 2.5, 'x', null, true]}\n  user_metadata: {1: one}\n";
        let expected: Value = serde_yaml::from_str(text).unwrap();
        assert_eq!(parse_bounded(text).unwrap(), expected);
    }

    #[test]
    fn an_alias_bomb_is_refused_before_it_is_built() {
        let mut text = format!("- &big \"{}\"\n", "x".repeat(20_000));
        for _ in 0..20_000 {
            text.push_str("- *big\n");
        }
        assert!(text.len() < 600_000);
        let e = parse_bounded(&text).unwrap_err();
        assert!(e.contains("anchors and aliases"), "{e}");
        let small = "- &a {column: x}\n- *a\n";
        assert_eq!(
            parse_bounded(small).unwrap().as_array().map(Vec::len),
            Some(2)
        );
    }

    #[test]
    fn bad_yaml_is_still_not_valid_yaml() {
        let e = parse_within("- [unclosed", 1024).unwrap_err();
        assert!(e.starts_with("not valid YAML"), "{e}");
    }
}
