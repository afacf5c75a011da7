//! Which tables a compiled statement reads, found with a real SQL parser: every relation in a
//! FROM clause (subqueries in expressions, filters and limits included), minus the statement's own
//! common table expressions. Anything whose reads cannot be named for certain — a table function,
//! a relation named with fewer than three parts, a construct the parser does not resolve to a
//! plain table — is an error, so a job that runs as the service principal is never started on a
//! guess.

use crate::model::table_name::TableName;
use datafusion::sql::sqlparser::ast::{ObjectName, Query, TableFactor, Visit, Visitor};
use datafusion::sql::sqlparser::dialect::{DatabricksDialect, Dialect};
use datafusion::sql::sqlparser::parser::Parser;
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// Nesting the parser accepts before it refuses a statement (a bound on its recursion).
pub const PARSER_RECURSION_LIMIT: usize = 64;

/// Databricks SQL as the warehouse reads it: the parser's Databricks dialect, plus backslash
/// escapes in string literals (Spark processes them; the compiled SQL relies on it).
#[derive(Debug)]
pub struct SparkSqlDialect;

impl Dialect for SparkSqlDialect {
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        DatabricksDialect {}.is_delimited_identifier_start(ch)
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        DatabricksDialect {}.is_identifier_start(ch)
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        DatabricksDialect {}.is_identifier_part(ch)
    }
    fn supports_string_literal_backslash_escape(&self) -> bool {
        true
    }
    fn supports_filter_during_aggregation(&self) -> bool {
        true
    }
    fn supports_group_by_expr(&self) -> bool {
        true
    }
    fn supports_lambda_functions(&self) -> bool {
        true
    }
    fn supports_select_wildcard_except(&self) -> bool {
        true
    }
    fn require_interval_qualifier(&self) -> bool {
        true
    }
    fn supports_struct_literal(&self) -> bool {
        true
    }
}

#[derive(Default)]
struct Collector {
    ctes: BTreeSet<String>,
    relations: Vec<ObjectName>,
}

impl Visitor for Collector {
    type Break = String;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<String> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.to_lowercase());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<String> {
        match factor {
            TableFactor::Table {
                name, args: None, ..
            } => {
                self.relations.push(name.clone());
                ControlFlow::Continue(())
            }
            TableFactor::Table { name, .. } => {
                ControlFlow::Break(format!("it calls the table function {name}"))
            }
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => {
                ControlFlow::Continue(())
            }
            other => ControlFlow::Break(format!(
                "it reads from '{}', which is not a plain table",
                first_words(&other.to_string())
            )),
        }
    }
}

fn first_words(text: &str) -> String {
    text.chars().take(60).collect()
}

/// The fully qualified tables `sql` (one query) reads, each as `catalog.schema.table`.
pub fn referenced_tables(sql: &str) -> Result<BTreeSet<TableName>, String> {
    let statements = Parser::new(&SparkSqlDialect)
        .with_recursion_limit(PARSER_RECURSION_LIMIT)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| format!("it could not be parsed ({e})"))?;
    let mut collector = Collector::default();
    for statement in &statements {
        if let ControlFlow::Break(why) = statement.visit(&mut collector) {
            return Err(why);
        }
    }
    let mut tables = BTreeSet::new();
    for name in &collector.relations {
        let parts: Vec<String> = name
            .0
            .iter()
            .map(|p| p.as_ident().map(|i| i.value.clone()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("the relation {name} is not a plain name"))?;
        match parts.as_slice() {
            [single] if collector.ctes.contains(&single.to_lowercase()) => {}
            [catalog, schema, table] => {
                let table = TableName::new(catalog, schema, table)
                    .map_err(|e| format!("the relation {name} is not a valid name ({e})"))?;
                tables.insert(table);
            }
            _ => {
                return Err(format!(
                    "the relation {name} is not named catalog.schema.table, so which table it reads depends on the session"
                ));
            }
        }
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str) -> Vec<String> {
        referenced_tables(sql)
            .unwrap()
            .iter()
            .map(|t| t.to_string())
            .collect()
    }

    #[test]
    fn finds_tables_in_joins_subqueries_and_expressions() {
        let sql = "WITH c AS (SELECT * FROM `main`.`sales`.`customers`) \
                   SELECT CASE WHEN (SELECT max(salary) FROM hr.payroll.salaries) < 1 THEN 1 END \
                   FROM c RIGHT JOIN (SELECT DISTINCT id FROM main.sales.orders) o ON TRUE \
                   WHERE EXISTS (SELECT 1 FROM finance.ledger.transactions t WHERE t.id = 1)";
        assert_eq!(
            names(sql),
            vec![
                "finance.ledger.transactions",
                "hr.payroll.salaries",
                "main.sales.customers",
                "main.sales.orders"
            ]
        );
    }

    #[test]
    fn reads_spark_literals_with_backslash_escapes() {
        let sql = "SELECT 'Column \\'a\\' is null', 'x\\\\' FROM c.s.t";
        assert_eq!(names(sql), vec!["c.s.t"]);
    }

    #[test]
    fn refuses_what_it_cannot_name() {
        for sql in [
            "SELECT * FROM salaries",
            "SELECT * FROM payroll.salaries",
            "SELECT * FROM read_files('/Volumes/x')",
            "SELECT * FROM IDENTIFIER('hr.payroll.' || 'salaries')",
            "SELECT * FROM (",
        ] {
            assert!(referenced_tables(sql).is_err(), "{sql} was accepted");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        let sql = format!("SELECT {}1{}", "(".repeat(5_000), ")".repeat(5_000));
        assert!(referenced_tables(&sql).is_err());
    }
}
