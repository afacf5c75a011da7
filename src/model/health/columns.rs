//! Column drift: each column's null rate, distinct ratio and (numeric) mean over the
//! observations' bounded samples, against the column's own band. A null rate that jumps from
//! 1% to 45% overnight is an anomaly even though no rule names the column.

use super::band::Band;
use super::words::{number, percent};
use super::{ColumnStats, MIN_HISTORY, Observation, Signal, SignalKind, SignalState};

/// One statistic: its name in words, how to read it, the least change that counts, and how to
/// show a value.
struct Statistic {
    name: &'static str,
    read: fn(&ColumnStats) -> Option<f64>,
    floor: fn(f64) -> f64,
    show: fn(f64) -> String,
}

const STATISTICS: [Statistic; 3] = [
    Statistic {
        name: "null rate",
        read: |s| Some(s.null_rate),
        floor: |_| 0.05,
        show: percent,
    },
    Statistic {
        name: "distinct ratio",
        read: |s| s.distinct_ratio,
        floor: |_| 0.1,
        show: percent,
    },
    Statistic {
        name: "mean",
        read: |s| s.mean,
        floor: |centre| (0.1 * centre.abs()).max(1e-9),
        show: number,
    },
];

/// One signal per column of the newest observation.
pub fn signals(history: &[Observation]) -> Vec<Signal> {
    let Some(newest) = history.last() else {
        return Vec::new();
    };
    newest
        .stats
        .iter()
        .map(|now| column_signal(history, now))
        .collect()
}

/// Where the newest observation's null rate of `column` was expected, and its state, when
/// there is enough history to say.
pub fn expected_null_rate(
    history: &[Observation],
    column: &str,
) -> Option<((f64, f64), SignalState)> {
    let (newest, earlier) = history.split_last()?;
    let now = newest
        .stats
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(column))?;
    let null_rate = &STATISTICS[0];
    let past: Vec<f64> = earlier
        .iter()
        .filter_map(|o| o.stats.iter().find(|s| s.name.eq_ignore_ascii_case(column)))
        .filter_map(null_rate.read)
        .collect();
    let centre = super::band::median(&past)?;
    let band = Band::of(&past, (null_rate.floor)(centre))?;
    let (low, high) = band.range();
    Some(((low.max(0.0), high.min(1.0)), band.judge(now.null_rate)))
}

fn column_signal(history: &[Observation], now: &ColumnStats) -> Signal {
    let earlier = &history[..history.len().saturating_sub(1)];
    let mut worst = (SignalState::Ok, Vec::new());
    let mut seen = 0;
    for statistic in &STATISTICS {
        let Some(value) = (statistic.read)(now) else {
            continue;
        };
        let past: Vec<f64> = earlier
            .iter()
            .filter_map(|o| {
                o.stats
                    .iter()
                    .find(|s| s.name.eq_ignore_ascii_case(&now.name))
            })
            .filter_map(statistic.read)
            .collect();
        seen = seen.max(past.len());
        let centre = super::band::median(&past).unwrap_or(value);
        let Some(band) = Band::of(&past, (statistic.floor)(centre)) else {
            continue;
        };
        let state = band.judge(value);
        if state > SignalState::Ok {
            let (low, high) = band.range();
            worst.1.push(format!(
                "{} {} (usually {} to {})",
                statistic.name,
                (statistic.show)(value),
                (statistic.show)(low.max(0.0)),
                (statistic.show)(high)
            ));
            worst.0 = worst.0.max(state);
        }
    }
    let (state, reason) = if seen < MIN_HISTORY {
        (
            SignalState::NotEnoughHistory,
            format!(
                "null rate {}; {seen} of {MIN_HISTORY} observations so far",
                percent(now.null_rate)
            ),
        )
    } else if worst.1.is_empty() {
        (
            SignalState::Ok,
            format!(
                "null rate {}, within its usual range",
                percent(now.null_rate)
            ),
        )
    } else {
        (worst.0, worst.1.join("; "))
    };
    Signal {
        kind: SignalKind::Column,
        column: Some(now.name.clone()),
        state,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(at: i64, null_rate: f64, mean: f64) -> Observation {
        Observation {
            observed_at: at,
            last_change: Some(at),
            changes: Vec::new(),
            row_count: 1000,
            columns: Vec::new(),
            sampled_rows: 1000,
            stats: vec![ColumnStats {
                name: "email".into(),
                null_rate,
                distinct_ratio: Some(0.98),
                mean: Some(mean),
            }],
        }
    }

    #[test]
    fn a_null_rate_jump_is_an_anomaly_and_its_reason_says_so() {
        let mut history: Vec<Observation> = (0..8)
            .map(|d| observed(d, 0.01 + (d % 2) as f64 * 0.005, 50.0))
            .collect();
        assert_eq!(signals(&history)[0].state, SignalState::Ok);
        history.push(observed(9, 0.45, 50.0));
        let s = &signals(&history)[0];
        assert_eq!(s.state, SignalState::Anomaly, "{s:?}");
        assert_eq!(s.column.as_deref(), Some("email"));
        assert!(
            s.reason.starts_with("null rate 45% (usually"),
            "{}",
            s.reason
        );
    }

    #[test]
    fn a_shifted_mean_is_drift_and_a_new_column_is_learning() {
        let mut history: Vec<Observation> = (0..8).map(|d| observed(d, 0.0, 50.0)).collect();
        history.push(observed(9, 0.0, 80.0));
        assert_eq!(signals(&history)[0].state, SignalState::Anomaly);
        let young: Vec<Observation> = (0..3).map(|d| observed(d, 0.0, 50.0)).collect();
        assert_eq!(signals(&young)[0].state, SignalState::NotEnoughHistory);
    }
}
