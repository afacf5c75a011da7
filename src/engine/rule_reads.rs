//! Which tables besides the checked one each rule reads when it runs: the rule compiled as the
//! warehouse runs it and the compiled SQL parsed (`references`), plus every reference relation it
//! names. A rule that cannot be compiled reads nothing when it runs, but the relations it names
//! count all the same, so an engine that resolves them differently cannot read an uncounted one.

use super::spark_plan::{SparkPlan, TableShape};
use crate::model::rules::ResolvedRule;
use crate::model::table_name::TableName;
use std::collections::BTreeSet;

/// The tables one rule reads besides the checked table, or why they cannot be named for certain.
pub type Reads = Result<BTreeSet<TableName>, String>;

/// The relations a rule names in its arguments (`ref_table`, `ref_df_name`), whatever its
/// function.
fn named_relations(rule: &ResolvedRule) -> Vec<String> {
    ["ref_table", "ref_df_name"]
        .iter()
        .filter_map(|key| rule.arguments.get(*key).and_then(serde_json::Value::as_str))
        .map(str::to_string)
        .collect()
}

/// For each of `rules` (in order), the tables besides `table` it reads.
pub fn tables_each_rule_reads(
    table: &TableName,
    shape: &TableShape,
    rules: &[ResolvedRule],
) -> Vec<Reads> {
    let plan = SparkPlan::new(
        &table.quoted(),
        &table.to_string(),
        shape,
        rules,
        "current_timestamp()",
    );
    rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let mut read = plan.tables_rule_reads(index)?;
            for name in named_relations(rule) {
                let named = TableName::parse(&name).map_err(|e| {
                    format!("it names '{name}', which is not a catalog.schema.table name ({e})")
                })?;
                read.insert(named);
            }
            read.remove(table);
            Ok(read)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rules::validate::validate_rule_set;
    use serde_json::json;

    fn rules(value: serde_json::Value) -> Vec<ResolvedRule> {
        validate_rule_set(&value, None).rules
    }

    fn names(reads: &Reads) -> Vec<String> {
        reads
            .as_ref()
            .map(|set| set.iter().map(ToString::to_string).collect())
            .unwrap_or_else(|e| vec![format!("error: {e}")])
    }

    #[test]
    fn names_what_expressions_filters_queries_and_references_read() {
        let table = TableName::parse("main.sales.orders").unwrap();
        let shape = TableShape {
            columns: vec!["id".into(), "amount".into()],
            types: vec!["bigint".into(), "double".into()],
            nullable: vec![true, true],
            ..Default::default()
        };
        let set = rules(json!([
            {"criticality": "error", "check": {"function": "is_not_null", "arguments": {"column": "id"}}},
            {"criticality": "error", "name": "oracle", "check": {"function": "sql_expression", "arguments": {
                "expression": "amount < (SELECT max(salary) FROM main.hr.employees)"}}},
            {"criticality": "warn", "filter": "id IN (SELECT id FROM finance.ledger.transactions)",
             "check": {"function": "is_not_null", "arguments": {"column": "amount"}}},
            {"criticality": "error", "check": {"function": "foreign_key", "arguments": {
                "columns": ["id"], "ref_columns": ["customer_id"], "ref_table": "main.sales.customers"}}},
            {"criticality": "error", "check": {"function": "sql_expression", "arguments": {
                "expression": "amount < (SELECT max(amount) FROM main.sales.orders)"}}},
            {"criticality": "error", "check": {"function": "sql_expression", "arguments": {
                "expression": "amount < (SELECT max(x) FROM payroll)"}}},
            {"criticality": "error", "message_expr": "concat('over ', (SELECT max(salary) FROM main.hr.employees))",
             "check": {"function": "is_not_null", "arguments": {"column": "amount"}}},
        ]));
        let reads = tables_each_rule_reads(&table, &shape, &set);
        assert_eq!(names(&reads[0]), Vec::<String>::new());
        assert_eq!(names(&reads[1]), ["main.hr.employees"]);
        assert_eq!(names(&reads[2]), ["finance.ledger.transactions"]);
        assert_eq!(names(&reads[3]), ["main.sales.customers"]);
        assert_eq!(names(&reads[4]), Vec::<String>::new(), "the table itself");
        assert!(reads[5].is_err(), "{:?}", reads[5]);
        assert_eq!(
            names(&reads[6]),
            ["main.hr.employees"],
            "a message's reads count"
        );
    }

    /// Issue 41 (1): the hidden subquery — a nested comment this parser ends early, so
    /// it sees a string where Spark sees `SELECT ... FROM main.hr.employees` — is not compiled
    /// for the warehouse at all (it would run there as the reviewer of a preview, reads unnamed):
    /// the rule is skipped, reads nothing, and the skip says why.
    #[test]
    fn text_the_warehouse_reads_differently_is_never_compiled() {
        let table = TableName::parse("main.sales.orders").unwrap();
        let shape = TableShape {
            columns: vec!["order_id".into()],
            types: vec!["bigint".into()],
            nullable: vec![true],
            ..Default::default()
        };
        let hidden = "/* /* */ '*/ CASE WHEN (SELECT count(*) FROM main.hr.employees WHERE salary > 200000) >= order_id THEN 1 END -- '\nIS NOT NULL";
        let set = rules(json!([
            {"criticality": "error", "check": {"function": "sql_expression", "arguments": {"expression": hidden}}},
            {"criticality": "error", "filter": hidden, "check": {"function": "is_not_null", "arguments": {"column": "order_id"}}},
            {"criticality": "error", "message_expr": hidden, "check": {"function": "is_not_null", "arguments": {"column": "order_id"}}},
        ]));
        let plan = SparkPlan::new(
            &table.quoted(),
            "main.sales.orders",
            &shape,
            &set,
            "current_timestamp()",
        );
        for index in 0..set.len() {
            let (_, skipped) = plan.rule_state(index).unwrap();
            let skipped = skipped.unwrap_or_else(|| panic!("rule {index} was compiled"));
            assert!(skipped.contains("comments are not allowed"), "{skipped}");
        }
        for reads in tables_each_rule_reads(&table, &shape, &set) {
            assert_eq!(names(&reads), Vec::<String>::new());
        }
    }
}
