//! `comatching-matcher export-csv`: the feature file as CSV for model training.

use anyhow::Context;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use storage::{columnar, csv_export, seoul};

/// Writes the table in `table_path` to `out` as CSV; returns the rows written.
pub fn export_csv(table_path: &Path, out: &Path) -> anyhow::Result<u64> {
    let table = columnar::load(table_path)?;
    let file = File::create(out).with_context(|| format!("create {}", out.display()))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let rows = csv_export::export(&table, &mut writer, seoul::current_year())
        .with_context(|| format!("write {}", out.display()))?;
    let file = writer.into_inner().context("flush the CSV")?;
    file.sync_all().context("fsync the CSV")?;
    Ok(rows)
}
