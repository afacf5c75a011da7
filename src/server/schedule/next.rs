//! When a cron schedule fires in an IANA time zone, as cron does across daylight-saving changes:
//! a wildcard schedule (minute or hour `*`) follows the wall clock, so it runs twice in a repeated
//! hour and not at all in a skipped one; a fixed-time schedule runs once per local time, at its
//! first occurrence when the hour repeats and as soon as the clocks have jumped when it is skipped.

use crate::model::cron::Cron;
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Days searched ahead for a next firing: enough for any date cron can name (29 February falls
/// in every eight-year span).
const SEARCH_DAYS: i64 = 366 * 8 + 2;

/// The time zone an IANA name names, or why not in words.
pub fn zone(name: &str) -> Result<Tz, String> {
    let name = name.trim();
    if name.chars().count() > crate::model::schedule::MAX_ZONE_CHARS {
        return Err(format!(
            "the time zone name is longer than {} characters; use an IANA name such as Europe/Berlin",
            crate::model::schedule::MAX_ZONE_CHARS
        ));
    }
    name.parse::<Tz>().map_err(|_| {
        format!("\"{name}\" is not an IANA time zone; use a name such as UTC, Europe/Berlin or America/New_York")
    })
}

/// The first firing strictly after `after`, or `None` when the expression never fires (such as
/// 30 February).
pub fn next_after(cron: &Cron, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    // Start a day early: a local date's firings can map to instants before its midnight.
    let first = after.with_timezone(&tz).date_naive() - Duration::days(1);
    let mut best: Option<DateTime<Utc>> = None;
    for offset in 0..SEARCH_DAYS {
        let date = first + Duration::days(offset);
        if let Some(found) = best {
            // Firings of a later local date are never more than a day earlier than its midnight.
            if found.with_timezone(&tz).date_naive() < date - Duration::days(1) {
                return best;
            }
        }
        if !cron.date(
            date.month(),
            date.day(),
            date.weekday().num_days_from_sunday(),
        ) {
            continue;
        }
        for at in firings_on(cron, tz, date) {
            if at > after && best.is_none_or(|b| at < b) {
                best = Some(at);
            }
        }
    }
    best
}

/// The latest firing in `(since, upto]`, if any: what a scheduler that was away runs once on
/// return, however many firings it missed.
pub fn latest_due(
    cron: &Cron,
    tz: Tz,
    since: DateTime<Utc>,
    upto: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    // Look back from `upto`, a day first, then wider, rather than stepping forward through
    // every missed firing of a frequent schedule.
    let mut window = Duration::days(1);
    loop {
        let from = (upto - window).max(since);
        let first = from.with_timezone(&tz).date_naive() - Duration::days(1);
        let last = upto.with_timezone(&tz).date_naive() + Duration::days(1);
        let mut latest = None;
        let mut date = first;
        while date <= last {
            if cron.date(
                date.month(),
                date.day(),
                date.weekday().num_days_from_sunday(),
            ) {
                for at in firings_on(cron, tz, date) {
                    if at > from && at <= upto && latest.is_none_or(|l| at > l) {
                        latest = Some(at);
                    }
                }
            }
            date += Duration::days(1);
        }
        if latest.is_some() || from == since {
            return latest;
        }
        window = window * 8;
    }
}

/// Every instant a cron fires on one local date, in the zone's rules.
fn firings_on(cron: &Cron, tz: Tz, date: NaiveDate) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    for hour in cron.hours() {
        for minute in cron.minutes() {
            let Some(local) = date.and_hms_opt(hour, minute, 0) else {
                continue;
            };
            match tz.from_local_datetime(&local) {
                LocalResult::Single(at) => out.push(at.with_timezone(&Utc)),
                LocalResult::Ambiguous(first, second) => {
                    out.push(first.with_timezone(&Utc));
                    if !cron.fixed_time() {
                        out.push(second.with_timezone(&Utc));
                    }
                }
                LocalResult::None => {
                    if cron.fixed_time()
                        && let Some(at) = end_of_gap(tz, local)
                    {
                        out.push(at);
                    }
                }
            }
        }
    }
    out
}

