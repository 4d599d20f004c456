//! What a report says: its category, and how an operator resolves it.

use serde::{Deserialize, Serialize};
use storage::FieldError;
use utoipa::ToSchema;

/// The longest report text, in characters.
pub const MAX_CONTENT_CHARS: usize = 300;
/// The longest resolution reason, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// `HARASSMENT` | `FAKE_PROFILE` | `SPAM` | `OTHER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportCategory {
    Harassment,
    FakeProfile,
    Spam,
    Other,
}

impl ReportCategory {
    /// A multipart text part (JSON bodies parse through serde).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        serde_json::from_value(serde_json::Value::String(raw.trim().to_owned())).map_err(|_| {
            FieldError::new(
                "CATEGORY",
                "category is HARASSMENT, FAKE_PROFILE, SPAM or OTHER",
            )
        })
    }
}

/// `OPEN` until an operator resolves it, then `DISMISSED` or `BANNED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportStatus {
    Open,
    Dismissed,
    Banned,
}

/// `DISMISS` | `BAN` (the reported student, with the reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResolveAction {
    Dismiss,
    Ban,
}

impl ResolveAction {
    pub fn status(self) -> ReportStatus {
        match self {
            Self::Dismiss => ReportStatus::Dismissed,
            Self::Ban => ReportStatus::Banned,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_parse_from_their_names_only() {
        assert_eq!(
            ReportCategory::parse(" FAKE_PROFILE ").unwrap(),
            ReportCategory::FakeProfile
        );
        for bad in ["", "fake_profile", "ABUSE"] {
            assert_eq!(
                ReportCategory::parse(bad).unwrap_err().code(),
                "INVALID_CATEGORY"
            );
        }
    }
}
