//! What a chat message carries from the client: its text and the client's id for it.

use super::multiline::multiline_text;
use storage::FieldError;

/// The longest message, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// The longest client id.
pub const MAX_CLIENT_ID_CHARS: usize = 64;

/// 1 to [`MAX_TEXT_CHARS`] characters, trimmed; line breaks and tabs allowed, no other control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatText(String);

impl ChatText {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        multiline_text(raw, "TEXT", MAX_TEXT_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id a client gives a message so that sending it again stores it once: 1 to
/// [`MAX_CLIENT_ID_CHARS`] visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let visible = raw.bytes().all(|b| b.is_ascii_graphic());
        if raw.is_empty() || raw.len() > MAX_CLIENT_ID_CHARS || !visible {
            return Err(FieldError::new(
                "CLIENT_ID",
                format!("client_id must be 1 to {MAX_CLIENT_ID_CHARS} visible ASCII characters"),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(
            ChatText::parse("  안녕\n하세요 ").unwrap().as_str(),
            "안녕\n하세요"
        );
        assert!(ChatText::parse(&"가".repeat(MAX_TEXT_CHARS)).is_ok());
        for bad in [
            "",
            "   ",
            "a\u{0}b",
            "a\u{1b}[31m",
            &"가".repeat(MAX_TEXT_CHARS + 1),
        ] {
            assert_eq!(
                ChatText::parse(bad).unwrap_err().code(),
                "INVALID_TEXT",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn client_ids_are_short_visible_ascii() {
        assert!(ClientId::parse("0b6f7c7e-1d2f-4a55-9a1b-1f0f3c1e2d3a").is_ok());
        for bad in ["", "a b", "한글", &"x".repeat(MAX_CLIENT_ID_CHARS + 1)] {
            assert_eq!(
                ClientId::parse(bad).unwrap_err().code(),
                "INVALID_CLIENT_ID"
            );
        }
    }
}
