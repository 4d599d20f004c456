//! The engine against the rule: a table of cases, a brute-force scorer written plainly, ties.

use crate::scoring::Scorer;
use crate::weights::Weights;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use storage::columnar::{status, FeatureTable};
use storage::events::{Features, UserEvent, UserUpserted};
use storage::matching::{MatchReply, MatchRequest};
use storage::options::{AgePreference, ImportantOption, MatchOptions};
use storage::profile::{ContactFrequency, Gender, HobbyCategory, Mbti, MbtiPreference};
use storage::UserId;

const REQUESTER: u64 = 1_000;

#[derive(Clone, Debug)]
struct Person {
    id: u64,
    gender: Gender,
    birth_year: u16,
    mbti: &'static str,
    hobbies: u8,
    frequency: ContactFrequency,
    major: &'static str,
    pickable: bool,
}

fn woman(id: u64) -> Person {
    Person {
        id,
        gender: Gender::Female,
        birth_year: 2003,
        mbti: "ISTJ",
        hobbies: HobbyCategory::Other.bit(),
        frequency: ContactFrequency::Rare,
        major: "국문과",
        pickable: true,
    }
}

fn features(p: &Person) -> Features {
    Features {
        gender: p.gender,
        birth_year: p.birth_year,
        mbti: Mbti::parse(p.mbti).unwrap(),
        hobby_mask: p.hobbies,
        contact_frequency: p.frequency,
        major: p.major.into(),
        pickable: p.pickable,
    }
}

fn table(people: &[Person]) -> FeatureTable {
    let mut table = FeatureTable::new();
    for p in people {
        table.apply(&UserEvent::Upserted(UserUpserted {
            user_id: UserId(p.id),
            version: 1,
            features: features(p),
        }));
    }
    table
}

fn request(options: MatchOptions, seed: u64) -> MatchRequest {
    let me = Person {
        id: REQUESTER,
        gender: Gender::Male,
        major: "수학과",
        ..woman(REQUESTER)
    };
    MatchRequest {
        request_id: 1,
        requester_id: UserId(REQUESTER),
        requester: features(&me),
        options,
        exclude: vec![],
        seed,
    }
}

fn pick(people: &[Person], options: MatchOptions) -> MatchReply {
    Scorer::default().pick(
        &table(people),
        &request(options, 7),
        Weights::default().fixed(),
    )
}

fn matched(reply: &MatchReply) -> (u64, bool) {
    match reply {
        MatchReply::Matched {
            candidate,
            important_applied,
        } => (candidate.0, *important_applied),
        other => panic!("no match: {other:?}"),
    }
}

#[test]
fn each_option_and_combination_picks_the_candidate_the_rule_says() {
    let older = Person {
        birth_year: 2001,
        ..woman(1)
    };
    let younger = Person {
        birth_year: 2005,
        ..woman(2)
    };
    let extrovert = Person {
        mbti: "ENTJ",
        ..woman(3)
    };
    let sporty = Person {
        hobbies: HobbyCategory::Sports.bit() | HobbyCategory::Game.bit(),
        ..woman(4)
    };
    let chatty = Person {
        frequency: ContactFrequency::Frequent,
        ..woman(5)
    };
    let same_major = Person {
        major: "수학과",
        birth_year: 2001,
        mbti: "ENTJ",
        ..woman(6)
    };
    let people = [
        older.clone(),
        younger,
        extrovert,
        sporty,
        chatty,
        same_major,
    ];
    let options = |f: fn(&mut MatchOptions)| {
        let mut o = MatchOptions::default();
        f(&mut o);
        o
    };
    let cases: Vec<(&str, MatchOptions, u64, bool)> = vec![
        (
            "younger",
            options(|o| o.age = Some(AgePreference::Younger)),
            2,
            false,
        ),
        (
            "mbti EN: two letters beat one",
            options(|o| o.mbti = Some(MbtiPreference::parse("EN").unwrap())),
            3,
            false,
        ),
        (
            "hobby",
            options(|o| o.hobby = Some(HobbyCategory::Game)),
            4,
            false,
        ),
        (
            "frequency",
            options(|o| o.contact_frequency = Some(ContactFrequency::Frequent)),
            5,
            false,
        ),
        (
            "older and E, same major excluded",
            options(|o| {
                o.age = Some(AgePreference::Older);
                o.mbti = Some(MbtiPreference::parse("ET").unwrap());
                o.exclude_same_major = true;
            }),
            1, // older ISTJ(1): 20 + T 10; ENTJ(3): 20; same major(6) would have 40
            false,
        ),
        (
            "older and ET together: the one with both",
            options(|o| {
                o.age = Some(AgePreference::Older);
                o.mbti = Some(MbtiPreference::parse("ET").unwrap());
            }),
            6,
            false,
        ),
        (
            "important hobby outweighs a higher score elsewhere",
            options(|o| {
                o.age = Some(AgePreference::Older);
                o.mbti = Some(MbtiPreference::parse("ET").unwrap());
                o.hobby = Some(HobbyCategory::Sports);
                o.important = Some(ImportantOption::Hobby);
            }),
            4,
            true,
        ),
    ];
    for (name, options, expected, applied) in cases {
        assert_eq!(
            matched(&pick(&people, options)),
            (expected, applied),
            "{name}"
        );
    }
}

