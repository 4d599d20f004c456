//! Choosing a candidate: the pool rule and weighted scoring, column-wise over the whole table.
//!
//! Every row gets one integer score in a reused buffer, in two `ndarray::Zip` passes with no
//! branch on the options inside the loop (options become per-request coefficients; the
//! agreements come from [`crate::agreement`], which training uses too):
//!
//! ```text
//! score = eligible × (1 + Σ weight × agreement + IMPORTANT_BONUS × passes_important)
//! ```
//! The bonus exceeds any score without it, so the top score lies among those who fully agree
//! with the important option whenever anyone does, and among everyone otherwise: exactly the
//! hard filter with its fallback. Ties at the top are broken uniformly by the request's seed.

use crate::agreement::Asked;
use crate::weights::FixedWeights;
use ndarray::{Array1, ArrayView1, Zip};
use rand::{Rng, SeedableRng};
use storage::columnar::{status, FeatureTable};
use storage::matching::{MatchReply, MatchRequest, MAX_EXCLUDED};
use storage::options::{ImportantOption, MatchOptions};

/// Added for full agreement with the important option (weights × agreements stay below it).
const IMPORTANT_BONUS: u32 = 1 << 30;

/// The request turned into numbers, so the per-row work has no branches on options.
struct Coefficients {
    asked: Asked,
    age_weight: u32,
    mbti_weight: u32,
    hobby_weight: u32,
    frequency_weight: u32,
    important_age: u32,
    important_mbti: u32,
    important_hobby: u32,
    important_frequency: u32,
    wanted_gender: u8,
    /// The requester's major when it is excluded; `u32::MAX` (nobody's) otherwise.
    excluded_major: u32,
}

impl Coefficients {
    fn new(table: &FeatureTable, request: &MatchRequest, weights: FixedWeights) -> Self {
        let options: &MatchOptions = &request.options;
        let important = |which| u32::from(options.important == Some(which));
        let weight = |set: bool, w: u32| if set { w } else { 0 };
        Self {
            asked: Asked::new(request.requester.birth_year, options),
            age_weight: weight(options.age.is_some(), weights.age),
            mbti_weight: weight(options.mbti.is_some(), weights.mbti),
            hobby_weight: weight(options.hobby.is_some(), weights.hobby),
            frequency_weight: weight(
                options.contact_frequency.is_some(),
                weights.contact_frequency,
            ),
            important_age: important(ImportantOption::Age),
            important_mbti: important(ImportantOption::Mbti),
            important_hobby: important(ImportantOption::Hobby),
            important_frequency: important(ImportantOption::ContactFrequency),
            wanted_gender: request.requester.gender.opposite().code(),
            excluded_major: if options.exclude_same_major {
                table
                    .major_code(&request.requester.major)
                    .unwrap_or(u32::MAX)
            } else {
                u32::MAX
            },
        }
    }
}

/// Scores requests against a table; owns the score buffer so requests allocate nothing.
#[derive(Default)]
pub struct Scorer {
    scores: Array1<u32>,
}

impl Scorer {
    /// Picks a candidate for `request` from `table` with `weights`.
    pub fn pick(
        &mut self,
        table: &FeatureTable,
        request: &MatchRequest,
        weights: FixedWeights,
    ) -> MatchReply {
        if request.exclude.len() > MAX_EXCLUDED {
            return MatchReply::Refused {
                reason: format!("more than {MAX_EXCLUDED} excluded ids"),
            };
        }
        self.score(table, request, weights);
        for id in request.exclude.iter().chain([&request.requester_id]) {
            if let Some(row) = table.row_index(*id) {
                self.scores[row] = 0;
            }
        }
        let top = self.scores.iter().copied().max().unwrap_or(0);
        if top == 0 {
            return MatchReply::NoCandidate;
        }
        let ties = self.scores.iter().filter(|&&s| s == top).count();
        let chosen = rand::rngs::StdRng::seed_from_u64(request.seed).random_range(0..ties);
        let row = self
            .scores
            .iter()
            .enumerate()
            .filter(|&(_, &s)| s == top)
            .nth(chosen)
            .map(|(row, _)| row)
            .expect("chosen < ties");
        MatchReply::Matched {
            candidate: table.row(row).id,
            important_applied: request.options.important.is_some() && top >= IMPORTANT_BONUS,
        }
    }

    /// Fills the score buffer: agreement pass, then eligibility pass.
    fn score(&mut self, table: &FeatureTable, request: &MatchRequest, weights: FixedWeights) {
        let k = Coefficients::new(table, request, weights);
        let columns = table.columns();
        if self.scores.len() != columns.len() {
            self.scores = Array1::zeros(columns.len());
        }
        Zip::from(&mut self.scores)
            .and(ArrayView1::from(&columns.birth_year[..]))
            .and(ArrayView1::from(&columns.mbti[..]))
            .and(ArrayView1::from(&columns.hobby_mask[..]))
            .and(ArrayView1::from(&columns.contact_frequency[..]))
            .for_each(|score, &birth_year, &mbti, &hobbies, &frequency| {
                let [age, letters, hobby, same_frequency] =
                    k.asked.agreements(birth_year, mbti, hobbies, frequency);
                let passes = k.important_age * age
                    + k.important_mbti * u32::from(letters == 2)
                    + k.important_hobby * hobby
                    + k.important_frequency * same_frequency;
                *score = 1
                    + k.age_weight * age
                    + k.mbti_weight * letters
                    + k.hobby_weight * hobby
                    + k.frequency_weight * same_frequency
                    + IMPORTANT_BONUS * passes;
            });
        Zip::from(&mut self.scores)
            .and(ArrayView1::from(&columns.status[..]))
            .and(ArrayView1::from(&columns.gender[..]))
            .and(ArrayView1::from(&columns.major[..]))
            .for_each(|score, &state, &gender, &major| {
                let eligible = (state == status::PICKABLE)
                    & (gender == k.wanted_gender)
                    & (major != k.excluded_major);
                *score *= u32::from(eligible);
            });
    }
}
