use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;

/// Characters that draw nothing or silently reorder the text around them, so a value holding
/// one shows other people something other than what it is: a nickname that looks like a taken
/// one, a comment whose end is shown first. This is every character of Unicode's `Cf` (format)
/// category as of Unicode 16 (std cannot ask for a category, and `Cf` is small and rarely
/// grows, so a list beats a table crate), plus the Hangul fillers: letters by category that
/// draw as blank space, so a nickname of fillers would look empty. The cost is emoji sequences
/// joined by U+200D (woman + laptop = woman technologist), which must be sent as their parts.
const INVISIBLE: &[RangeInclusive<char>] = &[
    // Bidirectional controls: embeddings, overrides, isolates and marks.
    '\u{200E}'..='\u{200F}',
    '\u{202A}'..='\u{202E}',
    '\u{2066}'..='\u{2069}',
    '\u{061C}'..='\u{061C}',
    // Zero-width space, joiners, word joiner, invisible operators, BOM, Mongolian separator.
    '\u{200B}'..='\u{200D}',
    '\u{2060}'..='\u{2064}',
    '\u{FEFF}'..='\u{FEFF}',
    '\u{180E}'..='\u{180E}',
    // Soft hyphen: shown only where a line breaks.
    '\u{00AD}'..='\u{00AD}',
    // The rest of `Cf`: deprecated shaping controls, annotation anchors, tags (invisible ASCII),
    // and number or layout marks of scripts the booth does not use.
    '\u{206A}'..='\u{206F}',
    '\u{FFF9}'..='\u{FFFB}',
    '\u{E0001}'..='\u{E0001}',
    '\u{E0020}'..='\u{E007F}',
    '\u{0600}'..='\u{0605}',
    '\u{06DD}'..='\u{06DD}',
    '\u{070F}'..='\u{070F}',
    '\u{0890}'..='\u{0891}',
    '\u{08E2}'..='\u{08E2}',
    '\u{110BD}'..='\u{110BD}',
    '\u{110CD}'..='\u{110CD}',
    '\u{13430}'..='\u{1343F}',
    '\u{1BCA0}'..='\u{1BCA3}',
    '\u{1D173}'..='\u{1D17A}',
    // Hangul fillers (choseong, jungseong, compatibility, halfwidth).
    '\u{115F}'..='\u{1160}',
    '\u{3164}'..='\u{3164}',
    '\u{FFA0}'..='\u{FFA0}',
];

/// Whether `c` is a control character or one of the [`INVISIBLE`] ones.
fn is_hidden(c: char) -> bool {
    c.is_control() || INVISIBLE.iter().any(|range| range.contains(&c))
}

/// Trims `raw`, refuses control, invisible and direction-changing characters (see
/// [`INVISIBLE`]), and checks its length in characters. The message names the refused
/// character's code point, since the person who typed it cannot see it.
pub fn clean_text(
    raw: &str,
    field: &'static str,
    min_chars: usize,
    max_chars: usize,
) -> Result<String, FieldError> {
    let text = raw.trim();
    let name = field.to_ascii_lowercase();
    if let Some(hidden) = text.chars().find(|&c| is_hidden(c)) {
        return Err(FieldError::new(
            field,
            format!(
                "{name} must not contain control, invisible or direction-changing characters \
                 (U+{:04X})",
                u32::from(hidden)
            ),
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

    #[test]
    fn refuses_invisible_and_direction_changing_characters() {
        for hidden in [
            '\u{202E}',
            '\u{202A}',
            '\u{2066}',
            '\u{2069}',
            '\u{200E}',
            '\u{200F}',
            '\u{061C}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{2064}',
            '\u{FEFF}',
            '\u{180E}',
            '\u{00AD}',
            '\u{E0041}',
            '\u{3164}',
            '\u{115F}',
        ] {
            let error = Comment::parse(&format!("안녕{hidden}하세요")).unwrap_err();
            assert_eq!(error.field, "COMMENT", "{:04X}", u32::from(hidden));
            assert!(
                error
                    .message
                    .contains(&format!("U+{:04X}", u32::from(hidden))),
                "{}",
                error.message
            );
        }
        let error = clean_text("bob\u{200B}", "NICKNAME", 2, 16).unwrap_err();
        assert_eq!(error.code(), "INVALID_NICKNAME");
    }

    #[test]
    fn keeps_visible_text_and_emoji() {
        for text in ["수학과 3학년", "café", "❤\u{FE0F} 봄날", "👍🏽", "ㅋㅋㅋ"] {
            assert_eq!(Comment::parse(text).unwrap().as_str(), text);
        }
    }
}
