//! A condition in words ("status is not cancelled", "amount is above 100", "country is one of
//! DE, FR", "currency is missing") as the SQL filter DQX applies before a check
//! (`status != 'cancelled'`); a condition given in back-quotes is taken as SQL as written.

use crate::engine::prompt::ColumnFacts;
use crate::engine::prompt::columns::mentioned;
use crate::engine::prompt::read::number;

/// How the value compares.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    In,
    NotIn,
    IsNull,
    IsNotNull,
    Cmp(&'static str),
}

/// Operators in words, each with what it means; the earliest in the text wins, then the longest.
const OPERATORS: &[(&str, Op)] = &[
    ("is not one of ", Op::NotIn),
    ("not one of ", Op::NotIn),
    ("is not in ", Op::NotIn),
    ("not in ", Op::NotIn),
    ("is one of ", Op::In),
    ("one of ", Op::In),
    ("is in ", Op::In),
    ("is not null", Op::IsNotNull),
    ("is not missing", Op::IsNotNull),
    ("is present", Op::IsNotNull),
    ("is set", Op::IsNotNull),
    ("is known", Op::IsNotNull),
    ("has a value", Op::IsNotNull),
    ("is null", Op::IsNull),
    ("is missing", Op::IsNull),
    ("is unknown", Op::IsNull),
    ("has no value", Op::IsNull),
    ("is greater than or equal to ", Op::Cmp(">=")),
    ("is at least ", Op::Cmp(">=")),
    ("at least ", Op::Cmp(">=")),
    (">= ", Op::Cmp(">=")),
    ("is less than or equal to ", Op::Cmp("<=")),
    ("is at most ", Op::Cmp("<=")),
    ("at most ", Op::Cmp("<=")),
    ("<= ", Op::Cmp("<=")),
    ("is greater than ", Op::Cmp(">")),
    ("is more than ", Op::Cmp(">")),
    ("is above ", Op::Cmp(">")),
    ("is over ", Op::Cmp(">")),
    ("is after ", Op::Cmp(">")),
    ("greater than ", Op::Cmp(">")),
    ("more than ", Op::Cmp(">")),
    ("above ", Op::Cmp(">")),
    ("over ", Op::Cmp(">")),
    ("after ", Op::Cmp(">")),
    ("> ", Op::Cmp(">")),
    ("is less than ", Op::Cmp("<")),
    ("is below ", Op::Cmp("<")),
    ("is under ", Op::Cmp("<")),
    ("is before ", Op::Cmp("<")),
    ("less than ", Op::Cmp("<")),
    ("below ", Op::Cmp("<")),
    ("under ", Op::Cmp("<")),
    ("before ", Op::Cmp("<")),
    ("< ", Op::Cmp("<")),
    ("is not ", Op::Cmp("!=")),
    ("isn't ", Op::Cmp("!=")),
    ("is other than ", Op::Cmp("!=")),
    ("does not equal ", Op::Cmp("!=")),
    ("doesn't equal ", Op::Cmp("!=")),
    ("not equal to ", Op::Cmp("!=")),
    ("!= ", Op::Cmp("!=")),
    ("<> ", Op::Cmp("!=")),
    ("is ", Op::Cmp("=")),
    ("equals ", Op::Cmp("=")),
    ("== ", Op::Cmp("=")),
    ("= ", Op::Cmp("=")),
];

/// A column as SQL: bare when it is a plain identifier, else back-quoted.
pub fn column_sql(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        crate::model::table_name::quote_identifier(name)
    }
}

/// One value as SQL: a number for a numeric column, else a string literal.
fn value_sql(value: &str, numeric: bool) -> String {
    let value = value
        .trim()
        .trim_matches(|c: char| "\"'`“”‘’".contains(c))
        .trim();
    if numeric && let Some(n) = number(value) {
        return n;
    }
    crate::engine::sql::portable_literal(value)
}

/// The values of a list: split at commas, "or" and "and".
fn list_sql(text: &str, numeric: bool) -> Vec<String> {
    text.split(',')
        .flat_map(|p| p.split(" or "))
        .flat_map(|p| p.split(" and "))
        .map(|p| {
            p.trim()
                .trim_start_matches("or ")
                .trim_start_matches("and ")
        })
        .filter(|p| !p.is_empty())
        .map(|p| value_sql(p, numeric))
        .collect()
}

