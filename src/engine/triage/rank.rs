//! From counts to segments: a segment is strong when it holds a good share of the failing rows
//! (at least a fifth, and at least a few rows) and several times the share of the passing rows
//! it holds; strong segments are ranked by coverage weighted by the log of their lift. Failures
//! cluster in time when a few days of one column hold most of them and few passing rows. Where
//! failures spread like the passing rows nothing is reported — no segment is invented.

use super::{Candidate, Look};
use crate::engine::text_query::TextRows;
use crate::model::triage::{InTime, RuleTriage, Segment};

/// A segment needs at least this many failing rows.
const MIN_ROWS: u64 = 5;
/// … this share of the failing rows …
const MIN_FAILING_SHARE: f64 = 0.2;
/// … and this lift over the passing rows.
const MIN_LIFT: f64 = 3.0;
/// Segments reported per rule at most.
const MAX_SEGMENTS: usize = 5;
/// Failures cluster in time when at most this many days hold …
const MAX_DAYS: usize = 3;
/// … at least this share of them …
const CLUSTER_SHARE: f64 = 0.8;
/// … and at most this share of the passing rows.
const CLUSTER_PASSING: f64 = 0.2;

/// One count of the grouped statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The candidate's position; `-1` for the totals.
    pub set: i64,
    pub key: Option<String>,
    pub failing: bool,
    pub rows: u64,
}

/// The grouped statement's rows as groups (rows that do not read are left out).
pub fn groups(rows: &TextRows) -> Vec<Group> {
    let at = |name: &str| rows.columns.iter().position(|c| c == name);
    let (Some(set), Some(key), Some(f), Some(n)) = (at("__set"), at("__key"), at("__f"), at("__n"))
    else {
        return Vec::new();
    };
    let int = |cell: &Option<String>| cell.as_deref().and_then(|t| t.trim().parse::<i64>().ok());
    rows.rows
        .iter()
        .filter_map(|r| {
            Some(Group {
                set: int(r.get(set)?)?,
                key: r.get(key)?.clone(),
                failing: int(r.get(f)?)? == 1,
                rows: int(r.get(n)?)?.max(0) as u64,
            })
        })
        .collect()
}

/// Counts per key of one candidate: (key, failing, passing).
fn per_key(groups: &[Group], set: i64) -> Vec<(Option<String>, u64, u64)> {
    let mut out: Vec<(Option<String>, u64, u64)> = Vec::new();
    for g in groups.iter().filter(|g| g.set == set) {
        let at = match out.iter().position(|(k, _, _)| *k == g.key) {
            Some(at) => at,
            None => {
                out.push((g.key.clone(), 0, 0));
                out.len() - 1
            }
        };
        if g.failing {
            out[at].1 += g.rows;
        } else {
            out[at].2 += g.rows;
        }
    }
    out
}

/// Ranks one rule's counts into its triage.
pub fn rank(rule_name: &str, candidates: &[Candidate], groups: &[Group]) -> RuleTriage {
    let totals = per_key(groups, -1);
    let failing: u64 = totals.iter().map(|t| t.1).sum();
    let passing: u64 = totals.iter().map(|t| t.2).sum();
    let mut triage = RuleTriage {
        rule_name: rule_name.to_string(),
        failing,
        passing,
        segments: Vec::new(),
        in_time: None,
        note: None,
    };
    if failing == 0 {
        triage.note = Some("no row fails this rule".into());
        return triage;
    }
    if passing == 0 {
        triage.note = Some("every row fails this rule, so no segment stands out".into());
        return triage;
    }
    let (f_total, p_total) = (failing as f64, passing as f64);
    let mut segments = Vec::new();
    for (i, candidate) in candidates.iter().enumerate() {
        let keys = per_key(groups, i as i64);
        for (key, f, p) in &keys {
            let failing_share = *f as f64 / f_total;
            let passing_share = *p as f64 / p_total;
            let lift = failing_share / passing_share.max(1.0 / p_total);
            let (value, bucket, is_null) = match (candidate.look, key) {
                (Look::Nulls, Some(k)) if k == "null" => (None, None, true),
                (Look::Nulls, _) => continue,
                (_, None) => (None, None, true),
                (Look::Day, Some(day)) => (None, Some(day.clone()), false),
                (Look::Values, Some(v)) => (Some(v.clone()), None, false),
            };
            let strong = *f >= MIN_ROWS && failing_share >= MIN_FAILING_SHARE && lift >= MIN_LIFT;
            if strong {
                segments.push(Segment {
                    column: candidate.column.clone(),
                    value,
                    bucket,
                    is_null,
                    failing_share,
                    passing_share,
                    lift,
                    rows: *f,
                });
            }
        }
        if candidate.look == Look::Day
            && let Some(cluster) = cluster(&candidate.column, &keys, f_total, p_total)
        {
            let better = triage.in_time.as_ref().is_none_or(|t| {
                cluster.buckets.len() < t.buckets.len()
                    || (cluster.buckets.len() == t.buckets.len()
                        && cluster.failing_share > t.failing_share)
            });
            if better {
                triage.in_time = Some(cluster);
            }
        }
    }
    let score = |s: &Segment| s.failing_share * s.lift.ln();
    segments.sort_by(|a, b| score(b).total_cmp(&score(a)));
    segments.truncate(MAX_SEGMENTS);
    triage.segments = segments;
    triage
}

