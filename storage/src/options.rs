//! Match options: what a requester asks for, as API.md defines them.

use crate::profile::{ContactFrequency, HobbyCategory, MbtiPreference};
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// `age`: the candidate should be older, younger, or born the same year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgePreference {
    Older,
    Younger,
    Equal,
}

/// The option that must hold fully (a hard filter) when anybody satisfies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportantOption {
    Age,
    Mbti,
    Hobby,
    ContactFrequency,
}

/// Options as a client sends them; every key may be left out.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchOptionsDraft {
    #[serde(default)]
    pub age: Option<AgePreference>,
    #[serde(default)]
    pub mbti: Option<String>,
    #[serde(default)]
    pub hobby: Option<HobbyCategory>,
    #[serde(default)]
    pub contact_frequency: Option<ContactFrequency>,
    #[serde(default)]
    pub exclude_same_major: bool,
    #[serde(default)]
    pub important: Option<ImportantOption>,
}

/// Valid match options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchOptions {
    pub age: Option<AgePreference>,
    pub mbti: Option<MbtiPreference>,
    pub hobby: Option<HobbyCategory>,
    pub contact_frequency: Option<ContactFrequency>,
    pub exclude_same_major: bool,
    pub important: Option<ImportantOption>,
}

impl MatchOptions {
    /// Checks the mbti letters and that `important` names an option that is set.
    pub fn parse(draft: MatchOptionsDraft) -> Result<Self, FieldError> {
        let mbti = match draft.mbti.as_deref() {
            None => None,
            Some(text) => Some(MbtiPreference::parse(text)?),
        };
        let options = Self {
            age: draft.age,
            mbti,
            hobby: draft.hobby,
            contact_frequency: draft.contact_frequency,
            exclude_same_major: draft.exclude_same_major,
            important: draft.important,
        };
        if let Some(important) = options.important {
            if !options.is_set(important) {
                return Err(FieldError::new(
                    "IMPORTANT",
                    "important must name an option that is set",
                ));
            }
        }
        Ok(options)
    }

    /// Whether the option `which` is asked for.
    pub fn is_set(&self, which: ImportantOption) -> bool {
        match which {
            ImportantOption::Age => self.age.is_some(),
            ImportantOption::Mbti => self.mbti.is_some(),
            ImportantOption::Hobby => self.hobby.is_some(),
            ImportantOption::ContactFrequency => self.contact_frequency.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn important_must_name_a_set_option() {
        let draft = MatchOptionsDraft {
            important: Some(ImportantOption::Age),
            ..Default::default()
        };
        assert_eq!(MatchOptions::parse(draft).unwrap_err().field, "IMPORTANT");
        let draft = MatchOptionsDraft {
            age: Some(AgePreference::Older),
            important: Some(ImportantOption::Age),
            ..Default::default()
        };
        assert!(MatchOptions::parse(draft).is_ok());
    }

    #[test]
    fn bad_mbti_letters_name_the_mbti_field() {
        let draft = MatchOptionsDraft {
            mbti: Some("EI".into()),
            ..Default::default()
        };
        assert_eq!(MatchOptions::parse(draft).unwrap_err().field, "MBTI");
    }
}
