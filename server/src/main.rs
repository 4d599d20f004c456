use anyhow::Context;
use clap::{Parser, Subcommand};
use comatching_server::{control, db::Db, demo, Config};
use std::path::PathBuf;

/// COMAtching's API server: HTTP API, sled database under --data-dir, outbox relay to NATS
/// JetStream. One process per data directory: sled locks it, so commands that take
/// --data-dir (like `demo`) need the server stopped.
#[derive(Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Admin accounts (the server must be stopped).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write a consistent backup of the database: through the running server's control socket
    /// (writes pause meanwhile), or directly from a stopped server's data.
    Backup {
        /// The backup file to write.
        #[arg(long)]
        out: PathBuf,
        /// The server's data directory.
        #[arg(long, env = "COMATCHING_DATA_DIR", default_value = "./data/server")]
        data_dir: PathBuf,
    },
    /// Restore a backup into a new, empty data directory (no server may use it).
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// The data directory to create.
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Republish every user's latest state to the USERS stream (if the stream is ever lost):
    /// through the running server, or queued in a stopped server's outbox. Harmless to repeat.
    Resync {
        /// The server's data directory.
        #[arg(long, env = "COMATCHING_DATA_DIR", default_value = "./data/server")]
        data_dir: PathBuf,
    },
    /// Compare the matcher's feature file with the server's users (latest versions, pickable
    /// states) and print every difference; exits 1 if there is any. Through the running server,
    /// or on a stopped server's data. Run it when the outbox is empty (see /readyz).
    CheckMatcher {
        /// The matcher's feature file (features.bin in its data directory).
        #[arg(long)]
        matcher_file: PathBuf,
        /// The server's data directory.
        #[arg(long, env = "COMATCHING_DATA_DIR", default_value = "./data/server")]
        data_dir: PathBuf,
    },
    /// Check the ledger of a stopped server's data; exits non-zero on any violation.
    /// (A running server answers the same check at GET /api/admin/audit.)
    Audit {
        /// The server's data directory.
        #[arg(long, env = "COMATCHING_DATA_DIR", default_value = "./data/server")]
        data_dir: PathBuf,
    },
    /// Exports (the server must be stopped; a running one serves GET /api/admin/export/matches.csv).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Fill an empty database with synthetic students (the server must be stopped).
    Demo {
        /// How many demo users.
        #[arg(long, default_value_t = 1_000)]
        users: usize,
        /// The server's data directory.
        #[arg(long, env = "COMATCHING_DATA_DIR", default_value = "./data/server")]
        data_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
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

#[derive(Subcommand)]
enum AdminCommand {
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

/// Tunes the allocator before the runtime starts its threads (each takes an arena at its
/// first allocation), then runs [`serve`].
fn main() -> anyhow::Result<()> {
    storage::process::tune_allocator();
    tokio::runtime::Runtime::new()?.block_on(serve())
}

async fn serve() -> anyhow::Result<()> {
    storage::process::init_logging("info,async_nats=warn,tower_http=warn");
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Admin(AdminCommand::Create {
            email,
            nickname,
            data_dir,
            ..
        })) => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("read the password from stdin")?;
            let password = password.trim_end_matches(['\n', '\r']);
            let db = Db::open(&data_dir)?;
            let admin =
                comatching_server::admin::create_admin(&db, &email, password, &nickname).await?;
            println!("admin {} (id {}) is ready", admin.email, admin.id);
            Ok(())
        }
        Some(Command::Export(ExportCommand::Matches { out, data_dir })) => {
            use std::io::Write;
            let db = Db::open(&data_dir)?;
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(&out).with_context(|| format!("create {}", out.display()))?,
            );
            let mut failed = None;
            let rows =
                comatching_server::export::matches_csv(&db, |chunk| match file.write_all(&chunk) {
                    Ok(()) => true,
                    Err(e) => {
                        failed = Some(e);
                        false
                    }
                })
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Some(e) = failed {
                return Err(e).with_context(|| format!("write {}", out.display()));
            }
            file.into_inner()
                .map_err(|e| anyhow::anyhow!("flush: {e}"))?
                .sync_all()
                .context("fsync")?;
            println!("wrote {rows} matches to {}", out.display());
            Ok(())
        }
        Some(Command::Backup { out, data_dir }) => {
            let out = std::path::absolute(&out).context("the backup path")?;
            let items = match control::send(&data_dir, &format!("backup {}", out.display()))? {
                Some(answer) => running_answer(&answer)?,
                None => comatching_server::backup::write_backup(&*Db::open(&data_dir)?, &out)?,
            };
            println!("backup of {items} records written to {}", out.display());
            Ok(())
        }
        Some(Command::Restore { from, data_dir }) => {
            let items = comatching_server::backup::restore(&from, &data_dir)?;
            println!("restored {items} records into {}", data_dir.display());
            Ok(())
        }
        Some(Command::Resync { data_dir }) => {
            match control::send(&data_dir, "resync")? {
                Some(answer) => println!("resync: {} users republished", running_answer(&answer)?),
                None => {
                    let queued = comatching_server::backup::resync(&*Db::open(&data_dir)?)?;
                    println!(
                        "resync: {queued} users queued; they are published when the server starts"
                    );
                }
            }
            Ok(())
        }
        Some(Command::CheckMatcher {
            matcher_file,
            data_dir,
        }) => {
            let file = std::path::absolute(&matcher_file).context("the matcher file")?;
            let (count, lines) =
                match control::send(&data_dir, &format!("check-matcher {}", file.display()))? {
                    Some(answer) => {
                        let mut lines = answer.lines();
                        let count = running_answer(lines.next().unwrap_or(""))?;
                        (count, lines.map(str::to_owned).collect())
                    }
                    None => {
                        let table = storage::columnar::load(&file)?;
                        let found = comatching_server::consistency::differences(
                            &*Db::open(&data_dir)?,
                            &table,
                        )?;
                        (found.len() as u64, found)
                    }
                };
            lines.iter().for_each(|line| println!("DIFFERENCE: {line}"));
            println!("check-matcher: {count} differences");
            if count > 0 {
                std::process::exit(1);
            }
            Ok(())
        }
        Some(Command::Audit { data_dir }) => {
            let db = Db::open(&data_dir)?;
            let report = db.audit(None).map_err(|e| anyhow::anyhow!("{e}"))?;
            for violation in &report.violations {
                println!("VIOLATION: {violation}");
            }
            println!(
                "audit: {} users checked, {} violations",
                report.users_checked,
                report.violations.len()
            );
            if !report.ok {
                std::process::exit(1);
            }
            Ok(())
        }
        Some(Command::Demo { users, data_dir }) => {
            let db = Db::open(&data_dir)?;
            let added = demo::seed(&db, users).await?;
            if added == 0 {
                println!("the database already has users: no demo users added");
            } else {
                println!(
                    "added {added} demo users (password: {})",
                    demo::DEMO_PASSWORD
                );
            }
            Ok(())
        }
        None => {
            let listener = tokio::net::TcpListener::bind(cli.config.http_addr)
                .await
                .with_context(|| format!("bind {}", cli.config.http_addr))?;
            comatching_server::run(cli.config, listener, storage::process::shutdown_signal()).await
        }
    }
}

/// The count in a running server's `ok <n>` answer, or its error.
fn running_answer(answer: &str) -> anyhow::Result<u64> {
    match answer.split_once(' ') {
        Some(("ok", count)) => Ok(count.parse().context("the server's answer")?),
        _ => anyhow::bail!("the running server answered: {answer}"),
    }
}
