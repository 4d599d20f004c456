//! Choosing a candidate: the pool rule and weighted scoring, column-wise over the whole table.
//!
//! Every row gets one integer score in a reused `ndarray` buffer, in one vectorized pass with
//! no branch on the options inside the loop (options become per-request coefficients; the
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
use ndarray::Array1;
use rand::{Rng, SeedableRng};
use storage::columnar::{status, Columns, FeatureTable};
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

/// Scores requests against a table; owns its buffers so requests allocate nothing.
#[derive(Default)]
pub struct Scorer {
    scores: Array1<u32>,
    /// The rows of the request's excluded ids and of the requester.
    excluded: Vec<usize>,
}

/// The top score of a request and how many rows have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ranked {
    top: u32,
    ties: usize,
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
        let k = Coefficients::new(table, request, weights);
        self.excluded.clear();
        let ids = request.exclude.iter().chain([&request.requester_id]);
        self.excluded
            .extend(ids.filter_map(|id| table.row_index(*id)));
        if self.scores.len() != table.len() {
            self.scores = Array1::zeros(table.len());
        }
        let scores = self
            .scores
            .as_slice_mut()
            .expect("a score buffer built by zeros is contiguous");
        let Ranked { top, ties } = rank(scores, table.columns(), &k, &self.excluded);
        if top == 0 {
            return MatchReply::NoCandidate;
        }
        let chosen = rand::rngs::StdRng::seed_from_u64(request.seed).random_range(0..ties);
        let row = nth_with(scores, top, chosen);
        MatchReply::Matched {
            candidate: table.row(row).id,
            important_applied: request.options.important.is_some() && top >= IMPORTANT_BONUS,
        }
    }
}

/// Rows compared at once while looking for the chosen tie: counting a block's ties is a
/// vectorized pass, so only the block holding the chosen one is walked row by row.
const TIE_BLOCK_ROWS: usize = 1024;

/// The row of the `chosen`-th (from 0) score equal to `top`, in row order.
fn nth_with(scores: &[u32], top: u32, chosen: usize) -> usize {
    let mut left = chosen;
    for (block, rows) in scores.chunks(TIE_BLOCK_ROWS).enumerate() {
        let ties = rows.iter().filter(|&&score| score == top).count();
        if left < ties {
            let within = rows
                .iter()
                .enumerate()
                .filter(|&(_, &score)| score == top)
                .nth(left)
                .map(|(row, _)| row)
                .expect("left < ties in this block");
            return block * TIE_BLOCK_ROWS + within;
        }
        left -= ties;
    }
    unreachable!("chosen ({chosen}) is below the number of ties")
}

/// Scores every row, zeroes the `excluded` ones, and finds the top score and its ties. On
/// x86-64 with AVX2 the same loops are compiled for AVX2 as well and chosen at run time
/// (twice the lanes of the SSE2 baseline every x86-64 has, and an unsigned max in one
/// instruction).
fn rank(scores: &mut [u32], columns: &Columns, k: &Coefficients, excluded: &[usize]) -> Ranked {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: this CPU has AVX2, checked just above.
        return unsafe { rank_avx2(scores, columns, k, excluded) };
    }
    rank_rows(scores, columns, k, excluded)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn rank_avx2(
    scores: &mut [u32],
    columns: &Columns,
    k: &Coefficients,
    excluded: &[usize],
) -> Ranked {
    rank_rows(scores, columns, k, excluded)
}

/// [`rank`]'s passes: `inline(always)` so each caller compiles them for its own target
/// features.
#[inline(always)]
fn rank_rows(
    scores: &mut [u32],
    columns: &Columns,
    k: &Coefficients,
    excluded: &[usize],
) -> Ranked {
    fill_rows(scores, columns, k);
    for &row in excluded {
        scores[row] = 0;
    }
    let top = scores.iter().fold(0, |top, &score| top.max(score));
    let ties = scores.iter().filter(|&&score| score == top).count();
    Ranked { top, ties }
}

/// Scores every row in one pass over the columns, agreements and eligibility together, so each
/// column is read once and each score written once.
#[inline(always)]
fn fill_rows(scores: &mut [u32], columns: &Columns, k: &Coefficients) {
    let rows = scores.len();
    // Cut to one length so the compiler drops the bounds checks and vectorizes the loop
    // (ndarray's `Zip` takes at most six producers; this pass reads seven columns).
    let birth_year = &columns.birth_year[..rows];
    let mbti = &columns.mbti[..rows];
    let hobby_mask = &columns.hobby_mask[..rows];
    let frequency = &columns.contact_frequency[..rows];
    let state = &columns.status[..rows];
    let gender = &columns.gender[..rows];
    let major = &columns.major[..rows];
    for row in 0..rows {
        let [age, letters, hobby, same_frequency] =
            k.asked
                .agreements(birth_year[row], mbti[row], hobby_mask[row], frequency[row]);
        let passes = k.important_age * age
            + k.important_mbti * u32::from(letters == 2)
            + k.important_hobby * hobby
            + k.important_frequency * same_frequency;
        let eligible = (state[row] == status::PICKABLE)
            & (gender[row] == k.wanted_gender)
            & (major[row] != k.excluded_major);
        scores[row] = u32::from(eligible)
            * (1 + k.age_weight * age
                + k.mbti_weight * letters
                + k.hobby_weight * hobby
                + k.frequency_weight * same_frequency
                + IMPORTANT_BONUS * passes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic;
    use crate::weights::Weights;
    use rand::rngs::StdRng;

    #[test]
    fn the_chosen_tie_is_found_across_blocks() {
        let rows = 3 * TIE_BLOCK_ROWS + 17;
        let scores: Vec<u32> = (0..rows).map(|row| u32::from(row % 7 == 3) + 1).collect();
        let ties: Vec<usize> = (0..rows).filter(|row| row % 7 == 3).collect();
        for (chosen, &row) in ties.iter().enumerate() {
            assert_eq!(nth_with(&scores, 2, chosen), row, "tie {chosen}");
        }
    }

    #[test]
    fn the_dispatched_loops_rank_like_the_baseline_ones() {
        let table = synthetic::table(5_000, 3);
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..50 {
            let request = synthetic::request(&mut rng, 10);
            let k = Coefficients::new(&table, &request, Weights::default().fixed());
            let excluded: Vec<usize> = (0..table.len()).step_by(97).collect();
            let (mut fast, mut plain) = (vec![0; table.len()], vec![0; table.len()]);
            let ranked = rank(&mut fast, table.columns(), &k, &excluded);
            assert_eq!(
                ranked,
                rank_rows(&mut plain, table.columns(), &k, &excluded)
            );
            assert_eq!(fast, plain);
            assert!(excluded.iter().all(|&row| fast[row] == 0));
            assert_eq!(
                ranked.ties,
                fast.iter().filter(|&&s| s == ranked.top).count()
            );
        }
    }
}
