//! SQL text building blocks for both dialects: quoting of literals and identifiers, DQX's limit
//! resolution, and a parser check that user-written expressions are exactly one expression.

use crate::model::rules::validate::looks_like_iso_date_or_time;
use datafusion::execution::context::SQLOptions;
use datafusion::sql::sqlparser::dialect::DatabricksDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer, Whitespace};
use serde_json::Value;

/// Which SQL the checks compile to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Apache DataFusion with the Databricks parser dialect (local mode).
    DataFusion,
    /// Spark / Databricks SQL (the warehouse).
    Spark,
}

impl Dialect {
    /// The approximate distinct count function.
    pub fn approx_distinct(self) -> &'static str {
        match self {
            Dialect::DataFusion => "approx_distinct",
            Dialect::Spark => "approx_count_distinct",
        }
    }

    /// The string type for casts.
    pub fn string_type(self) -> &'static str {
        match self {
            Dialect::DataFusion => "VARCHAR",
            Dialect::Spark => "STRING",
        }
    }

    /// `CAST(expr AS <string>)`.
    pub fn as_string(self, expr: &str) -> String {
        format!("CAST({expr} AS {})", self.string_type())
    }

    /// A boolean SQL expression: `text` matches `regex` (unanchored, find semantics).
    pub fn regex_like(self, text: &str, regex: &str) -> String {
        match self {
            Dialect::DataFusion => format!("regexp_like({text}, {})", self.literal(regex)),
            Dialect::Spark => format!("({text} RLIKE {})", self.literal(regex)),
        }
    }

    /// Seconds since the epoch of a date, timestamp or ISO string expression.
    pub fn epoch_seconds(self, expr: &str) -> String {
        match self {
            Dialect::DataFusion => format!("to_unixtime({expr})"),
            Dialect::Spark => format!("unix_timestamp(CAST({expr} AS TIMESTAMP))"),
        }
    }

    /// The current time.
    pub fn now(self) -> &'static str {
        match self {
            Dialect::DataFusion => "now()",
            Dialect::Spark => "current_timestamp()",
        }
    }

    /// A timestamp from epoch seconds, rendered `yyyy-MM-dd HH:mm:ss`.
    pub fn format_epoch(self, seconds: &str) -> String {
        match self {
            Dialect::DataFusion => {
                format!("to_char(to_timestamp_seconds({seconds}), '%Y-%m-%d %H:%M:%S')")
            }
            Dialect::Spark => format!("from_unixtime({seconds}, 'yyyy-MM-dd HH:mm:ss')"),
        }
    }

    /// `expr` as a DATE.
    pub fn to_date(self, expr: &str) -> String {
        format!("CAST({expr} AS DATE)")
    }

    /// `date_expr` minus `days` days (a DATE).
    pub fn date_minus_days(self, date_expr: &str, days: i64) -> String {
        match self {
            Dialect::DataFusion => format!("CAST(({date_expr} - INTERVAL {days} DAY) AS DATE)"),
            Dialect::Spark => format!("date_sub({date_expr}, {days})"),
        }
    }

    /// The number of elements of an array expression.
    pub fn array_size(self, expr: &str) -> String {
        match self {
            // DataFusion gives NULL for an empty array where Spark's size() gives 0.
            Dialect::DataFusion => format!("coalesce(cardinality({expr}), 0)"),
            Dialect::Spark => format!("size({expr})"),
        }
    }

    /// A string literal that cannot end early, whatever `text` holds. DataFusion (Databricks
    /// parser dialect) reads backslashes literally and doubles quotes; Spark processes backslash
    /// escapes, so both quotes and backslashes are escaped.
    pub fn literal(self, text: &str) -> String {
        match self {
            Dialect::DataFusion => format!("'{}'", text.replace('\'', "''")),
            Dialect::Spark => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
        }
    }

    /// `concat_ws('', parts...)`: NULL parts are skipped, as in DQX messages.
    pub fn concat(self, parts: &[String]) -> String {
        format!("concat_ws('', {})", parts.join(", "))
    }
}

