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

/// Keeps glibc's heap close to what is in use. Called first thing in `main`.
///
/// - Large freed blocks go back to the system. By default glibc raises its mmap threshold
///   after the first large block is freed, so every later one (an argon2 hash takes 19 MiB)
///   comes from its arenas and stays resident: 300 logins left the server at 660 MiB.
/// - At most one arena per core instead of eight. Each arena keeps its own freed memory, so
///   sled's page churn across tokio's threads left the server at 133–141 MiB after the HTTP
///   bench; with one arena per core 119 MiB, at the same latency (one arena in all: 103 MiB,
///   but `GET /api/me` fell from ~30,000 to ~21,000 requests/s).
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let arenas = i32::try_from(cores).unwrap_or(i32::MAX);
        // SAFETY: mallopt only sets allocator tunables; glibc makes it safe to call any time.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// How often [`trim_heap_until`] gives freed heap pages back to the system.
const TRIM_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// Gives the pages of freed heap memory back to the system every [`TRIM_INTERVAL`] until
/// `stop` completes. glibc returns memory only from the top of a heap, so pages freed below
/// live blocks (sled's evicted pages, the search index's indexing buffers, closed connections)
/// stayed resident: the server ended the HTTP bench anywhere between 96 and 141 MiB, and at
/// 63–71 MiB with this. `malloc_trim` walks the heap's free blocks, so it runs on a blocking
/// thread, not on one that serves requests.
pub async fn trim_heap_until(stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = tokio::time::sleep(TRIM_INTERVAL) => {}
            () = &mut stop => return,
        }
        if let Err(e) = tokio::task::spawn_blocking(trim_heap).await {
            tracing::warn!(error = %e, "heap trim failed");
        }
    }
}

/// Returns the free pages of every arena to the system (glibc; other allocators need not).
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages; glibc makes it safe to call any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
