//! `comatching-server admin create`.

use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Make an admin (or make an existing account an admin with this password).
    Create {
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input (required: passwords do
        /// not belong on command lines).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// The nickname of a new account.
        #[arg(long, default_value = "관리자")]
        nickname: String,
        /// The server's data directory.
        #[arg(long, env = "COMATCHING_DATA_DIR", default_value = "./data/server")]
        data_dir: PathBuf,
    },
}

pub async fn run(command: AdminCommand) -> anyhow::Result<ExitCode> {
    let AdminCommand::Create {
        email,
        nickname,
        data_dir,
        ..
    } = command;
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("read the password from stdin")?;
    let password = password.trim_end_matches(['\n', '\r']);
    let (db, search) = super::open_indexed(&data_dir)?;
    let admin = crate::ops::admin::create_admin(&db, &email, password, &nickname).await?;
    super::close_indexed(search).await?;
    println!("admin {} (id {}) is ready", admin.email, admin.id);
    Ok(ExitCode::SUCCESS)
}
