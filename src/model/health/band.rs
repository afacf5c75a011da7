//! A robust band: the median and the median absolute deviation of a sliding window of values,
//! scaled to a standard deviation (×1.4826), with a floor so a perfectly steady history does not
//! call every change an anomaly; with enough history, the same weekday's values only.

use super::{MIN_HISTORY, SignalState, WINDOW};

/// MAD to a normal standard deviation.
const MAD_SCALE: f64 = 1.4826;
/// Deviations (in scaled MADs) beyond which a value is a warning, and an anomaly.
const WARN_AT: f64 = 2.0;
const ANOMALY_AT: f64 = 3.0;

/// The median of `values` (none for none).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    })
}

/// Where values are expected: the centre and how far from it a value may be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub centre: f64,
    /// A warning beyond this distance from the centre.
    pub warn: f64,
    /// An anomaly beyond this distance.
    pub anomaly: f64,
}

impl Band {
    /// The band of `values` (the newest `WINDOW`), never narrower than `floor`; `None` with
    /// fewer than `MIN_HISTORY` values.
    pub fn of(values: &[f64], floor: f64) -> Option<Self> {
        let recent = &values[values.len().saturating_sub(WINDOW)..];
        if recent.len() < MIN_HISTORY {
            return None;
        }
        let centre = median(recent)?;
        let deviations: Vec<f64> = recent.iter().map(|v| (v - centre).abs()).collect();
        let spread = median(&deviations)? * MAD_SCALE;
        let floor = floor.max(0.0);
        Some(Self {
            centre,
            warn: (WARN_AT * spread).max(floor * WARN_AT / ANOMALY_AT),
            anomaly: (ANOMALY_AT * spread).max(floor),
        })
    }

    /// The state of `value` against the band.
    pub fn judge(&self, value: f64) -> SignalState {
        let off = (value - self.centre).abs();
        if off > self.anomaly {
            SignalState::Anomaly
        } else if off > self.warn {
            SignalState::Warning
        } else {
            SignalState::Ok
        }
    }

    /// The range of values judged OK.
    pub fn range(&self) -> (f64, f64) {
        (self.centre - self.warn, self.centre + self.warn)
    }
}

/// The weekday (0 = Monday) of a UTC time in seconds since the epoch.
pub fn weekday(at: i64) -> i64 {
    // 1970-01-01 was a Thursday (3 counting from Monday).
    (at.div_euclid(86_400) + 3).rem_euclid(7)
}

/// Points a seasonal band looks back over: ten weeks of daily changes.
const SEASONAL_WINDOW: usize = 70;

/// The values of `points` (time, value; oldest first) a value at `at` is judged against: the
/// newest values on the same weekday when there are enough of them, else the newest window.
pub fn seasonal(points: &[(i64, f64)], at: i64) -> (Vec<f64>, bool) {
    let day = weekday(at);
    let same: Vec<f64> = points[points.len().saturating_sub(SEASONAL_WINDOW)..]
        .iter()
        .filter(|(t, _)| weekday(*t) == day)
        .map(|(_, v)| *v)
        .collect();
    if same.len() >= MIN_HISTORY {
        (same, true)
    } else {
        let recent = &points[points.len().saturating_sub(WINDOW)..];
        (recent.iter().map(|(_, v)| *v).collect(), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_and_band_ignore_one_outlier() {
        let values = [10.0, 11.0, 9.0, 10.0, 200.0, 10.0, 11.0];
        let band = Band::of(&values, 0.0).unwrap();
        assert_eq!(band.centre, 10.0);
        assert_eq!(band.judge(10.5), SignalState::Ok);
        assert_eq!(band.judge(200.0), SignalState::Anomaly);
    }

    #[test]
    fn a_steady_history_is_judged_against_its_floor() {
        let band = Band::of(&[1000.0; 6], 10.0).unwrap();
        assert_eq!(band.judge(1005.0), SignalState::Ok);
        assert_eq!(band.judge(1008.0), SignalState::Warning);
        assert_eq!(band.judge(500.0), SignalState::Anomaly);
        assert!(
            Band::of(&[1.0; 4], 0.0).is_none(),
            "four values are not enough"
        );
    }

    #[test]
    fn weekdays_are_counted_from_monday() {
        assert_eq!(weekday(0), 3, "1970-01-01, a Thursday");
        assert_eq!(weekday(4 * 86_400), 0, "1970-01-05, a Monday");
        assert_eq!(weekday(-1), 2, "1969-12-31, a Wednesday");
    }
}
