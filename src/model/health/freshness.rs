//! Freshness: how long since the table last changed, against its own rhythm (the median time
//! between its changes, widened by how irregular they are). A table changing hourly is late
//! after about two hours; one changing daily, a day late.

use super::band::median;
use super::words::duration;
use super::{MIN_HISTORY, Observation, Signal, SignalKind, SignalState, WINDOW};

/// Every change time the observations show, oldest first, once each.
fn change_times(history: &[Observation]) -> Vec<i64> {
    let mut times: Vec<i64> = history
        .iter()
        .flat_map(|o| o.changes.iter().copied().chain(o.last_change))
        .collect();
    times.sort_unstable();
    times.dedup();
    times
}

/// The freshness signal at `now`.
pub fn signal(history: &[Observation], now: i64) -> Signal {
    let times = change_times(history);
    let verdict = |state, reason| Signal {
        kind: SignalKind::Freshness,
        column: None,
        state,
        reason,
    };
    let Some(&last) = times.last() else {
        return verdict(
            SignalState::NotEnoughHistory,
            "no change time is known for this table yet".into(),
        );
    };
    let since = now - last;
    let recent = &times[times.len().saturating_sub(WINDOW + 1)..];
    let gaps: Vec<f64> = recent.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    if gaps.len() + 1 < MIN_HISTORY {
        return verdict(
            SignalState::NotEnoughHistory,
            format!(
                "{} since the last change; {} of {MIN_HISTORY} changes seen so far, its rhythm is learned from then on",
                duration(since),
                gaps.len() + 1
            ),
        );
    }
    let Some(rhythm) = median(&gaps) else {
        return verdict(SignalState::NotEnoughHistory, "no rhythm yet".into());
    };
    let deviations: Vec<f64> = gaps.iter().map(|g| (g - rhythm).abs()).collect();
    let spread = median(&deviations).unwrap_or(0.0) * 1.4826;
    let late = (2.0 * rhythm).max(rhythm + 3.0 * spread);
    let warn = (1.5 * rhythm).max(rhythm + 2.0 * spread);
    let state = if since as f64 > late {
        SignalState::Anomaly
    } else if since as f64 > warn {
        SignalState::Warning
    } else {
        SignalState::Ok
    };
    verdict(
        state,
        format!(
            "{} since the last change; it changes about every {}",
            duration(since),
            duration(rhythm.round() as i64)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed_every(step: i64, count: i64) -> Vec<Observation> {
        (1..=count)
            .map(|i| Observation {
                observed_at: i * step + 60,
                last_change: Some(i * step),
                changes: Vec::new(),
                row_count: 100,
                columns: Vec::new(),
                sampled_rows: 0,
                stats: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn an_hourly_table_is_late_after_a_few_hours_and_not_before() {
        let history = changed_every(3_600, 24);
        let last = 24 * 3_600;
        let late = signal(&history, last + 3 * 3_600 + 600);
        assert_eq!(late.state, SignalState::Anomaly, "{late:?}");
        assert_eq!(
            late.reason,
            "3 h 10 min since the last change; it changes about every 1 h"
        );
        assert_eq!(signal(&history, last + 40 * 60).state, SignalState::Ok);
        assert_eq!(
            signal(&history, last + 100 * 60).state,
            SignalState::Warning
        );
    }

    #[test]
    fn a_daily_table_is_late_a_day_late() {
        let history = changed_every(86_400, 14);
        let last = 14 * 86_400;
        assert_eq!(signal(&history, last + 30 * 3_600).state, SignalState::Ok);
        assert_eq!(
            signal(&history, last + 50 * 3_600).state,
            SignalState::Anomaly
        );
    }

    #[test]
    fn a_young_table_is_learning() {
        let history = changed_every(3_600, 3);
        let s = signal(&history, 4 * 3_600);
        assert_eq!(s.state, SignalState::NotEnoughHistory);
        assert!(s.reason.contains("3 of 5 changes"), "{}", s.reason);
    }
}
