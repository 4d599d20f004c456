//! `Idempotency-Key`: what a client sends so that asking twice is answered once.

use storage::FieldError;

/// The longest key.
pub const MAX_CHARS: usize = 64;

/// 1 to [`MAX_CHARS`] visible characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// A header value that is not a key is 422 `INVALID_IDEMPOTENCY_KEY`.
    pub fn parse(raw: &[u8]) -> Result<Self, FieldError> {
        let invalid = || {
            FieldError::new(
                "IDEMPOTENCY_KEY",
                format!("Idempotency-Key must be 1 to {MAX_CHARS} visible characters"),
            )
        };
        let text = std::str::from_utf8(raw).map_err(|_| invalid())?.trim();
        let visible = text.chars().all(|c| !c.is_control());
        if text.is_empty() || text.chars().count() > MAX_CHARS || !visible {
            return Err(invalid());
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_visible_and_trimmed() {
        assert_eq!(IdempotencyKey::parse(b" k-1 ").unwrap().as_str(), "k-1");
        assert!(IdempotencyKey::parse(&[b'x'; 64]).is_ok());
        for bad in [&b""[..], b"   ", &[b'x'; 65], b"a\x01b", &[0xff, 0xfe]] {
            let error = IdempotencyKey::parse(bad).unwrap_err();
            assert_eq!(error.code(), "INVALID_IDEMPOTENCY_KEY");
        }
    }
}
