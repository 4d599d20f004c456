//! Scoring weights: data, not code. A small JSON file (`--weights FILE`) that training on the
//! CSV export can produce; defaults in code; reloaded on SIGHUP.
//!
//! ```json
//! {"age": 20, "mbti": 10, "hobby": 15, "contact_frequency": 10}
//! ```
//! `mbti` counts per agreeing letter (two letters asked: up to twice the weight). Each weight is
//! a finite number from 0 to [`MAX_WEIGHT`]; every key must be present, no other key may be.

use crate::agreement::AGREEMENTS;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The largest weight accepted.
pub const MAX_WEIGHT: f64 = 1_000.0;
/// Weights are scored as integers in thousandths, so that ties are exact.
pub const FIXED_POINT: f64 = 1_000.0;
/// The largest weights file read.
const MAX_FILE_BYTES: u64 = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub age: f64,
    pub mbti: f64,
    pub hobby: f64,
    pub contact_frequency: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            age: 20.0,
            mbti: 10.0,
            hobby: 15.0,
            contact_frequency: 10.0,
        }
    }
}

/// The weights as scoring uses them: integer thousandths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedWeights {
    pub age: u32,
    pub mbti: u32,
    pub hobby: u32,
    pub contact_frequency: u32,
}

impl Weights {
    /// Reads and checks a weights file; the error names the file and the problem.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let context = || format!("weights file {}", path.display());
        let size = std::fs::metadata(path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", context()))?
            .len();
        anyhow::ensure!(
            size <= MAX_FILE_BYTES,
            "{}: larger than {MAX_FILE_BYTES} bytes",
            context()
        );
        let text =
            std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", context()))?;
        let weights: Weights =
            serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", context()))?;
        weights
            .check()
            .map_err(|e| anyhow::anyhow!("{}: {e}", context()))?;
        Ok(weights)
    }

    /// Whether every weight is a finite number from 0 to [`MAX_WEIGHT`]; says which is not.
    pub fn check(&self) -> Result<(), String> {
        for (name, value) in [
            ("age", self.age),
            ("mbti", self.mbti),
            ("hobby", self.hobby),
            ("contact_frequency", self.contact_frequency),
        ] {
            if !value.is_finite() || !(0.0..=MAX_WEIGHT).contains(&value) {
                return Err(format!(
                    "{name} must be a number from 0 to {MAX_WEIGHT}, not {value}"
                ));
            }
        }
        Ok(())
    }

    /// The weights in the order of [`crate::agreement::Asked::agreements`].
    pub fn to_array(self) -> [f64; AGREEMENTS] {
        [self.age, self.mbti, self.hobby, self.contact_frequency]
    }

    /// Weights from an array in the order of [`crate::agreement::Asked::agreements`].
    pub fn from_array([age, mbti, hobby, contact_frequency]: [f64; AGREEMENTS]) -> Self {
        Self {
            age,
            mbti,
            hobby,
            contact_frequency,
        }
    }

    pub fn fixed(&self) -> FixedWeights {
        let fixed = |w: f64| (w * FIXED_POINT).round() as u32;
        FixedWeights {
            age: fixed(self.age),
            mbti: fixed(self.mbti),
            hobby: fixed(self.hobby),
            contact_frequency: fixed(self.contact_frequency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> anyhow::Result<Weights> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("weights.json");
        std::fs::write(&path, text).unwrap();
        Weights::load(&path)
    }

    #[test]
    fn reads_a_good_file_and_names_the_problem_in_a_bad_one() {
        let good = load(r#"{"age": 1.5, "mbti": 0, "hobby": 3, "contact_frequency": 4}"#).unwrap();
        assert_eq!(good.fixed().age, 1_500);
        for (bad, says) in [
            (r#"{"age": 1}"#, "missing field"),
            (
                r#"{"age": 1, "mbti": 1, "hobby": 1, "contact_frequency": 1, "x": 1}"#,
                "unknown field",
            ),
            (
                r#"{"age": -1, "mbti": 1, "hobby": 1, "contact_frequency": 1}"#,
                "age must be",
            ),
            (
                r#"{"age": 1e9, "mbti": 1, "hobby": 1, "contact_frequency": 1}"#,
                "age must be",
            ),
            ("not json", "expected"),
        ] {
            let error = load(bad).unwrap_err().to_string();
            assert!(
                error.contains("weights.json") && error.contains(says),
                "{error}"
            );
        }
    }
}
