//! Scalar functions DataFusion lacks, registered into every evaluation session: JSON validity
//! and top-level keys, IPv6 validity, CIDR membership, timestamp parsing with Spark patterns,
//! ISO code membership and DQX's letter-case normalisations.
//! All return NULL for NULL input, so NULL passes as in DQX.

use super::json::{self, Json};
use super::json_schema;
use crate::model::rules::ddl::parse_struct;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, ScalarValue};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;
use std::sync::Arc;

/// Applies `test` to each string of the first argument; the other arguments must be literals.
fn string_predicate(
    args: &[ColumnarValue],
    test: impl Fn(&str, &[Option<String>]) -> Option<bool>,
) -> Result<ColumnarValue, DataFusionError> {
    let extra: Vec<Option<String>> = args[1..]
        .iter()
        .map(|a| match a {
            ColumnarValue::Scalar(s) if s.is_null() => Ok(None),
            ColumnarValue::Scalar(s) => Ok(Some(match s {
                ScalarValue::Utf8(Some(v))
                | ScalarValue::LargeUtf8(Some(v))
                | ScalarValue::Utf8View(Some(v)) => v.clone(),
                other => other.to_string(),
            })),
            ColumnarValue::Array(_) => Err(DataFusionError::Execution(
                "dqx functions take literal options".to_string(),
            )),
        })
        .collect::<Result<_, _>>()?;
    let values: ArrayRef = match &args[0] {
        ColumnarValue::Array(a) => cast(a, &DataType::Utf8)?,
        ColumnarValue::Scalar(s) => cast(&s.to_array()?, &DataType::Utf8)?,
    };
    let strings = values.as_string::<i32>();
    let result: BooleanArray = (0..strings.len())
        .map(|i| {
            if strings.is_null(i) {
                None
            } else {
                test(strings.value(i), &extra)
            }
        })
        .collect();
    let result: ArrayRef = Arc::new(result);
    match &args[0] {
        ColumnarValue::Scalar(_) => Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &result, 0,
        )?)),
        ColumnarValue::Array(_) => Ok(ColumnarValue::Array(result)),
    }
}

/// JSON as DQX's `try_parse_json` accepts it (see `engine::json`): any JSON value, scalars
/// included; `''` is not JSON.
pub fn is_json(text: &str) -> bool {
    json::is_valid(text)
}

/// For a JSON object: whether it has all (or any) of `keys` at the top level. `None` for valid
/// JSON that is not an object (DQX lets it pass) and for invalid JSON.
pub fn json_has_keys(text: &str, keys: &[String], require_all: bool) -> Option<bool> {
    let Json::Object(members) = json::parse(text)? else {
        return None;
    };
    let has = |k: &String| members.iter().any(|(m, _)| m == k);
    Some(if require_all {
        keys.iter().all(has)
    } else {
        keys.iter().any(has)
    })
}

/// Whether `text` is an IPv6 address.
pub fn is_ipv6(text: &str) -> bool {
    Ipv6Addr::from_str(text).is_ok()
}

/// Parses `a.b.c.d/n` or `x::/n`.
pub fn parse_cidr(cidr: &str) -> Option<(IpAddr, u8)> {
    let (addr, prefix) = cidr.trim().split_once('/')?;
    let addr = IpAddr::from_str(addr).ok()?;
    let prefix: u8 = prefix.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some((addr, prefix))
}

/// Whether `text` is an address inside `cidr` (same family); `None` when `text` is no address.
pub fn ip_in_cidr(text: &str, cidr: &str) -> Option<bool> {
    let (network, prefix) = parse_cidr(cidr)?;
    let addr = IpAddr::from_str(text).ok()?;
    Some(match (addr, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            (u32::from(a) & mask) == (u32::from(n) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix)
            };
            (u128::from(a) & mask) == (u128::from(n) & mask)
        }
        _ => false,
    })
}

/// Translates a Spark datetime pattern (`yyyy-MM-dd HH:mm:ss`) into a chrono format.
pub fn spark_pattern_to_chrono(pattern: &str) -> Result<String, String> {
    let mut out = String::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == '\'')
                .map(|p| i + 1 + p);
            let Some(end) = end else {
                return Err(format!("unterminated quote in '{pattern}'"));
            };
            for &lit in &chars[i + 1..end] {
                if lit == '%' {
                    out.push_str("%%")
                } else {
                    out.push(lit)
                }
            }
            i = end + 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        let piece = match (c, run) {
            ('y', 4) | ('y', 1) => "%Y",
            ('y', 2) => "%y",
            ('M', 2) | ('M', 1) => "%m",
            ('M', 3) => "%b",
            ('d', 2) | ('d', 1) => "%d",
            ('H', 2) | ('H', 1) => "%H",
            ('h', 2) | ('h', 1) => "%I",
            ('m', 2) | ('m', 1) => "%M",
            ('s', 2) | ('s', 1) => "%S",
            ('S', 1..=9) => "%.f",
            ('a', 1) => "%p",
            ('X', _) | ('x', _) | ('Z', _) => "%z",
            (c, _) if c.is_ascii_alphabetic() => {
                return Err(format!(
                    "pattern letter '{c}' in '{pattern}' is not supported"
                ));
            }
            _ => "",
        };
        if piece.is_empty() {
            for _ in 0..run {
                if c == '%' {
                    out.push_str("%%")
                } else {
                    out.push(c)
                }
            }
        } else {
            if piece == "%.f" && out.ends_with('.') {
                out.pop();
            }
            out.push_str(piece);
        }
        i += run;
    }
    Ok(out)
}

