//! `export matches`: the training CSV from a stopped server's data.

use anyhow::Context;
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;
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
}

pub fn run(command: ExportCommand) -> anyhow::Result<ExitCode> {
    let ExportCommand::Matches { out, data_dir } = command;
    let db = super::open(&data_dir)?;
    let file = std::fs::File::create(&out).with_context(|| format!("create {}", out.display()))?;
    let mut file = std::io::BufWriter::new(file);
    let mut failed = None;
    let rows = crate::ops::export::matches_csv(&db, |chunk| match file.write_all(&chunk) {
        Ok(()) => true,
        Err(e) => {
            failed = Some(e);
            false
        }
    })?;
    if let Some(e) = failed {
        return Err(e).with_context(|| format!("write {}", out.display()));
    }
    file.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|file| file.sync_all())
        .with_context(|| format!("flush {}", out.display()))?;
    println!("wrote {rows} matches to {}", out.display());
    Ok(ExitCode::SUCCESS)
}
