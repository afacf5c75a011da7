//! A wrapper for tokens and passwords whose `Debug` and `Display` print `***`, so a secret cannot
//! reach a log line, an error message or a response by accident.

use std::fmt;

/// A secret string. Read it only with [`SecretToken::expose`], at the one place it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for an `Authorization` header or a password field; never for logs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Compares with `other` in time that depends only on the lengths, not on where they differ.
    pub fn matches(&self, other: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), other.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_secret() {
        let token = SecretToken::new("dapi-very-secret");
        assert_eq!(format!("{token}"), "***");
        assert_eq!(format!("{token:?}"), "***");
        assert_eq!(format!("{:?}", Some(token.clone())), "Some(***)");
        assert_eq!(token.expose(), "dapi-very-secret");
    }

    #[test]
    fn compares_exactly() {
        let token = SecretToken::new("local-alice");
        assert!(token.matches("local-alice"));
        assert!(!token.matches("local-alicf"));
        assert!(!token.matches("local-alic"));
        assert!(!token.matches(""));
    }
}
