//! The text patterns of DQX 0.17's `is_valid_email` and `is_valid_uuid`, written once as regexes
//! both engines read the same way (Rust's `regex` in DataFusion, Java's in Spark): anchored with
//! `\A` / `\z` (in Java `$` would also match before a final newline), no look-around (Rust's
//! regex has none, so DQX's length look-aheads are separate SQL conditions).

use crate::engine::sql::Dialect;

/// A character of an RFC 5322 dot-atom (`atext`).
const ATEXT: &str = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
/// A character of a quoted local part, other than `"` and `\` (`qtext`).
const QTEXT: &str = r"[\x21\x23-\x5B\x5D-\x7E]";
/// A backslash and the character it quotes (`quoted-pair`).
const QPAIR: &str = r"\\[\x09\x20-\x7E]";
/// A hostname label: letters, digits and inner hyphens, at most 63 characters.
const LABEL: &str = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
/// An IPv4 octet without leading zeros.
const OCTET: &str = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

/// DQX's e-mail address pattern, without its two length look-aheads (see `email_condition`).
pub(super) fn email_pattern() -> String {
    format!(
        r#"\A(?:{ATEXT}+(?:\.{ATEXT}+)*|"(?:{QTEXT}|{QPAIR})*")@(?:(?:{LABEL}\.)+[A-Za-z]{{2,63}}|\[(?:{OCTET}(?:\.{OCTET}){{3}}|IPv6:[A-Fa-f0-9:]+)\])\z"#
    )
}

/// TRUE when the string expression `text` is an e-mail address as DQX accepts it: the pattern,
/// at most 254 characters in all, and the first `@` within the first 65 (a local part of at
/// most 64).
pub(super) fn email_condition(dialect: Dialect, text: &str) -> String {
    let at = match dialect {
        Dialect::DataFusion => format!("strpos({text}, '@')"),
        Dialect::Spark => format!("instr({text}, '@')"),
    };
    format!(
        "(char_length({text}) <= 254 AND {at} BETWEEN 2 AND 65 AND {})",
        dialect.regex_like(text, &email_pattern())
    )
}

/// DQX's UUID patterns: the 8-4-4-4-12 hex shape, and (strict) RFC 9562's version 1-8 and
/// variant 8, 9, a or b.
pub(super) fn uuid_pattern(strict: bool) -> &'static str {
    if strict {
        r"\A[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[1-8][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}\z"
    } else {
        r"\A[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\z"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        regex::Regex::new(pattern).is_ok_and(|r| r.is_match(text))
    }

    #[test]
    fn email_pattern_follows_the_rfc_subset() {
        let p = email_pattern();
        for ok in [
            "a@example.com",
            "first.last+tag@sub.example.org",
            "\"john@doe\"@example.com",
            "\"a\\\"b\"@example.com",
            "x@[192.168.0.1]",
            "x@[IPv6:2001:db8::1]",
            "o'brien@example.ie",
        ] {
            assert!(matches(&p, ok), "{ok} should match");
        }
        for bad in [
            "plainaddress",
            "a@b",
            "a@example.c",
            "a@example.123",
            ".a@example.com",
            "a..b@example.com",
            "a@-example.com",
            "a@example.com\n",
            "a@[256.1.1.1]",
            "a b@example.com",
            "\"john doe\"@example.com",
            "",
        ] {
            assert!(!matches(&p, bad), "{bad:?} should not match");
        }
    }

    #[test]
    fn uuid_patterns_shape_and_strict() {
        let nil = "00000000-0000-0000-0000-000000000000";
        let v4 = "123e4567-e89b-42d3-a456-426614174000";
        assert!(matches(uuid_pattern(false), nil));
        assert!(!matches(uuid_pattern(true), nil));
        assert!(matches(uuid_pattern(true), v4));
        assert!(matches(uuid_pattern(true), &v4.to_uppercase()));
        assert!(!matches(
            uuid_pattern(false),
            "123e4567e89b42d3a456426614174000"
        ));
        assert!(!matches(uuid_pattern(false), &format!("{v4}\n")));
        assert!(!matches(
            uuid_pattern(true),
            "123e4567-e89b-92d3-a456-426614174000"
        ));
        assert!(!matches(
            uuid_pattern(true),
            "123e4567-e89b-42d3-c456-426614174000"
        ));
    }
}
