//! `comatching-matcher train`: learns scoring weights from the match history.
//!
//! Joins the server's two exports on their pseudonyms (candidates and matches), turns each
//! match with feedback into the four agreements the scorer weighs ([`crate::agreement`]) and
//! whether it was good, fits a logistic regression on four fifths of them, and compares the
//! learned weights with the current ones by AUC on the fifth held out. The weights file is
//! replaced, atomically, only when the learned weights rank the held-out matches better (or
//! when forced); the matcher reads it on SIGHUP.

mod auc;
mod fit;
mod input;
mod report;
mod split;
pub mod synthetic;
#[cfg(test)]
mod tests;

pub use report::{Decision, Report};

use crate::agreement::AGREEMENTS;
use crate::weights::Weights;
use anyhow::Context;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The seed of the held-out split when none is given, so that reruns on the same files agree.
pub const DEFAULT_SEED: u64 = 2026;

/// What to train on and where to write.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The candidates CSV (`comatching-server export candidates`).
    #[arg(long)]
    pub candidates: PathBuf,
    /// The match history CSV (`comatching-server export matches`).
    #[arg(long)]
    pub matches: PathBuf,
    /// The weights file to write (JSON, as `--weights` reads it).
    #[arg(long)]
    pub out: PathBuf,
    /// The weights in use, to compare with. Default: the built-in weights.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Write the learned weights even when they do not rank the held-out matches better.
    #[arg(long)]
    pub force: bool,
    /// The seed of the held-out split.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
}

/// Labelled matches: each one's agreements and whether its feedback was good.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Examples {
    pub agreements: Vec<[f64; AGREEMENTS]>,
    pub good: Vec<bool>,
}

impl Examples {
    pub fn push(&mut self, agreements: [f64; AGREEMENTS], good: bool) {
        self.agreements.push(agreements);
        self.good.push(good);
    }

    pub fn len(&self) -> usize {
        self.good.len()
    }

    pub fn is_empty(&self) -> bool {
        self.good.is_empty()
    }

    /// How many are good.
    pub fn good_count(&self) -> usize {
        self.good.iter().filter(|&&good| good).count()
    }
}

/// Trains, writes `args.out` when the learned weights win (or `args.force`), and reports.
/// On an error nothing is written.
pub fn run(args: &Args) -> anyhow::Result<Report> {
    let current = match &args.weights {
        Some(path) => Weights::load(path)?,
        None => Weights::default(),
    };
    let candidates = input::read_candidates(&args.candidates)?;
    let joined = input::read_matches(&args.matches, &candidates)?;
    let examples = &joined.examples;
    anyhow::ensure!(
        !examples.is_empty(),
        "no labelled matches to learn from in {}: of its {} rows, {} name a user not in {} and \
         {} have no feedback",
        args.matches.display(),
        joined.rows,
        joined.unknown,
        args.candidates.display(),
        joined.unlabelled
    );
    let good = examples.good_count();
    let bad = examples.len() - good;
    for (count, class) in [
        (good, "good (feedback true)"),
        (bad, "bad (feedback false)"),
    ] {
        anyhow::ensure!(
            count > 0,
            "no {class} matches among the {} labelled in {}: a model needs both kinds",
            examples.len(),
            args.matches.display()
        );
    }
    let split = split::split(examples, args.seed)?;
    let learned = fit::learned_weights(fit::coefficients(&split.training)?)?;
    let current_auc = auc::held_out_auc(&current, &split.held_out);
    let learned_auc = auc::held_out_auc(&learned, &split.held_out);
    let decision = if learned_auc > current_auc {
        Decision::WrittenBetter
    } else if args.force {
        Decision::WrittenForced
    } else {
        Decision::NotWritten
    };
    if decision != Decision::NotWritten {
        write_atomically(&args.out, &learned)?;
    }
    Ok(Report {
        candidates_file: args.candidates.clone(),
        candidate_rows: candidates.len(),
        matches_file: args.matches.clone(),
        match_rows: joined.rows,
        unknown: joined.unknown,
        unlabelled: joined.unlabelled,
        good,
        bad,
        training: split.training.len(),
        held_out: split.held_out.len(),
        seed: args.seed,
        current,
        learned,
        current_auc,
        learned_auc,
        out: args.out.clone(),
        decision,
    })
}

/// Writes `weights` to `path` so that a reader sees the old file or the new one, never part:
/// a temporary file in the same directory, fsynced, renamed over `path`, then the directory
/// fsynced so the rename survives a crash.
fn write_atomically(path: &Path, weights: &Weights) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("--out {} names no file", path.display()))?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let mut text = serde_json::to_string_pretty(weights).context("encode the weights")?;
    text.push('\n');
    let written = File::create(&temp)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        // Best effort: the error that matters is the one returned.
        let _ = std::fs::remove_file(&temp);
    }
    written.with_context(|| format!("write the weights file {}", path.display()))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("fsync the directory {}", dir.display()))
}
