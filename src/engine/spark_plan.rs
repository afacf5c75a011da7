//! The one-pass evaluation as Spark SQL statements for a SQL warehouse, run as the caller: one
//! statement counts violations per rule, the valid/invalid split and warning-only rows in a single
//! scan; a second (only when something failed) keeps up to ten violating rows per rule. The plan
//! also reads the statements' text rows back into the §5 validation document, so the warehouse
//! and the embedded engine give the same answers in the same shape.

use super::compile::{CompileContext, Join, Layer, References, Skip, compile, layered_base};
use super::evaluate::{RowTotals, SAMPLE_ROWS_PER_RULE, assemble_result, sample_cell};
use super::sql::Dialect;
use crate::model::results::ValidationResult;
use crate::model::rules::validate::looks_like_iso_date_or_time;
use crate::model::rules::{Criticality, ResolvedRule};
use crate::model::table_name::quote_identifier;
use serde_json::{Map, Value};
use std::time::Instant;

/// The checked table's columns, as the warehouse describes them.
#[derive(Debug, Clone, Default)]
pub struct TableShape {
    pub columns: Vec<String>,
    /// Unity Catalog type names, in the same order.
    pub types: Vec<String>,
    pub nullable: Vec<bool>,
    /// The reference relations rules compare against (`compare_datasets`), read as the caller.
    pub references: References,
}

struct PlanRule {
    rule: ResolvedRule,
    /// The rule's message column (NULL when the row passes).
    column_sql: String,
    joins: Vec<Join>,
    layers: Vec<Layer>,
    skipped: Option<String>,
}

/// Per-rule counts and row totals read from the counting statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub per_rule: Vec<u64>,
    pub totals: RowTotals,
}

/// The statements of one warehouse validation, and how to read their answers.
pub struct SparkPlan {
    table_sql: String,
    table_name: String,
    base_columns: Vec<String>,
    rules: Vec<PlanRule>,
}

/// The FROM clause joining `joins` to `base` as one flat chain of LEFT JOINs (no nesting per
/// rule, so parsers and planners do not recurse per rule); Spark chooses build sides itself.
fn flat_from(base: &str, joins: &[&Join]) -> String {
    let mut from = base.to_string();
    for join in joins {
        match &join.on {
            Some(on) => from.push_str(&format!(" LEFT JOIN {} ON {on}", join.relation)),
            None => from.push_str(&format!(" CROSS JOIN {}", join.relation)),
        }
    }
    from
}

/// Spark SQL for "now": the warehouse's clock, or a fixed ISO date-time.
pub fn spark_now(now: Option<&str>) -> Result<String, String> {
    match now.map(str::trim) {
        None => Ok("current_timestamp()".into()),
        Some(text) if looks_like_iso_date_or_time(text) => Ok(format!(
            "CAST({} AS TIMESTAMP)",
            Dialect::Spark.literal(&text.replace('T', " "))
        )),
        Some(text) => Err(format!(
            "invalid now value '{text}': expected an ISO date-time such as 2025-01-31T12:00:00"
        )),
    }
}

impl SparkPlan {
    /// Compiles `rules` for `table_sql` (a back-quoted three-part name). Rules that cannot be
    /// resolved against the table are skipped as DQX skips them: every row carries the message.
    pub fn new(
        table_sql: &str,
        table_name: &str,
        shape: &TableShape,
        rules: &[ResolvedRule],
        now_sql: &str,
    ) -> Self {
        let placed = rules
            .iter()
            .enumerate()
            .map(|(id, rule)| {
                let cx = CompileContext {
                    dialect: Dialect::Spark,
                    table_sql,
                    columns: &shape.columns,
                    column_types: &shape.types,
                    nullable: &shape.nullable,
                    now: now_sql.to_string(),
                    id,
                    references: &shape.references,
                };
                match compile(rule, &cx) {
                    Ok(compiled) => {
                        let guarded = match &rule.filter {
                            Some(f) => format!("({f}) AND ({})", compiled.condition),
                            None => format!("({})", compiled.condition),
                        };
                        PlanRule {
                            rule: rule.clone(),
                            column_sql: format!(
                                "CASE WHEN {guarded} THEN {} END",
                                compiled.message
                            ),
                            joins: compiled.joins,
                            layers: compiled.layers,
                            skipped: None,
                        }
                    }
                    Err(Skip(message)) => PlanRule {
                        rule: rule.clone(),
                        column_sql: Dialect::Spark.literal(&message),
                        joins: Vec::new(),
                        layers: Vec::new(),
                        skipped: Some(message),
                    },
                }
            })
            .collect();
        Self {
            table_sql: table_sql.to_string(),
            table_name: table_name.to_string(),
            base_columns: shape.columns.clone(),
            rules: placed,
        }
    }

