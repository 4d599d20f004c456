//! `backup`, `restore` and `resync`: through a running server's control socket when one
//! listens, else on the stopped server's data.

use super::{open, running_answer};
use crate::ops::control;
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;

pub fn backup(out: &Path, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let out = std::path::absolute(out).context("the backup path")?;
    let items = match control::send(data_dir, &format!("backup {}", out.display()))? {
        Some(answer) => running_answer(&answer)?,
        None => open(data_dir)?.write_backup(&out)?,
    };
    println!("backup of {items} records written to {}", out.display());
    Ok(ExitCode::SUCCESS)
}

pub fn restore(from: &Path, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let items = crate::db::restore(from, data_dir)?;
    println!("restored {items} records into {}", data_dir.display());
    Ok(ExitCode::SUCCESS)
}

pub async fn restore_from_nats(
    nats: &storage::broker::NatsArgs,
    data_dir: &Path,
) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let client = nats.connect("comatching-server-restore").await?;
    let (name, items) = crate::ops::cluster_backup::restore_from_nats(client, data_dir).await?;
    println!(
        "restored {items} records from {name} in {} ms into {}",
        started.elapsed().as_millis(),
        data_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn resync(data_dir: &Path) -> anyhow::Result<ExitCode> {
    match control::send(data_dir, "resync")? {
        Some(answer) => println!("resync: {} users republished", running_answer(&answer)?),
        None => {
            let queued = open(data_dir)?.republish_all_users().await?;
            println!("resync: {queued} users queued; they are published when the server starts");
        }
    }
    Ok(ExitCode::SUCCESS)
}
