//! Training end to end on synthetic exports: a planted preference is found and written, and
//! bad inputs stop the run with an error that says where, before anything is written.

use super::synthetic::{write_history, History, Plan};
use super::*;
use tempfile::TempDir;

/// Good exactly when the hobby agrees, one label in ten flipped.
const PLAN: Plan = Plan {
    candidates: 400,
    matches: 4_000,
    noise: 0.1,
    seed: 11,
};

/// A synthetic history in a fresh directory, and the arguments that train on it.
fn exports() -> (TempDir, History, Args) {
    let dir = tempfile::tempdir().unwrap();
    let history = write_history(dir.path(), &PLAN).unwrap();
    let args = Args {
        candidates: history.candidates.clone(),
        matches: history.matches.clone(),
        out: dir.path().join("weights.json"),
        weights: None,
        force: false,
        seed: DEFAULT_SEED,
    };
    (dir, history, args)
}

fn edit(path: &Path, change: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, change(text)).unwrap();
}

/// Runs `args` expecting an error that contains each of `says`, with nothing written.
fn fails(args: &Args, says: &[&str]) {
    let error = format!("{:#}", run(args).unwrap_err());
    for part in says {
        assert!(error.contains(part), "{part:?} not in: {error}");
    }
    assert!(!args.out.exists(), "{error}");
    let dir = args.out.parent().unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(!name.to_string_lossy().ends_with(".tmp"), "{name:?} left");
    }
}

#[test]
fn finds_the_planted_hobby_preference_and_writes_weights_that_load() {
    let (_dir, history, args) = exports();
    let report = run(&args).unwrap();
    assert_eq!(report.candidate_rows, PLAN.candidates);
    assert_eq!(report.match_rows, PLAN.matches as u64);
    assert_eq!(report.unknown, history.unknown);
    assert_eq!(report.unlabelled, history.unlabelled);
    assert_eq!(
        report.good + report.bad,
        PLAN.matches - (history.unknown + history.unlabelled) as usize
    );
    assert_eq!(report.training + report.held_out, report.good + report.bad);
    let learned = report.learned;
    assert_eq!(learned.hobby, fit::LEARNED_MAX, "{report}");
    for other in [learned.age, learned.mbti, learned.contact_frequency] {
        assert!(other < learned.hobby / 2.0, "{report}");
    }
    assert!(report.learned_auc > report.current_auc, "{report}");
    assert_eq!(report.decision, Decision::WrittenBetter);
    assert_eq!(Weights::load(&args.out).unwrap(), learned);
    assert!(report.to_string().contains("wrote"), "{report}");
}

#[test]
fn writes_weights_no_better_than_the_current_only_when_forced() {
    let (dir, _history, mut args) = exports();
    let learned = run(&args).unwrap().learned;
    let current = dir.path().join("current.json");
    std::fs::rename(&args.out, &current).unwrap();
    args.weights = Some(current);
    let report = run(&args).unwrap();
    assert_eq!(report.learned_auc, report.current_auc);
    assert_eq!(report.decision, Decision::NotWritten);
    assert!(!args.out.exists());
    args.force = true;
    assert_eq!(run(&args).unwrap().decision, Decision::WrittenForced);
    assert_eq!(Weights::load(&args.out).unwrap(), learned);
}

#[test]
fn a_missing_column_names_the_file_and_the_column() {
    let (_dir, history, args) = exports();
    edit(&history.matches, |text| {
        text.replacen("optHobby", "hobbyOption", 1)
    });
    fails(&args, &["matches.csv", "the column optHobby is missing"]);
    let (_dir, history, args) = exports();
    edit(&history.candidates, |text| {
        text.replacen("hobbyMask", "mask", 1)
    });
    fails(
        &args,
        &["candidates.csv", "the column hobbyMask is missing"],
    );
}

#[test]
fn a_bad_value_names_the_line_and_the_column() {
    let (_dir, history, args) = exports();
    let text = std::fs::read_to_string(&history.matches).unwrap();
    let at = text.find(",OLDER,").unwrap();
    let line = text[..at].matches('\n').count() + 1;
    std::fs::write(&history.matches, text.replacen(",OLDER,", ",OLDEST,", 1)).unwrap();
    let place = format!("matches.csv line {line}, column optAge");
    fails(&args, &[place.as_str(), "OLDEST"]);
}

#[test]
fn an_empty_join_or_a_missing_class_is_refused() {
    let (_dir, history, args) = exports();
    edit(&history.candidates, |text| {
        format!("{}\n", text.lines().next().unwrap())
    });
    fails(&args, &["no labelled matches", "matches.csv"]);
    let (_dir, history, args) = exports();
    edit(&history.matches, |text| text.replace("false", "true"));
    fails(&args, &["no bad (feedback false) matches"]);
}

#[test]
fn an_unreadable_file_is_named() {
    let (dir, _history, mut args) = exports();
    args.candidates = dir.path().join("absent.csv");
    fails(&args, &["absent.csv"]);
}

#[test]
fn the_candidate_columns_read_are_in_the_export() {
    for name in input::CANDIDATE_COLUMNS {
        assert!(storage::csv_export::HEADER.contains(&name), "{name}");
    }
}
