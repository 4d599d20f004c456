use crate::FieldError;
use serde::{Deserialize, Serialize};

/// The youngest allowed age: current year − 17.
pub const MIN_AGE: i32 = 17;
/// The oldest allowed age: current year − 60.
pub const MAX_AGE: i32 = 60;

/// A birth year between (current year − 60) and (current year − 17), Seoul time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BirthYear(u16);

impl BirthYear {
    pub fn parse(year: i64, current_year: i32) -> Result<Self, FieldError> {
        let oldest = i64::from(current_year - MAX_AGE);
        let youngest = i64::from(current_year - MIN_AGE);
        if !(oldest..=youngest).contains(&year) {
            return Err(FieldError::new(
                "BIRTH_YEAR",
                format!("birth_year must be between {oldest} and {youngest}"),
            ));
        }
        Ok(Self(u16::try_from(year).expect("range checked above")))
    }

    pub fn get(self) -> u16 {
        self.0
    }

    /// Age as API.md defines it: current year minus birth year.
    pub fn age(self, current_year: i32) -> i32 {
        current_year - i32::from(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_exactly_the_allowed_range() {
        assert!(BirthYear::parse(2026 - 17, 2026).is_ok());
        assert!(BirthYear::parse(2026 - 60, 2026).is_ok());
        assert_eq!(
            BirthYear::parse(2026 - 16, 2026).unwrap_err().field,
            "BIRTH_YEAR"
        );
        assert!(BirthYear::parse(2026 - 61, 2026).is_err());
        assert!(BirthYear::parse(-5, 2026).is_err());
        assert!(BirthYear::parse(i64::MAX, 2026).is_err());
    }
}
