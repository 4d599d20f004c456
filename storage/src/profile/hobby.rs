use crate::FieldError;
use serde::{Deserialize, Serialize};

/// At most this many hobbies per profile.
pub const MAX_HOBBIES: usize = 5;

/// The seven hobby categories; matching compares categories, not single hobbies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HobbyCategory {
    Sports,
    CultureArt,
    Music,
    Travel,
    DailyStudy,
    Game,
    Other,
}

impl HobbyCategory {
    pub const ALL: [HobbyCategory; 7] = [
        HobbyCategory::Sports,
        HobbyCategory::CultureArt,
        HobbyCategory::Music,
        HobbyCategory::Travel,
        HobbyCategory::DailyStudy,
        HobbyCategory::Game,
        HobbyCategory::Other,
    ];

    /// This category's bit in a [`HobbyMask`].
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HobbyCategory::Sports => "SPORTS",
            HobbyCategory::CultureArt => "CULTURE_ART",
            HobbyCategory::Music => "MUSIC",
            HobbyCategory::Travel => "TRAVEL",
            HobbyCategory::DailyStudy => "DAILY_STUDY",
            HobbyCategory::Game => "GAME",
            HobbyCategory::Other => "OTHER",
        }
    }
}

/// Every hobby a profile may name, with its category (`GET /api/catalog` serves this list).
pub const HOBBY_CATALOG: &[(&str, HobbyCategory)] = &[
    ("축구", HobbyCategory::Sports),
    ("농구", HobbyCategory::Sports),
    ("야구", HobbyCategory::Sports),
    ("헬스", HobbyCategory::Sports),
    ("러닝", HobbyCategory::Sports),
    ("등산", HobbyCategory::Sports),
    ("수영", HobbyCategory::Sports),
    ("배드민턴", HobbyCategory::Sports),
    ("영화", HobbyCategory::CultureArt),
    ("전시회", HobbyCategory::CultureArt),
    ("뮤지컬", HobbyCategory::CultureArt),
    ("독서", HobbyCategory::CultureArt),
    ("사진", HobbyCategory::CultureArt),
    ("그림", HobbyCategory::CultureArt),
    ("노래방", HobbyCategory::Music),
    ("밴드", HobbyCategory::Music),
    ("악기연주", HobbyCategory::Music),
    ("콘서트", HobbyCategory::Music),
    ("힙합", HobbyCategory::Music),
    ("여행", HobbyCategory::Travel),
    ("캠핑", HobbyCategory::Travel),
    ("드라이브", HobbyCategory::Travel),
    ("맛집탐방", HobbyCategory::Travel),
    ("카페", HobbyCategory::DailyStudy),
    ("요리", HobbyCategory::DailyStudy),
    ("공부", HobbyCategory::DailyStudy),
    ("외국어", HobbyCategory::DailyStudy),
    ("산책", HobbyCategory::DailyStudy),
    ("게임", HobbyCategory::Game),
    ("보드게임", HobbyCategory::Game),
    ("e스포츠", HobbyCategory::Game),
    ("반려동물", HobbyCategory::Other),
    ("봉사활동", HobbyCategory::Other),
    ("패션", HobbyCategory::Other),
];

/// A set of hobby categories as bits (see [`HobbyCategory::bit`]).
pub type HobbyMask = u8;

/// 1–5 distinct hobby names from [`HOBBY_CATALOG`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Hobbies(Vec<String>);

impl Hobbies {
    pub fn parse(names: &[String]) -> Result<Self, FieldError> {
        let invalid = |message: String| FieldError::new("HOBBIES", message);
        if names.is_empty() || names.len() > MAX_HOBBIES {
            return Err(invalid(format!(
                "hobbies must name 1 to {MAX_HOBBIES} hobbies from the catalog"
            )));
        }
        let mut chosen: Vec<String> = Vec::with_capacity(names.len());
        for raw in names {
            let name = raw.trim();
            if category_of(name).is_none() {
                return Err(invalid(format!(
                    "unknown hobby '{}'",
                    name.chars().take(40).collect::<String>()
                )));
            }
            if chosen.iter().any(|c| c == name) {
                return Err(invalid(format!("hobby '{name}' is listed twice")));
            }
            chosen.push(name.to_owned());
        }
        Ok(Self(chosen))
    }

    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// The categories these hobbies belong to.
    pub fn mask(&self) -> HobbyMask {
        self.0
            .iter()
            .filter_map(|name| category_of(name))
            .fold(0, |mask, category| mask | category.bit())
    }
}

fn category_of(name: &str) -> Option<HobbyCategory> {
    HOBBY_CATALOG
        .iter()
        .find(|(known, _)| *known == name)
        .map(|&(_, category)| category)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn mask_has_one_bit_per_category_present() {
        let hobbies = Hobbies::parse(&names(&["축구", "농구", "영화"])).unwrap();
        assert_eq!(
            hobbies.mask(),
            HobbyCategory::Sports.bit() | HobbyCategory::CultureArt.bit()
        );
    }

    #[test]
    fn refuses_empty_too_many_unknown_and_repeated() {
        assert!(Hobbies::parse(&[]).is_err());
        assert!(Hobbies::parse(&names(&["축구", "농구", "야구", "헬스", "러닝", "등산"])).is_err());
        assert!(Hobbies::parse(&names(&["낚시질"])).is_err());
        assert!(Hobbies::parse(&names(&["축구", " 축구 "])).is_err());
        assert_eq!(Hobbies::parse(&names(&["x"])).unwrap_err().field, "HOBBIES");
    }

    #[test]
    fn catalog_names_are_unique() {
        for (i, (name, _)) in HOBBY_CATALOG.iter().enumerate() {
            assert!(HOBBY_CATALOG[i + 1..]
                .iter()
                .all(|(other, _)| other != name));
        }
    }
}
