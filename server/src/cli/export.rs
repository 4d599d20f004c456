//! `export matches` and `export candidates`: the training CSVs from a stopped server's data.

use crate::db::Db;
use crate::ops::export;
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ExportCommand {
    /// The match history as CSV for model training: pseudonymous, no names or contacts.
    Matches {
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
        /// The server's data directory.
        #[arg(long, env = "COMATCHING_DATA_DIR", default_value = "./data/server")]
        data_dir: PathBuf,
    },
    /// Every student with a profile as CSV for model training, with the same pseudonyms as
    /// `export matches` (so `comatching-matcher train` can join the two).
    Candidates {
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
        /// The server's data directory.
        #[arg(long, env = "COMATCHING_DATA_DIR", default_value = "./data/server")]
        data_dir: PathBuf,
    },
}

pub fn run(command: ExportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ExportCommand::Matches { out, data_dir } => {
            write("matches", &out, &data_dir, |db, emit| {
                export::matches_csv(db, emit)
            })
        }
        ExportCommand::Candidates { out, data_dir } => {
            write("candidates", &out, &data_dir, |db, emit| {
                export::candidates_csv(db, emit)
            })
        }
    }
}

/// Runs one export of a stopped server's database into `out`.
fn write(
    what: &str,
    out: &Path,
    data_dir: &Path,
    rows_of: impl FnOnce(&Db, &mut dyn FnMut(Vec<u8>) -> bool) -> anyhow::Result<u64>,
) -> anyhow::Result<ExitCode> {
    let db = super::open(data_dir)?;
    let rows = export::to_file(out, |emit| rows_of(&db, emit))?;
    println!("wrote {rows} {what} to {}", out.display());
    Ok(ExitCode::SUCCESS)
}
