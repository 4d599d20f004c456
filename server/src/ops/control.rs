//! The control socket: `<data-dir>/control.sock` (mode 0600), through which the command line
//! reaches a running server (sled allows one process per database). One line in, one line
//! out: `backup <absolute path>`, `resync` or `check-matcher <absolute path>`, answered
//! `ok <n>` (then, for check-matcher, one difference a line) or `error <message>`.

use crate::db::Db;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{RwLock, RwLockWriteGuard};
use tokio_util::sync::CancellationToken;

/// The socket's file name in the data directory.
pub const SOCKET: &str = "control.sock";
/// The longest command line read.
const MAX_LINE: usize = 4096;
/// The longest a backup waits for the writes in flight to end. Every state-changing request
/// queues behind a backup that waits (the barrier lets the waiting writer go first), so a
/// write that takes long (matches waiting on a matcher that stopped answering) must cost a
/// failed backup, tried again later, not a site that cannot change anything.
pub const MAX_PAUSE_WAIT: Duration = Duration::from_secs(10);

/// Takes the write barrier exclusively once the writes in flight have ended, or gives up after
/// [`MAX_PAUSE_WAIT`] (the queued requests then go on).
pub async fn pause_writes(barrier: &RwLock<()>) -> anyhow::Result<RwLockWriteGuard<'_, ()>> {
    tokio::time::timeout(MAX_PAUSE_WAIT, barrier.write())
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "writes in flight did not end within {} s; try again",
                MAX_PAUSE_WAIT.as_secs()
            )
        })
}

pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET)
}

/// Serves commands until cancelled. `barrier` is held exclusively during a backup, so no
/// state-changing request runs while it is taken.
pub async fn run(
    data_dir: PathBuf,
    db: Arc<Db>,
    barrier: Arc<RwLock<()>>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let path = socket_path(&data_dir);
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted?,
            () = cancel.cancelled() => break,
        };
        if let Err(e) = handle(stream, &db, &barrier).await {
            tracing::warn!(error = %e, "control command failed");
        }
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}

async fn handle(stream: UnixStream, db: &Arc<Db>, barrier: &RwLock<()>) -> anyhow::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(MAX_LINE as u64))
        .read_line(&mut line)
        .await?;
    let answer = match execute(line.trim(), db, barrier).await {
        Ok((count, lines)) => {
            std::iter::once(format!("ok {count}"))
                .chain(lines)
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        }
        Err(e) => format!("error {}\n", format!("{e:#}").replace('\n', " ")),
    };
    write.write_all(answer.as_bytes()).await?;
    Ok(())
}

async fn execute(
    command: &str,
    db: &Arc<Db>,
    barrier: &RwLock<()>,
) -> anyhow::Result<(u64, Vec<String>)> {
    let db = db.clone();
    match command.split_once(' ').unwrap_or((command, "")) {
        ("backup", path) if Path::new(path).is_absolute() => {
            let _quiet = pause_writes(barrier).await?;
            let out = PathBuf::from(path);
            tracing::info!(path = %out.display(), "backup started; writes wait");
            let items = tokio::task::spawn_blocking(move || db.write_backup(&out)).await??;
            tracing::info!(items, "backup written");
            Ok((items, Vec::new()))
        }
        ("resync", "") => Ok((db.republish_all_users().await?, Vec::new())),
        ("check-matcher", path) if Path::new(path).is_absolute() => {
            let table = storage::columnar::load(Path::new(path))?;
            let found = tokio::task::spawn_blocking(move || {
                crate::ops::consistency::differences(&db, &table)
            })
            .await??;
            Ok((
                found.len() as u64,
                found
                    .into_iter()
                    .take(crate::ops::consistency::MAX_LISTED)
                    .collect(),
            ))
        }
        _ => anyhow::bail!("unknown command (backup <path> | resync | check-matcher <path>)"),
    }
}

/// Sends `command` to a running server; `None` when no server listens.
pub fn send(data_dir: &Path, command: &str) -> anyhow::Result<Option<String>> {
    use std::io::Write;
    let Ok(mut stream) = std::os::unix::net::UnixStream::connect(socket_path(data_dir)) else {
        return Ok(None);
    };
    stream.write_all(format!("{command}\n").as_bytes())?;
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut std::io::BufReader::new(stream), &mut answer)?;
    Ok(Some(answer.trim_end().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A backup that waits for a write in flight gives up after [`MAX_PAUSE_WAIT`], and the
    /// requests that queued behind it go on; once the writes end, the next backup goes ahead.
    #[tokio::test(start_paused = true)]
    async fn a_backup_gives_up_on_writes_that_do_not_end_and_lets_new_ones_through() {
        let barrier = Arc::new(RwLock::new(()));
        let in_flight = barrier.clone().read_owned().await;
        let started = tokio::time::Instant::now();
        let error = pause_writes(&barrier).await.unwrap_err();
        assert!(error.to_string().contains("did not end"), "{error}");
        assert_eq!(started.elapsed(), MAX_PAUSE_WAIT);
        let next_write = tokio::time::timeout(Duration::from_millis(1), barrier.read()).await;
        assert!(
            next_write.is_ok(),
            "a write still waits behind the backup that gave up"
        );
        drop((next_write, in_flight));
        assert!(pause_writes(&barrier).await.is_ok());
    }
}
