//! The profile vocabulary: types that can only hold valid values (parse, don't validate).

mod birth_year;
mod contact;
mod gender;
mod hobby;
mod mbti;
mod text;

pub use birth_year::{BirthYear, MAX_AGE, MIN_AGE};
pub use contact::{Contact, ContactFrequency, ContactType};
pub use gender::Gender;
pub use hobby::{Hobbies, HobbyCategory, HobbyMask, HOBBY_CATALOG, MAX_HOBBIES};
pub use mbti::{Mbti, MbtiPreference};
pub use text::{clean_text, Comment, Major, Song};

use crate::events::Features;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// A profile as a client sends it: shapes checked by serde, values not yet checked.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileDraft {
    pub gender: Gender,
    pub birth_year: i64,
    pub mbti: String,
    pub major: String,
    pub hobbies: Vec<String>,
    pub contact_frequency: ContactFrequency,
    pub contact: ContactDraft,
    #[serde(default)]
    pub song: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A contact as a client sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactDraft {
    #[serde(rename = "type")]
    pub kind: ContactType,
    pub id: String,
}

/// A complete, valid profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Profile {
    pub gender: Gender,
    pub birth_year: BirthYear,
    pub mbti: Mbti,
    pub major: Major,
    pub hobbies: Hobbies,
    pub contact_frequency: ContactFrequency,
    pub contact: Contact,
    pub song: Option<Song>,
    pub comment: Option<Comment>,
}

impl Profile {
    /// Checks every field of `draft` against API.md's rules; `current_year` is Seoul's.
    pub fn parse(draft: ProfileDraft, current_year: i32) -> Result<Self, FieldError> {
        Ok(Self {
            gender: draft.gender,
            birth_year: BirthYear::parse(draft.birth_year, current_year)?,
            mbti: Mbti::parse(&draft.mbti)?,
            major: Major::parse(&draft.major)?,
            hobbies: Hobbies::parse(&draft.hobbies)?,
            contact_frequency: draft.contact_frequency,
            contact: Contact::parse(draft.contact.kind, &draft.contact.id)?,
            song: Song::parse_optional(draft.song.as_deref())?,
            comment: Comment::parse_optional(draft.comment.as_deref())?,
        })
    }

    /// What the matcher needs of this profile: no names, no contact.
    pub fn features(&self, pickable: bool) -> Features {
        Features {
            gender: self.gender,
            birth_year: self.birth_year.get(),
            mbti: self.mbti,
            hobby_mask: self.hobbies.mask(),
            contact_frequency: self.contact_frequency,
            major: self.major.as_str().to_owned(),
            pickable,
        }
    }
}