    /// How many rules the plan holds.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the plan holds no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The criticality of rule `index`, and why it was skipped when it was.
    pub(crate) fn rule_state(&self, index: usize) -> Option<(Criticality, Option<&str>)> {
        self.rules
            .get(index)
            .map(|r| (r.rule.criticality, r.skipped.as_deref()))
    }

    /// The checked table's columns.
    pub(crate) fn columns(&self) -> &[String] {
        &self.base_columns
    }

    /// The rule at `index`, for messages.
    pub fn rule_name(&self, index: usize) -> &str {
        self.rules.get(index).map_or("", |r| r.rule.name.as_str())
    }

    /// Every table the plan's statements read (the target, reference tables, tables named in
    /// queries, expressions and filters), found by parsing the compiled SQL. A rule the plan had
    /// to skip, or SQL whose reads cannot be named, is an error naming the rule: a job must not
    /// run what could read a table nobody checked.
    pub fn referenced_tables(
        &self,
    ) -> Result<std::collections::BTreeSet<crate::model::table_name::TableName>, String> {
        if let Some(rule) = self.rules.iter().find(|r| r.skipped.is_some()) {
            return Err(format!(
                "rule '{}' cannot be compiled here ({}), so the tables it reads cannot be determined",
                rule.rule.name,
                rule.skipped.as_deref().unwrap_or_default()
            ));
        }
        for index in 0..self.rules.len() {
            self.tables_rule_reads(index)?;
        }
        super::references::referenced_tables(&self.counts_sql())
    }

    /// The tables rule `index` reads as compiled (the checked table among them); none for a rule
    /// the plan skips (it runs as a literal message), or why they cannot be named.
    pub fn tables_rule_reads(
        &self,
        index: usize,
    ) -> Result<std::collections::BTreeSet<crate::model::table_name::TableName>, String> {
        let Some(rule) = self.rules.get(index).filter(|r| r.skipped.is_none()) else {
            return Ok(Default::default());
        };
        let joins: Vec<&Join> = rule.joins.iter().collect();
        let sql = format!(
            "SELECT {} FROM {}",
            rule.column_sql,
            flat_from(&self.base(&[rule]), &joins)
        );
        super::references::referenced_tables(&sql).map_err(|why| {
            format!(
                "the tables rule '{}' reads cannot be determined: {why}",
                rule.rule.name
            )
        })
    }

    /// Marks rule `index` as skipped with `message` (the warehouse could not analyse it).
    pub fn skip(&mut self, index: usize, message: String) {
        if let Some(rule) = self.rules.get_mut(index) {
            rule.column_sql = Dialect::Spark.literal(&message);
            rule.joins.clear();
            rule.layers.clear();
            rule.skipped = Some(message);
        }
    }

    /// The checked rows with the layers of `rules` applied.
    fn base(&self, rules: &[&PlanRule]) -> String {
        let layers: Vec<&Layer> = rules.iter().flat_map(|r| r.layers.iter()).collect();
        layered_base(&self.table_sql, "", &self.base_columns, &layers)
    }

    /// A zero-row statement that only analyses rule `index`, to find which rule a failed
    /// statement choked on.
    pub fn probe_sql(&self, index: usize) -> Option<String> {
        let rule = self.rules.get(index).filter(|r| r.skipped.is_none())?;
        let joins: Vec<&Join> = rule.joins.iter().collect();
        Some(format!(
            "SELECT {} AS __dqx_r FROM {} LIMIT 0",
            rule.column_sql,
            flat_from(&self.base(&[rule]), &joins)
        ))
    }

    /// A zero-row statement that only analyses rule `index`'s `message_expr`, to tell a message
    /// the warehouse cannot resolve (DQX's own skip) from any other refusal.
    pub fn message_probe_sql(&self, index: usize) -> Option<String> {
        let rule = self.rules.get(index).filter(|r| r.skipped.is_none())?;
        let expr = rule.rule.message_expr.as_deref()?;
        Some(format!(
            "SELECT ({expr}) AS __dqx_m FROM {} LIMIT 0",
            self.base(&[rule])
        ))
    }

    /// DQX's skip text for rule `index`'s `message_expr`, when it has one.
    pub fn message_skip(&self, index: usize) -> Option<String> {
        let expr = self.rules.get(index)?.rule.message_expr.as_deref()?;
        Some(super::compile::invalid_custom_message(expr))
    }