/// Whether `text` parses as a timestamp (or date): with a chrono `format`, or as ISO 8601.
pub fn parses_as_timestamp(text: &str, format: Option<&str>) -> bool {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let t = text.trim();
    match format {
        Some(f) => {
            NaiveDateTime::parse_from_str(t, f).is_ok()
                || NaiveDate::parse_from_str(t, f).is_ok()
                || DateTime::parse_from_str(t, f).is_ok()
        }
        None => {
            DateTime::parse_from_rfc3339(t).is_ok()
                || [
                    "%Y-%m-%d %H:%M:%S%.f",
                    "%Y-%m-%dT%H:%M:%S%.f",
                    "%Y-%m-%d %H:%M",
                    "%Y-%m-%dT%H:%M",
                ]
                .iter()
                .any(|f| NaiveDateTime::parse_from_str(t, f).is_ok())
                || NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok()
                || t.strip_suffix('Z').is_some_and(|s| {
                    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
                })
        }
    }
}

/// Java's `\s`: the whitespace Spark's regexes know.
fn is_java_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')
}

/// `text` with its first character upper-cased (as Spark's `upper(substring(text, 1, 1))`).
fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The letter cases `normalized_case` knows, sorted as DQX lists them in its error.
pub const STRING_CASES: [&str; 4] = ["lower", "sentence", "title", "upper"];

/// `text` as DQX's `has_valid_string_case` normalises it for `case`: upper, lower, title (the
/// first character of each space-separated word upper-cased) or sentence (the first
/// non-whitespace character of each period-separated segment upper-cased); `None` for another case.
pub fn normalized_case(text: &str, case: &str) -> Option<String> {
    Some(match case {
        "upper" => text.to_uppercase(),
        "lower" => text.to_lowercase(),
        "title" => text
            .split(' ')
            .map(upper_first)
            .collect::<Vec<_>>()
            .join(" "),
        "sentence" => text
            .split('.')
            .map(|segment| {
                let rest = segment.trim_start_matches(is_java_space);
                let prefix = &segment[..segment.len() - rest.len()];
                format!("{prefix}{}", upper_first(rest))
            })
            .collect::<Vec<_>>()
            .join("."),
        _ => return None,
    })
}

/// `dqx_json_conforms(value, schema)`: whether each JSON text conforms to the DDL schema (parsed
/// once per batch), as `has_valid_json_schema` decides on Spark.
fn json_conforms(args: &[ColumnarValue]) -> Result<ColumnarValue, DataFusionError> {
    let schema = match args.get(1) {
        Some(ColumnarValue::Scalar(
            ScalarValue::Utf8(Some(s))
            | ScalarValue::LargeUtf8(Some(s))
            | ScalarValue::Utf8View(Some(s)),
        )) => s.clone(),
        _ => {
            return Err(DataFusionError::Execution(
                "dqx_json_conforms takes a literal schema".into(),
            ));
        }
    };
    let fields = parse_struct(&schema)
        .map_err(|e| DataFusionError::Execution(format!("invalid JSON schema '{schema}': {e}")))?;
    string_predicate(&args[..1], |s, _| Some(json_schema::conforms(s, &fields)))
}

