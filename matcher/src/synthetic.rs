//! Synthetic candidates with festival-like distributions, for benchmarks and load tests.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use storage::columnar::FeatureTable;
use storage::events::{Features, UserEvent, UserUpserted};
use storage::matching::MatchRequest;
use storage::options::{AgePreference, ImportantOption, MatchOptions};
use storage::profile::{ContactFrequency, Gender, HobbyCategory, Mbti, MbtiPreference};
use storage::UserId;

/// Sixty departments, as at a mid-sized university.
fn major(rng: &mut StdRng) -> String {
    format!("학과{:02}", rng.random_range(0..60))
}

/// A student: mostly 19–26, MBTI skewed as surveys of Korean students show (E/I even, N less
/// common), one to three hobby categories, most pickable.
pub fn features(rng: &mut StdRng) -> Features {
    let year = 2026 - [19, 20, 20, 21, 21, 22, 22, 23, 24, 25, 26][rng.random_range(0..11)];
    let mut mbti = 0u8;
    for (bit, p_first) in [0.5, 0.6, 0.45, 0.5].into_iter().enumerate() {
        if rng.random_bool(p_first) {
            mbti |= 1 << bit;
        }
    }
    let mut hobbies = 0u8;
    for _ in 0..rng.random_range(1..=3) {
        hobbies |= HobbyCategory::ALL[rng.random_range(0..HobbyCategory::ALL.len())].bit();
    }
    Features {
        gender: if rng.random_bool(0.5) {
            Gender::Male
        } else {
            Gender::Female
        },
        birth_year: year,
        mbti: Mbti::from_bits(mbti).expect("four bits"),
        hobby_mask: hobbies,
        contact_frequency: ContactFrequency::from_code(rng.random_range(0..3)).expect("0..3"),
        major: major(rng),
        pickable: rng.random_bool(0.9),
    }
}

/// A table of `rows` synthetic candidates (ids 0..rows).
pub fn table(rows: usize, seed: u64) -> FeatureTable {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut table = FeatureTable::new();
    for id in 0..rows as u64 {
        table.apply(&UserEvent::Upserted(UserUpserted {
            user_id: UserId(id),
            version: 1,
            features: features(&mut rng),
        }));
    }
    table
}

/// A request with random options (each set with probability ½) from a synthetic requester.
pub fn request(rng: &mut StdRng, exclude: usize) -> MatchRequest {
    let mut options = MatchOptions {
        age: rng.random_bool(0.5).then(|| {
            [
                AgePreference::Older,
                AgePreference::Younger,
                AgePreference::Equal,
            ][rng.random_range(0..3)]
        }),
        mbti: rng.random_bool(0.5).then(|| {
            MbtiPreference::parse(["EN", "IS", "TJ", "FP"][rng.random_range(0..4)]).expect("valid")
        }),
        hobby: rng
            .random_bool(0.5)
            .then(|| HobbyCategory::ALL[rng.random_range(0..HobbyCategory::ALL.len())]),
        contact_frequency: rng
            .random_bool(0.5)
            .then(|| ContactFrequency::from_code(rng.random_range(0..3)).expect("0..3")),
        exclude_same_major: rng.random_bool(0.3),
        important: None,
    };
    let wanted = [
        ImportantOption::Age,
        ImportantOption::Mbti,
        ImportantOption::Hobby,
        ImportantOption::ContactFrequency,
    ][rng.random_range(0..4)];
    options.important = options.is_set(wanted).then_some(wanted);
    MatchRequest {
        request_id: rng.random(),
        requester_id: UserId(u64::MAX),
        requester: features(rng),
        options,
        exclude: (0..exclude)
            .map(|_| UserId(rng.random_range(0..1_000)))
            .collect(),
        seed: rng.random(),
    }
}
