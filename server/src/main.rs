use anyhow::Context;
use clap::{Parser, Subcommand};
use comatching_server::{db::Db, demo, Config};
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    storage::process::init_logging("info,async_nats=warn,tower_http=warn");
    let cli = Cli::parse();
    match cli.command {
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
