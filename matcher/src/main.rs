use clap::{Parser, Subcommand};
use comatching_matcher::{config, export, Config};
use std::path::PathBuf;

/// COMAtching's matcher: follows the USERS stream on NATS JetStream, keeps every candidate in
/// a columnar file under --data-dir, and answers match requests.
#[derive(Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Write the feature table as CSV (for model training). Safe while the matcher runs.
    ExportCsv {
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
        /// The matcher's data directory.
        #[arg(
            long,
            env = "COMATCHING_MATCHER_DATA_DIR",
            default_value = "./data/matcher"
        )]
        data_dir: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,async_nats=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::ExportCsv { out, data_dir }) => {
            let rows = export::export_csv(&config::table_path(&data_dir), &out)?;
            println!("wrote {rows} rows to {}", out.display());
            Ok(())
        }
        None => comatching_matcher::run(cli.run, shutdown_signal()).await,
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("install the SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
