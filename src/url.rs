//! Percent-encoding for URLs, shared by every layer (page links, downloads, REST paths).

/// Percent-encodes a query value or path segment (everything but unreserved characters).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_characters_stay() {
        assert_eq!(encode_query_value("main.sales.orders"), "main.sales.orders");
        assert_eq!(encode_query_value("a b&c/é"), "a%20b%26c%2F%C3%A9");
    }
}