/// The SQL of `text`, a condition on one of `columns`, or why it cannot be read.
pub fn condition_sql(text: &str, columns: &[ColumnFacts]) -> Result<String, String> {
    let trimmed = text.trim().trim_end_matches(['.', ';']);
    if let Some(sql) = trimmed
        .strip_prefix('`')
        .and_then(|t| t.strip_suffix('`'))
        .filter(|t| !t.trim().is_empty())
    {
        return Ok(sql.trim().to_string());
    }
    let Some(&column) = mentioned(trimmed, columns).first() else {
        return Err(format!(
            "the condition \u{201c}{trimmed}\u{201d} names no column of the table; write it as \u{201c}where status is not cancelled\u{201d}"
        ));
    };
    let facts = &columns[column];
    let lower = trimmed.to_lowercase();
    let padded = format!("{lower} ");
    let found = OPERATORS
        .iter()
        .filter_map(|(words, op)| padded.find(words).map(|at| (at, words.len(), *op)))
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let Some((at, len, op)) = found else {
        return Err(format!(
            "no comparison found in \u{201c}{trimmed}\u{201d}; say \u{201c}is\u{201d}, \u{201c}is not\u{201d}, \u{201c}is above\u{201d}, \u{201c}is one of\u{201d} or \u{201c}is missing\u{201d}"
        ));
    };
    // Lower-casing keeps byte offsets for ASCII text; otherwise read the value lower-cased.
    let source = if lower.len() == trimmed.len() {
        trimmed
    } else {
        lower.as_str()
    };
    let rest = source
        .get((at + len).min(source.len())..)
        .unwrap_or_default();
    let col = column_sql(&facts.name);
    let numeric = facts.is_numeric();
    let sql = match op {
        Op::IsNull => format!("{col} IS NULL"),
        Op::IsNotNull => format!("{col} IS NOT NULL"),
        Op::In | Op::NotIn => {
            let values = list_sql(rest, numeric);
            if values.is_empty() {
                return Err(format!(
                    "no values after \u{201c}one of\u{201d} in \u{201c}{trimmed}\u{201d}"
                ));
            }
            let not = if op == Op::NotIn { "NOT " } else { "" };
            format!("{col} {not}IN ({})", values.join(", "))
        }
        Op::Cmp(symbol) => {
            if rest.trim().is_empty() {
                return Err(format!(
                    "no value to compare with in \u{201c}{trimmed}\u{201d}"
                ));
            }
            format!("{col} {symbol} {}", value_sql(rest, numeric))
        }
    };
    Ok(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orders() -> Vec<ColumnFacts> {
        [
            ("order_id", "bigint"),
            ("status", "string"),
            ("amount", "double"),
            ("currency", "string"),
            ("order_ts", "timestamp"),
        ]
        .iter()
        .map(|(n, t)| ColumnFacts {
            name: n.to_string(),
            data_type: t.to_string(),
            email_like: false,
        })
        .collect()
    }

    #[test]
    fn conditions_in_words_become_filters() {
        let c = orders();
        let cases = [
            ("status is not cancelled", "status != 'cancelled'"),
            ("status is cancelled", "status = 'cancelled'"),
            ("amount is above 100", "amount > 100"),
            ("amount is at least 1,000", "amount >= 1000"),
            ("currency is missing", "currency IS NULL"),
            ("the currency is present", "currency IS NOT NULL"),
            (
                "status is one of new, paid or shipped",
                "status IN ('new', 'paid', 'shipped')",
            ),
            (
                "status is not one of cancelled, returned",
                "status NOT IN ('cancelled', 'returned')",
            ),
            ("order_ts is after 2024-01-01", "order_ts > '2024-01-01'"),
            (
                "status isn't o'brien",
                "status != concat('o', chr(39), 'brien')",
            ),
            (
                "`amount > 0 and currency = 'EUR'`",
                "amount > 0 and currency = 'EUR'",
            ),
        ];
        for (words, sql) in cases {
            assert_eq!(condition_sql(words, &c).as_deref(), Ok(sql), "{words}");
        }
        assert!(
            condition_sql("it is late", &c)
                .unwrap_err()
                .contains("names no column")
        );
        assert!(
            condition_sql("status whatever", &c)
                .unwrap_err()
                .contains("no comparison")
        );
    }
}
