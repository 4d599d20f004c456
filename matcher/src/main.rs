use clap::{Parser, Subcommand};
use comatching_matcher::{config, export, train, Config};
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
    /// Learn scoring weights from the server's candidates and matches exports: prints a report
    /// and writes --out when the learned weights rank held-out matches better (or --force).
    Train(train::Args),
}

/// Makes every file it creates private to its user, tunes the allocator before the runtime
/// starts its threads (each takes an arena at its first allocation), then runs [`serve`].
fn main() -> anyhow::Result<()> {
    storage::process::restrict_new_files();
    storage::process::tune_allocator();
    tokio::runtime::Runtime::new()?.block_on(serve())
}

async fn serve() -> anyhow::Result<()> {
    storage::process::init_logging("info,async_nats=warn");
    let cli = Cli::parse();
    match cli.command {
        Some(Command::ExportCsv { out, data_dir }) => {
            let rows = export::export_csv(&config::table_path(&data_dir), &out)?;
            println!("wrote {rows} rows to {}", out.display());
            Ok(())
        }
        Some(Command::Train(args)) => {
            print!("{}", train::run(&args)?);
            Ok(())
        }
        None => {
            storage::process::warn_if_open(&cli.run.data_dir);
            comatching_matcher::run(cli.run, storage::process::shutdown_signal()).await
        }
    }
}
