//! Training at festival scale: 100,000 synthetic matches between 20,000 synthetic students,
//! good exactly when the hobby agrees (one label in ten flipped), written as the server's two
//! exports to a temporary directory; then one `train` run, timed whole (reading, joining,
//! fitting, scoring the held-out fifth, writing). Run with
//! `cargo bench -p comatching-matcher --bench train`.

use comatching_matcher::train::synthetic::{write_history, Plan};
use comatching_matcher::train::{self, Args, DEFAULT_SEED};
use std::time::Instant;

const PLAN: Plan = Plan {
    candidates: 20_000,
    matches: 100_000,
    noise: 0.1,
    seed: 42,
};

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let history = write_history(dir.path(), &PLAN).expect("write the synthetic exports");
    let args = Args {
        candidates: history.candidates,
        matches: history.matches,
        out: dir.path().join("weights.json"),
        weights: None,
        force: false,
        seed: DEFAULT_SEED,
    };
    let start = Instant::now();
    let report = train::run(&args).expect("train");
    let elapsed = start.elapsed();
    println!("| matches | labelled | train s | held-out AUC, default weights | learned |");
    println!("|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {:.2} | {:.4} | {:.4} |",
        report.match_rows,
        report.good + report.bad,
        elapsed.as_secs_f64(),
        report.current_auc,
        report.learned_auc
    );
    println!();
    print!("{report}");
}
