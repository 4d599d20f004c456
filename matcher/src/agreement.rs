//! How much a candidate agrees with what a requester asked: the four numbers that scoring
//! weighs and that training learns the weights of. One function computes them for both, so the
//! weights a model learns are weights of exactly what the matcher scores.

use storage::options::{AgePreference, MatchOptions};
use storage::profile::MbtiPreference;

/// How many agreements there are.
pub const AGREEMENTS: usize = 4;
/// The agreements' names in the order [`Asked::agreements`] returns them, as the weights file
/// spells them.
pub const NAMES: [&str; AGREEMENTS] = ["age", "mbti", "hobby", "contact_frequency"];

/// A request's options turned into numbers, so that the per-row work has no branch on them:
/// an option not asked for gives every candidate 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    requester_birth_year: u16,
    /// 1 for the age direction asked, 0 for the others.
    older: u32,
    younger: u32,
    equal: u32,
    /// The MBTI pairs asked about (no bits: none) and the wanted letters within them.
    mbti_mask: u8,
    mbti_bits: u8,
    /// The hobby category's bit, or 0.
    hobby_bit: u8,
    /// The contact frequency's code, or `u8::MAX`, which is nobody's.
    contact_frequency: u8,
}

impl Asked {
    pub fn new(requester_birth_year: u16, options: &MatchOptions) -> Self {
        let age = |wanted| u32::from(options.age == Some(wanted));
        let mbti = options.mbti.unwrap_or(MbtiPreference { mask: 0, bits: 0 });
        Self {
            requester_birth_year,
            older: age(AgePreference::Older),
            younger: age(AgePreference::Younger),
            equal: age(AgePreference::Equal),
            mbti_mask: mbti.mask,
            mbti_bits: mbti.bits,
            hobby_bit: options.hobby.map_or(0, |h| h.bit()),
            contact_frequency: options.contact_frequency.map_or(u8::MAX, |c| c.code()),
        }
    }

    /// A candidate's agreements, from the values the feature columns hold (`mbti` as
    /// [`storage::profile::Mbti::bits`], `contact_frequency` as its code): whether they are in
    /// the age direction asked (0/1), how many of the asked MBTI letters they have (0..=2),
    /// whether they have a hobby in the asked category (0/1), and whether their contact
    /// frequency is the asked one (0/1).
    #[inline]
    pub fn agreements(
        &self,
        birth_year: u16,
        mbti: u8,
        hobby_mask: u8,
        contact_frequency: u8,
    ) -> [u32; AGREEMENTS] {
        // Older means born earlier.
        let age = self.older * u32::from(birth_year < self.requester_birth_year)
            + self.younger * u32::from(birth_year > self.requester_birth_year)
            + self.equal * u32::from(birth_year == self.requester_birth_year);
        let letters = (!(mbti ^ self.mbti_bits) & self.mbti_mask).count_ones();
        let hobby = u32::from(hobby_mask & self.hobby_bit != 0);
        let same_frequency = u32::from(contact_frequency == self.contact_frequency);
        [age, letters, hobby, same_frequency]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storage::profile::{ContactFrequency, HobbyCategory, Mbti};

    fn enfp() -> u8 {
        Mbti::parse("ENFP").unwrap().bits()
    }

    #[test]
    fn options_not_asked_give_nothing() {
        let asked = Asked::new(2003, &MatchOptions::default());
        for frequency in 0..3 {
            assert_eq!(asked.agreements(2001, enfp(), 0x7f, frequency), [0; 4]);
        }
    }

    #[test]
    fn each_option_counts_what_the_readme_says() {
        let options = MatchOptions {
            age: Some(AgePreference::Older),
            mbti: Some(MbtiPreference::parse("EN").unwrap()),
            hobby: Some(HobbyCategory::Music),
            contact_frequency: Some(ContactFrequency::Rare),
            ..Default::default()
        };
        let asked = Asked::new(2003, &options);
        let music = HobbyCategory::Music.bit() | HobbyCategory::Game.bit();
        let rare = ContactFrequency::Rare.code();
        assert_eq!(asked.agreements(2001, enfp(), music, rare), [1, 2, 1, 1]);
        let istj = Mbti::parse("ISTJ").unwrap().bits();
        let esfp = Mbti::parse("ESFP").unwrap().bits();
        assert_eq!(
            asked.agreements(2003, istj, HobbyCategory::Game.bit(), 0),
            [0; 4]
        );
        assert_eq!(asked.agreements(2005, esfp, 0, 1), [0, 1, 0, 0]);
        let equal = MatchOptions {
            age: Some(AgePreference::Equal),
            ..Default::default()
        };
        assert_eq!(Asked::new(2003, &equal).agreements(2003, 0, 0, 0)[0], 1);
    }
}
