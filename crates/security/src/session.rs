//! Session ids, CSRF tokens and API tokens: generated from the OS CSPRNG, stored only as SHA-256 hashes.

use crate::crypto::{constant_time_eq, random_token, sha256, to_hex};

/// Random bytes in a session id, CSRF token or API token (256 bits).
pub const TOKEN_BYTES: usize = 32;

/// Prefix of API tokens, so leaked tokens are recognisable by secret scanners.
pub const API_TOKEN_PREFIX: &str = "rct_";

/// A new session id: 32 bytes (256 bits) from the OS CSPRNG, base64url (43 characters). Issue a
/// new one at every login; never reuse one presented by the client.
pub fn new_session_id() -> String {
    random_token(TOKEN_BYTES)
}

/// What the database stores for a session id: lowercase hex SHA-256 of it, so a leaked session
/// table reveals no live id. Look sessions up by this key.
pub fn session_key(id: &str) -> String {
    to_hex(&sha256(id.as_bytes()))
}

/// A new CSRF token (256 bits, base64url).
pub fn new_csrf_token() -> String {
    random_token(TOKEN_BYTES)
}

/// Compares a submitted CSRF token with the expected one in constant time. An empty expected
/// token never matches.
pub fn csrf_matches(expected: &str, submitted: &str) -> bool {
    !expected.is_empty() && constant_time_eq(expected.as_bytes(), submitted.as_bytes())
}

/// A new API token: `(token, stored_hash)`. The token (`rct_` + 43 base64url characters) is shown
/// to the user once; only the hash (see [`api_token_hash`]) is stored.
pub fn new_api_token() -> (String, String) {
    let token = format!("{API_TOKEN_PREFIX}{}", random_token(TOKEN_BYTES));
    let hash = api_token_hash(&token);
    (token, hash)
}

/// The stored form of an API token: lowercase hex SHA-256 of the whole token, prefix included.
/// Tokens carry 256 random bits, so a fast hash is enough (no password stretching needed).
pub fn api_token_hash(token: &str) -> String {
    to_hex(&sha256(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};
    use std::collections::HashSet;

    #[test]
    fn session_ids_are_unique_and_256_bit() {
        let ids: HashSet<String> = (0..1000).map(|_| new_session_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in ids.iter().take(20) {
            assert_eq!(id.len(), 43);
            let raw = Base64UrlUnpadded::decode_vec(id).unwrap();
            assert_eq!(raw.len() * 8, 256);
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            );
        }
    }

    #[test]
    fn session_key_is_hex_sha256_and_hides_the_id() {
        let id = new_session_id();
        let key = session_key(&id);
        assert_eq!(key.len(), 64);
        assert!(
            key.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert!(!key.contains(&id));
        assert_eq!(key, session_key(&id));
        assert_eq!(
            session_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn csrf_tokens_are_random_and_compared_exactly() {
        let a = new_csrf_token();
        let b = new_csrf_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(csrf_matches(&a, &a));
        assert!(!csrf_matches(&a, &b));
        assert!(!csrf_matches(&a, ""));
        assert!(!csrf_matches("", ""));
    }

    #[test]
    fn api_tokens_are_prefixed_and_stored_hashed() {
        let (token, hash) = new_api_token();
        assert!(token.starts_with("rct_"));
        assert_eq!(token.len(), 4 + 43);
        assert_eq!(hash, api_token_hash(&token));
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&token[4..]));
        let (other, other_hash) = new_api_token();
        assert_ne!(token, other);
        assert_ne!(hash, other_hash);
    }
}
