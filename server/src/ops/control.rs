//! The control socket: `<data-dir>/control.sock` (mode 0600), through which the command line
//! reaches a running server (sled allows one process per database). One line in, one line
//! out: `backup <absolute path>`, `resync` or `check-matcher <absolute path>`, answered
//! `ok <n>` (then, for check-matcher, one difference a line) or `error <message>`.

use crate::db::Db;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;

/// The socket's file name in the data directory.
pub const SOCKET: &str = "control.sock";
/// The longest command line read.
const MAX_LINE: usize = 4096;

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
            let _quiet = barrier.write().await;
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
