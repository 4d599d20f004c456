//! `demo`: synthetic students for a local try-out.

use crate::ops::demo;
use std::path::Path;
use std::process::ExitCode;

pub async fn run(users: usize, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let (db, search) = super::open_indexed(data_dir)?;
    let added = demo::seed(&db, users).await?;
    super::close_indexed(search).await?;
    if added == 0 {
        println!("the database already has users: no demo users added");
    } else {
        println!(
            "added {added} demo users (password: {})",
            demo::DEMO_PASSWORD
        );
    }
    Ok(ExitCode::SUCCESS)
}