/// The first instant after a skipped local time: the moment the clocks jumped.
fn end_of_gap(tz: Tz, skipped: NaiveDateTime) -> Option<DateTime<Utc>> {
    let mut local = skipped;
    // Gaps are at most a few hours.
    for _ in 0..(6 * 60) {
        local += Duration::minutes(1);
        match tz.from_local_datetime(&local) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => {
                // The jump happened on the hour or half hour before `local` was reached; the
                // earliest valid minute is the moment itself.
                return Some(at.with_timezone(&Utc));
            }
            LocalResult::None => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn fires(cron: &str, zone_name: &str, from: &str, count: usize) -> Vec<String> {
        let cron = Cron::parse(cron).unwrap();
        let tz = zone(zone_name).unwrap();
        let mut at = utc(from);
        let mut out = Vec::new();
        for _ in 0..count {
            at = next_after(&cron, tz, at).unwrap();
            out.push(at.to_rfc3339());
        }
        out
    }

    #[test]
    fn every_minute_fires_the_next_minute() {
        assert_eq!(
            fires("* * * * *", "UTC", "2026-12-07T10:00:30Z", 2),
            ["2026-12-07T10:01:00+00:00", "2026-12-07T10:02:00+00:00"]
        );
    }

    #[test]
    fn a_daily_time_is_local_time_across_the_spring_change() {
        // Berlin: 29 March 2026, 02:00 CET jumps to 03:00 CEST.
        assert_eq!(
            fires("0 6 * * *", "Europe/Berlin", "2026-03-28T00:00:00Z", 2),
            ["2026-03-28T05:00:00+00:00", "2026-03-29T04:00:00+00:00"]
        );
    }

    #[test]
    fn a_skipped_fixed_time_runs_when_the_clocks_have_jumped_and_a_repeated_one_once() {
        // 02:30 does not exist on 29 March: it runs at 03:00 CEST (01:00 UTC).
        assert_eq!(
            fires("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2),
            ["2026-03-29T01:00:00+00:00", "2026-03-30T00:30:00+00:00"]
        );
        // 02:30 happens twice on 25 October (CEST, then CET): it runs at the first only.
        assert_eq!(
            fires("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2),
            ["2026-10-25T00:30:00+00:00", "2026-10-26T01:30:00+00:00"]
        );
    }

    #[test]
    fn a_wildcard_schedule_follows_the_wall_clock_through_a_repeated_hour() {
        // Every 30 minutes from 00:00 UTC on 25 October: 02:00 and 02:30 happen twice.
        assert_eq!(
            fires("*/30 * * * *", "Europe/Berlin", "2026-10-24T23:59:00Z", 5),
            [
                "2026-10-25T00:00:00+00:00",
                "2026-10-25T00:30:00+00:00",
                "2026-10-25T01:00:00+00:00",
                "2026-10-25T01:30:00+00:00",
                "2026-10-25T02:00:00+00:00",
            ]
        );
        // And skips the hour that does not happen in spring: 01:30 CET, then 03:00 CEST.
        assert_eq!(
            fires("*/30 * * * *", "Europe/Berlin", "2026-03-29T00:00:00Z", 2),
            ["2026-03-29T00:30:00+00:00", "2026-03-29T01:00:00+00:00"]
        );
    }

    #[test]
    fn impossible_dates_never_fire_and_rare_ones_are_found() {
        let cron = Cron::parse("0 0 30 2 *").unwrap();
        assert_eq!(
            next_after(&cron, Tz::UTC, utc("2026-01-01T00:00:00Z")),
            None
        );
        assert_eq!(
            fires("0 0 29 2 *", "UTC", "2026-03-01T00:00:00Z", 1),
            ["2028-02-29T00:00:00+00:00"]
        );
    }

    #[test]
    fn after_downtime_only_the_latest_missed_firing_is_due() {
        let cron = Cron::parse("0 * * * *").unwrap();
        let due = latest_due(
            &cron,
            Tz::UTC,
            utc("2026-12-07T10:00:00Z"),
            utc("2026-12-07T13:30:00Z"),
        );
        assert_eq!(due, Some(utc("2026-12-07T13:00:00Z")));
        let weekly = Cron::parse("0 6 * * 1").unwrap();
        let due = latest_due(
            &weekly,
            Tz::UTC,
            utc("2026-10-01T00:00:00Z"),
            utc("2026-12-07T13:30:00Z"),
        );
        assert_eq!(due, Some(utc("2026-12-07T06:00:00Z")));
        assert_eq!(
            latest_due(
                &cron,
                Tz::UTC,
                utc("2026-12-07T13:00:00Z"),
                utc("2026-12-07T13:30:00Z")
            ),
            None
        );
    }

    #[test]
    fn zones_are_iana_names() {
        assert!(zone("Europe/Berlin").is_ok());
        assert!(
            zone("Mars/Olympus")
                .unwrap_err()
                .contains("not an IANA time zone")
        );
    }
}
