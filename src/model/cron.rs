//! Standard 5-field cron (`minute hour day-of-month month day-of-week`) as Vixie cron reads it:
//! lists, ranges, steps, month and weekday names, `7` for Sunday, the `@hourly`/`@daily`/`@weekly`
//! presets, and "either day field matches" when both day fields are restricted. Parsing only; when
//! a schedule next fires in a time zone is the server's (`server::schedule::next`).

use std::fmt;

/// A parsed cron expression, each field as the set of values it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    /// The expression as written (presets expanded).
    pub text: String,
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    /// Whether the day-of-month / day-of-week field was `*` (or `*/n`).
    days_star: bool,
    weekdays_star: bool,
    /// Whether the minute / hour field was `*` (or `*/n`): such a schedule runs on the clock as
    /// it is, while a fixed-time one runs once per local time (see [`Cron::fixed_time`]).
    minutes_star: bool,
    hours_star: bool,
}

/// The presets the UI offers, with the cron they stand for.
pub const PRESETS: [(&str, &str); 3] = [
    ("hourly", "0 * * * *"),
    ("daily", "0 6 * * *"),
    ("weekly", "0 6 * * 1"),
];

/// Longest cron text accepted.
pub const MAX_CRON_CHARS: usize = 200;

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// The first name stands for this value.
    names_from: u32,
}

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        names_from: 0,
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        names_from: 0,
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
        names_from: 0,
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &MONTH_NAMES,
        names_from: 1,
    },
    // 7 is Sunday too; folded onto 0 after parsing.
    Field {
        name: "day of week",
        min: 0,
        max: 7,
        names: &DAY_NAMES,
        names_from: 0,
    },
];

