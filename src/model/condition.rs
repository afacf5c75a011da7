//! DQX 0.17's action conditions (`databricks.labs.dqx.actions.conditions`): a Python expression
//! over a run's summary metrics (`error_row_count > 0`, `valid_row_count / input_row_count <
//! 0.99`) with DQX's allowlist — names, int/float/bool/str literals, `and`/`or`/`not`, unary `-`
//! `+`, `+ - * / // % **`, chained comparisons, and SQL's `=` and `<>` — evaluated with Python's
//! semantics, so the app and a team's DQX pipelines reach the same verdict on the same metrics.

use std::collections::BTreeMap;

/// Longest condition accepted.
pub const MAX_CONDITION_CHARS: usize = 500;
/// Deepest nesting accepted (parentheses and operators).
const MAX_DEPTH: usize = 40;

/// A value while evaluating (Python's int, float, bool and str).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Bool(b) => *b,
            Value::Str(s) => !s.is_empty(),
        }
    }

    /// As a number (bool is an int in Python), or `None` for a string.
    fn number(&self) -> Option<Num> {
        match self {
            Value::Int(i) => Some(Num::Int(*i)),
            Value::Bool(b) => Some(Num::Int(i64::from(*b))),
            Value::Float(f) => Some(Num::Float(*f)),
            Value::Str(_) => None,
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Bool(_) => "bool",
            Value::Str(_) => "str",
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn float(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Const(Value),
    Name(String),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Pos(Box<Expr>),
    Bin(Bin, Box<Expr>, Box<Expr>),
    Compare(Box<Expr>, Vec<(Cmp, Expr)>),
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub text: String,
    expr: Expr,
}

impl Condition {
    /// Parses a condition as DQX's `ConditionEvaluator.validate` does; the error says what is
    /// wrong in words.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Err("the condition is empty; write one such as error_row_count > 0".into());
        }
        if text.chars().count() > MAX_CONDITION_CHARS {
            return Err(format!(
                "the condition is longer than {MAX_CONDITION_CHARS} characters; write a shorter one"
            ));
        }
        let tokens = lex(text)?;
        let mut parser = Parser {
            tokens,
            at: 0,
            depth: 0,
        };
        let expr = parser.or()?;
        if let Some(extra) = parser.tokens.get(parser.at) {
            return Err(format!("the condition has a syntax error near {extra:?}"));
        }
        Ok(Self {
            text: text.to_string(),
            expr,
        })
    }

    /// The metric names it reads.
    pub fn names(&self) -> Vec<String> {
        let mut names = Vec::new();
        collect_names(&self.expr, &mut names);
        names.sort();
        names.dedup();
        names
    }

    /// Whether it holds for `metrics` (Python truthiness of the result), or why it cannot be
    /// evaluated (an unknown metric, a division by zero, a type error): DQX then records a
    /// configuration error and does not fire.
    pub fn evaluate(&self, metrics: &BTreeMap<String, Value>) -> Result<bool, String> {
        eval(&self.expr, metrics).map(|v| v.truthy())
    }
}

fn collect_names(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::Const(_) => {}
        Expr::Name(n) => out.push(n.clone()),
        Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| collect_names(e, out)),
        Expr::Not(e) | Expr::Neg(e) | Expr::Pos(e) => collect_names(e, out),
        Expr::Bin(_, a, b) => {
            collect_names(a, out);
            collect_names(b, out);
        }
        Expr::Compare(first, rest) => {
            collect_names(first, out);
            rest.iter().for_each(|(_, e)| collect_names(e, out));
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(Value),
    Str(String),
    Name(String),
    Op(&'static str),
    Open,
    Close,
}

const OPERATORS: [&str; 17] = [
    "**", "//", "<=", ">=", "==", "!=", "<>", "<", ">", "=", "+", "-", "*", "/", "%", "(", ")",
];

fn lex(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '.'
                    || chars[i] == '_'
                    || ((chars[i] == '+' || chars[i] == '-') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            tokens.push(Token::Num(number(&word)?));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Name(chars[start..i].iter().collect()));
        } else if c == '\'' || c == '"' {
            let start = i + 1;
            let end = chars[start..]
                .iter()
                .position(|x| *x == c)
                .map(|p| start + p)
                .ok_or("the condition has a string that is never closed")?;
            let value: String = chars[start..end].iter().collect();
            if value.contains('\\') {
                return Err("strings in conditions may not contain backslashes".into());
            }
            tokens.push(Token::Str(value));
            i = end + 1;
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) else {
                return Err(format!(
                    "'{c}' is not allowed in conditions; only arithmetic, comparison, boolean and literal expressions are"
                ));
            };
            i += op.chars().count();
            tokens.push(match *op {
                "(" => Token::Open,
                ")" => Token::Close,
                "<>" => Token::Op("!="),
                "=" => Token::Op("=="),
                other => Token::Op(other),
            });
        }
    }
    Ok(tokens)
}

