//! The text patterns of DQX 0.17's `is_valid_email`, `is_valid_uuid`, `is_valid_url`,
//! `is_valid_national_id` and `has_num_decimal_places`, written once as regexes
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

/// A national identification number format DQX 0.17 knows, by ISO 3166 alpha-2 country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NationalId {
    /// US Social Security Number `AAA-GG-SSSS`: hyphens, single spaces or nothing between the
    /// groups (the same throughout); not area 000, 666 or 9xx, group 00 or serial 0000.
    SsnUs,
    /// UK National Insurance number: two letters, six digits, A to D; unallocated prefixes refused.
    NinoGb,
    /// Indian Permanent Account Number: five letters (the fourth a holder type), four digits, a letter.
    PanIn,
}

impl NationalId {
    /// The format for `country` (any case), or `None` when DQX has none.
    pub(super) fn for_country(country: &str) -> Option<NationalId> {
        match country.to_ascii_uppercase().as_str() {
            "US" => Some(NationalId::SsnUs),
            "GB" => Some(NationalId::NinoGb),
            "IN" => Some(NationalId::PanIn),
            _ => None,
        }
    }

    /// The pattern's name in DQX's messages and rule names.
    pub(super) fn name(self) -> &'static str {
        match self {
            NationalId::SsnUs => "SSN_US",
            NationalId::NinoGb => "NINO_GB",
            NationalId::PanIn => "PAN_IN",
        }
    }

    /// The pattern. DQX's look-aheads and back-reference are spelled out: the SSN's number
    /// ranges as alternatives, its consistent separator as three forms, the NINO's refused
    /// prefixes as a separate condition (`national_id_condition`).
    fn pattern(self) -> String {
        match self {
            NationalId::SsnUs => {
                let area = "(?:00[1-9]|0[1-9][0-9]|[1-578][0-9]{2}|6[0-57-9][0-9]|66[0-57-9])";
                let group = "(?:0[1-9]|[1-9][0-9])";
                let serial = "(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})";
                let forms: Vec<String> = ["-", " ", ""]
                    .iter()
                    .map(|sep| format!("{area}{sep}{group}{sep}{serial}"))
                    .collect();
                format!(r"\A(?:{})\z", forms.join("|"))
            }
            NationalId::NinoGb => {
                r"\A[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[ABCD]\z"
                    .to_string()
            }
            NationalId::PanIn => r"\A[A-Z]{3}[ABCFGHJLPT][A-Z][0-9]{4}[A-Z]\z".to_string(),
        }
    }
}

/// Prefixes HMRC does not allocate for National Insurance numbers.
const NINO_REFUSED_PREFIXES: [&str; 7] = ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"];

/// TRUE when the string expression `text` is a national identification number of format `id`.
pub(super) fn national_id_condition(dialect: Dialect, text: &str, id: NationalId) -> String {
    let matches = dialect.regex_like(text, &id.pattern());
    if id == NationalId::NinoGb {
        let refused: Vec<String> = NINO_REFUSED_PREFIXES
            .iter()
            .map(|p| format!("'{p}'"))
            .collect();
        format!(
            "({matches} AND substr({text}, 1, 2) NOT IN ({}))",
            refused.join(", ")
        )
    } else {
        matches
    }
}

/// Characters allowed unencoded almost everywhere in a URI: RFC 3986's unreserved characters and
/// sub-delimiters.
const URL_PLAIN: &str = r"[A-Za-z0-9._~!$&'()*+,;=-]";
/// A percent-encoded octet.
const URL_PCT: &str = "%[0-9A-Fa-f]{2}";

/// DQX's URL pattern: an RFC 3986 absolute URI (a scheme, then an authority and path or a path
/// alone, then an optional query and fragment), anchored.
pub(super) fn url_pattern() -> String {
    let scheme = "[A-Za-z][A-Za-z0-9+.-]*";
    let pchar = format!("(?:{URL_PLAIN}|{URL_PCT}|[:@])");
    let userinfo = format!("(?:{URL_PLAIN}|{URL_PCT}|:)*");
    let host = format!(r"(?:\[[A-Fa-f0-9:.]+\]|(?:{URL_PLAIN}|{URL_PCT})*)");
    let authority = format!("(?:{userinfo}@)?{host}(?::[0-9]*)?");
    let path_abempty = format!("(?:/{pchar}*)*");
    let path_no_authority = format!("(?:/(?:{pchar}+{path_abempty})?|{pchar}+{path_abempty})?");
    let tail = format!("(?:{pchar}|[/?])*");
    format!(
        r"\A{scheme}:(?://{authority}{path_abempty}|{path_no_authority})(?:\?{tail})?(?:#{tail})?\z"
    )
}

/// A plain or exponent number, its groups the integer digits, the fraction digits and the
/// exponent. DQX's look-ahead (a digit before or just after the point) is the condition
/// `decimal_digits_present`.
pub(super) const DECIMAL_NUMBER: &str = r"\A[+-]?([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?\z";

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
