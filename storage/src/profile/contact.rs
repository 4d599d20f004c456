use super::text::clean_text;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// The longest contact id.
const CONTACT_ID_MAX_CHARS: usize = 40;

/// How often someone likes to keep in touch: `FREQUENT` | `NORMAL` | `RARE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContactFrequency {
    Frequent,
    Normal,
    Rare,
}

impl ContactFrequency {
    pub fn code(self) -> u8 {
        match self {
            ContactFrequency::Frequent => 0,
            ContactFrequency::Normal => 1,
            ContactFrequency::Rare => 2,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(ContactFrequency::Frequent),
            1 => Some(ContactFrequency::Normal),
            2 => Some(ContactFrequency::Rare),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ContactFrequency::Frequent => "FREQUENT",
            ContactFrequency::Normal => "NORMAL",
            ContactFrequency::Rare => "RARE",
        }
    }
}

/// Where a match can reach someone: `KAKAO` | `INSTAGRAM` | `PHONE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContactType {
    Kakao,
    Instagram,
    Phone,
}

/// A contact: its type and an id of 1–40 characters (`PHONE`: digits and `-` only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contact {
    #[serde(rename = "type")]
    pub kind: ContactType,
    pub id: String,
}

impl Contact {
    pub fn parse(kind: ContactType, raw_id: &str) -> Result<Self, FieldError> {
        let id = clean_text(raw_id, "CONTACT_ID", 1, CONTACT_ID_MAX_CHARS)?;
        if kind == ContactType::Phone && !id.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Err(FieldError::new(
                "CONTACT_ID",
                "a phone number may hold only digits and '-'",
            ));
        }
        Ok(Self { kind, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_takes_digits_and_dashes_only() {
        assert!(Contact::parse(ContactType::Phone, "010-1234-5678").is_ok());
        assert!(Contact::parse(ContactType::Phone, "010 1234").is_err());
        assert!(Contact::parse(ContactType::Kakao, "kim_0101").is_ok());
    }

    #[test]
    fn id_is_trimmed_and_bounded() {
        assert_eq!(
            Contact::parse(ContactType::Instagram, "  me  ").unwrap().id,
            "me"
        );
        assert!(Contact::parse(ContactType::Kakao, "   ").is_err());
        assert!(Contact::parse(ContactType::Kakao, &"a".repeat(41)).is_err());
    }
}
