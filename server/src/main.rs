use clap::Parser;
use comatching_server::cli::{self, Cli};
use std::process::ExitCode;

/// Makes every file it creates private to its user, tunes the allocator before the runtime
/// starts its threads (each takes an arena at its first allocation), then runs the command
/// line; a failure prints its whole chain of causes.
fn main() -> ExitCode {
    storage::process::restrict_new_files();
    storage::process::tune_allocator();
    let cli = Cli::parse();
    let outcome = tokio::runtime::Runtime::new()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| {
            runtime.block_on(async {
                storage::process::init_logging("info,async_nats=warn,tower_http=warn");
                cli::run(cli).await
            })
        });
    outcome.unwrap_or_else(|error| {
        eprintln!("Error: {error:#}");
        ExitCode::FAILURE
    })
}
