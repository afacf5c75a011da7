//! The change-impact preview as Spark SQL for a SQL warehouse, run as the caller: the active
//! rules and the new ones are compiled into one plan over the same fixed sample (the first N
//! rows ordered by a hash of each row's JSON, so every read of it within a statement and every
//! run sees the same rows), one statement counts both versions and the rows that start or stop
//! failing, and a second (only when rows change) keeps a few of those rows.

use super::spark_plan::{SparkPlan, TableShape};
use super::sql::Dialect;
use crate::model::review::{ImpactPreview, PREVIEW_SAMPLE_ROWS, RuleImpact};
use crate::model::rules::{Criticality, ResolvedRule};
use crate::model::table_name::quote_identifier;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What one preview compares, and for whom.
pub struct SparkImpactInput<'a> {
    pub table_sql: &'a str,
    pub table_name: &'a str,
    pub shape: &'a TableShape,
    pub before: &'a [ResolvedRule],
    pub after: &'a [ResolvedRule],
    pub changes: &'a BTreeMap<String, String>,
    pub version: i32,
    pub against_version: Option<i32>,
    pub sample_rows: u64,
    pub now_sql: &'a str,
    pub computed_by: &'a str,
}

/// One rule name with its place among the plan's rules under each version.
struct Named {
    name: String,
    before: Option<usize>,
    after: Option<usize>,
}

/// The statements of one warehouse preview.
pub struct SparkImpact {
    pub plan: SparkPlan,
    split: usize,
    names: Vec<Named>,
    table_name: String,
    version: i32,
    against_version: Option<i32>,
    sample_rows: u64,
    changes: BTreeMap<String, String>,
    computed_by: String,
}

/// The deterministic sample of `table_sql`: the first `n` rows by a hash of each row's JSON
/// (ties broken by the JSON itself), as a relation with the table's columns. (A table without
/// columns has no rows worth sampling; Spark refuses an empty `named_struct`.)
pub fn sample_relation(table_sql: &str, columns: &[String], n: u64) -> String {
    let listed: Vec<String> = columns.iter().map(|c| quote_identifier(c)).collect();
    // named_struct with the columns spelled out: queries that embed the sample (`sql_query`)
    // are parsed before they run, and `struct(*)` is not portable SQL.
    let fields: Vec<String> = columns
        .iter()
        .map(|c| format!("{}, {}", Dialect::Spark.literal(c), quote_identifier(c)))
        .collect();
    format!(
        "(SELECT {cols} FROM (SELECT *, to_json(named_struct({fields})) AS __dqx_key FROM {table_sql}) __dqx_keyed \
         ORDER BY xxhash64(__dqx_key), __dqx_key LIMIT {n}) __dqx_sample",
        cols = listed.join(", "),
        fields = fields.join(", ")
    )
}

impl SparkImpact {
    pub fn new(input: &SparkImpactInput<'_>) -> Self {
        let sample = sample_relation(input.table_sql, &input.shape.columns, input.sample_rows);
        let mut rules: Vec<ResolvedRule> = input.before.to_vec();
        rules.extend(input.after.iter().cloned());
        let plan = SparkPlan::new(
            &sample,
            input.table_name,
            input.shape,
            &rules,
            input.now_sql,
        );
        let mut names: Vec<Named> = Vec::new();
        for (i, rule) in input.after.iter().enumerate() {
            if !names.iter().any(|n| n.name == rule.name) {
                names.push(Named {
                    name: rule.name.clone(),
                    before: None,
                    after: Some(input.before.len() + i),
                });
            }
        }
        for (i, rule) in input.before.iter().enumerate() {
            match names.iter_mut().find(|n| n.name == rule.name) {
                Some(named) if named.before.is_none() => named.before = Some(i),
                Some(_) => {}
                None => names.push(Named {
                    name: rule.name.clone(),
                    before: Some(i),
                    after: None,
                }),
            }
        }
        Self {
            plan,
            split: input.before.len(),
            names,
            table_name: input.table_name.to_string(),
            version: input.version,
            against_version: input.against_version,
            sample_rows: input.sample_rows,
            changes: input.changes.clone(),
            computed_by: input.computed_by.to_string(),
        }
    }

