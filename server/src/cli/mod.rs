//! The command line: serve (no subcommand), or one of the operator commands. Each command
//! prints its failure with the whole chain of causes (`Error: a: b: c`), naming the record or
//! file at fault.

mod admin;
mod check;
mod data;
mod demo;
mod export;

use crate::db::Db;
use crate::search::Search;
use crate::Config;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// COMAtching's API server: HTTP API, sled database under --data-dir, outbox relay to NATS
/// JetStream. One process per data directory: sled locks it, so commands that take
/// --data-dir (like `demo`) need the server stopped.
#[derive(Parser)]
#[command(
    name = "comatching-server",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

/// The server's data directory (every command that reads the database takes it).
#[derive(clap::Args)]
struct DataDir {
    /// The server's data directory.
    #[arg(long, env = "COMATCHING_DATA_DIR", default_value = "./data/server")]
    data_dir: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Admin accounts (the server must be stopped).
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Write a consistent backup of the database: through the running server's control socket
    /// (writes pause meanwhile), or directly from a stopped server's data.
    Backup {
        /// The backup file to write.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        dir: DataDir,
    },
    /// Restore a backup into a new, empty data directory (no server may use it): a file, or
    /// with --from-nats the newest backup in the cluster's object store (--backup-every).
    Restore {
        /// The backup file.
        #[arg(
            long,
            required_unless_present = "from_nats",
            conflicts_with = "from_nats"
        )]
        from: Option<PathBuf>,
        /// The newest backup in the cluster instead (the NATS flags say where).
        #[arg(long)]
        from_nats: bool,
        #[command(flatten)]
        nats: storage::broker::NatsArgs,
        /// The data directory to create.
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Republish every user's latest state to the USERS stream (if the stream is ever lost):
    /// through the running server, or queued in a stopped server's outbox. Harmless to repeat.
    Resync {
        #[command(flatten)]
        dir: DataDir,
    },
    /// Compare the matcher's feature file with the server's users (latest versions, pickable
    /// states) and print every difference; exits 1 if there is any. Through the running server,
    /// or on a stopped server's data. Run it when the outbox is empty (see /readyz).
    CheckMatcher {
        /// The matcher's feature file (features.bin in its data directory).
        #[arg(long)]
        matcher_file: PathBuf,
        #[command(flatten)]
        dir: DataDir,
    },
    /// Check the ledger of a stopped server's data; exits 1 on any violation.
    /// (A running server answers the same check at GET /api/admin/audit.)
    Audit {
        #[command(flatten)]
        dir: DataDir,
    },
    /// Exports (the server must be stopped; a running one serves GET /api/admin/export/matches.csv).
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Fill an empty database with synthetic students (the server must be stopped).
    Demo {
        /// How many demo users.
        #[arg(long, default_value_t = 1_000)]
        users: usize,
        #[command(flatten)]
        dir: DataDir,
    },
}

/// Runs what the command line asks for; the exit code says whether a check found anything.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Some(command) = cli.command else {
        let config = cli.config;
        storage::process::warn_if_open(&config.data_dir);
        let listener = tokio::net::TcpListener::bind(config.http_addr)
            .await
            .with_context(|| format!("bind {}", config.http_addr))?;
        crate::run(config, listener, storage::process::shutdown_signal()).await?;
        return Ok(ExitCode::SUCCESS);
    };
    match command {
        Command::Admin(command) => admin::run(command).await,
        Command::Backup { out, dir } => data::backup(&out, &dir.data_dir),
        Command::Restore {
            from: Some(from),
            data_dir,
            ..
        } => data::restore(&from, &data_dir),
        Command::Restore { nats, data_dir, .. } => data::restore_from_nats(&nats, &data_dir).await,
        Command::Resync { dir } => data::resync(&dir.data_dir).await,
        Command::CheckMatcher { matcher_file, dir } => check::matcher(&matcher_file, &dir.data_dir),
        Command::Audit { dir } => check::audit(&dir.data_dir),
        Command::Export(command) => export::run(command),
        Command::Demo { users, dir } => demo::run(users, &dir.data_dir).await,
    }
}

/// Opens a stopped server's database.
fn open(data_dir: &Path) -> anyhow::Result<Arc<Db>> {
    Db::open(data_dir).with_context(|| {
        format!(
            "open the database in {} (is the server still running?)",
            data_dir.display()
        )
    })
}

/// A stopped server's database with its search index open beside it, for commands that add
/// users: the index hears of every change, and [`close_indexed`] marks it current, so the
/// server's next start need not rebuild it (at 100,000 users a rebuild takes seconds and is
/// the server's memory peak).
fn open_indexed(data_dir: &Path) -> anyhow::Result<(Arc<Db>, Search)> {
    let db = open(data_dir)?;
    let search = Search::open(&crate::search::dir(data_dir), db.clone())?;
    Ok((db, search))
}

/// Commits what the index has heard and marks it current.
async fn close_indexed(search: Search) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || search.shutdown())
        .await
        .context("search shutdown")
}

/// The count in a running server's `ok <n>` answer on the control socket, or its error.
fn running_answer(answer: &str) -> anyhow::Result<u64> {
    match answer.split_once(' ') {
        Some(("ok", count)) => Ok(count.parse().context("the server's answer")?),
        _ => anyhow::bail!("the running server answered: {answer}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::account::Email;

    /// [`open_indexed`] once sled has let go of the database just closed.
    fn reopen_indexed(data_dir: &Path) -> (Arc<Db>, Search) {
        let db = crate::db::reopen(data_dir);
        let search = Search::open(&crate::search::dir(data_dir), db.clone()).unwrap();
        (db, search)
    }

    /// Demo users and an admin made from the command line are in the index, which is marked
    /// current: the next open (the server's start) reads it instead of rebuilding it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commands_that_add_users_leave_the_search_index_current() {
        let dir = tempfile::tempdir().unwrap();
        let (db, search) = open_indexed(dir.path()).unwrap();
        assert_eq!(crate::ops::demo::seed(&db, 20).await.unwrap(), 20);
        close_indexed(search).await.unwrap();
        drop(db);
        let (db, search) = reopen_indexed(dir.path());
        assert!(!search.rebuilt(), "the index was behind after demo");
        crate::ops::admin::create_admin(&db, "cli-admin@x.kr", "a long password", "운영자")
            .await
            .unwrap();
        close_indexed(search).await.unwrap();
        drop(db);
        let (db, search) = reopen_indexed(dir.path());
        assert!(!search.rebuilt(), "the index was behind after admin create");
        for email in ["demo00007@demo.comatching.kr", "cli-admin@x.kr"] {
            let user = db.user_by_email(&Email::parse(email).unwrap()).unwrap();
            assert_eq!(
                search.query(email, 5).unwrap().first(),
                user.map(|u| u.id).as_ref()
            );
        }
        close_indexed(search).await.unwrap();
    }
}
