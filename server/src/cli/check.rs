//! `check-matcher` and `audit`: checks that exit 1 when they find anything.

use super::{open, running_answer};
use crate::ops::{consistency, control};
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;

pub fn matcher(matcher_file: &Path, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let file = std::path::absolute(matcher_file).context("the matcher file")?;
    let (count, lines) =
        match control::send(data_dir, &format!("check-matcher {}", file.display()))? {
            Some(answer) => {
                let mut lines = answer.lines();
                let count = running_answer(lines.next().unwrap_or(""))?;
                (count, lines.map(str::to_owned).collect())
            }
            None => {
                let table = storage::columnar::load(&file)
                    .with_context(|| format!("read {}", file.display()))?;
                let found = consistency::differences(&*open(data_dir)?, &table)?;
                (found.len() as u64, found)
            }
        };
    lines.iter().for_each(|line| println!("DIFFERENCE: {line}"));
    println!("check-matcher: {count} differences");
    Ok(if count > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub fn audit(data_dir: &Path) -> anyhow::Result<ExitCode> {
    let db = open(data_dir)?;
    if let Some((stored, counted)) = db.recount().context("recount the landing-page counts")? {
        println!(
            "CORRECTED: landing-page counts: stored {} active users and {} matches, counted {} and {}",
            stored.users, stored.matches, counted.users, counted.matches
        );
    }
    let report = db.audit().context("audit the ledger")?;
    for violation in &report.violations {
        println!("VIOLATION: {violation}");
    }
    println!(
        "audit: {} users checked, {} violations",
        report.users_checked,
        report.violations.len()
    );
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
