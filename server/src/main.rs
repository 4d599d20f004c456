use clap::Parser;
use comatching_server::cli::{self, Cli};
use std::process::ExitCode;

/// jemalloc instead of glibc's malloc: allocation was a fifth of the server's CPU in a match
/// (perf), and with jemalloc the server spends 0.53–0.62 ms of CPU a match instead of 0.74 (the
/// HTTP bench's closed loop, 100,000 users). It costs memory: the bench's server peak went
/// from 86 to 104–116 MiB. glibc also needed its freed pages trimmed by hand every two
/// seconds; jemalloc returns them itself (below).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read at its first allocation (the `_rjem_` prefix is the crate's):
/// two arenas (its default is four per core, and each arena keeps freed memory of its own;
/// the server's work runs on a few threads), and a background thread that returns freed
/// pages after a second instead of on the allocating threads after ten. The bench's server
/// peak: 115.8 MiB with the defaults, 103.5–109.8 with these.
#[export_name = "_rjem_malloc_conf"]
static MALLOC_CONF: &[u8; 53] = b"narenas:2,background_thread:true,dirty_decay_ms:1000\0";

/// Makes every file it creates private to its user, then runs the command line; a failure
/// prints its whole chain of causes.
fn main() -> ExitCode {
    storage::process::restrict_new_files();
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