/// The fewest days of one column that hold most failures, when they are few and quiet
/// otherwise.
fn cluster(
    column: &str,
    keys: &[(Option<String>, u64, u64)],
    f_total: f64,
    p_total: f64,
) -> Option<InTime> {
    let mut days: Vec<&(Option<String>, u64, u64)> =
        keys.iter().filter(|(k, _, _)| k.is_some()).collect();
    days.sort_by_key(|d| std::cmp::Reverse(d.1));
    let (mut f, mut p) = (0u64, 0u64);
    let mut picked = Vec::new();
    for (key, kf, kp) in days.into_iter().take(MAX_DAYS) {
        if *kf < MIN_ROWS {
            break;
        }
        f += kf;
        p += kp;
        picked.push(key.clone().unwrap_or_default());
        if f as f64 / f_total >= CLUSTER_SHARE {
            break;
        }
    }
    let (failing_share, passing_share) = (f as f64 / f_total, p as f64 / p_total);
    if failing_share < CLUSTER_SHARE || passing_share > CLUSTER_PASSING {
        return None;
    }
    picked.sort();
    Some(InTime {
        column: column.to_string(),
        buckets: picked,
        failing_share,
        passing_share,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(set: i64, key: Option<&str>, failing: bool, rows: u64) -> Group {
        Group {
            set,
            key: key.map(str::to_string),
            failing,
            rows,
        }
    }

    fn candidates() -> Vec<Candidate> {
        vec![
            Candidate {
                column: "order_ts".into(),
                look: Look::Day,
            },
            Candidate {
                column: "status".into(),
                look: Look::Values,
            },
            Candidate {
                column: "amount".into(),
                look: Look::Nulls,
            },
        ]
    }

    #[test]
    fn failures_on_two_days_are_a_cluster_and_two_segments() {
        let mut groups = vec![g(-1, None, true, 100), g(-1, None, false, 9900)];
        groups.extend([
            g(0, Some("2024-03-14"), true, 52),
            g(0, Some("2024-03-15"), true, 48),
            g(0, Some("2024-03-14"), false, 14),
            g(0, Some("2024-03-15"), false, 13),
            g(0, Some("2024-01-02"), false, 9873),
            g(1, Some("paid"), true, 50),
            g(1, Some("new"), true, 50),
            g(1, Some("paid"), false, 4950),
            g(1, Some("new"), false, 4950),
            g(2, Some("set"), true, 100),
            g(2, Some("set"), false, 9900),
        ]);
        let t = rank("currency_is_null", &candidates(), &groups);
        assert_eq!((t.failing, t.passing), (100, 9900));
        let labels: Vec<String> = t.segments.iter().map(Segment::label).collect();
        assert_eq!(labels, ["order_ts on 2024-03-14", "order_ts on 2024-03-15"]);
        let cluster = t.in_time.expect("a cluster in time");
        assert_eq!(cluster.buckets, ["2024-03-14", "2024-03-15"]);
        assert!(cluster.failing_share >= 0.99 && cluster.passing_share < 0.01);
    }

    #[test]
    fn failures_spread_like_the_passing_rows_give_no_segment() {
        let mut groups = vec![g(-1, None, true, 100), g(-1, None, false, 9900)];
        for day in 0..50 {
            let key = format!("2024-01-{:02}", day % 28 + 1);
            groups.push(g(0, Some(&key), true, 2));
            groups.push(g(0, Some(&key), false, 198));
        }
        groups.extend([
            g(1, Some("paid"), true, 50),
            g(1, Some("new"), true, 50),
            g(1, Some("paid"), false, 4950),
            g(1, Some("new"), false, 4950),
            g(2, Some("null"), true, 1),
            g(2, Some("null"), false, 99),
            g(2, Some("set"), true, 99),
            g(2, Some("set"), false, 9801),
        ]);
        let t = rank("x", &candidates(), &groups);
        assert!(t.segments.is_empty(), "{:?}", t.segments);
        assert!(t.in_time.is_none());
    }

    #[test]
    fn a_null_column_that_holds_the_failures_is_named() {
        let groups = vec![
            g(-1, None, true, 25),
            g(-1, None, false, 975),
            g(2, Some("null"), true, 23),
            g(2, Some("null"), false, 4),
            g(2, Some("set"), true, 2),
            g(2, Some("set"), false, 971),
        ];
        let t = rank("amount_not_negative", &candidates(), &groups);
        assert_eq!(t.segments.len(), 1);
        assert_eq!(t.segments[0].label(), "amount is NULL");
        assert!((t.segments[0].failing_share - 0.92).abs() < 1e-9);
    }
}
