//! Requests the app signs for the rule store's one write function in Lakebase user mode
//! (`dq_write`, migration 0005): the operation and its fields, the signed-in user it is for and
//! a short expiry, as JSON text with its HMAC-SHA256 under a key only the tables' owner can
//! read. Users' roles hold no write privilege, so a direct connection cannot write: it has no
//! key to sign with, and a request signed for someone else is refused by the database.

use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

/// How long a signed request stays valid (it is sent at once; this only bounds a delay).
const VALID_SECONDS: i64 = 120;

/// The store's signing key, read as the tables' owner at start-up. Never printed.
pub struct AttestKey(Vec<u8>);

impl std::fmt::Debug for AttestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AttestKey(..)")
    }
}

impl AttestKey {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// `op` with `fields` for `email`, as (claim text, hex signature).
    pub fn sign(&self, email: &str, op: &str, mut fields: Map<String, Value>) -> (String, String) {
        fields.insert("op".into(), Value::from(op));
        fields.insert("email".into(), Value::from(email));
        let expires = chrono::Utc::now().timestamp() + VALID_SECONDS;
        fields.insert("exp".into(), Value::from(expires));
        let claim = Value::Object(fields).to_string();
        (claim.clone(), hex(&self.mac(claim.as_bytes())))
    }

    fn mac(&self, message: &[u8]) -> Vec<u8> {
        // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
        match <Hmac<Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(mut mac) => {
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_names_its_user_and_operation_and_signs_exactly_its_text() {
        let key = AttestKey::new(b"key".to_vec());
        let (claim, signature) = key.sign("alice@example.com", "save", Map::new());
        let parsed: Value = serde_json::from_str(&claim).unwrap();
        assert_eq!(parsed["email"], "alice@example.com");
        assert_eq!(parsed["op"], "save");
        assert!(parsed["exp"].as_i64().unwrap() > chrono::Utc::now().timestamp());
        assert_eq!(signature, hex(&key.mac(claim.as_bytes())));
        assert_eq!(signature.len(), 64);
        let other = AttestKey::new(b"other".to_vec());
        assert_ne!(signature, hex(&other.mac(claim.as_bytes())));
        assert_eq!(format!("{key:?}"), "AttestKey(..)");
    }

    /// RFC 4231 test case 2, so the database's `hmac(..., 'sha256')` and this agree.
    #[test]
    fn the_mac_is_standard_hmac_sha256() {
        let key = AttestKey::new(b"Jefe".to_vec());
        assert_eq!(
            hex(&key.mac(b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
