//! Data at rest is its owner's alone: the server and matcher run as real processes under the
//! usual umask 022, serve sign-ups and a match, the server writes a backup through its control
//! socket, and afterwards every directory under both data directories is 0700 and every file
//! (the backup included) grants nothing to group or others.

use comatching_tests::nats::free_port;
use comatching_tests::process::{matcher_args, server_args, Proc};
use comatching_tests::{wait_until, ApiClient, NatsServer};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);
/// The umask most shells and service managers start with: files 0644, directories 0755.
const USUAL_UMASK: libc::mode_t = 0o022;
/// The mode every data directory must have.
const PRIVATE_DIR_MODE: u32 = 0o700;
/// Permission bits for the group and others.
const GROUP_AND_OTHER_BITS: u32 = 0o077;
/// The permission bits of a mode (with setuid, setgid and sticky).
const PERMISSION_BITS: u32 = 0o7777;

/// Walks `root` (itself included) and returns how many paths it looked at and a line for each
/// one that is too open: a directory that is not 0700, or anything else (files, the control
/// socket) with a group or other bit. Symbolic links (always 0777) are not followed.
fn too_open(root: &Path) -> (usize, Vec<String>) {
    let (mut seen, mut found) = (0, Vec::new());
    let mut pending = vec![root.to_owned()];
    while let Some(path) = pending.pop() {
        let metadata = std::fs::symlink_metadata(&path).expect("stat a data path");
        let mode = metadata.permissions().mode() & PERMISSION_BITS;
        seen += 1;
        if metadata.is_dir() {
            if mode != PRIVATE_DIR_MODE {
                found.push(format!("directory {} is {mode:04o}", path.display()));
            }
            for entry in std::fs::read_dir(&path).expect("list a data directory") {
                pending.push(entry.expect("a directory entry").path());
            }
        } else if !metadata.file_type().is_symlink() && mode & GROUP_AND_OTHER_BITS != 0 {
            found.push(format!("{} is {mode:04o}", path.display()));
        }
    }
    (seen, found)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_directories_files_and_backups_are_the_owners_alone() {
    // SAFETY: umask only replaces this test process's file creation mask; the binaries it
    // starts inherit it, so they must restrict their files themselves.
    unsafe {
        libc::umask(USUAL_UMASK);
    }
    let nats = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (data, matcher_data) = (dir.path().join("server"), dir.path().join("matcher"));
    let port = free_port();
    let server = Proc::spawn(
        "comatching-server",
        &server_args(&nats.url(), &data, port, &["--price-base", "0"]),
        &dir.path().join("server.log"),
    );
    let matcher = Proc::spawn(
        "comatching-matcher",
        &matcher_args(&nats.url(), &matcher_data, "at-rest", &[]),
        &dir.path().join("matcher.log"),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_until("the server to answer", DEADLINE, || async {
        let response = reqwest::get(format!("{base}/healthz")).await.ok()?;
        response.status().is_success().then_some(())
    })
    .await;

    let (me, her) = (ApiClient::new(&base), ApiClient::new(&base));
    me.join("보관", "MALE", "수학과").await;
    her.join("비밀", "FEMALE", "국문과").await;
    wait_until("a match", DEADLINE, || async {
        (me.request_match().await.status == 201).then_some(())
    })
    .await;
    let table = comatching_matcher::config::table_path(&matcher_data);
    wait_until("the matcher's feature file", DEADLINE, || async {
        table.exists().then_some(())
    })
    .await;
    let backup = dir.path().join("comatching.backup");
    let args = [
        "backup".to_owned(),
        "--out".to_owned(),
        backup.display().to_string(),
        "--data-dir".to_owned(),
        data.display().to_string(),
    ];
    let (backed_up, said) = Proc::run("comatching-server", &args, "");
    assert!(backed_up && said.contains("backup of"), "{said}");
    server.terminate();
    matcher.terminate();

    let (seen, mut found) = too_open(&data);
    assert!(
        seen > 3,
        "the server's data directory holds only {seen} paths"
    );
    let (seen, matcher_found) = too_open(&matcher_data);
    assert!(
        seen >= 2,
        "the matcher's data directory holds only {seen} paths"
    );
    found.extend(matcher_found);
    let (seen, backup_found) = too_open(&backup);
    assert_eq!(seen, 1, "the backup is one file");
    found.extend(backup_found);
    assert!(
        found.is_empty(),
        "open to other users:\n{}",
        found.join("\n")
    );
}
