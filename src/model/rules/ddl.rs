//! Spark DDL struct schemas as `has_valid_json_schema` reads them (`id INT NOT NULL, tags
//! ARRAY<STRING>` or `struct<id:int>`): a type tree, Spark's `simpleString` for messages and the
//! DDL text `from_json` takes.

/// A Spark data type that can appear in a JSON schema.
#[derive(Debug, Clone, PartialEq)]
pub enum DataType {
    Boolean,
    /// `tinyint`, `smallint`, `int`, `bigint`.
    Integral(Integral),
    Float,
    Double,
    Decimal {
        precision: u32,
        scale: u32,
    },
    String,
    Binary,
    Date,
    Timestamp,
    TimestampNtz,
    Variant,
    Array(Box<DataType>),
    Map(Box<DataType>, Box<DataType>),
    Struct(Vec<StructField>),
}

/// The integral widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integral {
    Tiny,
    Small,
    Int,
    Big,
}

/// One named field; `nullable` is false for `NOT NULL`.
#[derive(Debug, Clone, PartialEq)]
pub struct StructField {
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
}

/// Spark's limit on the fields a `simpleString` lists (`spark.sql.debug.maxToStringFields`).
const MAX_TO_STRING_FIELDS: usize = 25;

impl DataType {
    /// Spark's `simpleString` (`struct<id:int,tags:array<string>>`).
    pub fn simple_string(&self) -> String {
        match self {
            DataType::Boolean => "boolean".into(),
            DataType::Integral(Integral::Tiny) => "tinyint".into(),
            DataType::Integral(Integral::Small) => "smallint".into(),
            DataType::Integral(Integral::Int) => "int".into(),
            DataType::Integral(Integral::Big) => "bigint".into(),
            DataType::Float => "float".into(),
            DataType::Double => "double".into(),
            DataType::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
            DataType::String => "string".into(),
            DataType::Binary => "binary".into(),
            DataType::Date => "date".into(),
            DataType::Timestamp => "timestamp".into(),
            DataType::TimestampNtz => "timestamp_ntz".into(),
            DataType::Variant => "variant".into(),
            DataType::Array(item) => format!("array<{}>", item.simple_string()),
            DataType::Map(k, v) => format!("map<{},{}>", k.simple_string(), v.simple_string()),
            DataType::Struct(fields) => {
                let shown: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{}:{}", f.name, f.data_type.simple_string()))
                    .collect();
                if shown.len() > MAX_TO_STRING_FIELDS {
                    let kept = MAX_TO_STRING_FIELDS - 1;
                    format!(
                        "struct<{},... {} more fields>",
                        shown[..kept].join(","),
                        shown.len() - kept
                    )
                } else {
                    format!("struct<{}>", shown.join(","))
                }
            }
        }
    }

