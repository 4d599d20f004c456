//! Holding out a fifth of the labelled matches to judge the weights on, the same fifth for the
//! same seed.

use super::Examples;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// One in this many of each class is held out.
const HELD_OUT_ONE_IN: usize = 5;

/// The matches trained on and the matches held out.
#[derive(Debug, Default)]
pub struct Split {
    pub training: Examples,
    pub held_out: Examples,
}

/// Splits `examples` with a seeded shuffle, a fifth of the good and a fifth of the bad held
/// out (at least one of each), so that both sets have both classes and the held-out AUC is
/// defined. Fails when a class has fewer than two matches.
pub fn split(examples: &Examples, seed: u64) -> anyhow::Result<Split> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut split = Split::default();
    for (class, name) in [(true, "good"), (false, "bad")] {
        let mut rows: Vec<usize> = (0..examples.len())
            .filter(|&row| examples.good[row] == class)
            .collect();
        anyhow::ensure!(
            rows.len() >= 2,
            "only {} {name} match(es) with feedback: at least two of each are needed, one to \
             train on and one to hold out",
            rows.len()
        );
        rows.shuffle(&mut rng);
        let held_out = (rows.len() / HELD_OUT_ONE_IN).max(1);
        for (position, &row) in rows.iter().enumerate() {
            let set = if position < held_out {
                &mut split.held_out
            } else {
                &mut split.training
            };
            set.push(examples.agreements[row], class);
        }
    }
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples(good: usize, bad: usize) -> Examples {
        let mut examples = Examples::default();
        for row in 0..good + bad {
            examples.push([row as f64, 0.0, 0.0, 0.0], row < good);
        }
        examples
    }

    #[test]
    fn holds_out_a_fifth_of_each_class_the_same_way_for_the_same_seed() {
        let all = examples(50, 200);
        let parts = split(&all, 7).unwrap();
        assert_eq!(parts.held_out.good_count(), 10);
        assert_eq!(parts.held_out.len(), 50);
        assert_eq!(parts.training.good_count(), 40);
        assert_eq!(parts.training.len(), 200);
        assert_eq!(split(&all, 7).unwrap().held_out, parts.held_out);
        assert_ne!(split(&all, 8).unwrap().held_out, parts.held_out);
    }

    #[test]
    fn needs_two_of_each_class() {
        let parts = split(&examples(2, 2), 1).unwrap();
        assert_eq!((parts.training.len(), parts.held_out.len()), (2, 2));
        let error = split(&examples(1, 30), 1).unwrap_err().to_string();
        assert!(error.contains("only 1 good"), "{error}");
    }
}
