//! How well weights rank good matches above bad ones: the area under the ROC curve, computed
//! by ranks (Mann–Whitney), exactly and in f64. linfa's ROC wants probabilities in f32, and the
//! scorer's sums are not probabilities.

use super::Examples;
use crate::weights::Weights;

/// The probability that a random good match scores above a random bad one, ties counting half:
/// 1 ranks perfectly, 0.5 is chance. `good` must hold both classes (else the result is NaN).
pub fn auc(scores: &[f64], good: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // The sum of the good matches' ranks (1-based), each tie given the average of its ranks.
    let mut good_rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let tied = order[start..]
            .iter()
            .take_while(|&&row| scores[row] == scores[order[start]])
            .count();
        let end = start + tied;
        let average_rank = (start + 1 + end) as f64 / 2.0;
        let good_tied = order[start..end].iter().filter(|&&row| good[row]).count();
        good_rank_sum += average_rank * good_tied as f64;
        start = end;
    }
    let goods = good.iter().filter(|&&g| g).count() as f64;
    let bads = good.len() as f64 - goods;
    (good_rank_sum - goods * (goods + 1.0) / 2.0) / (goods * bads)
}

/// The AUC of `weights` on `examples`, scoring each as the matcher does without the important
/// option's bonus: Σ weight × agreement.
pub fn held_out_auc(weights: &Weights, examples: &Examples) -> f64 {
    let weights = weights.to_array();
    let scores: Vec<f64> = examples
        .agreements
        .iter()
        .map(|agreements| weights.iter().zip(agreements).map(|(w, a)| w * a).sum())
        .collect();
    auc(&scores, &examples.good)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_reversed_and_tied_rankings() {
        let good = [false, false, true, true];
        assert_eq!(auc(&[1.0, 2.0, 3.0, 4.0], &good), 1.0);
        assert_eq!(auc(&[4.0, 3.0, 2.0, 1.0], &good), 0.0);
        assert_eq!(auc(&[5.0; 4], &good), 0.5);
    }

    #[test]
    fn ties_count_half() {
        // Good 2 against bad 1 wins, against bad 2 ties; good 3 wins both: 3.5 of 4 pairs.
        assert_eq!(
            auc(&[1.0, 2.0, 2.0, 3.0], &[false, true, false, true]),
            0.875
        );
    }

    #[test]
    fn weights_score_the_agreements() {
        let mut examples = Examples::default();
        examples.push([1.0, 0.0, 0.0, 0.0], false);
        examples.push([0.0, 0.0, 1.0, 0.0], true);
        let hobby_first = Weights::from_array([1.0, 0.0, 2.0, 0.0]);
        assert_eq!(held_out_auc(&hobby_first, &examples), 1.0);
        let age_first = Weights::from_array([3.0, 0.0, 2.0, 0.0]);
        assert_eq!(held_out_auc(&age_first, &examples), 0.0);
    }
}
