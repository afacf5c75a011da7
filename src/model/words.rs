//! Counts as people read them, in the text the engine, the server and the pages write:
//! thousands separators (`1,000`) and nouns that agree with their number (`1 rule`, `2 rules`).

/// Inserts thousands separators into a plain decimal number (`-1234567.5` → `-1,234,567.5`).
/// Anything that is not a plain decimal number is returned unchanged.
pub fn group_thousands(value: &str) -> String {
    let (sign, rest) = match value.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", value),
    };
    let (int_part, frac_part) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let plain = !int_part.is_empty()
        && int_part.bytes().all(|b| b.is_ascii_digit())
        && frac_part.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()));
    if !plain || int_part.len() <= 3 {
        return value.to_string();
    }
    let mut grouped = String::with_capacity(value.len() + int_part.len() / 3);
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match frac_part {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A count with thousands separators.
pub fn count(n: u64) -> String {
    group_thousands(&n.to_string())
}

/// A count with its noun: "1 rule", "1,200 rules".
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", count(n as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_integer_digits() {
        assert_eq!(group_thousands("1000"), "1,000");
        assert_eq!(group_thousands("-1234567.25"), "-1,234,567.25");
        assert_eq!(group_thousands("999"), "999");
        assert_eq!(group_thousands("100000"), "100,000");
    }

    #[test]
    fn leaves_other_text_alone() {
        assert_eq!(group_thousands("1e10"), "1e10");
        assert_eq!(group_thousands("NaN"), "NaN");
        assert_eq!(group_thousands("12.3.4"), "12.3.4");
        assert_eq!(group_thousands(""), "");
    }

    #[test]
    fn nouns_agree_with_their_count() {
        assert_eq!(plural(1, "rule"), "1 rule");
        assert_eq!(plural(1200, "rule"), "1,200 rules");
        assert_eq!(plural(0, "part"), "0 parts");
    }
}
