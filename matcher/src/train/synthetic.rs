//! A synthetic match history with a planted preference, in the layouts the server exports, for
//! the training tests and benchmark: a match is good exactly when the partner has a hobby in the
//! category the requester asked for, except for a share of labels flipped at random (noise).
//! Some matches name a partner missing from the candidates, some have no feedback, as in a
//! real export.

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fs::File;
use std::path::{Path, PathBuf};
use storage::csv_export::{Candidate, CandidateWriter};
use storage::events::Features;
use storage::profile::{ContactFrequency, HobbyCategory};

/// The year the ages in the files are counted from (the synthetic students' birth years are).
const YEAR: i32 = 2026;
/// One match in this many names a partner who is not among the candidates.
const UNKNOWN_ONE_IN: usize = 50;
/// One match in this many has no feedback.
const UNLABELLED_ONE_IN: usize = 20;
/// How likely each option is to be asked.
const ASKED: f64 = 0.75;
/// The MBTI options asked.
const MBTI_OPTIONS: [&str; 5] = ["EN", "IS", "TJ", "FP", "EJ"];
/// The server's match export header (`server/src/ops/export.rs`).
const MATCH_HEADER: [&str; 23] = [
    "matchId",
    "at",
    "requester",
    "partner",
    "price",
    "refunded",
    "importantApplied",
    "optAge",
    "optMbti",
    "optHobby",
    "optContactFrequency",
    "optExcludeSameMajor",
    "optImportant",
    "requesterGender",
    "requesterAge",
    "requesterMbti",
    "requesterHobby",
    "partnerGender",
    "partnerAge",
    "partnerMbti",
    "partnerHobby",
    "feedback",
    "replied",
];

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// At least two.
    pub candidates: usize,
    pub matches: usize,
    /// The share of labels flipped.
    pub noise: f64,
    pub seed: u64,
}

/// The files written and how many matches a reader must skip.
#[derive(Debug, Clone)]
pub struct History {
    pub candidates: PathBuf,
    pub matches: PathBuf,
    /// Matches whose partner is not among the candidates.
    pub unknown: u64,
    /// Matches between known users with no feedback.
    pub unlabelled: u64,
}

/// A 16-hex-digit pseudonym, distinct for distinct `index`es (multiplying by an odd number is
/// a bijection on u64).
fn pseudonym(index: usize) -> String {
    format!(
        "{:016x}",
        (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    )
}

/// Writes `candidates.csv` and `matches.csv` under `dir`.
pub fn write_history(dir: &Path, plan: &Plan) -> anyhow::Result<History> {
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let people: Vec<Features> = (0..plan.candidates)
        .map(|_| crate::synthetic::features(&mut rng))
        .collect();
    let candidates = dir.join("candidates.csv");
    write_candidates(&candidates, &people)
        .with_context(|| format!("write {}", candidates.display()))?;
    let matches = dir.join("matches.csv");
    let (unknown, unlabelled) = write_matches(&matches, &people, plan, &mut rng)
        .with_context(|| format!("write {}", matches.display()))?;
    Ok(History {
        candidates,
        matches,
        unknown,
        unlabelled,
    })
}

fn write_candidates(path: &Path, people: &[Features]) -> anyhow::Result<()> {
    let mut writer = CandidateWriter::new(File::create(path)?, YEAR)?;
    for (index, person) in people.iter().enumerate() {
        writer.write(&Candidate {
            uuid: &pseudonym(index),
            gender: person.gender,
            birth_year: person.birth_year,
            mbti: person.mbti,
            hobby_mask: person.hobby_mask,
            contact_frequency: person.contact_frequency,
            major: &person.major,
            pickable: person.pickable,
            version: 1,
        })?;
    }
    writer.finish()?;
    Ok(())
}

/// The export's cells for one side of a match: gender, age, MBTI, hobby categories.
fn side(person: &Features) -> [String; 4] {
    let hobbies: Vec<&str> = HobbyCategory::ALL
        .iter()
        .filter(|c| person.hobby_mask & c.bit() != 0)
        .map(|c| c.as_str())
        .collect();
    [
        person.gender.as_str().to_owned(),
        (YEAR - i32::from(person.birth_year)).to_string(),
        person.mbti.to_string(),
        hobbies.join("|"),
    ]
}

/// Writes the matches; returns how many name an unknown partner and how many have no feedback.
fn write_matches(
    path: &Path,
    people: &[Features],
    plan: &Plan,
    rng: &mut StdRng,
) -> anyhow::Result<(u64, u64)> {
    let mut writer = csv::Writer::from_writer(File::create(path)?);
    writer.write_record(MATCH_HEADER)?;
    let (mut unknown, mut unlabelled) = (0, 0);
    for index in 0..plan.matches {
        let requester = rng.random_range(0..people.len());
        let partner = (requester + rng.random_range(1..people.len())) % people.len();
        let age = rng
            .random_bool(ASKED)
            .then(|| ["OLDER", "YOUNGER", "EQUAL"][rng.random_range(0..3)]);
        let mbti = rng
            .random_bool(ASKED)
            .then(|| MBTI_OPTIONS[rng.random_range(0..MBTI_OPTIONS.len())]);
        let hobby = rng
            .random_bool(ASKED)
            .then(|| HobbyCategory::ALL[rng.random_range(0..HobbyCategory::ALL.len())]);
        let frequency = rng
            .random_bool(ASKED)
            .then(|| ContactFrequency::from_code(rng.random_range(0..3)).expect("0..3"));
        let agrees = hobby.is_some_and(|h| people[partner].hobby_mask & h.bit() != 0);
        let good = agrees != rng.random_bool(plan.noise);
        let stranger = index % UNKNOWN_ONE_IN == UNKNOWN_ONE_IN - 1;
        let partner_id = if stranger {
            unknown += 1;
            pseudonym(people.len() + index)
        } else {
            pseudonym(partner)
        };
        let feedback = if index % UNLABELLED_ONE_IN == UNLABELLED_ONE_IN - 1 {
            unlabelled += u64::from(!stranger);
            String::new()
        } else {
            good.to_string()
        };
        let mut row = vec![
            (index + 1).to_string(),
            "2026-05-01T12:00:00+09:00".to_owned(),
            pseudonym(requester),
            partner_id,
            "1000".to_owned(),
            "false".to_owned(),
            "false".to_owned(),
            age.unwrap_or_default().to_owned(),
            mbti.unwrap_or_default().to_owned(),
            hobby.map_or("", HobbyCategory::as_str).to_owned(),
            frequency.map_or("", ContactFrequency::as_str).to_owned(),
            "false".to_owned(),
            String::new(),
        ];
        row.extend(side(&people[requester]));
        row.extend(side(&people[partner]));
        row.extend([feedback, String::new()]);
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok((unknown, unlabelled))
}
