use crate::FieldError;
use serde::{Deserialize, Serialize};

/// Trims `raw`, refuses control characters, and checks its length in characters.
pub fn clean_text(
    raw: &str,
    field: &'static str,
    min_chars: usize,
    max_chars: usize,
) -> Result<String, FieldError> {
    let text = raw.trim();
    let name = field.to_ascii_lowercase();
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            format!("{name} must not contain control characters"),
        ));
    }
    let chars = text.chars().count();
    if chars < min_chars || chars > max_chars {
        return Err(FieldError::new(
            field,
            format!("{name} must be {min_chars} to {max_chars} characters"),
        ));
    }
    Ok(text.to_owned())
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $field:literal, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, FieldError> {
                clean_text(raw, $field, $min, $max).map(Self)
            }

            /// `None` for a missing or blank value.
            pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>, FieldError> {
                match raw.map(str::trim) {
                    None | Some("") => Ok(None),
                    Some(text) => Self::parse(text).map(Some),
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

bounded_text!(
    /// A major (department), 1–40 characters.
    Major, "MAJOR", 1, 40
);
bounded_text!(
    /// A favourite song, up to 60 characters.
    Song, "SONG", 1, 60
);
bounded_text!(
    /// A free comment, up to 200 characters.
    Comment, "COMMENT", 1, 200
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert!(Major::parse(&"컴".repeat(40)).is_ok());
        assert!(Major::parse(&"컴".repeat(41)).is_err());
    }

    #[test]
    fn refuses_control_characters_and_blank() {
        assert_eq!(Major::parse("a\u{0}b").unwrap_err().field, "MAJOR");
        assert!(Major::parse("  ").is_err());
        assert_eq!(Song::parse_optional(Some("  ")).unwrap(), None);
        assert!(Comment::parse_optional(Some(&"x".repeat(201))).is_err());
    }
}
