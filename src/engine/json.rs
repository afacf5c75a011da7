//! JSON text read the way Spark reads it for DQX's JSON checks (`try_parse_json` and
//! `from_json`, both over Jackson): the first value of the text counts and what follows a closed
//! object, array or string is ignored; a root number must be followed by whitespace and a root
//! literal by a non-word character; duplicate keys, unescaped control characters, lone
//! surrogates, leading zeros and nesting deeper than 1,000 are invalid. Numbers keep their text.

/// A parsed JSON value. Object members keep their order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// A number's text as written (`-0`, `1e400`).
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Whether a number's text is an integer token (no fraction, no exponent).
    pub fn is_integer_token(text: &str) -> bool {
        !text.contains(['.', 'e', 'E'])
    }
}

/// Jackson's default limit on nesting.
const MAX_NESTING: usize = 1000;

/// The first JSON value of `text`, or `None` when Spark's parser rejects it.
pub fn parse(text: &str) -> Option<Json> {
    let mut p = Reader {
        bytes: text.as_bytes(),
        text,
        at: 0,
    };
    p.space();
    let value = p.value(0)?;
    let next = p.bytes.get(p.at).copied();
    let ok_after = match &value {
        Json::Number(_) => next.is_none_or(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')),
        Json::Bool(_) | Json::Null => {
            let rest = &text[p.at..];
            rest.chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '$'))
        }
        _ => true,
    };
    ok_after.then_some(value)
}

/// Whether `text` is JSON as DQX's `is_valid_json` (`try_parse_json`) accepts it.
pub fn is_valid(text: &str) -> bool {
    parse(text).is_some()
}

struct Reader<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
}

impl Reader<'_> {
    fn space(&mut self) {
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Option<Json> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Some(value)
        } else {
            None
        }
    }

    fn value(&mut self, depth: usize) -> Option<Json> {
        match self.bytes.get(self.at)? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Json::String),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'n' => self.literal("null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// After a value inside a container: the next byte must be a delimiter.
    fn delimited(&mut self) -> Option<u8> {
        self.space();
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn object(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_NESTING {
            return None;
        }
        self.at += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        self.space();
        if self.bytes.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Some(Json::Object(members));
        }
        loop {
            self.space();
            if self.bytes.get(self.at) != Some(&b'"') {
                return None;
            }
            let key = self.string()?;
            if members.iter().any(|(k, _)| *k == key) {
                return None;
            }
            if self.delimited()? != b':' {
                return None;
            }
            self.space();
            let value = self.value(depth)?;
            members.push((key, value));
            match self.delimited()? {
                b',' => continue,
                b'}' => return Some(Json::Object(members)),
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_NESTING {
            return None;
        }
        self.at += 1;
        let mut items = Vec::new();
        self.space();
        if self.bytes.get(self.at) == Some(&b']') {
            self.at += 1;
            return Some(Json::Array(items));
        }
        loop {
            self.space();
            items.push(self.value(depth)?);
            match self.delimited()? {
                b',' => continue,
                b']' => return Some(Json::Array(items)),
                _ => return None,
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        let code = u32::from_str_radix(digits, 16).ok()?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.at += 4;
        Some(code)
    }

    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let c = rest.chars().next()?;
            self.at += c.len_utf8();
            match c {
                '"' => return Some(out),
                '\\' => {
                    let e = *self.bytes.get(self.at)?;
                    self.at += 1;
                    out.push(match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    });
                }
                c if (c as u32) < 0x20 => return None,
                c => out.push(c),
            }
        }
    }

    /// `\uXXXX`, a surrogate pair joined; a lone surrogate is invalid.
    fn unicode_escape(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if (0xDC00..0xE000).contains(&high) {
            return None;
        }
        if (0xD800..0xDC00).contains(&high) {
            if self.text.get(self.at..self.at + 2) != Some("\\u") {
                return None;
            }
            self.at += 2;
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return None;
            }
            return char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00));
        }
        char::from_u32(high)
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.at;
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        let int_start = self.at;
        if self.digits() == 0 {
            return None;
        }
        if self.bytes[int_start] == b'0' && self.at - int_start > 1 {
            return None;
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.bytes.get(self.at), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.bytes.get(self.at), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(Json::Number(self.text[start..self.at].to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_follows_spark() {
        // Each answer observed with DQX 0.17's is_valid_json on Spark 4.
        for (text, valid) in [
            ("{\"a\":1}", true),
            ("  {\"a\":1}  ", true),
            ("123", true),
            ("\"s\"", true),
            ("null", true),
            ("-0", true),
            ("1E+2", true),
            ("0.0e-0", true),
            ("{\"x\":1e400}", true),
            ("{\"\":1}", true),
            ("{\"a\" : 1 }", true),
            ("{\"a\":1}x", true),
            ("{\"a\":1} {\"b\":2}", true),
            ("1 2", true),
            ("[1]]", true),
            ("\"a\"x", true),
            ("{\"a\":1}{", true),
            ("true false", true),
            ("{\"a\":1,\"A\":2}", true),
            ("{\"a\":\"\\u00e9\"}", true),
            ("", false),
            (" ", false),
            ("1x", false),
            ("truex", false),
            ("nullx", false),
            ("1,2", false),
            ("1]", false),
            ("1.5.5", false),
            ("-", false),
            ("1.", false),
            (".5", false),
            ("1e", false),
            ("01", false),
            ("{\"a\":01}", false),
            ("\"\u{1}\"", false),
            ("\"\t\"", false),
            ("\"\\x\"", false),
            ("\"\\ud800\"", false),
            ("\"\\u00\"", false),
            ("'a'", false),
            ("NaN", false),
            ("{\"a\":1,}", false),
            ("[1,]", false),
            ("{,}", false),
            ("[,1]", false),
            ("tru", false),
            ("\u{feff}{}", false),
            ("{\"a\":1,\"a\":\"x\"}", false),
            ("{\"a\":{\"b\":1,\"b\":2}}", false),
            ("{\"a\":[1,{\"b\":1,\"b\":1}]}", false),
        ] {
            assert_eq!(is_valid(text), valid, "{text:?}");
        }
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(is_valid(&deep(300)));
        assert!(is_valid(&deep(1000)));
        assert!(!is_valid(&deep(1001)));
    }

    #[test]
    fn values_keep_number_text_and_order() {
        assert_eq!(
            parse("{\"b\":1.50,\"a\":[true,null]}"),
            Some(Json::Object(vec![
                ("b".into(), Json::Number("1.50".into())),
                ("a".into(), Json::Array(vec![Json::Bool(true), Json::Null])),
            ]))
        );
        assert_eq!(parse("\"\\ud83d\\ude00\""), Some(Json::String("😀".into())));
    }
}
