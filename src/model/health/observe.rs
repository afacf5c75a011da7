//! An observation made from what the app already reads: the table's columns as the catalog
//! describes them and a profile of a bounded sample (its null, distinct and mean figures), with
//! the row count of the whole table and when it changed.

use super::{ColumnShape, ColumnStats, Observation};
use crate::model::catalog::ColumnInfo;
use crate::model::profile::TableProfile;

/// When and how a table was observed, beside its profile.
#[derive(Debug, Clone, Default)]
pub struct Stamps {
    pub observed_at: i64,
    pub last_change: Option<i64>,
    pub changes: Vec<i64>,
}

/// The observation `profile` and `columns` make.
pub fn from_profile(profile: &TableProfile, columns: &[ColumnInfo], stamps: Stamps) -> Observation {
    let stats = profile
        .columns
        .iter()
        .filter(|c| c.count > 0)
        .map(|c| {
            let non_null = c.count.saturating_sub(c.null_count);
            ColumnStats {
                name: c.name.clone(),
                null_rate: c.null_count as f64 / c.count as f64,
                distinct_ratio: (non_null > 0)
                    .then(|| (c.distinct_count as f64 / non_null as f64).min(1.0)),
                mean: c.mean.filter(|m| m.is_finite()),
            }
        })
        .collect();
    Observation {
        observed_at: stamps.observed_at,
        last_change: stamps.last_change,
        changes: stamps.changes,
        row_count: profile.total_row_count,
        columns: columns
            .iter()
            .map(|c| ColumnShape {
                name: c.name.clone(),
                data_type: c.data_type.clone(),
                nullable: c.nullable,
            })
            .collect(),
        sampled_rows: profile.row_count,
        stats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::profile::ColumnProfile;

    #[test]
    fn a_profile_gives_rates_over_its_sample_and_the_whole_tables_count() {
        let profile = TableProfile {
            table_name: "main.sales.customers".into(),
            row_count: 200,
            total_row_count: 1000,
            sample_limit: Some(200),
            columns: vec![ColumnProfile {
                name: "email".into(),
                data_type: "string".into(),
                count: 200,
                null_count: 50,
                distinct_count: 150,
                ..ColumnProfile::default()
            }],
        };
        let columns = [ColumnInfo {
            name: "email".into(),
            data_type: "string".into(),
            nullable: true,
        }];
        let o = from_profile(
            &profile,
            &columns,
            Stamps {
                observed_at: 7,
                ..Stamps::default()
            },
        );
        assert_eq!(o.row_count, 1000);
        assert_eq!(o.sampled_rows, 200);
        assert_eq!(o.stats[0].null_rate, 0.25);
        assert_eq!(o.stats[0].distinct_ratio, Some(1.0));
        assert!(o.columns[0].nullable);
    }
}
