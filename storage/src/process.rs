//! Process plumbing both binaries share: logging, the shutdown signal, the allocator, and
//! keeping the data on disk private to the service's user.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

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

/// Keeps glibc's heap close to what is in use: the matcher's allocator (the server uses
/// jemalloc, see its `main`). Called first thing in `main`. Measured on the server, when it
/// used glibc too:
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

/// The file creation mask of both binaries: no permission for group or others.
const NEW_FILE_MASK: libc::mode_t = 0o077;
/// The permission bits that let a file's group or anyone else in.
const GROUP_AND_OTHER_BITS: u32 = 0o077;
/// The bits of a mode that are permissions (with setuid, setgid and sticky), not file type.
const PERMISSION_BITS: u32 = 0o7777;
/// The mode of the data directories the binaries create: their user's alone.
const PRIVATE_DIR_MODE: u32 = 0o700;

/// Makes every file and directory this process creates its user's alone (umask 077). The
/// databases, backups, feature files and the ACME account key would otherwise be created
/// world-readable (0644 under the usual umask 022), and they hold emails, contacts and password
/// hashes. Called first thing in `main`, before anything is created.
pub fn restrict_new_files() {
    // SAFETY: umask only replaces this process's file creation mask; it cannot fail.
    unsafe {
        libc::umask(NEW_FILE_MASK);
    }
}

/// Creates `dir` (and its missing parents) as 0700 if it is not there yet; an existing one is
/// left as it is ([`warn_if_open`] reports it if it is open to others).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(PRIVATE_DIR_MODE)
        .create(dir)
}

/// A path that users other than its owner may access, with its permission bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPath {
    pub path: PathBuf,
    pub mode: u32,
}

/// `dir` itself and the entries directly in it whose group or others have any permission
/// (symbolic links, which always show 0777, excepted). A missing `dir` has none.
pub fn open_to_others(dir: &Path) -> std::io::Result<Vec<OpenPath>> {
    let metadata = match std::fs::metadata(dir) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut open = Vec::new();
    push_if_open(&mut open, dir, &metadata);
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let metadata = entry.metadata()?;
        if !metadata.file_type().is_symlink() {
            push_if_open(&mut open, &entry.path(), &metadata);
        }
    }
    Ok(open)
}

fn push_if_open(open: &mut Vec<OpenPath>, path: &Path, metadata: &std::fs::Metadata) {
    let mode = metadata.permissions().mode() & PERMISSION_BITS;
    if mode & GROUP_AND_OTHER_BITS != 0 {
        open.push(OpenPath {
            path: path.to_owned(),
            mode,
        });
    }
}

/// Logs a warning for each path [`open_to_others`] finds in the data directory `dir`: data
/// written before [`restrict_new_files`] (or copied in by hand) keeps its old mode, and only
/// the operator can say whether that is meant.
pub fn warn_if_open(dir: &Path) {
    match open_to_others(dir) {
        Ok(open) => {
            for OpenPath { path, mode } in open {
                tracing::warn!(
                    path = %path.display(),
                    mode = %format!("{mode:04o}"),
                    "other users may access this data (chmod go-rwx it)"
                );
            }
        }
        Err(e) => tracing::warn!(
            dir = %dir.display(),
            error = %e,
            "could not check who may access the data directory"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_mode(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_created_data_directory_is_private_whatever_the_umask() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_private_dir(&dir).unwrap();
        create_private_dir(&dir).unwrap();
        for created in [root.path().join("a"), dir] {
            let mode = std::fs::metadata(&created).unwrap().permissions().mode() & PERMISSION_BITS;
            assert_eq!(mode, PRIVATE_DIR_MODE, "{}", created.display());
        }
    }

    #[test]
    fn only_what_others_may_access_is_reported() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        assert!(
            open_to_others(&dir).unwrap().is_empty(),
            "a missing directory"
        );
        create_private_dir(&dir).unwrap();
        let (private, readable, group) =
            (dir.join("private"), dir.join("readable"), dir.join("group"));
        for file in [&private, &readable, &group] {
            std::fs::write(file, b"data").unwrap();
        }
        set_mode(&private, 0o600);
        set_mode(&readable, 0o644);
        set_mode(&group, 0o620);
        std::os::unix::fs::symlink(&private, dir.join("link")).unwrap();
        let open = open_to_others(&dir).unwrap();
        let expected = [
            OpenPath {
                path: group,
                mode: 0o620,
            },
            OpenPath {
                path: readable,
                mode: 0o644,
            },
        ];
        assert!(
            open.len() == expected.len() && expected.iter().all(|path| open.contains(path)),
            "{open:?}"
        );

        set_mode(&dir, 0o755);
        let open = open_to_others(&dir).unwrap();
        assert!(
            open.contains(&OpenPath {
                path: dir,
                mode: 0o755
            }),
            "{open:?}"
        );
    }
}
