//! What a training run found and did, printed for the operator.

use crate::agreement::NAMES;
use crate::weights::Weights;
use std::fmt;
use std::path::PathBuf;

/// What to do after a write.
const RELOAD: &str = "`systemctl reload comatching-matcher` (SIGHUP) makes the matcher use them";

/// Whether the learned weights were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// They rank the held-out matches better than the current weights.
    WrittenBetter,
    /// They do not, but `--force` was given.
    WrittenForced,
    /// They do not; the file was left alone.
    NotWritten,
}

/// The counts, the held-out comparison and the decision of one run.
#[derive(Debug, Clone)]
pub struct Report {
    pub candidates_file: PathBuf,
    pub candidate_rows: usize,
    pub matches_file: PathBuf,
    pub match_rows: u64,
    /// Matches skipped because a side is not among the candidates.
    pub unknown: u64,
    /// Matches of known users skipped because their feedback is empty.
    pub unlabelled: u64,
    pub good: usize,
    pub bad: usize,
    pub training: usize,
    pub held_out: usize,
    pub seed: u64,
    pub current: Weights,
    pub learned: Weights,
    pub current_auc: f64,
    pub learned_auc: f64,
    pub out: PathBuf,
    pub decision: Decision,
}

fn weights_row(f: &mut fmt::Formatter<'_>, name: &str, weights: &Weights) -> fmt::Result {
    write!(f, "  {name:<8}")?;
    for weight in weights.to_array() {
        write!(f, " {weight:>17.3}")?;
    }
    writeln!(f)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let joined = self.match_rows - self.unknown;
        writeln!(
            f,
            "read {} candidates from {}",
            self.candidate_rows,
            self.candidates_file.display()
        )?;
        writeln!(
            f,
            "read {} matches from {}: {joined} joined ({} skipped: a side not among the \
             candidates), {} labelled ({} skipped: no feedback; the label is `feedback` alone, \
             `replied` is not used)",
            self.match_rows,
            self.matches_file.display(),
            self.unknown,
            self.good + self.bad,
            self.unlabelled
        )?;
        writeln!(
            f,
            "labels: {} good, {} bad; trained on {}, held out {} (a fifth of each, seed {})",
            self.good, self.bad, self.training, self.held_out, self.seed
        )?;
        writeln!(
            f,
            "held-out AUC: current {:.4}, learned {:.4}",
            self.current_auc, self.learned_auc
        )?;
        write!(f, "  {:<8}", "weights")?;
        for name in NAMES {
            write!(f, " {name:>17}")?;
        }
        writeln!(f)?;
        weights_row(f, "current", &self.current)?;
        weights_row(f, "learned", &self.learned)?;
        let out = self.out.display();
        match self.decision {
            Decision::WrittenBetter => {
                writeln!(f, "wrote {out}: the learned weights rank better; {RELOAD}")
            }
            Decision::WrittenForced => writeln!(
                f,
                "wrote {out} because of --force (the learned weights do not rank better); \
                 {RELOAD}"
            ),
            Decision::NotWritten => writeln!(
                f,
                "did not write {out}: the learned weights do not rank better (--force writes \
                 them anyway)"
            ),
        }
    }
}
