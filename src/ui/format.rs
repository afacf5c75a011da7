//! Formatting values for display: durations, percentages, times, argument values; counts with
//! thousands separators come from `model::words`, shared with the engine's summaries.

pub use crate::model::words::{count, group_thousands, plural};

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

/// One argument value as a person reads it: text as written (a quoted SQL literal keeps its
/// quotes, no JSON quotes around it), lists as `[a, b]`, numbers and booleans as they are.
pub fn value_text(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}: {}", value_text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// A check's arguments as `key=value` pairs, in the order written.
pub fn arguments_text(arguments: &serde_json::Value) -> String {
    match arguments.as_object() {
        Some(map) => map
            .iter()
            .map(|(k, v)| format!("{k}={}", value_text(v)))
            .collect::<Vec<_>>()
            .join(", "),
        None => value_text(arguments),
    }
}

/// An RFC 3339 time as people read it, the same on the server and in the browser:
/// `2026-12-06T18:03:11.251Z` → `6 Dec 2026, 18:03 UTC`. Text that is not such a time is
/// returned as it is.
pub fn when(text: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parsed = (|| {
        let (date, time) = text.trim().split_once(['T', ' '])?;
        let mut parts = date.splitn(3, '-');
        let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
        let month: usize = month.parse().ok()?;
        let day: u32 = day.parse().ok()?;
        let name = MONTHS.get(month.checked_sub(1)?)?;
        let clock = time.get(..5)?;
        let zone = if time.ends_with('Z') || time.ends_with("+00:00") || time.len() <= 12 {
            "UTC".to_string()
        } else {
            time.get(time.len().checked_sub(6)?..)?.to_string()
        };
        (year.len() == 4 && clock.as_bytes().get(2) == Some(&b':'))
            .then(|| format!("{day} {name} {year}, {clock} {zone}"))
    })();
    parsed.unwrap_or_else(|| text.to_string())
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
    fn times_read_as_day_month_year_and_minutes() {
        assert_eq!(when("2026-12-06T18:03:11.251Z"), "6 Dec 2026, 18:03 UTC");
        assert_eq!(when("2026-01-09T07:05:00+00:00"), "9 Jan 2026, 07:05 UTC");
        assert_eq!(
            when("2026-01-09T07:05:00+01:00"),
            "9 Jan 2026, 07:05 +01:00"
        );
        assert_eq!(when("not a time"), "not a time");
    }

    #[test]
    fn arguments_read_without_json_quotes() {
        let args = serde_json::json!({"column": "currency", "allowed": ["'EUR'", "'USD'"], "trim_strings": true});
        assert_eq!(
            arguments_text(&args),
            "column=currency, allowed=['EUR', 'USD'], trim_strings=true"
        );
    }
}