impl Cron {
    /// Parses a 5-field expression or a preset (`@hourly`, `@daily`, `@weekly`, also the UI's
    /// bare `hourly`/`daily`/`weekly`); the error names the field and what it accepts.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.chars().count() > MAX_CRON_CHARS {
            return Err(format!(
                "the cron expression is longer than {MAX_CRON_CHARS} characters; write five fields such as \"0 6 * * *\""
            ));
        }
        let expanded = match text.trim_start_matches('@').to_ascii_lowercase().as_str() {
            "hourly" => "0 * * * *".to_string(),
            "daily" | "midnight" => "0 0 * * *".to_string(),
            "weekly" => "0 0 * * 0".to_string(),
            _ if text.starts_with('@') => {
                return Err(format!(
                    "unknown preset {text}; use @hourly, @daily, @weekly or five fields such as \"0 6 * * *\""
                ));
            }
            _ => text.split_whitespace().collect::<Vec<_>>().join(" "),
        };
        let parts: Vec<&str> = expanded.split(' ').collect();
        if parts.len() != 5 {
            return Err(format!(
                "a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one has {}; for example \"0 6 * * *\" is 06:00 every day",
                parts.len()
            ));
        }
        let mut sets = [0u64; 5];
        for (i, (part, field)) in parts.iter().zip(FIELDS.iter()).enumerate() {
            sets[i] = parse_field(part, field)?;
        }
        let mut weekdays = sets[4];
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays | 1) & !(1 << 7);
        }
        let star: Vec<bool> = parts.iter().map(|p| p.starts_with('*')).collect();
        Ok(Self {
            text: expanded.clone(),
            minutes: sets[0],
            hours: sets[1] as u32,
            days: sets[2] as u32,
            months: sets[3] as u16,
            weekdays: weekdays as u8,
            days_star: star[2],
            weekdays_star: star[4],
            minutes_star: star[0],
            hours_star: star[1],
        })
    }

    pub fn minute(&self, minute: u32) -> bool {
        minute < 64 && self.minutes & (1 << minute) != 0
    }

    pub fn hour(&self, hour: u32) -> bool {
        hour < 32 && self.hours & (1 << hour) != 0
    }

    /// Whether a date matches: its month, and its day of month or day of week as cron reads them
    /// (both restricted: either matches; one restricted: that one). `weekday` is 0 for Sunday.
    pub fn date(&self, month: u32, day: u32, weekday: u32) -> bool {
        if month >= 16 || self.months & (1 << month) == 0 {
            return false;
        }
        let by_day = day < 32 && self.days & (1 << day) != 0;
        let by_weekday = weekday < 8 && self.weekdays & (1 << weekday) != 0;
        match (self.days_star, self.weekdays_star) {
            (false, false) => by_day || by_weekday,
            (true, false) => by_weekday,
            (false, true) => by_day,
            (true, true) => by_day && by_weekday,
        }
    }

    /// The minutes it allows, in order.
    pub fn minutes(&self) -> impl Iterator<Item = u32> + '_ {
        (0..60).filter(|m| self.minute(*m))
    }

    /// The hours it allows, in order.
    pub fn hours(&self) -> impl Iterator<Item = u32> + '_ {
        (0..24).filter(|h| self.hour(*h))
    }

    /// Neither the minute nor the hour field is a wildcard: cron runs such a schedule once per
    /// local time, so in a repeated hour (clocks going back) it runs once, and a time the clocks
    /// skip runs when they have skipped it.
    pub fn fixed_time(&self) -> bool {
        !self.minutes_star && !self.hours_star
    }

    /// The same schedule as a Quartz expression (what Databricks job schedules take), or why it
    /// has none: Quartz cannot say "this day of month or this weekday".
    pub fn to_quartz(&self) -> Result<String, String> {
        let list = |set: u64, range: std::ops::RangeInclusive<u32>| {
            range
                .filter(|v| set & (1 << v) != 0)
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let minutes = if self.minutes == (1u64 << 60) - 1 {
            "*".into()
        } else {
            list(self.minutes, 0..=59)
        };
        let hours = if self.hours == (1u32 << 24) - 1 {
            "*".into()
        } else {
            list(self.hours as u64, 0..=23)
        };
        let months = if self.months == 0b1_1111_1111_1110 {
            "*".into()
        } else {
            list(self.months as u64, 1..=12)
        };
        let weekdays = || {
            (0..7u32)
                .filter(|d| self.weekdays & (1 << d) != 0)
                .map(|d| DAY_NAMES[d as usize])
                .collect::<Vec<_>>()
                .join(",")
        };
        let (days, weekday_text) = match (self.days_star, self.weekdays_star) {
            (true, true) => ("*".to_string(), "?".to_string()),
            (false, true) => (list(self.days as u64, 1..=31), "?".to_string()),
            (true, false) => ("?".to_string(), weekdays()),
            (false, false) => {
                return Err(format!(
                    "\"{}\" restricts both the day of month and the day of week, which cron reads as either one; Databricks job schedules (Quartz) cannot say that: restrict only one of the two",
                    self.text
                ));
            }
        };
        Ok(format!(
            "0 {minutes} {hours} {days} {months} {weekday_text}"
        ))
    }
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One field's allowed values as a bit set.
fn parse_field(text: &str, field: &Field) -> Result<u64, String> {
    let mut set = 0u64;
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                    format!(
                        "the {} field's step \"{step}\" is not a whole number above 0",
                        field.name
                    )
                })?;
                (range, step)
            }
            None => (item, 1),
        };
        let (low, high) = if range == "*" {
            (field.min, if field.max == 7 { 6 } else { field.max })
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, field)?, value(b, field)?)
        } else {
            let v = value(range, field)?;
            // "5/15" means from 5 to the end, every 15.
            (v, if step > 1 { field.max } else { v })
        };
        if low > high {
            return Err(format!(
                "the {} field's range {range} runs backwards; write the smaller value first",
                field.name
            ));
        }
        let mut v = low;
        while v <= high {
            set |= 1 << v;
            v += step;
        }
    }
    Ok(set)
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    if let Some(i) = field.names.iter().position(|n| *n == upper) {
        return Ok(i as u32 + field.names_from);
    }
    let names = if field.names.is_empty() {
        String::new()
    } else {
        format!(
            " or a name ({}-{})",
            field.names[0],
            field.names[field.names.len() - 1]
        )
    };
    match text.parse::<u32>() {
        Ok(v) if (field.min..=field.max).contains(&v) => Ok(v),
        _ => Err(format!(
            "the {} field takes {}-{}{names}, not \"{text}\"",
            field.name, field.min, field.max
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_minute_allows_every_minute_hour_and_day() {
        let cron = Cron::parse("* * * * *").unwrap();
        assert!((0..60).all(|m| cron.minute(m)));
        assert!((0..24).all(|h| cron.hour(h)));
        assert!(cron.date(2, 29, 3));
        assert!(!cron.fixed_time());
    }

    #[test]
    fn lists_ranges_steps_and_names_read_as_cron_reads_them() {
        let cron = Cron::parse("5/15 9-17/4 * jan,Jul mon-fri").unwrap();
        assert_eq!(cron.minutes().collect::<Vec<_>>(), vec![5, 20, 35, 50]);
        assert_eq!(cron.hours().collect::<Vec<_>>(), vec![9, 13, 17]);
        assert!(cron.date(1, 10, 1) && cron.date(7, 10, 5));
        assert!(!cron.date(1, 10, 0) && !cron.date(2, 10, 1));
        assert!(cron.fixed_time());
    }

    #[test]
    fn sunday_is_0_or_7_and_both_day_fields_mean_either() {
        let sunday = Cron::parse("0 0 * * 7").unwrap();
        assert!(sunday.date(3, 8, 0));
        let either = Cron::parse("0 0 13 * 5").unwrap();
        assert!(either.date(6, 13, 2), "the 13th, a Tuesday");
        assert!(either.date(6, 14, 5), "a Friday, the 14th");
        assert!(!either.date(6, 15, 6));
    }

    #[test]
    fn presets_expand() {
        assert_eq!(Cron::parse("@hourly").unwrap().text, "0 * * * *");
        assert_eq!(Cron::parse("daily").unwrap().text, "0 0 * * *");
        assert_eq!(Cron::parse(" @WEEKLY ").unwrap().text, "0 0 * * 0");
    }

    #[test]
    fn bad_expressions_say_which_field_and_what_it_takes() {
        let cases = [
            ("* * * *", "5 fields"),
            ("60 * * * *", "minute field takes 0-59"),
            ("* 24 * * *", "hour field takes 0-23"),
            ("* * 0 * *", "day of month field takes 1-31"),
            ("* * * 13 *", "month field takes 1-12"),
            ("* * * * 8", "day of week field takes 0-7"),
            ("*/0 * * * *", "not a whole number above 0"),
            ("10-5 * * * *", "runs backwards"),
            ("@yearly", "unknown preset"),
            ("* * * FOO *", "or a name (JAN-DEC)"),
        ];
        for (text, expected) in cases {
            let error = Cron::parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
        assert!(
            Cron::parse(&"1,".repeat(150))
                .unwrap_err()
                .contains("longer than")
        );
    }

    #[test]
    fn quartz_says_the_same_schedule() {
        let q = |t: &str| Cron::parse(t).unwrap().to_quartz();
        assert_eq!(q("* * * * *").unwrap(), "0 * * * * ?");
        assert_eq!(q("30 6 * * *").unwrap(), "0 30 6 * * ?");
        assert_eq!(q("0 6 * * 1-5").unwrap(), "0 0 6 ? * MON,TUE,WED,THU,FRI");
        assert_eq!(q("0 6 * * 7").unwrap(), "0 0 6 ? * SUN");
        assert_eq!(q("*/20 0 1,15 * *").unwrap(), "0 0,20,40 0 1,15 * ?");
        assert!(q("0 0 13 * 5").unwrap_err().contains("restrict only one"));
    }
}