#[test]
fn an_important_option_nobody_passes_falls_back_to_scoring_everyone() {
    let people = [
        Person {
            frequency: ContactFrequency::Normal,
            ..woman(1)
        },
        Person {
            birth_year: 2005,
            ..woman(2)
        },
    ];
    let options = MatchOptions {
        age: Some(AgePreference::Younger),
        contact_frequency: Some(ContactFrequency::Frequent),
        important: Some(ImportantOption::ContactFrequency),
        ..Default::default()
    };
    assert_eq!(matched(&pick(&people, options)), (2, false));
    let mbti_both = MatchOptions {
        mbti: Some(MbtiPreference::parse("EN").unwrap()),
        important: Some(ImportantOption::Mbti),
        ..Default::default()
    };
    let one_letter = [
        Person {
            mbti: "ESTJ",
            ..woman(1)
        },
        woman(2),
    ];
    assert_eq!(
        matched(&pick(&one_letter, mbti_both)),
        (1, false),
        "one letter is not full agreement"
    );
}

#[test]
fn nobody_in_the_pool_is_no_candidate() {
    let men_and_hidden = [
        Person {
            gender: Gender::Male,
            ..woman(1)
        },
        Person {
            pickable: false,
            ..woman(2)
        },
    ];
    assert_eq!(
        pick(&men_and_hidden, MatchOptions::default()),
        MatchReply::NoCandidate
    );
    let only_same_major = [Person {
        major: "수학과",
        ..woman(1)
    }];
    let exclude = MatchOptions {
        exclude_same_major: true,
        ..Default::default()
    };
    assert_eq!(pick(&only_same_major, exclude), MatchReply::NoCandidate);
    assert_eq!(pick(&[], MatchOptions::default()), MatchReply::NoCandidate);
}

#[test]
fn ties_are_broken_uniformly_by_the_seed() {
    let people: Vec<Person> = (1..=4).map(woman).collect();
    let table = table(&people);
    let mut scorer = Scorer::default();
    let mut counts: HashMap<u64, u32> = HashMap::new();
    let draws = 4_000;
    for seed in 0..draws {
        let reply = scorer.pick(
            &table,
            &request(MatchOptions::default(), seed),
            Weights::default().fixed(),
        );
        *counts.entry(matched(&reply).0).or_default() += 1;
        assert_eq!(
            reply,
            scorer.pick(
                &table,
                &request(MatchOptions::default(), seed),
                Weights::default().fixed()
            )
        );
    }
    assert_eq!(counts.len(), 4);
    for (id, count) in counts {
        // 1,000 expected each; 5 standard deviations is about ±137.
        assert!(
            (850..=1150).contains(&count),
            "candidate {id} picked {count} times of {draws}"
        );
    }
}

/// The rule written plainly, row by row: the set of candidates with the top score, and whether
/// the important option applied.
fn brute_force(
    people: &[Person],
    request: &MatchRequest,
    weights: &Weights,
) -> (HashSet<u64>, bool) {
    let o = &request.options;
    let me = &request.requester;
    let mut scored: Vec<(u64, f64, bool)> = Vec::new();
    for p in people {
        let excluded = request.exclude.contains(&UserId(p.id));
        if p.id == REQUESTER || !p.pickable || p.gender == me.gender || excluded {
            continue;
        }
        if o.exclude_same_major && p.major == me.major {
            continue;
        }
        let age = match o.age {
            Some(AgePreference::Older) => p.birth_year < me.birth_year,
            Some(AgePreference::Younger) => p.birth_year > me.birth_year,
            Some(AgePreference::Equal) => p.birth_year == me.birth_year,
            None => false,
        };
        let letters = o
            .mbti
            .map_or(0, |m| m.agreement(Mbti::parse(p.mbti).unwrap()));
        let hobby = o.hobby.is_some_and(|h| p.hobbies & h.bit() != 0);
        let frequency = o.contact_frequency == Some(p.frequency);
        let mut score = 0.0;
        if age {
            score += weights.age;
        }
        score += weights.mbti * f64::from(letters);
        if hobby {
            score += weights.hobby;
        }
        if frequency {
            score += weights.contact_frequency;
        }
        let passes = match o.important {
            Some(ImportantOption::Age) => age,
            Some(ImportantOption::Mbti) => letters == 2,
            Some(ImportantOption::Hobby) => hobby,
            Some(ImportantOption::ContactFrequency) => frequency,
            None => false,
        };
        scored.push((p.id, score, passes));
    }
    let applied = scored.iter().any(|s| s.2);
    if applied {
        scored.retain(|s| s.2);
    }
    let top = scored.iter().map(|s| s.1).fold(f64::MIN, f64::max);
    (
        scored
            .iter()
            .filter(|s| (s.1 - top).abs() < 1e-9)
            .map(|s| s.0)
            .collect(),
        applied,
    )
}

