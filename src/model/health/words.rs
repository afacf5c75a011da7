//! Health in words: durations ("3 h 10 min", "1 day 2 h") and shares ("45%").

/// A duration in seconds as people say it, to the minute (under an hour), the minute (under a
/// day) or the hour.
pub fn duration(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    let (days, hours, mins) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, h) if mins == 0 => format!("{h} h"),
        (0, h) => format!("{h} h {mins} min"),
        (d, 0) => format!("{d} {}", if d == 1 { "day" } else { "days" }),
        (d, h) => format!("{d} {} {h} h", if d == 1 { "day" } else { "days" }),
    }
}

/// A share (0 to 1) as a whole percentage, or one decimal under 10%.
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 10.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// A number without needless decimals ("1,000", "12.5").
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        let whole = value as i64;
        let text = crate::model::words::count(whole.unsigned_abs());
        if whole < 0 { format!("-{text}") } else { text }
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(11_400), "3 h 10 min");
        assert_eq!(duration(3_600), "1 h");
        assert_eq!(duration(59 * 60), "59 min");
        assert_eq!(duration(26 * 3_600), "1 day 2 h");
        assert_eq!(duration(48 * 3_600), "2 days");
    }

    #[test]
    fn shares_and_numbers() {
        assert_eq!(percent(0.45), "45%");
        assert_eq!(percent(0.021), "2.1%");
        assert_eq!(number(-500.0), "-500");
        assert_eq!(number(1000.0), "1,000");
    }
}