/// A Python number literal (underscores between digits allowed).
fn number(word: &str) -> Result<Value, String> {
    let bad = || format!("'{word}' is not a number");
    if word.starts_with('_') || word.ends_with('_') || word.contains("__") {
        return Err(bad());
    }
    let plain = word.replace('_', "");
    if plain.chars().all(|c| c.is_ascii_digit()) {
        if plain.len() > 1 && plain.starts_with('0') && plain.chars().any(|c| c != '0') {
            return Err(format!(
                "'{word}': leading zeros are not allowed in Python numbers"
            ));
        }
        return plain
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("'{word}' is too large"));
    }
    plain.parse::<f64>().map(Value::Float).map_err(|_| bad())
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Name(n)) if n == word)
    }

    fn op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Token::Op(o)) if *o == op)
    }

    fn deeper(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "the condition nests deeper than {MAX_DEPTH} levels; simplify it"
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, String> {
        self.deeper()?;
        let mut items = vec![self.and()?];
        while self.keyword("or") {
            self.at += 1;
            items.push(self.and()?);
        }
        self.depth -= 1;
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut items = vec![self.not()?];
        while self.keyword("and") {
            self.at += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.keyword("not") {
            self.at += 1;
            self.deeper()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, String> {
        let first = self.sum()?;
        let mut rest = Vec::new();
        loop {
            let cmp = match self.peek() {
                Some(Token::Op("<")) => Cmp::Lt,
                Some(Token::Op("<=")) => Cmp::Le,
                Some(Token::Op(">")) => Cmp::Gt,
                Some(Token::Op(">=")) => Cmp::Ge,
                Some(Token::Op("==")) => Cmp::Eq,
                Some(Token::Op("!=")) => Cmp::Ne,
                Some(Token::Name(n)) if n == "in" || n == "is" => {
                    return Err(format!(
                        "'{n}' is not allowed in conditions; only arithmetic, comparison, boolean and literal expressions are"
                    ));
                }
                _ => break,
            };
            self.at += 1;
            rest.push((cmp, self.sum()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Expr::Compare(Box::new(first), rest)
        })
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut left = self.term()?;
        loop {
            let op = if self.op("+") {
                Bin::Add
            } else if self.op("-") {
                Bin::Sub
            } else {
                break;
            };
            self.at += 1;
            left = Expr::Bin(op, Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Token::Op("*")) => Bin::Mul,
                Some(Token::Op("/")) => Bin::Div,
                Some(Token::Op("//")) => Bin::FloorDiv,
                Some(Token::Op("%")) => Bin::Mod,
                _ => break,
            };
            self.at += 1;
            left = Expr::Bin(op, Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        let wrap: fn(Box<Expr>) -> Expr = if self.op("-") {
            Expr::Neg
        } else if self.op("+") {
            Expr::Pos
        } else {
            return self.power();
        };
        self.at += 1;
        self.deeper()?;
        let inner = self.unary()?;
        self.depth -= 1;
        Ok(wrap(Box::new(inner)))
    }

    /// `a ** b` binds tighter than a unary minus on its left and is right-associative.
    fn power(&mut self) -> Result<Expr, String> {
        let base = self.atom()?;
        if self.op("**") {
            self.at += 1;
            self.deeper()?;
            let exponent = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Bin(Bin::Pow, Box::new(base), Box::new(exponent)));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let token = self.peek().cloned();
        self.at += 1;
        match token {
            Some(Token::Num(v)) => Ok(Expr::Const(v)),
            Some(Token::Str(s)) => Ok(Expr::Const(Value::Str(s))),
            Some(Token::Name(n)) => match n.as_str() {
                "True" => Ok(Expr::Const(Value::Bool(true))),
                "False" => Ok(Expr::Const(Value::Bool(false))),
                "and" | "or" | "not" => Err(format!("the condition has a syntax error near '{n}'")),
                "None" | "in" | "is" | "if" | "else" | "lambda" | "for" => Err(format!(
                    "'{n}' is not allowed in conditions; only arithmetic, comparison, boolean and literal expressions are"
                )),
                _ => {
                    if matches!(self.peek(), Some(Token::Open)) {
                        return Err(format!("calling '{n}' is not allowed in conditions"));
                    }
                    Ok(Expr::Name(n))
                }
            },
            Some(Token::Open) => {
                self.deeper()?;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Token::Close) {
                    return Err("the condition has a '(' that is never closed".into());
                }
                self.at += 1;
                Ok(inner)
            }
            Some(other) => Err(format!("the condition has a syntax error near {other:?}")),
            None => Err("the condition ends too early".into()),
        }
    }
}

fn eval(expr: &Expr, metrics: &BTreeMap<String, Value>) -> Result<Value, String> {
    match expr {
        Expr::Const(v) => Ok(v.clone()),
        Expr::Name(n) => {
            let value = metrics.get(n).ok_or_else(|| {
                let known: Vec<&str> = metrics.keys().map(String::as_str).collect();
                format!(
                    "the condition reads metric '{n}', which this run does not have; it has {}",
                    known.join(", ")
                )
            })?;
            // DQX coerces numeric strings to float.
            Ok(match value {
                Value::Str(s) => s.trim().parse::<f64>().map_or(value.clone(), Value::Float),
                other => other.clone(),
            })
        }
        Expr::And(items) => {
            let mut last = Value::Bool(true);
            for item in items {
                last = eval(item, metrics)?;
                if !last.truthy() {
                    return Ok(last);
                }
            }
            Ok(last)
        }
        Expr::Or(items) => {
            let mut last = Value::Bool(false);
            for item in items {
                last = eval(item, metrics)?;
                if last.truthy() {
                    return Ok(last);
                }
            }
            Ok(last)
        }
        Expr::Not(e) => Ok(Value::Bool(!eval(e, metrics)?.truthy())),
        Expr::Neg(e) => match eval(e, metrics)?.number() {
            Some(Num::Int(i)) => i.checked_neg().map(Value::Int).ok_or_else(too_large),
            Some(Num::Float(f)) => Ok(Value::Float(-f)),
            None => Err("bad operand type for unary -: 'str'".into()),
        },
        Expr::Pos(e) => match eval(e, metrics)?.number() {
            Some(Num::Int(i)) => Ok(Value::Int(i)),
            Some(Num::Float(f)) => Ok(Value::Float(f)),
            None => Err("bad operand type for unary +: 'str'".into()),
        },
        Expr::Bin(op, a, b) => binary(*op, eval(a, metrics)?, eval(b, metrics)?),
        Expr::Compare(first, rest) => {
            let mut left = eval(first, metrics)?;
            for (cmp, next) in rest {
                let right = eval(next, metrics)?;
                if !compare(*cmp, &left, &right)? {
                    return Ok(Value::Bool(false));
                }
                left = right;
            }
            Ok(Value::Bool(true))
        }
    }
}

fn too_large() -> String {
    "a number in the condition grew too large".into()
}

fn binary(op: Bin, a: Value, b: Value) -> Result<Value, String> {
    if let (Value::Str(x), Value::Str(y), Bin::Add) = (&a, &b, op) {
        return Ok(Value::Str(format!("{x}{y}")));
    }
    let (Some(x), Some(y)) = (a.number(), b.number()) else {
        return Err(format!(
            "unsupported operand types for the condition's arithmetic: '{}' and '{}'",
            a.type_name(),
            b.type_name()
        ));
    };
    let zero = || "division by zero in the condition".to_string();
    match (op, x, y) {
        (Bin::Pow, _, _) => {
            let r = x.float().powf(y.float());
            if r.is_finite() {
                Ok(Value::Float(r))
            } else {
                Err(too_large())
            }
        }
        (Bin::Div, _, _) => {
            if y.float() == 0.0 {
                return Err(zero());
            }
            Ok(Value::Float(x.float() / y.float()))
        }
        (_, Num::Int(i), Num::Int(j)) => match op {
            Bin::Add => i.checked_add(j).map(Value::Int).ok_or_else(too_large),
            Bin::Sub => i.checked_sub(j).map(Value::Int).ok_or_else(too_large),
            Bin::Mul => i.checked_mul(j).map(Value::Int).ok_or_else(too_large),
            Bin::FloorDiv | Bin::Mod if j == 0 => Err(zero()),
            Bin::FloorDiv => Ok(Value::Int(
                i.div_euclid(j) - i64::from(j < 0 && i.rem_euclid(j) != 0),
            )),
            Bin::Mod => Ok(Value::Int(
                i - j * (i.div_euclid(j) - i64::from(j < 0 && i.rem_euclid(j) != 0)),
            )),
            Bin::Pow | Bin::Div => Err(zero()),
        },
        (_, x, y) => {
            let (i, j) = (x.float(), y.float());
            match op {
                Bin::Add => Ok(Value::Float(i + j)),
                Bin::Sub => Ok(Value::Float(i - j)),
                Bin::Mul => Ok(Value::Float(i * j)),
                Bin::FloorDiv | Bin::Mod if j == 0.0 => Err(zero()),
                Bin::FloorDiv => Ok(Value::Float((i / j).floor())),
                Bin::Mod => Ok(Value::Float(i - j * (i / j).floor())),
                Bin::Pow | Bin::Div => Err(zero()),
            }
        }
    }
}

fn compare(cmp: Cmp, a: &Value, b: &Value) -> Result<bool, String> {
    let ordering = match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        _ => match (a.number(), b.number()) {
            (Some(Num::Int(i)), Some(Num::Int(j))) => Some(i.cmp(&j)),
            (Some(x), Some(y)) => x.float().partial_cmp(&y.float()),
            _ => {
                // A string against a number: equal never, ordered not at all.
                return match cmp {
                    Cmp::Eq => Ok(false),
                    Cmp::Ne => Ok(true),
                    _ => Err(format!(
                        "'{}' and '{}' cannot be ordered in the condition",
                        a.type_name(),
                        b.type_name()
                    )),
                };
            }
        },
    };
    use std::cmp::Ordering::*;
    Ok(match (cmp, ordering) {
        // NaN compares false, except !=.
        (Cmp::Ne, None) => true,
        (_, None) => false,
        (Cmp::Lt, Some(o)) => o == Less,
        (Cmp::Le, Some(o)) => o != Greater,
        (Cmp::Gt, Some(o)) => o == Greater,
        (Cmp::Ge, Some(o)) => o != Less,
        (Cmp::Eq, Some(o)) => o == Equal,
        (Cmp::Ne, Some(o)) => o != Equal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> BTreeMap<String, Value> {
        [
            ("input_row_count", 1000),
            ("error_row_count", 20),
            ("warning_row_count", 25),
            ("valid_row_count", 955),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Value::Int(v)))
        .collect()
    }

    fn holds(text: &str) -> Result<bool, String> {
        Condition::parse(text)?.evaluate(&metrics())
    }

    #[test]
    fn dqx_conditions_over_summary_metrics() {
        assert_eq!(holds("error_row_count > 0"), Ok(true));
        assert_eq!(holds("valid_row_count / input_row_count < 0.99"), Ok(true));
        assert_eq!(holds("valid_row_count / input_row_count < 0.9"), Ok(false));
        assert_eq!(
            holds("error_row_count = 20 and warning_row_count <> 0"),
            Ok(true)
        );
        assert_eq!(
            holds("0 < error_row_count <= 20 < warning_row_count"),
            Ok(true)
        );
        assert_eq!(
            holds("not (error_row_count > 0 or warning_row_count > 0)"),
            Ok(false)
        );
        assert_eq!(
            holds("-2 ** 2 == -4 and 7 // -2 == -4 and -7 % 3 == 2"),
            Ok(true)
        );
        assert_eq!(holds("True + 1 == 2"), Ok(true));
    }

    #[test]
    fn what_dqx_refuses_is_refused_in_words() {
        for (text, says) in [
            ("", "empty"),
            ("len(x) > 0", "calling 'len'"),
            ("error_row_count.real > 0", "'.' is not allowed"),
            ("x in y", "'in' is not allowed"),
            ("error_row_count > None", "'None' is not allowed"),
            ("(error_row_count > 0", "never closed"),
            ("error_row_count >", "ends too early"),
        ] {
            let error = Condition::parse(text).unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
        }
        assert!(holds("nope > 0").unwrap_err().contains("metric 'nope'"));
        assert!(
            holds("error_row_count / 0 > 1")
                .unwrap_err()
                .contains("division by zero")
        );
        assert!(holds("'a' < 1").unwrap_err().contains("cannot be ordered"));
        let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
        assert!(
            Condition::parse(&deep)
                .unwrap_err()
                .contains("nests deeper")
        );
    }
}