/// A string literal that reads the same in both engines and in DQX (Spark): plain `'text'` when
/// it holds no quote or backslash, else `concat('O', chr(39), 'Brien')`, since the embedded
/// engine reads backslashes literally and Spark processes them as escapes.
pub fn portable_literal(text: &str) -> String {
    if !text.contains(['\'', '\\']) {
        return format!("'{text}'");
    }
    let mut parts = Vec::new();
    let mut run = String::new();
    for c in text.chars() {
        let code = match c {
            '\'' => 39,
            '\\' => 92,
            _ => {
                run.push(c);
                continue;
            }
        };
        if !run.is_empty() {
            parts.push(format!("'{run}'"));
            run.clear();
        }
        parts.push(format!("chr({code})"));
    }
    if !run.is_empty() {
        parts.push(format!("'{run}'"));
    }
    format!("concat({})", parts.join(", "))
}

/// Options that refuse anything but queries: no DDL, DML or statements. Every query the app
/// builds or the user writes runs with these.
pub fn read_only_options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// The first non-blank line of an error's text, for messages shown to users.
pub fn first_line(text: &str) -> &str {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
}

/// A DQX limit/value as SQL, following DQX's resolution: numbers are literals, a string of digits
/// is a number, an ISO date (`2025-01-01`) a DATE and an ISO date-time a TIMESTAMP, and any other
/// string a SQL expression (a column, or a quoted literal like `'shipped'`).
pub fn limit_sql(dialect: Dialect, value: &Value) -> Result<String, String> {
    match value {
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::String(s) => {
            let t = s.trim();
            if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
                Ok(t.to_string())
            } else if looks_like_iso_date_or_time(t) {
                if t.contains(':') {
                    Ok(format!(
                        "CAST({} AS TIMESTAMP)",
                        dialect.literal(&t.replace('T', " "))
                    ))
                } else {
                    Ok(format!("CAST({} AS DATE)", dialect.literal(t)))
                }
            } else {
                check_expression(t)?;
                Ok(format!("({t})"))
            }
        }
        other => Err(format!("a limit must be a number or text, got {other}")),
    }
}

/// Makes sure `text` parses as exactly one SQL expression, so it cannot close the surrounding
/// query or add a statement. (The engine also runs with DDL, DML and statements disabled.)
pub fn check_expression(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("the expression is empty".to_string());
    }
    // Exactly one expression whether or not string literals take backslash escapes: the
    // embedded engine reads them plainly, Spark processes them; text that means one thing to
    // the check and another to the engine is refused.
    let plain = DatabricksDialect {};
    let spark = crate::engine::references::SparkSqlDialect;
    let dialects: [&dyn datafusion::sql::sqlparser::dialect::Dialect; 2] = [&plain, &spark];
    for dialect in dialects {
        one_reading(text, dialect)?;
        let mut parser = Parser::new(dialect)
            .with_recursion_limit(crate::engine::references::PARSER_RECURSION_LIMIT)
            .try_with_sql(text)
            .map_err(|e| format!("'{text}' is not a valid SQL expression: {e}"))?;
        parser
            .parse_expr()
            .map_err(|e| format!("'{text}' is not a valid SQL expression: {e}"))?;
        match parser.peek_token().token {
            Token::EOF => {}
            other => {
                return Err(format!(
                    "'{text}' is not a single SQL expression (unexpected '{other}')"
                ));
            }
        }
    }
    Ok(())
}

/// How the refusal of text with more than one reading begins.
pub const TWO_READINGS: &str = "the SQL warehouse could read this text differently";

