//! Spark's lenient date and timestamp text parsing (`stringToDate`, `stringToTimestamp`), which
//! `from_json` falls back to: `2024`, `2024-1-5`, `2024-01-01 junk`, `10:00:00`, `2024-01-01
//! 10:00:00.1234567 UTC`. Only whether a text parses is needed here.

use datafusion::arrow::array::timezone::Tz;

/// Spark's `trimAll`: whitespace and ISO control characters at both ends.
fn trim_all(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c.is_control())
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn valid_date(year: i64, month: u32, day: u32) -> bool {
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Whether Spark's `stringToDate` accepts `text`: `[+-]yyyy[y...]`, `-[m]m`, `-[d]d`, and after a
/// full date a space or `T` followed by anything.
pub fn parses_as_date(text: &str) -> bool {
    let s = trim_all(text);
    let (sign, body) = match s.as_bytes().first() {
        Some(b'-') => (-1, &s[1..]),
        Some(b'+') => (1, &s[1..]),
        Some(_) => (1, s),
        None => return false,
    };
    let valid_digits = |segment: usize, digits: usize| {
        if segment == 0 {
            (4..=7).contains(&digits)
        } else {
            (1..=2).contains(&digits)
        }
    };
    let mut segments = [1i64, 1, 1];
    let (mut i, mut value, mut digits) = (0usize, 0i64, 0usize);
    let bytes = body.as_bytes();
    let mut j = 0;
    while j < bytes.len() && i < 3 && !(bytes[j] == b' ' || bytes[j] == b'T') {
        let b = bytes[j];
        if i < 2 && b == b'-' {
            if !valid_digits(i, digits) {
                return false;
            }
            segments[i] = value;
            (value, digits) = (0, 0);
            i += 1;
        } else if b.is_ascii_digit() {
            value = value * 10 + i64::from(b - b'0');
            digits += 1;
        } else {
            return false;
        }
        j += 1;
    }
    if !valid_digits(i, digits) || (i < 2 && j < bytes.len()) {
        return false;
    }
    segments[i] = value;
    let (Ok(month), Ok(day)) = (u32::try_from(segments[1]), u32::try_from(segments[2])) else {
        return false;
    };
    valid_date(sign * segments[0], month, day)
}

/// Java's short zone ids (`ZoneId.SHORT_IDS`), which Spark accepts beside region ids and offsets.
const SHORT_IDS: [&str; 28] = [
    "ACT", "AET", "AGT", "ART", "AST", "BET", "BST", "CAT", "CNT", "CST", "CTT", "EAT", "ECT",
    "EST", "HST", "IET", "IST", "JST", "MIT", "MST", "NET", "NST", "PLT", "PNT", "PRT", "PST",
    "SST", "VST",
];

/// Whether `zone` is a zone Spark's `getZoneId` accepts: `Z`, an offset, `UTC`/`GMT`/`UT` with an
/// optional offset, a short id or a region id.
fn valid_zone(zone: &str) -> bool {
    let z = zone.trim();
    if z.is_empty() || z == "Z" || SHORT_IDS.contains(&z) {
        return true;
    }
    let offset = |o: &str| o.is_empty() || (o.starts_with(['+', '-']) && o.parse::<Tz>().is_ok());
    for prefix in ["UTC", "GMT", "UT"] {
        if let Some(rest) = z.strip_prefix(prefix) {
            return offset(rest);
        }
    }
    if z.starts_with(['+', '-']) {
        return offset(z);
    }
    z.parse::<Tz>().is_ok()
}

/// The parts Spark's `parseTimestampString` finds, or `None` when it refuses the text.
struct Parsed {
    segments: [i64; 7],
    zone: Option<String>,
    just_time: bool,
}

fn parse_timestamp(text: &str) -> Option<Parsed> {
    let s = trim_all(text);
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    let valid_digits = |segment: usize, digits: usize| match segment {
        0 => (4..=6).contains(&digits),
        6 => true,
        7 => digits <= 2,
        _ => (1..=2).contains(&digits),
    };
    let mut segments = [1i64, 1, 1, 0, 0, 0, 0, 0, 0];
    let (mut i, mut value, mut digits) = (0usize, 0i64, 0usize);
    let mut zone = None;
    let mut just_time = false;
    let mut j = 0;
    let mut year_sign = None;
    if bytes[0] == b'-' || bytes[0] == b'+' {
        year_sign = Some(if bytes[0] == b'-' { -1 } else { 1 });
        j = 1;
    }
    // Closes the current segment and moves to the next.
    macro_rules! next_segment {
        () => {{
            if !valid_digits(i, digits) {
                return None;
            }
            segments[i] = value;
            (value, digits) = (0, 0);
            i += 1;
        }};
    }
    while j < bytes.len() {
        let b = bytes[j];
        if b.is_ascii_digit() {
            if i != 6 || digits < 6 {
                value = value.saturating_mul(10).saturating_add(i64::from(b - b'0'));
            }
            digits += 1;
        } else if j == 0 && b == b'T' {
            just_time = true;
            i += 3;
        } else if i < 2 {
            if b == b'-' {
                next_segment!();
            } else if i == 0 && b == b':' && year_sign.is_none() {
                just_time = true;
                if !valid_digits(3, digits) {
                    return None;
                }
                segments[3] = value;
                (value, digits) = (0, 0);
                i = 4;
            } else {
                return None;
            }
        } else if i == 2 {
            if b == b' ' || b == b'T' {
                next_segment!();
            } else {
                return None;
            }
        } else if i == 3 || i == 4 {
            if b == b':' {
                next_segment!();
            } else {
                return None;
            }
        } else if i == 5 || i == 6 {
            if b == b'.' && i == 5 {
                next_segment!();
            } else {
                next_segment!();
                zone = Some(s[j..].to_string());
                j = bytes.len() - 1;
            }
            if i == 6 && b != b'.' {
                i += 1;
            }
        } else if i < segments.len() && (b == b':' || b == b' ') {
            next_segment!();
        } else {
            return None;
        }
        j += 1;
    }
    if i >= segments.len() || !valid_digits(i, digits) {
        return None;
    }
    segments[i] = value;
    segments[0] *= year_sign.unwrap_or(1);
    let mut first = [0i64; 7];
    first.copy_from_slice(&segments[..7]);
    Some(Parsed {
        segments: first,
        zone,
        just_time,
    })
}

fn valid_time(segments: &[i64; 7]) -> bool {
    (0..24).contains(&segments[3])
        && (0..60).contains(&segments[4])
        && (0..60).contains(&segments[5])
}

/// Whether Spark's `stringToTimestamp` accepts `text` (a time alone takes today's date).
pub fn parses_as_timestamp(text: &str) -> bool {
    let Some(p) = parse_timestamp(text) else {
        return false;
    };
    let s = &p.segments;
    let date_ok = p.just_time
        || (u32::try_from(s[1])
            .is_ok_and(|m| u32::try_from(s[2]).is_ok_and(|d| valid_date(s[0], m, d))));
    date_ok && valid_time(s) && p.zone.as_deref().is_none_or(valid_zone)
}

/// Whether Spark's `stringToTimestampWithoutTimeZone` accepts `text` as `from_json` calls it for
/// `TIMESTAMP_NTZ`: a date is needed and a zone is refused.
pub fn parses_as_timestamp_ntz(text: &str) -> bool {
    let Some(p) = parse_timestamp(text) else {
        return false;
    };
    let s = &p.segments;
    !p.just_time
        && p.zone.is_none()
        && u32::try_from(s[1])
            .is_ok_and(|m| u32::try_from(s[2]).is_ok_and(|d| valid_date(s[0], m, d)))
        && valid_time(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_as_spark_does() {
        // Each answer observed with from_json(... DATE) on Spark 4.
        for (text, ok) in [
            ("2024-01-01", true),
            ("2024", true),
            ("2024-1", true),
            ("2024-01", true),
            ("2024-1-5", true),
            (" 2024-01-01", true),
            ("2024-01-01 junk", true),
            ("2024-01-01Tjunk", true),
            ("2024-01-01T10:00:00", true),
            ("2024-01-01 ", true),
            ("+2024-01-01", true),
            ("-2024-01-01", true),
            ("12024-01-01", true),
            ("2024-13-01", false),
            ("2024-02-30", false),
            ("2024/01/01", false),
            ("99-01-01", false),
            ("2024-01-011", false),
            ("", false),
        ] {
            assert_eq!(parses_as_date(text), ok, "{text:?}");
        }
        assert!(parses_as_date("2024-02-29"));
        assert!(!parses_as_date("2023-02-29"));
    }

    #[test]
    fn timestamps_parse_as_spark_does() {
        for (text, ok, ntz) in [
            ("2024-01-01 10:00:00", true, true),
            ("2024-01-01T10:00", true, true),
            ("2024-01-01 10:00:00.123456", true, true),
            ("2024-01-01T10:00:00.1234567", true, true),
            ("2024-01-01T10:00:00+01:00", true, false),
            ("2024-01-01T10:00:00Z", true, false),
            ("2024-01-01 10:00:00 UTC", true, false),
            ("T10:00:00", true, false),
            ("10:00:00", true, false),
            ("2024", true, true),
            ("2024-01-01", true, true),
            ("2024-1-1 1:2:3", true, true),
            (" 2024-01-01 10:00:00 ", true, true),
            ("2024-01-01T10", true, true),
            ("2024-01-01T25:00:00", false, false),
            ("1700000000", false, false),
            ("x", false, false),
            ("", false, false),
        ] {
            assert_eq!(parses_as_timestamp(text), ok, "{text:?}");
            assert_eq!(parses_as_timestamp_ntz(text), ntz, "ntz {text:?}");
        }
        assert!(parses_as_timestamp("2024-01-01 10:00:00 America/New_York"));
        assert!(!parses_as_timestamp("2024-01-01 10:00:00 Nowhere/Else"));
    }
}
