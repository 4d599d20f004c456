//! The model: a logistic regression (linfa) of "the feedback was good" on the four agreements,
//! whose coefficients become the weights.
//!
//! linfa works on ndarray 0.16 (`ndarray16` here); the scorer stays on the project's ndarray.

use super::Examples;
use crate::agreement::AGREEMENTS;
use crate::weights::{Weights, FIXED_POINT};
use anyhow::Context;
use linfa::traits::Fit;
use linfa_logistic::LogisticRegression;
use ndarray16::{Array1, Array2};

/// L2 regularisation. linfa sums the loss over the rows, so this is weak beside thousands of
/// matches; it only keeps the coefficients finite when a few matches separate perfectly.
const ALPHA: f64 = 0.1;
/// The solver (L-BFGS) stops here if it has not converged before.
const MAX_ITERATIONS: u64 = 200;
/// The largest learned weight; the others keep their ratio to it.
pub const LEARNED_MAX: f64 = 100.0;

/// The regression's coefficient of each agreement, signed so that positive favours a good
/// match.
pub fn coefficients(training: &Examples) -> anyhow::Result<[f64; AGREEMENTS]> {
    let flat: Vec<f64> = training.agreements.iter().flatten().copied().collect();
    let records = Array2::from_shape_vec((training.len(), AGREEMENTS), flat)
        .context("shape the training matrix")?;
    let targets = Array1::from_vec(training.good.clone());
    let model = LogisticRegression::default()
        .alpha(ALPHA)
        .max_iterations(MAX_ITERATIONS)
        .fit(&linfa::DatasetBase::new(records, targets))
        .map_err(|e: linfa_logistic::error::Error| {
            anyhow::anyhow!("fit the logistic regression: {e}")
        })?;
    // linfa models the probability of its positive class, which is the more common one.
    let towards_good = if model.labels().pos.class { 1.0 } else { -1.0 };
    let mut coefficients = [0.0; AGREEMENTS];
    for (out, &learned) in coefficients.iter_mut().zip(model.params()) {
        *out = towards_good * learned;
    }
    anyhow::ensure!(
        coefficients.iter().all(|c| c.is_finite()),
        "the logistic regression gave coefficients that are not finite: {coefficients:?}"
    );
    Ok(coefficients)
}

/// Weights from coefficients: a negative one (the agreement predicts a bad match) becomes 0,
/// since a weight cannot push candidates away; the rest are scaled so the largest is
/// [`LEARNED_MAX`], and rounded to the thousandths the scorer uses.
pub fn learned_weights(coefficients: [f64; AGREEMENTS]) -> anyhow::Result<Weights> {
    let largest = coefficients.iter().copied().fold(0.0, f64::max);
    anyhow::ensure!(
        largest > 0.0,
        "no option predicts a good match: every coefficient is 0 or below \
         (age, mbti, hobby, contact_frequency: {coefficients:?})"
    );
    let scaled = coefficients
        .map(|c| (c.max(0.0) * LEARNED_MAX / largest * FIXED_POINT).round() / FIXED_POINT);
    let weights = Weights::from_array(scaled);
    weights
        .check()
        .map_err(|e| anyhow::anyhow!("the learned weights are out of range: {e}"))?;
    Ok(weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negatives_become_zero_and_the_largest_becomes_the_maximum() {
        let weights = learned_weights([0.5, -2.0, 2.0, 1.0 / 3.0]).unwrap();
        assert_eq!(weights, Weights::from_array([25.0, 0.0, 100.0, 16.667]));
        let error = learned_weights([-1.0, 0.0, -0.5, -3.0]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("no option predicts a good match"),
            "{error}"
        );
    }

    #[test]
    fn the_coefficients_point_towards_good_whichever_class_is_more_common() {
        for good_is_rare in [true, false] {
            let mut examples = Examples::default();
            for row in 0..400 {
                let hobby = row % 4 == 0;
                // The hobby agrees for a quarter; good mostly follows it, with some noise.
                let good = hobby != (row % 20 == 1);
                let good = if good_is_rare { good } else { !good || hobby };
                examples.push([0.0, f64::from(row % 3 == 0), f64::from(hobby), 0.0], good);
            }
            let coefficients = coefficients(&examples).unwrap();
            assert!(
                coefficients[2] > 1.0 && coefficients[2] > coefficients[1].abs(),
                "good is rare: {good_is_rare}: {coefficients:?}"
            );
        }
    }
}
