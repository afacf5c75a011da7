//! Whether a JSON text conforms to a DDL struct schema as DQX's `has_valid_json_schema` decides
//! it on Spark: `from_json` in permissive mode must read every value without a corrupt record
//! (Spark's per-type conversions: integer tokens in range, numbers or `NaN`/`±Infinity` strings
//! for floats, decimals that fit, lenient date and timestamp text, padded base64), and every
//! `NOT NULL` field must be present and non-null, nested up to 10 levels below a non-null parent.

use super::json::{self, Json};
use super::spark_datetime::{parses_as_date, parses_as_timestamp, parses_as_timestamp_ntz};
use crate::model::rules::ddl::{DataType, Integral, StructField};

/// DQX checks `NOT NULL` fields this many struct levels below the top.
const MAX_PRESENCE_DEPTH: usize = 10;

/// `true` when `text` is valid JSON whose first value is an object that `from_json` reads under
/// `fields` and that has every required field.
pub fn conforms(text: &str, fields: &[StructField]) -> bool {
    let Some(root @ Json::Object(_)) = json::parse(text) else {
        return false;
    };
    reads_as_struct(&root, fields) && present(&root, fields, 0)
}

fn member<'a>(object: &'a Json, name: &str) -> Option<&'a Json> {
    match object {
        Json::Object(members) => members
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .filter(|v| **v != Json::Null),
        _ => None,
    }
}

fn reads_as_struct(value: &Json, fields: &[StructField]) -> bool {
    matches!(value, Json::Object(_))
        && fields
            .iter()
            .all(|f| member(value, &f.name).is_none_or(|v| reads_as(v, &f.data_type)))
}

/// DQX's field-presence checks: a required field is non-null; a struct's own required fields
/// count when it is present (or required itself).
fn present(object: &Json, fields: &[StructField], depth: usize) -> bool {
    if depth > MAX_PRESENCE_DEPTH {
        return true;
    }
    fields.iter().all(|f| {
        let value = member(object, &f.name);
        if !f.nullable && value.is_none() {
            return false;
        }
        match (&f.data_type, value) {
            (DataType::Struct(children), Some(v)) => present(v, children, depth + 1),
            _ => true,
        }
    })
}

/// Whether Spark's JSON reader converts the non-null `value` to `data_type`.
fn reads_as(value: &Json, data_type: &DataType) -> bool {
    match (data_type, value) {
        (_, Json::Null) => true,
        (DataType::String | DataType::Variant, _) => true,
        (DataType::Boolean, Json::Bool(_)) => true,
        (DataType::Integral(width), Json::Number(n)) => integral_fits(n, *width),
        (DataType::Float | DataType::Double, Json::Number(_)) => true,
        (DataType::Float | DataType::Double, Json::String(s)) => {
            matches!(
                s.as_str(),
                "NaN" | "Infinity" | "+Infinity" | "-Infinity" | "+INF" | "-INF"
            )
        }
        (DataType::Decimal { precision, scale }, Json::Number(n)) => {
            decimal_fits(n, *precision, *scale)
        }
        (DataType::Decimal { precision, scale }, Json::String(s)) => {
            !s.is_empty() && decimal_fits(&s.replace(',', ""), *precision, *scale)
        }
        (DataType::Date, Json::String(s)) => parses_as_date(s),
        (DataType::Timestamp, Json::String(s)) => parses_as_timestamp(s),
        (DataType::Timestamp, Json::Number(n)) => {
            Json::is_integer_token(n) && n.parse::<i64>().is_ok()
        }
        (DataType::TimestampNtz, Json::String(s)) => parses_as_timestamp_ntz(s),
        (DataType::Binary, Json::String(s)) => is_padded_base64(s),
        (DataType::Array(item), Json::Array(items)) => items.iter().all(|v| reads_as(v, item)),
        (DataType::Map(_, v), Json::Object(members)) => members.iter().all(|(_, m)| reads_as(m, v)),
        (DataType::Struct(fields), Json::Object(_)) => reads_as_struct(value, fields),
        _ => false,
    }
}

/// Jackson's integer reads: an integer token, in range (Jackson lets a byte run to 255).
fn integral_fits(text: &str, width: Integral) -> bool {
    if !Json::is_integer_token(text) {
        return false;
    }
    let Ok(v) = text.parse::<i128>() else {
        return false;
    };
    let (low, high): (i128, i128) = match width {
        Integral::Tiny => (-128, 255),
        Integral::Small => (i16::MIN.into(), i16::MAX.into()),
        Integral::Int => (i32::MIN.into(), i32::MAX.into()),
        Integral::Big => (i64::MIN.into(), i64::MAX.into()),
    };
    (low..=high).contains(&v)
}

/// A decimal text (`-12.5`, `1e3`, `.5`, `5.`) as Java's `BigDecimal` reads it: its sign, its
/// digits without leading zeros, and the power of ten of the last digit.
fn decimal_parts(text: &str) -> Option<(String, i64)> {
    let t = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i64>().ok()?),
        None => (t, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0').to_string();
    let fraction_len = i64::try_from(fraction.len()).ok()?;
    Some((digits, exponent.checked_sub(fraction_len)?))
}

/// Spark's `Decimal(value, precision, scale)`: rounded half-up to `scale`, at most `precision`
/// digits.
fn decimal_fits(text: &str, precision: u32, scale: u32) -> bool {
    let Some((digits, exponent)) = decimal_parts(text) else {
        return false;
    };
    if digits.is_empty() {
        return true;
    }
    let scale = i64::from(scale);
    let len = digits.len() as i64;
    let kept = if exponent >= -scale {
        // Exact at this scale: the digits followed by zeros.
        len.saturating_add(exponent).saturating_add(scale)
    } else {
        let dropped = -scale - exponent;
        if dropped > len {
            return true;
        }
        let keep = &digits[..(len - dropped) as usize];
        let round_up = digits.as_bytes()[(len - dropped) as usize] >= b'5';
        let all_nines = !keep.is_empty() && keep.bytes().all(|b| b == b'9');
        let kept = keep.trim_start_matches('0').len() as i64;
        kept + i64::from(round_up && all_nines)
    };
    kept.max(1) <= i64::from(precision)
}