    /// DDL Spark's `from_json` reads back, names quoted, without `NOT NULL` (it reads every
    /// field as nullable anyway).
    pub fn spark_ddl(&self) -> String {
        match self {
            DataType::Array(item) => format!("ARRAY<{}>", item.spark_ddl()),
            DataType::Map(k, v) => format!("MAP<{}, {}>", k.spark_ddl(), v.spark_ddl()),
            DataType::Struct(fields) => format!(
                "STRUCT<{}>",
                fields
                    .iter()
                    .map(|f| format!("{}: {}", quote(&f.name), f.data_type.spark_ddl()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => other.simple_string().to_uppercase(),
        }
    }
}

/// `` `name` `` with back-quotes doubled.
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Parses a struct schema: a field list (`a INT, b STRING NOT NULL COMMENT 'x'`) or one
/// `struct<...>`. The error says what is wrong, in words.
pub fn parse_struct(ddl: &str) -> Result<Vec<StructField>, String> {
    let mut p = Parser {
        chars: ddl.chars().collect(),
        at: 0,
    };
    p.skip_space();
    let fields = if p.peek_word().eq_ignore_ascii_case("struct") && p.after_word_is('<') {
        match p.data_type(0)? {
            DataType::Struct(fields) => fields,
            _ => return Err("expected a struct".into()),
        }
    } else {
        p.fields(None)?
    };
    p.skip_space();
    if p.at < p.chars.len() {
        return Err(format!(
            "unexpected '{}' at position {}",
            p.rest(),
            p.at + 1
        ));
    }
    if fields.is_empty() {
        return Err("the schema has no fields".into());
    }
    Ok(fields)
}

/// Nesting deeper than this is refused (bounds the parser's recursion).
const MAX_DEPTH: usize = 64;

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn skip_space(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn rest(&self) -> String {
        self.chars[self.at..].iter().take(20).collect()
    }

    fn peek_word(&self) -> String {
        self.chars[self.at..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
            .collect()
    }

    fn after_word_is(&self, c: char) -> bool {
        let mut i = self.at + self.peek_word().chars().count();
        while self.chars.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        self.chars.get(i) == Some(&c)
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        if self.chars.get(self.at) == Some(&c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> String {
        self.skip_space();
        let w = self.peek_word();
        self.at += w.chars().count();
        w
    }

    fn name(&mut self) -> Result<String, String> {
        self.skip_space();
        if self.chars.get(self.at) != Some(&'`') {
            let w = self.word();
            return if w.is_empty() {
                Err(format!("expected a field name at '{}'", self.rest()))
            } else {
                Ok(w)
            };
        }
        self.at += 1;
        let mut name = String::new();
        loop {
            match self.chars.get(self.at) {
                None => return Err("unterminated `quoted` field name".into()),
                Some('`') if self.chars.get(self.at + 1) == Some(&'`') => {
                    name.push('`');
                    self.at += 2;
                }
                Some('`') => {
                    self.at += 1;
                    return Ok(name);
                }
                Some(c) => {
                    name.push(*c);
                    self.at += 1;
                }
            }
        }
    }

    /// Fields up to `close` (or the end for a top-level list).
    fn fields(&mut self, close: Option<(char, usize)>) -> Result<Vec<StructField>, String> {
        let depth = close.map(|(_, d)| d).unwrap_or(0);
        let mut fields: Vec<StructField> = Vec::new();
        loop {
            self.skip_space();
            if let Some((c, _)) = close
                && self.eat(c)
            {
                return Ok(fields);
            }
            if close.is_none() && self.at >= self.chars.len() {
                return Ok(fields);
            }
            if !fields.is_empty() && !self.eat(',') {
                return Err(format!("expected ',' at '{}'", self.rest()));
            }
            let name = self.name()?;
            self.eat(':');
            let data_type = self.data_type(depth + 1)?;
            let mut nullable = true;
            if self.peek_after_space().eq_ignore_ascii_case("not") {
                self.word();
                if !self.word().eq_ignore_ascii_case("null") {
                    return Err(format!("expected NOT NULL after field '{name}'"));
                }
                nullable = false;
            }
            if self.peek_after_space().eq_ignore_ascii_case("comment") {
                self.word();
                self.string_literal()?;
            }
            if fields.iter().any(|f| f.name == name) {
                return Err(format!("field '{name}' appears twice"));
            }
            fields.push(StructField {
                name,
                data_type,
                nullable,
            });
        }
    }

    fn peek_after_space(&mut self) -> String {
        self.skip_space();
        self.peek_word()
    }

    fn string_literal(&mut self) -> Result<(), String> {
        self.skip_space();
        let Some(&quote) = self
            .chars
            .get(self.at)
            .filter(|c| **c == '\'' || **c == '"')
        else {
            return Err("COMMENT needs a quoted text".into());
        };
        self.at += 1;
        while let Some(&c) = self.chars.get(self.at) {
            self.at += 1;
            if c == '\\' {
                self.at += 1;
            } else if c == quote {
                return Ok(());
            }
        }
        Err("unterminated COMMENT text".into())
    }

    fn number(&mut self) -> Result<u32, String> {
        let w = self.word();
        w.parse()
            .map_err(|_| format!("expected a number, got '{w}'"))
    }

    fn data_type(&mut self, depth: usize) -> Result<DataType, String> {
        if depth > MAX_DEPTH {
            return Err(format!("types nest deeper than {MAX_DEPTH} levels"));
        }
        let word = self.word();
        let lower = word.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "boolean" | "bool" => DataType::Boolean,
            "tinyint" | "byte" => DataType::Integral(Integral::Tiny),
            "smallint" | "short" => DataType::Integral(Integral::Small),
            "int" | "integer" => DataType::Integral(Integral::Int),
            "bigint" | "long" => DataType::Integral(Integral::Big),
            "float" | "real" => DataType::Float,
            "double" => DataType::Double,
            "string" => DataType::String,
            "binary" => DataType::Binary,
            "date" => DataType::Date,
            "timestamp" | "timestamp_ltz" => DataType::Timestamp,
            "timestamp_ntz" => DataType::TimestampNtz,
            "variant" => DataType::Variant,
            "decimal" | "dec" | "numeric" => {
                let (mut precision, mut scale) = (10, 0);
                if self.eat('(') {
                    precision = self.number()?;
                    if self.eat(',') {
                        scale = self.number()?;
                    }
                    if !self.eat(')') {
                        return Err("expected ')' after the decimal's precision".into());
                    }
                }
                if !(1..=38).contains(&precision) || scale > precision {
                    return Err(format!(
                        "decimal({precision},{scale}) is not a valid decimal: precision 1 to 38, scale at most the precision"
                    ));
                }
                DataType::Decimal { precision, scale }
            }
            "array" => {
                self.expect('<', "ARRAY")?;
                let item = self.data_type(depth + 1)?;
                self.expect('>', "ARRAY<...")?;
                DataType::Array(Box::new(item))
            }
            "map" => {
                self.expect('<', "MAP")?;
                let key = self.data_type(depth + 1)?;
                self.expect(',', "MAP<key")?;
                let value = self.data_type(depth + 1)?;
                self.expect('>', "MAP<key, value")?;
                if key != DataType::String {
                    return Err(format!(
                        "map keys must be STRING in a JSON schema (Spark's from_json reads JSON object keys as strings), got {}",
                        key.simple_string()
                    ));
                }
                DataType::Map(Box::new(key), Box::new(value))
            }
            "struct" => {
                self.expect('<', "STRUCT")?;
                DataType::Struct(self.fields(Some(('>', depth)))?)
            }
            "char" | "varchar" => {
                return Err(format!(
                    "{} cannot be used in a JSON schema (Spark refuses char/varchar there); use STRING",
                    word.to_uppercase()
                ));
            }
            "" => return Err(format!("expected a type at '{}'", self.rest())),
            _ => {
                return Err(format!(
                    "type '{word}' is not supported in a JSON schema; use BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p,s), STRING, BINARY, DATE, TIMESTAMP, TIMESTAMP_NTZ, VARIANT, ARRAY, MAP or STRUCT"
                ));
            }
        })
    }

    fn expect(&mut self, c: char, after: &str) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{c}' after {after} at '{}'", self.rest()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simple(ddl: &str) -> String {
        DataType::Struct(parse_struct(ddl).unwrap()).simple_string()
    }

    #[test]
    fn field_lists_and_structs_read_as_spark_does() {
        assert_eq!(simple("a INT"), "struct<a:int>");
        assert_eq!(simple("struct<a:int>"), "struct<a:int>");
        assert_eq!(
            simple("STRUCT<a: INT NOT NULL, `b c`: STRING COMMENT 'x'>"),
            "struct<a:int,b c:string>"
        );
        assert_eq!(simple("a DECIMAL"), "struct<a:decimal(10,0)>");
        assert_eq!(
            simple("a timestamp_ntz, b float, c real"),
            "struct<a:timestamp_ntz,b:float,c:float>"
        );
        assert_eq!(
            simple("a map<string, array<struct<b:int>>>"),
            "struct<a:map<string,array<struct<b:int>>>>"
        );
        let fields = parse_struct("a INT, b STRING NOT NULL COMMENT 'hi'").unwrap();
        assert!(fields[0].nullable);
        assert!(!fields[1].nullable);
        assert_eq!(parse_struct("`c``d` INT").unwrap()[0].name, "c`d");
    }

    #[test]
    fn bad_schemas_say_why() {
        for (ddl, words) in [
            ("int", "expected a type"),
            ("a VARCHAR(5)", "use STRING"),
            ("a MAP<INT, INT>", "map keys must be STRING"),
            ("a INTERVAL DAY", "not supported"),
            ("a INT,", "expected a field name"),
            ("a ARRAY<INT", "expected '>'"),
            ("a INT, a STRING", "appears twice"),
            ("a DECIMAL(40,2)", "not a valid decimal"),
            ("", "no fields"),
        ] {
            let e = parse_struct(ddl).unwrap_err();
            assert!(e.contains(words), "{ddl}: {e}");
        }
    }

    #[test]
    fn long_structs_are_truncated_like_spark() {
        let ddl: Vec<String> = (0..27).map(|i| format!("f{i} INT")).collect();
        let s = simple(&ddl.join(", "));
        assert!(s.starts_with("struct<f0:int,"), "{s}");
        assert!(s.ends_with("f23:int,... 3 more fields>"), "{s}");
    }

    #[test]
    fn spark_ddl_quotes_names() {
        let t = DataType::Struct(parse_struct("`a.b` INT, c STRUCT<d: STRING NOT NULL>").unwrap());
        assert_eq!(
            t.spark_ddl(),
            "STRUCT<`a.b`: INT, `c`: STRUCT<`d`: STRING>>"
        );
    }
}