fn person() -> impl Strategy<Value = Person> {
    let mbtis = [
        "ENFP", "INFP", "ESTJ", "ISTJ", "ENTJ", "INTP", "ESFJ", "ISFP",
    ];
    let majors = ["수학과", "국문과", "경영학과"];
    (
        any::<bool>(),
        1998u16..2008,
        0usize..8,
        1u8..128,
        0u8..3,
        0usize..3,
        proptest::bool::weighted(0.8),
    )
        .prop_map(
            move |(female, birth_year, mbti, hobbies, frequency, major, pickable)| Person {
                id: 0,
                gender: if female { Gender::Female } else { Gender::Male },
                birth_year,
                mbti: mbtis[mbti],
                hobbies,
                frequency: ContactFrequency::from_code(frequency).unwrap(),
                major: majors[major],
                pickable,
            },
        )
}

fn options() -> impl Strategy<Value = MatchOptions> {
    let age = proptest::option::of(prop_oneof![
        Just(AgePreference::Older),
        Just(AgePreference::Younger),
        Just(AgePreference::Equal)
    ]);
    let mbti = proptest::option::of(prop_oneof![
        Just("EN"),
        Just("IS"),
        Just("TJ"),
        Just("FP"),
        Just("EJ")
    ]);
    let hobby = proptest::option::of(proptest::sample::select(HobbyCategory::ALL.to_vec()));
    let frequency = proptest::option::of(0u8..3);
    let important = proptest::option::of(prop_oneof![
        Just(ImportantOption::Age),
        Just(ImportantOption::Mbti),
        Just(ImportantOption::Hobby),
        Just(ImportantOption::ContactFrequency)
    ]);
    (age, mbti, hobby, frequency, any::<bool>(), important).prop_map(
        |(age, mbti, hobby, frequency, exclude_same_major, important)| {
            let mut options = MatchOptions {
                age,
                mbti: mbti.map(|m| MbtiPreference::parse(m).unwrap()),
                hobby,
                contact_frequency: frequency.map(|f| ContactFrequency::from_code(f).unwrap()),
                exclude_same_major,
                important: None,
            };
            options.important = important.filter(|&i| options.is_set(i));
            options
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_fast_scorer_agrees_with_the_plain_rule(
        mut people in proptest::collection::vec(person(), 0..40),
        options in options(),
        excluded in proptest::collection::vec(0u64..40, 0..6),
        seed in any::<u64>(),
        weights in (0u32..50, 0u32..50, 0u32..50, 0u32..50),
    ) {
        for (i, p) in people.iter_mut().enumerate() {
            p.id = i as u64;
        }
        let weights = Weights {
            age: f64::from(weights.0),
            mbti: f64::from(weights.1),
            hobby: f64::from(weights.2),
            contact_frequency: f64::from(weights.3),
        };
        let mut request = request(options, seed);
        request.exclude = excluded.into_iter().map(UserId).collect();
        let (top, applied) = brute_force(&people, &request, &weights);
        let table = table(&people);
        match Scorer::default().pick(&table, &request, weights.fixed()) {
            MatchReply::Matched { candidate, important_applied } => {
                prop_assert!(top.contains(&candidate.0), "picked {} not in the top {:?}", candidate.0, top);
                prop_assert_eq!(important_applied, applied && request.options.important.is_some());
                let row = table.row(table.row_index(candidate).unwrap());
                prop_assert_eq!(row.status, status::PICKABLE);
                prop_assert_ne!(row.gender, Gender::Male);
            }
            MatchReply::NoCandidate => prop_assert!(top.is_empty(), "missed {:?}", top),
            MatchReply::Refused { reason } => prop_assert!(false, "refused: {}", reason),
        }
    }
}
