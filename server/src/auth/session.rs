//! Session tokens: 256 random bits handed to the client once, stored only as a SHA-256 hash.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The cookie that carries the token.
pub const COOKIE_NAME: &str = "session";

/// A fresh token (URL-safe base64 of 32 random bytes).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}
