//! Process plumbing both binaries share: logging and the shutdown signal.

/// Logs to stderr, filtered by `RUST_LOG` or else `default_filter`.
pub fn init_logging(default_filter: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .init();
}

/// Completes on Ctrl-C or SIGTERM (what systemd sends on stop).
pub async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("install the SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

/// Allocations at least this large get a mapping of their own, returned to the system on free.
const MMAP_THRESHOLD_BYTES: i32 = 128 * 1024;

/// Makes glibc give large freed blocks back to the system. By default glibc raises its mmap
/// threshold after the first large block is freed, so every later one (an argon2 hash takes
/// 19 MiB) comes from its per-thread arenas and stays resident: 300 logins left the server at
/// 660 MiB instead of 85 MiB. Called first thing in `main`.
pub fn return_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator tunable; glibc makes it safe to call at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
    }
}