/// Registers the functions into `ctx` (replacing earlier registrations).
pub fn register(ctx: &SessionContext) {
    let utf8 = || DataType::Utf8;
    ctx.register_udf(create_udf(
        "dqx_is_json",
        vec![utf8()],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| string_predicate(args, |s, _| Some(is_json(s)))),
    ));
    ctx.register_udf(create_udf(
        "dqx_json_has_keys",
        vec![utf8(), utf8(), DataType::Boolean],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            string_predicate(args, |s, extra| {
                let keys: Vec<String> = extra[0]
                    .as_deref()
                    .and_then(|k| serde_json::from_str(k).ok())
                    .unwrap_or_default();
                let require_all = extra[1].as_deref() != Some("false");
                json_has_keys(s, &keys, require_all)
            })
        }),
    ));
    ctx.register_udf(create_udf(
        "dqx_json_conforms",
        vec![utf8(), utf8()],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(json_conforms),
    ));
    ctx.register_udf(create_udf(
        "dqx_is_ipv6",
        vec![utf8()],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| string_predicate(args, |s, _| Some(is_ipv6(s)))),
    ));
    ctx.register_udf(create_udf(
        "dqx_ip_in_cidr",
        vec![utf8(), utf8()],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            string_predicate(args, |s, extra| {
                ip_in_cidr(s, extra[0].as_deref().unwrap_or_default())
            })
        }),
    ));
    ctx.register_udf(create_udf(
        "dqx_is_iso_code",
        vec![utf8(), utf8(), DataType::Boolean],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            string_predicate(args, |s, extra| {
                let list = crate::engine::iso::by_key(extra[0].as_deref().unwrap_or_default())?;
                Some(list.contains(s, extra[1].as_deref() != Some("false")))
            })
        }),
    ));
    ctx.register_udf(create_udf(
        "dqx_has_string_case",
        vec![utf8(), utf8()],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            string_predicate(args, |s, extra| {
                normalized_case(s, extra[0].as_deref().unwrap_or_default()).map(|n| n == s)
            })
        }),
    ));
    ctx.register_udf(create_udf(
        "dqx_parses_as_timestamp",
        vec![utf8(), utf8()],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            string_predicate(args, |s, extra| {
                Some(parses_as_timestamp(s, extra[0].as_deref()))
            })
        }),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_cases_normalise_as_dqx() {
        assert_eq!(
            normalized_case("hello World", "title").unwrap(),
            "Hello World"
        );
        assert_eq!(
            normalized_case("HELLO  world", "title").unwrap(),
            "HELLO  World"
        );
        assert_eq!(
            normalized_case("hello\tworld", "title").unwrap(),
            "Hello\tworld"
        );
        assert_eq!(
            normalized_case("first. second.  third", "sentence").unwrap(),
            "First. Second.  Third"
        );
        assert_eq!(normalized_case("straße", "upper").unwrap(), "STRASSE");
        assert_eq!(normalized_case("", "sentence").unwrap(), "");
        assert!(normalized_case("x", "camel").is_none());
        assert!(
            STRING_CASES
                .iter()
                .all(|c| normalized_case("a", c).is_some())
        );
    }

    #[test]
    fn json_follows_the_variant_parser() {
        for ok in [
            "{\"a\": 1}",
            "[1,2]",
            "123",
            "true",
            "null",
            "\"x\"",
            "  {}  ",
        ] {
            assert!(is_json(ok), "{ok}");
        }
        for bad in ["", "{a: 1}", "{'a': 1}", "[1,]", "{\"a\": 1"] {
            assert!(!is_json(bad), "{bad}");
        }
    }

    #[test]
    fn json_keys_are_top_level_and_non_objects_pass() {
        let keys = vec!["a".to_string(), "b".to_string()];
        assert_eq!(
            json_has_keys("{\"a\": 1, \"b\": {\"c\": 2}}", &keys, true),
            Some(true)
        );
        assert_eq!(
            json_has_keys("{\"a\": 1, \"x\": {\"b\": 2}}", &keys, true),
            Some(false)
        );
        assert_eq!(json_has_keys("{\"a\": 1}", &keys, false), Some(true));
        assert_eq!(json_has_keys("[1,2]", &keys, true), None);
        assert_eq!(json_has_keys("123", &keys, true), None);
    }

    #[test]
    fn cidr_membership() {
        assert_eq!(ip_in_cidr("192.168.1.77", "192.168.1.0/24"), Some(true));
        assert_eq!(ip_in_cidr("192.168.2.1", "192.168.1.0/24"), Some(false));
        assert_eq!(ip_in_cidr("10.0.0.1", "0.0.0.0/0"), Some(true));
        assert_eq!(ip_in_cidr("2001:db8::1", "2001:db8::/32"), Some(true));
        assert_eq!(ip_in_cidr("2001:db9::1", "2001:db8::/32"), Some(false));
        assert_eq!(ip_in_cidr("not-an-ip", "10.0.0.0/8"), None);
        assert!(parse_cidr("10.0.0.0/33").is_none());
        assert!(parse_cidr("10.0.0.0").is_none());
    }

    #[test]
    fn spark_patterns_translate() {
        assert_eq!(
            spark_pattern_to_chrono("yyyy-MM-dd HH:mm:ss").unwrap(),
            "%Y-%m-%d %H:%M:%S"
        );
        assert_eq!(spark_pattern_to_chrono("MM/dd/yyyy").unwrap(), "%m/%d/%Y");
        assert_eq!(
            spark_pattern_to_chrono("yyyy-MM-dd'T'HH:mm:ss").unwrap(),
            "%Y-%m-%dT%H:%M:%S"
        );
        assert!(spark_pattern_to_chrono("yyyy-QQ").is_err());
    }

    #[test]
    fn timestamps_parse_like_try_to_timestamp() {
        assert!(parses_as_timestamp("2024-01-01", None));
        assert!(parses_as_timestamp("2024-01-01 10:00:00", None));
        assert!(parses_as_timestamp("2024-01-01T10:00:00Z", None));
        assert!(!parses_as_timestamp("2024-13-01", None));
        assert!(!parses_as_timestamp("yesterday", None));
        assert!(parses_as_timestamp("12/31/2024", Some("%m/%d/%Y")));
        assert!(!parses_as_timestamp("2024-12-31", Some("%m/%d/%Y")));
    }
}
