//! Formatting values for display: thousands separators for numbers, durations, percentages.

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

/// `850 ms`, `12.3 s`, `4 min 05 s`.
pub fn duration(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1_000.0)
    } else {
        let secs = ms / 1_000;
        format!("{} min {:02} s", secs / 60, secs % 60)
    }
}

/// A 0–100 percentage with up to two decimals, without trailing zeros (`99.5%`, `100%`).
pub fn percent(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_percentages_read_naturally() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(12_340), "12.3 s");
        assert_eq!(duration(245_000), "4 min 05 s");
        assert_eq!(percent(99.5), "99.5%");
        assert_eq!(percent(100.0), "100%");
        assert_eq!(percent(97.123), "97.12%");
    }

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
}