/// Base64 as Jackson's default variant decodes it: whitespace skipped, padding required.
fn is_padded_base64(text: &str) -> bool {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !compact.len().is_multiple_of(4) {
        return false;
    }
    let body_len = compact.iter().rev().skip_while(|b| **b == b'=').count();
    compact.len() - body_len <= 2
        && compact[..body_len]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rules::ddl::parse_struct;

    fn ok(schema: &str, text: &str) -> bool {
        conforms(text, &parse_struct(schema).unwrap())
    }

    #[test]
    fn scalars_convert_as_spark_reads_them() {
        // Each answer observed with DQX 0.17's has_valid_json_schema on Spark 4.
        let s = "a INT, b STRING, t TINYINT, s SMALLINT, d DOUBLE, bo BOOLEAN, dec DECIMAL(5,2), l BIGINT, bin BINARY";
        for (text, want) in [
            (r#"{"a":1,"b":"x"}"#, true),
            (r#"{"a":"1"}"#, false),
            (r#"{"a":1.0}"#, false),
            (r#"{"a":1e2}"#, false),
            (r#"{"a":2147483648}"#, false),
            (r#"{"a":-0}"#, true),
            (r#"{"a":null}"#, true),
            (r#"{"a":""}"#, false),
            (r#"{"a":true}"#, false),
            (r#"{"A":1}"#, true),
            (r#"{"b":{"c":1}}"#, true),
            (r#"{"b":0.12}"#, true),
            (r#"{"b":""}"#, true),
            (r#"{"t":200}"#, true),
            (r#"{"t":255}"#, true),
            (r#"{"t":256}"#, false),
            (r#"{"t":-129}"#, false),
            (r#"{"s":32768}"#, false),
            (r#"{"d":"NaN"}"#, true),
            (r#"{"d":"-INF"}"#, true),
            (r#"{"d":"INF"}"#, false),
            (r#"{"d":"nan"}"#, false),
            (r#"{"d":"1.5"}"#, false),
            (r#"{"d":1e400}"#, true),
            (r#"{"bo":"true"}"#, false),
            (r#"{"bo":1}"#, false),
            (r#"{"dec":123.456}"#, true),
            (r#"{"dec":1234.5}"#, false),
            (r#"{"dec":"12.5"}"#, true),
            (r#"{"dec":"abc"}"#, false),
            (r#"{"l":9223372036854775807}"#, true),
            (r#"{"l":9223372036854775808}"#, false),
            (r#"{"bin":"aGVsbG8="}"#, true),
            (r#"{"bin":"aGVsbG8"}"#, false),
            (r#"{"bin":"aGVs bG8="}"#, true),
            (r#"{"bin":"!!"}"#, false),
            ("null", false),
            ("123", false),
            ("[]", false),
            (r#"[{"a":1}]"#, false),
            (r#"{"a":1}x"#, true),
            ("{}", true),
        ] {
            assert_eq!(ok(s, text), want, "{text}");
        }
    }

    #[test]
    fn decimals_round_half_up_to_the_scale() {
        let s = "c DECIMAL(6,2)";
        for (v, want) in [
            (r#""1,234.5""#, true),
            (r#""""#, false),
            (r#"" 12.5""#, false),
            (r#""+1.5""#, true),
            (r#""1e3""#, true),
            (r#"".5""#, true),
            (r#""5.""#, true),
            ("9999.995", false),
            ("9999.994", true),
            ("-0.001", true),
            ("1e-10", true),
            (r#""1e3000""#, false),
            ("true", false),
        ] {
            assert_eq!(ok(s, &format!(r#"{{"c":{v}}}"#)), want, "{v}");
        }
    }

    #[test]
    fn nested_required_fields_follow_dqx() {
        let s = "req INT NOT NULL, o STRUCT<p: STRUCT<q: INT NOT NULL>>";
        for (text, want) in [
            (r#"{"req":1}"#, true),
            ("{}", false),
            (r#"{"req":null}"#, false),
            (r#"{"req":1,"o":null}"#, true),
            (r#"{"req":1,"o":{}}"#, true),
            (r#"{"req":1,"o":{"p":null}}"#, true),
            (r#"{"req":1,"o":{"p":{}}}"#, false),
            (r#"{"req":1,"o":{"p":{"q":1}}}"#, true),
        ] {
            assert_eq!(ok(s, text), want, "{text}");
        }
        let arrays = "a ARRAY<STRUCT<x: INT NOT NULL>>";
        assert!(ok(arrays, r#"{"a":[{}]}"#));
        assert!(!ok(arrays, r#"{"a":[{"x":"s"}]}"#));
        assert!(ok(arrays, r#"{"a":[null]}"#));
        let nest = |levels: usize, leaf: &str| {
            let names: Vec<String> = (0..levels).map(|i| format!("f{i}")).collect();
            let mut ddl = format!("{leaf} INT NOT NULL");
            let mut json = "{}".to_string();
            for n in names.iter().rev() {
                ddl = format!("{n} STRUCT<{ddl}>");
                json = format!(r#"{{"{n}":{json}}}"#);
            }
            ok(&ddl, &json)
        };
        // Required fields are checked down to the tenth level below the top, not deeper.
        assert!(!nest(10, "leaf"));
        assert!(nest(11, "leaf"));
    }
}