/// Refuses text the SQL warehouse could split into tokens differently from this parser, so that
/// what the app names as a rule's reads is what Spark runs: comments (Spark nests `/* */` and
/// continues `--` lines after a backslash; the parser does neither) and raw strings (`r'...'`,
/// no escapes in Spark, an identifier and a string here). Without them, both split alike.
fn one_reading(
    text: &str,
    dialect: &dyn datafusion::sql::sqlparser::dialect::Dialect,
) -> Result<(), String> {
    let tokens = Tokenizer::new(dialect, text)
        .tokenize()
        .map_err(|e| format!("'{text}' cannot be read as SQL: {e}"))?;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Whitespace(
                Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_),
            ) => {
                return Err(format!(
                    "{TWO_READINGS}: comments are not allowed in a rule's SQL; remove the comment from '{text}'"
                ));
            }
            Token::SingleQuotedRawStringLiteral(_)
            | Token::DoubleQuotedRawStringLiteral(_)
            | Token::TripleSingleQuotedRawStringLiteral(_)
            | Token::TripleDoubleQuotedRawStringLiteral(_) => {
                return Err(format!(
                    "{TWO_READINGS}: raw strings (r'...') are not allowed in a rule's SQL; write an ordinary string in '{text}'"
                ));
            }
            Token::Word(word)
                if word.quote_style.is_none()
                    && word.value.eq_ignore_ascii_case("r")
                    && matches!(
                        tokens.get(i + 1),
                        Some(Token::SingleQuotedString(_) | Token::DoubleQuotedString(_))
                    ) =>
            {
                return Err(format!(
                    "{TWO_READINGS}: raw strings (r'...') are not allowed in a rule's SQL; write an ordinary string in '{text}'"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks that `text` is exactly one query (nothing before or after it), in both literal
/// readings, as `check_expression` does for expressions.
pub fn check_query(text: &str) -> Result<(), String> {
    let plain = DatabricksDialect {};
    let spark = crate::engine::references::SparkSqlDialect;
    let dialects: [&dyn datafusion::sql::sqlparser::dialect::Dialect; 2] = [&plain, &spark];
    for dialect in dialects {
        one_reading(text, dialect)?;
        let mut parser = Parser::new(dialect)
            .with_recursion_limit(crate::engine::references::PARSER_RECURSION_LIMIT)
            .try_with_sql(text)
            .map_err(|e| e.to_string())?;
        parser.parse_query().map_err(|e| e.to_string())?;
        match parser.peek_token().token {
            Token::EOF => {}
            other => {
                return Err(format!(
                    "the query does not end where it should (unexpected '{other}')"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limits_resolve_like_dqx() {
        let d = Dialect::DataFusion;
        assert_eq!(limit_sql(d, &json!(5)).unwrap(), "5");
        assert_eq!(limit_sql(d, &json!(1.5)).unwrap(), "1.5");
        assert_eq!(limit_sql(d, &json!("3")).unwrap(), "3");
        assert_eq!(
            limit_sql(d, &json!("2025-01-01")).unwrap(),
            "CAST('2025-01-01' AS DATE)"
        );
        assert_eq!(
            limit_sql(d, &json!("2025-01-01T10:00:00")).unwrap(),
            "CAST('2025-01-01 10:00:00' AS TIMESTAMP)"
        );
        assert_eq!(limit_sql(d, &json!("'shipped'")).unwrap(), "('shipped')");
        assert_eq!(limit_sql(d, &json!("col2 * 2")).unwrap(), "(col2 * 2)");
        assert!(limit_sql(d, &json!("1) FROM t; DROP TABLE x; --")).is_err());
    }

    /// Parses `sql` as one expression and returns the string literal it is, if it is one.
    fn parsed_literal(sql: &str, backslash_escapes: bool) -> Option<String> {
        use datafusion::sql::sqlparser::ast::{Expr, Value as SqlValue};
        use datafusion::sql::sqlparser::dialect::{Dialect as ParserDialect, MySqlDialect};
        let databricks = DatabricksDialect {};
        let mysql = MySqlDialect {};
        let dialect: &dyn ParserDialect = if backslash_escapes {
            &mysql
        } else {
            &databricks
        };
        let mut parser = Parser::new(dialect).try_with_sql(sql).ok()?;
        let expr = parser.parse_expr().ok()?;
        if parser.peek_token().token != Token::EOF {
            return None;
        }
        match expr {
            Expr::Value(v) => match v.value {
                SqlValue::SingleQuotedString(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }

    proptest::proptest! {
        #[test]
        fn literals_never_break_out(text in "\\PC*") {
            // DataFusion reads backslashes literally; Spark unescapes them (checked with a parser
            // that does the same). Either way the literal is one string equal to the input.
            let df = Dialect::DataFusion.literal(&text);
            proptest::prop_assert_eq!(parsed_literal(&df, false), Some(text.clone()));
            let spark = Dialect::Spark.literal(&text);
            proptest::prop_assert_eq!(parsed_literal(&spark, true), Some(text.clone()));
        }

        #[test]
        fn hostile_fragments_stay_inside(prefix in "[a-z]{0,5}", tail in proptest::sample::select(vec!["'", "''", "\\", "\\'", "'; DROP TABLE t; --", "/*", "*/", "--", "\u{0}", "😀"])) {
            let text = format!("{prefix}{tail}{prefix}");
            proptest::prop_assert_eq!(parsed_literal(&Dialect::DataFusion.literal(&text), false), Some(text.clone()));
            proptest::prop_assert_eq!(parsed_literal(&Dialect::Spark.literal(&text), true), Some(text.clone()));
        }
    }

    #[test]
    fn expressions_must_be_exactly_one() {
        assert!(check_expression("a > 1 AND b IS NOT NULL").is_ok());
        assert!(check_expression("(SELECT max(x) FROM t) > 0").is_ok());
        assert!(check_expression("a > 1) OR (1 = 1").is_err());
        assert!(check_expression("1; DROP TABLE t").is_err());
        assert!(check_expression("").is_err());
        assert_eq!(portable_literal("DE"), "'DE'");
        assert_eq!(
            portable_literal(r"O'B\x"),
            r"concat('O', chr(39), 'B', chr(92), 'x')"
        );
        assert!(check_expression(&portable_literal(r"it's \ here")).is_ok());
        // A backslash ends the literal for one reader and not the other: refused.
        assert!(check_expression(r"a = 'x\'").is_err());
        assert!(check_query("SELECT 1 AS condition").is_ok());
        assert!(check_query("SELECT 1 AS condition) x, (SELECT * FROM t").is_err());
        assert!(check_query("SELECT 1; SELECT 2").is_err());
    }

    /// Issue 41 (1): text the parser and Spark split differently is refused, so no decision
    /// about a rule's reads rests on a reading Spark does not share.
    #[test]
    fn text_spark_reads_differently_is_refused() {
        let hidden = "/* /* */ '*/ CASE WHEN (SELECT count(*) FROM main.hr.employees WHERE salary > 200000) >= order_id THEN 1 END -- '\nIS NOT NULL";
        for text in [
            hidden,
            "a > 1 -- trailing note",
            "a > 1 /* note */",
            "a = 1 -- x\\\n OR (SELECT 1 FROM hr.t) = 1",
            "a = r'\\' -- '",
            "a = R\"x\"",
        ] {
            let refused = check_expression(text).unwrap_err();
            assert!(refused.starts_with(TWO_READINGS), "{text}: {refused}");
        }
        let refused = check_query("SELECT 1 AS c /* */ FROM t").unwrap_err();
        assert!(refused.starts_with(TWO_READINGS), "{refused}");
        // What looks like a comment inside a string is no comment to either reader.
        assert!(check_expression("note = '-- not a comment /* */'").is_ok());
        assert!(check_expression("r = 'x' AND r ='y'").is_ok());
    }
}
