//! Volume: the rows each change added (negative when a load replaced the table with fewer),
//! against the table's own band of changes — the same weekday's when there is enough history —
//! so a load that brings half the rows stands out on a growing table and on a replaced one.

use super::band::{Band, median, seasonal};
use super::words::number;
use super::{MIN_HISTORY, Observation, Signal, SignalKind, SignalState};

/// (when, rows added) for each observation where the table changed since the one before.
fn changes(history: &[Observation]) -> Vec<(i64, f64)> {
    history
        .windows(2)
        .filter(|w| w[1].row_count != w[0].row_count || w[1].last_change != w[0].last_change)
        .map(|w| {
            let at = w[1].last_change.unwrap_or(w[1].observed_at);
            (at, w[1].row_count as f64 - w[0].row_count as f64)
        })
        .collect()
}

/// How far a change may stray before it counts: a quarter of a growing table's usual change
/// (one whose changes are clearly away from zero), else 1% of a steady (replaced) table's rows;
/// at least one row.
fn floor(values: &[f64], usual: f64, rows: f64) -> f64 {
    let mean_deviation =
        values.iter().map(|v| (v - usual).abs()).sum::<f64>() / values.len().max(1) as f64;
    let growing = usual.abs() >= 0.001 * rows && usual.abs() > 2.0 * mean_deviation;
    if growing {
        (0.25 * usual.abs()).max(1.0)
    } else {
        (0.01 * rows).max(1.0)
    }
}

/// The band the newest change is judged against.
struct Judged {
    band: Band,
    by_weekday: bool,
}

/// The band of the changes before the newest one (`all`, from `changes(history)`): the same
/// weekday's when there are enough; `None` while there are too few.
fn judged(history: &[Observation], all: &[(i64, f64)]) -> Option<Judged> {
    let (&(at, _), earlier) = all.split_last()?;
    let (values, by_weekday) = seasonal(earlier, at);
    let usual = median(&values).unwrap_or(0.0);
    let counts: Vec<f64> = history.iter().map(|o| o.row_count as f64).collect();
    let typical_rows = median(&counts).unwrap_or(0.0);
    let band = Band::of(&values, floor(&values, usual, typical_rows))?;
    Some(Judged { band, by_weekday })
}

/// Where the newest observation's row count was expected (the count before plus the usual
/// change), and its state, when it changed and there is enough history to say.
pub fn expected_rows(history: &[Observation]) -> Option<((f64, f64), SignalState)> {
    let [.., before, after] = history else {
        return None;
    };
    if after.row_count == before.row_count && after.last_change == before.last_change {
        return None;
    }
    let all = changes(history);
    let &(_, added) = all.last()?;
    let Judged { band, .. } = judged(history, &all)?;
    let (low, high) = band.range();
    let base = before.row_count as f64;
    Some(((base + low, base + high), band.judge(added)))
}

/// The volume signal of the newest observation.
pub fn signal(history: &[Observation]) -> Signal {
    let verdict = |state, reason| Signal {
        kind: SignalKind::Volume,
        column: None,
        state,
        reason,
    };
    let Some(newest) = history.last() else {
        return verdict(SignalState::NotEnoughHistory, "not observed yet".into());
    };
    let rows = number(newest.row_count as f64);
    let all = changes(history);
    let changed_now = match history {
        [.., before, after] => {
            after.row_count != before.row_count || after.last_change != before.last_change
        }
        _ => false,
    };
    if !changed_now {
        return verdict(
            if all.len() < MIN_HISTORY {
                SignalState::NotEnoughHistory
            } else {
                SignalState::Ok
            },
            format!("{rows} rows; no change since the observation before"),
        );
    }
    let Some(&(_, added)) = all.last() else {
        return verdict(SignalState::NotEnoughHistory, format!("{rows} rows"));
    };
    let Some(Judged {
        band, by_weekday, ..
    }) = judged(history, &all)
    else {
        return verdict(
            SignalState::NotEnoughHistory,
            format!(
                "{rows} rows, {} by the last change; {} of {MIN_HISTORY} changes seen so far",
                signed(added),
                all.len() - 1
            ),
        );
    };
    let (low, high) = band.range();
    let day = if by_weekday { " on this weekday" } else { "" };
    verdict(
        band.judge(added),
        format!(
            "{rows} rows, {} by the last change; changes{day} usually bring {} to {} rows",
            signed(added),
            signed(low.round()),
            signed(high.round())
        ),
    )
}

fn signed(value: f64) -> String {
    if value > 0.0 {
        format!("+{}", number(value))
    } else {
        number(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(at: i64, rows: u64) -> Observation {
        Observation {
            observed_at: at + 60,
            last_change: Some(at),
            changes: Vec::new(),
            row_count: rows,
            columns: Vec::new(),
            sampled_rows: 0,
            stats: Vec::new(),
        }
    }

    const DAY: i64 = 86_400;

    #[test]
    fn a_half_sized_load_of_a_replaced_table_is_an_anomaly() {
        let mut history: Vec<Observation> = (0..10)
            .map(|d| observed(d * DAY, 1000 + (d as u64 % 3)))
            .collect();
        assert_eq!(
            signal(&history).state,
            SignalState::Ok,
            "{:?}",
            signal(&history)
        );
        history.push(observed(10 * DAY, 500));
        let s = signal(&history);
        assert_eq!(s.state, SignalState::Anomaly, "{s:?}");
        assert!(s.reason.starts_with("500 rows, -50"), "{}", s.reason);
    }

    #[test]
    fn a_half_sized_append_is_an_anomaly_and_a_usual_one_is_not() {
        let mut rows: u64 = 10_000;
        let mut history = Vec::new();
        for d in 0..15i64 {
            rows += 100 + (d as u64 % 3) * 5;
            history.push(observed(d * DAY, rows));
        }
        assert_eq!(
            signal(&history).state,
            SignalState::Ok,
            "{:?}",
            signal(&history)
        );
        history.push(observed(15 * DAY, rows + 50));
        assert_eq!(
            signal(&history).state,
            SignalState::Anomaly,
            "{:?}",
            signal(&history)
        );
    }

    #[test]
    fn weekends_are_judged_against_weekends() {
        // 1970-01-05 is a Monday: weekdays add 1,000 rows, weekends 100, for five weeks.
        let monday = 4 * DAY;
        let mut rows: u64 = 0;
        let mut history = Vec::new();
        for d in 0..35 {
            rows += if d % 7 >= 5 { 100 } else { 1000 };
            history.push(observed(monday + d * DAY, rows));
        }
        let mut saturday = history.clone();
        saturday.push(observed(monday + 40 * DAY, rows + 100));
        let s = signal(&saturday);
        assert_eq!(s.state, SignalState::Ok, "{s:?}");
        assert!(s.reason.contains("on this weekday"), "{}", s.reason);
        let mut monday_low = history;
        monday_low.push(observed(monday + 35 * DAY, rows + 100));
        assert_eq!(signal(&monday_low).state, SignalState::Anomaly);
    }

    #[test]
    fn no_change_is_not_judged_as_a_load() {
        let mut history: Vec<Observation> = (0..8).map(|d| observed(d * DAY, 1000)).collect();
        let mut same = observed(7 * DAY, 1000);
        same.observed_at += 3_600;
        history.push(same);
        let s = signal(&history);
        assert_eq!(s.state, SignalState::Ok);
        assert!(s.reason.contains("no change"), "{}", s.reason);
    }
}