    /// `WITH __dqx_checked AS (...)`: every row of the table with one message column per rule
    /// (`__dqx_r{i}`, NULL where the row passes).
    pub(crate) fn checked_cte(&self) -> String {
        let selected: String = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| format!(", {} AS __dqx_r{i}", r.column_sql))
            .collect();
        let joins: Vec<&Join> = self.rules.iter().flat_map(|r| r.joins.iter()).collect();
        format!(
            "WITH __dqx_checked AS (SELECT __dqx_base.*{selected} FROM {})",
            flat_from(&self.base(&self.rules.iter().collect::<Vec<_>>()), &joins)
        )
    }

    fn any_of(&self, criticality: Criticality) -> String {
        let parts: Vec<String> = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.rule.criticality == criticality)
            .map(|(i, _)| format!("__dqx_r{i} IS NOT NULL"))
            .collect();
        if parts.is_empty() {
            "FALSE".into()
        } else {
            format!("({})", parts.join(" OR "))
        }
    }

    /// The counting statement: one scan, one row (`__dqx_total`, `__dqx_invalid`,
    /// `__dqx_warned`, `__dqx_any_warned`, then `__dqx_c{i}` per rule).
    pub fn counts_sql(&self) -> String {
        let (errors, warnings) = (
            self.any_of(Criticality::Error),
            self.any_of(Criticality::Warn),
        );
        let per_rule: String = (0..self.rules.len())
            .map(|i| format!(", count(__dqx_r{i}) AS __dqx_c{i}"))
            .collect();
        format!(
            "{} SELECT count(*) AS __dqx_total, \
             coalesce(sum(CASE WHEN {errors} THEN 1 ELSE 0 END), 0) AS __dqx_invalid, \
             coalesce(sum(CASE WHEN {warnings} AND NOT {errors} THEN 1 ELSE 0 END), 0) AS __dqx_warned, \
             coalesce(sum(CASE WHEN {warnings} THEN 1 ELSE 0 END), 0) AS __dqx_any_warned\
             {per_rule} FROM __dqx_checked",
            self.checked_cte()
        )
    }

    /// Reads the counting statement's single row.
    pub fn read_counts(&self, row: &[Option<String>]) -> Result<Counts, String> {
        let number = |i: usize| -> Result<u64, String> {
            let text =
                row.get(i).cloned().flatten().ok_or_else(|| {
                    format!("the counting statement returned no value in column {i}")
                })?;
            text.trim().parse::<u64>().map_err(|_| {
                format!("the counting statement returned '{text}' where a count belongs")
            })
        };
        let expected = 4 + self.rules.len();
        if row.len() != expected {
            return Err(format!(
                "the counting statement returned {} columns, expected {expected}",
                row.len()
            ));
        }
        Ok(Counts {
            totals: RowTotals {
                total_rows: number(0)?,
                invalid_rows: number(1)?,
                warning_rows: number(2)?,
                any_warning_rows: Some(number(3)?),
            },
            per_rule: (0..self.rules.len())
                .map(|i| number(4 + i))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The sampling statement for the rules that have violations: at most ten rows per rule
    /// (`__dqx_rule`, `__dqx_message`, then the table's columns), in one scan. `None` when no
    /// rule has a violation.
    pub fn samples_sql(&self, counts: &Counts) -> Option<String> {
        let failing: Vec<String> = (0..self.rules.len())
            .filter(|i| counts.per_rule.get(*i).copied().unwrap_or(0) > 0)
            .map(|i| format!("named_struct('i', {i}, 'm', __dqx_r{i})"))
            .collect();
        if failing.is_empty() {
            return None;
        }
        let columns: String = self
            .base_columns
            .iter()
            .map(|c| format!(", __dqx_checked.{}", quote_identifier(c)))
            .collect();
        let outer: String = self
            .base_columns
            .iter()
            .map(|c| format!(", {}", quote_identifier(c)))
            .collect();
        Some(format!(
            "{} SELECT __dqx_rule, __dqx_message{outer} FROM (\
             SELECT __dqx_v.i AS __dqx_rule, __dqx_v.m AS __dqx_message{columns}, \
             row_number() OVER (PARTITION BY __dqx_v.i ORDER BY __dqx_v.i) AS __dqx_n \
             FROM __dqx_checked LATERAL VIEW explode(array({})) __dqx_t AS __dqx_v \
             WHERE __dqx_v.m IS NOT NULL) __dqx_s WHERE __dqx_n <= {SAMPLE_ROWS_PER_RULE}",
            self.checked_cte(),
            failing.join(", ")
        ))
    }

    /// Reads the sampling statement's rows into per-rule samples (`_message` added to each).
    pub fn read_samples(&self, rows: &[Vec<Option<String>>]) -> Vec<Vec<Map<String, Value>>> {
        let mut samples = vec![Vec::new(); self.rules.len()];
        for row in rows {
            let Some(index) = row
                .first()
                .cloned()
                .flatten()
                .and_then(|i| i.trim().parse::<usize>().ok())
            else {
                continue;
            };
            let Some(slot) = samples.get_mut(index) else {
                continue;
            };
            if slot.len() >= SAMPLE_ROWS_PER_RULE {
                continue;
            }
            let mut sample = Map::new();
            for (name, value) in self.base_columns.iter().zip(row.iter().skip(2)) {
                sample.insert(
                    name.clone(),
                    value
                        .as_deref()
                        .map_or(Value::Null, |v| Value::String(sample_cell(v))),
                );
            }
            let message = row.get(1).cloned().flatten().unwrap_or_default();
            sample.insert("_message".into(), Value::String(sample_cell(&message)));
            slot.push(sample);
        }
        samples
    }

    /// The §5 document from the statements' answers.
    pub fn result(
        &self,
        counts: &Counts,
        samples: Vec<Vec<Map<String, Value>>>,
        started: Instant,
    ) -> ValidationResult {
        let rules: Vec<(&ResolvedRule, Option<&str>)> = self
            .rules
            .iter()
            .map(|r| (&r.rule, r.skipped.as_deref()))
            .collect();
        assemble_result(
            &rules,
            counts.per_rule.clone(),
            samples,
            counts.totals,
            &self.table_name,
            started,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rules::validate::validate_rule_set;
    use serde_json::json;

    fn plan(rules: Value) -> SparkPlan {
        let v = validate_rule_set(&rules, None);
        assert!(v.is_valid(), "{:?}", v.problems);
        let shape = TableShape {
            columns: vec!["id".into(), "email".into()],
            types: vec!["bigint".into(), "string".into()],
            nullable: vec![true, true],
            references: Default::default(),
        };
        SparkPlan::new(
            "`c`.`s`.`t`",
            "c.s.t",
            &shape,
            &v.rules,
            "current_timestamp()",
        )
    }

    #[test]
    fn huge_sample_values_are_cut() {
        let long = "x".repeat(5_000);
        assert_eq!(
            sample_cell(&long).chars().count(),
            crate::engine::evaluate::SAMPLE_CELL_CHARS + 1
        );
        assert_eq!(sample_cell("short"), "short");
    }

    #[test]
    fn counts_are_one_statement_with_a_column_per_rule() {
        let p = plan(json!([
            {"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "id"}}},
            {"criticality": "warn", "check": {"function": "is_unique", "arguments": {"columns": ["email"]}}}
        ]));
        let sql = p.counts_sql();
        assert_eq!(sql.matches("__dqx_checked AS").count(), 1);
        assert!(sql.contains("count(__dqx_r1) AS __dqx_c1"), "{sql}");
        assert!(sql.contains("LEFT JOIN"), "{sql}");
        let counts = p
            .read_counts(&[
                Some("10".into()),
                Some("2".into()),
                Some("3".into()),
                Some("4".into()),
                Some("2".into()),
                Some("4".into()),
            ])
            .unwrap();
        assert_eq!(counts.per_rule, vec![2, 4]);
        let result = p.result(&counts, Vec::new(), Instant::now());
        assert_eq!((result.valid_rows, result.rows_with_warnings), (8, 3));
        assert_eq!(result.rows_with_any_warning, Some(4));
        assert!(p.read_counts(&[Some("x".into())]).is_err());
    }

    #[test]
    fn samples_only_for_failing_rules_and_read_back_in_place() {
        let p = plan(json!([
            {"check": {"function": "is_not_null", "arguments": {"column": "id"}}},
            {"check": {"function": "is_not_null", "arguments": {"column": "email"}}}
        ]));
        let counts = Counts {
            per_rule: vec![0, 1],
            totals: RowTotals::default(),
        };
        let sql = p.samples_sql(&counts).unwrap();
        assert!(!sql.contains("'i', 0"), "{sql}");
        assert!(sql.contains("'i', 1"), "{sql}");
        let samples = p.read_samples(&[vec![
            Some("1".into()),
            Some("Column 'email' value is null".into()),
            Some("7".into()),
            None,
        ]]);
        assert_eq!(samples[1][0]["id"], json!("7"));
        assert_eq!(samples[1][0]["email"], Value::Null);
        assert!(
            p.samples_sql(&Counts {
                per_rule: vec![0, 0],
                totals: RowTotals::default()
            })
            .is_none()
        );
    }
}