    /// "Some error rule of this version flags the row" over the plan's rules `range`.
    fn any_error(&self, range: std::ops::Range<usize>) -> String {
        let parts: Vec<String> = range
            .filter(|i| {
                self.plan
                    .rule_state(*i)
                    .is_some_and(|(c, _)| c == Criticality::Error)
            })
            .map(|i| format!("__dqx_r{i} IS NOT NULL"))
            .collect();
        if parts.is_empty() {
            "FALSE".into()
        } else {
            format!("({})", parts.join(" OR "))
        }
    }

    fn conditions(&self) -> (String, String) {
        (
            self.any_error(0..self.split),
            self.any_error(self.split..self.plan.len()),
        )
    }

    fn flagged(index: Option<usize>) -> String {
        index.map_or("FALSE".into(), |i| format!("__dqx_r{i} IS NOT NULL"))
    }

    /// The counting statement: total, invalid before, invalid after, start failing, stop
    /// failing, then per rule name violations before and after, rows starting and stopping.
    pub fn counts_sql(&self) -> String {
        let (before, after) = self.conditions();
        let sum = |cond: &str| format!("coalesce(sum(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)");
        let mut columns = vec![
            "count(*)".to_string(),
            sum(&before),
            sum(&after),
            sum(&format!("{after} AND NOT {before}")),
            sum(&format!("{before} AND NOT {after}")),
        ];
        for named in &self.names {
            let (b, a) = (Self::flagged(named.before), Self::flagged(named.after));
            columns.push(sum(&b));
            columns.push(sum(&a));
            columns.push(sum(&format!("{a} AND NOT ({b})")));
            columns.push(sum(&format!("{b} AND NOT ({a})")));
        }
        let listed: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} AS __dqx_i{i}"))
            .collect();
        format!(
            "{} SELECT {} FROM __dqx_checked",
            self.plan.checked_cte(),
            listed.join(", ")
        )
    }

    /// The sampling statement: up to five rows that start failing (`-1`), stop failing (`-2`)
    /// and start failing per rule name (its index), with the rule's message.
    pub fn samples_sql(&self) -> String {
        let (before, after) = self.conditions();
        let mut parts = vec![
            format!("named_struct('k', -1, 'm', CASE WHEN {after} AND NOT {before} THEN '' END)"),
            format!("named_struct('k', -2, 'm', CASE WHEN {before} AND NOT {after} THEN '' END)"),
        ];
        for (k, named) in self.names.iter().enumerate() {
            if let Some(a) = named.after {
                parts.push(format!(
                    "named_struct('k', {k}, 'm', CASE WHEN NOT ({}) THEN __dqx_r{a} END)",
                    Self::flagged(named.before)
                ));
            }
        }
        let columns = self.plan.columns();
        let inner: String = columns
            .iter()
            .map(|c| format!(", __dqx_checked.{}", quote_identifier(c)))
            .collect();
        let outer: String = columns
            .iter()
            .map(|c| format!(", {}", quote_identifier(c)))
            .collect();
        format!(
            "{} SELECT __dqx_k, __dqx_m{outer} FROM (\
             SELECT __dqx_v.k AS __dqx_k, __dqx_v.m AS __dqx_m{inner}, \
             row_number() OVER (PARTITION BY __dqx_v.k ORDER BY __dqx_v.k) AS __dqx_n \
             FROM __dqx_checked LATERAL VIEW explode(array({})) __dqx_t AS __dqx_v \
             WHERE __dqx_v.m IS NOT NULL) __dqx_s WHERE __dqx_n <= {PREVIEW_SAMPLE_ROWS}",
            self.plan.checked_cte(),
            parts.join(", ")
        )
    }

    /// Reads both statements' answers into the preview.
    pub fn read(
        &self,
        counts: &[Option<String>],
        samples: &[Vec<Option<String>>],
        duration_ms: u64,
    ) -> Result<ImpactPreview, String> {
        let expected = 5 + 4 * self.names.len();
        if counts.len() != expected {
            return Err(format!(
                "the counting statement returned {} columns, expected {expected}",
                counts.len()
            ));
        }
        let number = |i: usize| -> Result<u64, String> {
            let text = counts.get(i).cloned().flatten().unwrap_or_default();
            text.trim().parse::<u64>().map_err(|_| {
                format!("the counting statement returned '{text}' where a count belongs")
            })
        };
        let total = number(0)?;
        let (invalid_before, invalid_after) = (number(1)?, number(2)?);
        let mut by_key: BTreeMap<i64, Vec<Map<String, Value>>> = BTreeMap::new();
        for row in samples {
            let Some(key) = row
                .first()
                .cloned()
                .flatten()
                .and_then(|k| k.trim().parse::<i64>().ok())
            else {
                continue;
            };
            let mut sample = Map::new();
            for (name, value) in self.plan.columns().iter().zip(row.iter().skip(2)) {
                sample.insert(
                    name.clone(),
                    value.as_deref().map_or(Value::Null, |v| {
                        Value::String(super::evaluate::sample_cell(v))
                    }),
                );
            }
            if key >= 0 {
                let message = row.get(1).cloned().flatten().unwrap_or_default();
                sample.insert(
                    "_message".into(),
                    Value::String(super::evaluate::sample_cell(&message)),
                );
            }
            let slot = by_key.entry(key).or_default();
            if slot.len() < PREVIEW_SAMPLE_ROWS {
                slot.push(sample);
            }
        }
        let mut rules = Vec::with_capacity(self.names.len());
        for (k, named) in self.names.iter().enumerate() {
            let base = 5 + 4 * k;
            let skipped = [named.after, named.before]
                .into_iter()
                .flatten()
                .find_map(|i| {
                    self.plan
                        .rule_state(i)
                        .and_then(|(_, s)| s.map(str::to_string))
                });
            rules.push(RuleImpact {
                rule_name: named.name.clone(),
                change: self
                    .changes
                    .get(&named.name)
                    .cloned()
                    .unwrap_or_else(|| "unchanged".into()),
                violations_before: named.before.map(|_| number(base)).transpose()?,
                violations_after: named.after.map(|_| number(base + 1)).transpose()?,
                rows_start_failing: number(base + 2)?,
                rows_stop_failing: number(base + 3)?,
                samples: by_key.remove(&(k as i64)).unwrap_or_default(),
                skipped,
            });
        }
        let rate = |invalid: u64| {
            if total == 0 {
                100.0
            } else {
                ((total - invalid.min(total)) as f64 * 10_000.0 / total as f64).round() / 100.0
            }
        };
        Ok(ImpactPreview {
            table_name: self.table_name.clone(),
            version: self.version,
            against_version: self.against_version,
            sample_rows: self.sample_rows,
            rows_checked: total,
            sample: format!(
                "up to {} rows of {} chosen by a hash of each row (the same rows every time), read as {}",
                crate::model::words::count(self.sample_rows),
                self.table_name,
                self.computed_by
            ),
            invalid_before,
            invalid_after,
            pass_rate_before: rate(invalid_before),
            pass_rate_after: rate(invalid_after),
            rows_start_failing: number(3)?,
            rows_stop_failing: number(4)?,
            start_failing_samples: by_key.remove(&-1).unwrap_or_default(),
            stop_failing_samples: by_key.remove(&-2).unwrap_or_default(),
            rules,
            computed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            computed_by: self.computed_by.clone(),
            duration_ms,
            reads: None,
        })
    }

    /// Whether anything changed, so the sampling statement is worth running.
    pub fn worth_sampling(counts: &[Option<String>]) -> bool {
        let n = |i: usize| {
            counts
                .get(i)
                .cloned()
                .flatten()
                .and_then(|t| t.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        n(3) > 0 || n(4) > 0 || (5..counts.len()).step_by(4).any(|b| n(b + 2) > 0)
    }
}
