use crate::FieldError;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The four MBTI pairs, in order; in each the first letter sets the pair's bit.
const PAIRS: [(char, char); 4] = [('E', 'I'), ('S', 'N'), ('T', 'F'), ('J', 'P')];

/// Which pair a letter belongs to and whether it is the pair's first letter.
fn letter_bit(letter: char) -> Option<(usize, bool)> {
    let upper = letter.to_ascii_uppercase();
    PAIRS
        .iter()
        .enumerate()
        .find_map(|(pair, &(first, second))| {
            if upper == first {
                Some((pair, true))
            } else if upper == second {
                Some((pair, false))
            } else {
                None
            }
        })
}

/// Four letters, one from each pair, stored as four bits (bit i set = first letter of pair i).
/// Text (`"ENFP"`) in JSON, one byte on the wire and in the columnar file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[schema(value_type = String, example = "ENFP")]
pub struct Mbti(u8);

impl Mbti {
    /// Case-insensitive: `enfp` is `ENFP`.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let invalid = || FieldError::new("MBTI", "mbti must be four letters such as ENFP");
        let letters: Vec<char> = text.trim().chars().collect();
        if letters.len() != 4 {
            return Err(invalid());
        }
        let mut bits = 0u8;
        for (position, &letter) in letters.iter().enumerate() {
            let (pair, first) = letter_bit(letter).ok_or_else(invalid)?;
            if pair != position {
                return Err(invalid());
            }
            if first {
                bits |= 1 << pair;
            }
        }
        Ok(Self(bits))
    }

    pub fn from_bits(bits: u8) -> Option<Self> {
        (bits < 16).then_some(Self(bits))
    }

    pub fn bits(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Mbti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (pair, &(first, second)) in PAIRS.iter().enumerate() {
            let letter = if self.0 & (1 << pair) != 0 {
                first
            } else {
                second
            };
            write!(f, "{letter}")?;
        }
        Ok(())
    }
}

impl Serialize for Mbti {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.serialize_u8(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Mbti {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            Mbti::parse(&text).map_err(de::Error::custom)
        } else {
            let bits = u8::deserialize(deserializer)?;
            Mbti::from_bits(bits).ok_or_else(|| de::Error::custom("mbti bits out of range"))
        }
    }
}

/// A match option: two letters from two different pairs, e.g. `EN`.
/// `mask` has the bits of the two pairs asked about; `bits` the wanted letters within them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MbtiPreference {
    pub mask: u8,
    pub bits: u8,
}

impl MbtiPreference {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let invalid = || {
            FieldError::new(
                "MBTI",
                "mbti option must be two letters from two different pairs, such as EN",
            )
        };
        let letters: Vec<char> = text.trim().chars().collect();
        if letters.len() != 2 {
            return Err(invalid());
        }
        let (mut mask, mut bits) = (0u8, 0u8);
        for letter in letters {
            let (pair, first) = letter_bit(letter).ok_or_else(invalid)?;
            if mask & (1 << pair) != 0 {
                return Err(invalid());
            }
            mask |= 1 << pair;
            if first {
                bits |= 1 << pair;
            }
        }
        Ok(Self { mask, bits })
    }

    /// How many of the two wanted letters `mbti` has (0, 1 or 2).
    pub fn agreement(self, mbti: Mbti) -> u32 {
        (!(mbti.bits() ^ self.bits) & self.mask).count_ones()
    }
}

impl fmt::Display for MbtiPreference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (pair, &(first, second)) in PAIRS.iter().enumerate() {
            if self.mask & (1 << pair) != 0 {
                let letter = if self.bits & (1 << pair) != 0 {
                    first
                } else {
                    second
                };
                write!(f, "{letter}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_valid_type_round_trips_through_text_and_bits() {
        for bits in 0..16u8 {
            let mbti = Mbti::from_bits(bits).unwrap();
            let text = mbti.to_string();
            assert_eq!(Mbti::parse(&text).unwrap(), mbti);
            assert_eq!(Mbti::parse(&text.to_lowercase()).unwrap(), mbti);
        }
        assert_eq!(Mbti::parse("enfp").unwrap().to_string(), "ENFP");
    }

    #[test]
    fn refuses_misordered_repeated_or_foreign_letters() {
        for bad in ["", "ENF", "ENFPX", "NEFP", "EEFP", "ABCD", "ＥNFP", "E NF"] {
            assert_eq!(Mbti::parse(bad).unwrap_err().field, "MBTI", "{bad}");
        }
    }

    #[test]
    fn preference_needs_two_letters_of_different_pairs() {
        let en = MbtiPreference::parse("en").unwrap();
        assert_eq!(en.to_string(), "EN");
        assert_eq!(en.agreement(Mbti::parse("ENFP").unwrap()), 2);
        assert_eq!(en.agreement(Mbti::parse("ESFP").unwrap()), 1);
        assert_eq!(en.agreement(Mbti::parse("ISTJ").unwrap()), 0);
        for bad in ["EI", "E", "ENF", "XY", ""] {
            assert!(MbtiPreference::parse(bad).is_err(), "{bad}");
        }
    }
}
