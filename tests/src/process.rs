//! The real binaries as child processes, for tests that SIGKILL them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A built binary of this workspace, next to the test executable's directory.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the binaries first (`cargo build --bins`; scripts/test.sh does)",
        path.display()
    );
    path
}

/// A child process that is killed (SIGKILL) when dropped; its output goes to `log`.
pub struct Proc {
    child: Child,
}

impl Proc {
    pub fn spawn(name: &str, args: &[String], log: &Path) -> Self {
        let log = std::fs::File::create(log).expect("log file");
        let child = Command::new(binary(name))
            .args(args)
            .env("RUST_LOG", "info,async_nats=warn")
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        Self { child }
    }

    /// Runs `name args` to completion with `stdin` as its input; returns (success, output).
    pub fn run(name: &str, args: &[String], stdin: &str) -> (bool, String) {
        use std::io::Write;
        let mut child = Command::new(binary(name))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        let output = child.wait_with_output().expect("wait");
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.success(), text)
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory in KiB, from `/proc`.
    pub fn resident_kib(&self) -> Option<u64> {
        resident_kib(self.id())
    }

    /// Sends `signal` (e.g. `HUP`) without waiting.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill");
        assert!(sent.success(), "kill -{signal} {pid}");
    }

    /// SIGSTOP now, SIGCONT when the guard is dropped: a failed assertion never leaves the
    /// process frozen.
    pub fn freeze(&self) -> Frozen {
        self.signal("STOP");
        Frozen(self.id())
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn terminate(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        let status = self.child.wait().expect("reap");
        assert!(status.success(), "exited with {status}");
    }

    /// SIGKILL: no chance to flush or clean up.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Flags for a `comatching-server` process on loopback, plus `extra`.
/// Resident memory of process `pid` in KiB, from `/proc`.
pub fn resident_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// A KiB figure of process `pid` from `/proc/<pid>/status`: `VmRSS:` (resident now) or
/// `VmHWM:` (the most it was ever resident: its peak through a whole run, read at the end).
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The CPU time process `pid` has used so far, user and system, in clock ticks
/// (`/proc/<pid>/stat`; see `getconf CLK_TCK`, 100 a second on Linux).
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let (user, system) = (fields.get(11)?, fields.get(12)?);
    Some(user.parse::<u64>().ok()? + system.parse::<u64>().ok()?)
}

/// Makes an admin account in the (stopped) server's `data_dir` with `comatching-server admin
/// create`; panics with its output if that fails.
pub fn create_admin(data_dir: &Path, email: &str, password: &str) {
    let args = [
        "admin",
        "create",
        "--email",
        email,
        "--password-stdin",
        "--data-dir",
    ]
    .map(str::to_owned)
    .into_iter()
    .chain([data_dir.display().to_string()])
    .collect::<Vec<_>>();
    let (created, output) = Proc::run("comatching-server", &args, &format!("{password}\n"));
    assert!(created, "admin create: {output}");
}

pub fn server_args(nats_url: &str, data_dir: &Path, http_port: u16, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "--nats-url".to_owned(),
        nats_url.to_owned(),
        "--data-dir".to_owned(),
        data_dir.display().to_string(),
        "--http-addr".to_owned(),
        format!("127.0.0.1:{http_port}"),
    ];
    if !extra.contains(&"--metrics-addr") {
        args.extend(["--metrics-addr".to_owned(), "127.0.0.1:0".to_owned()]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

/// Flags for a `comatching-matcher` process, plus `extra`; its metrics go to a free port
/// unless `extra` names one.
pub fn matcher_args(
    nats_url: &str,
    data_dir: &Path,
    instance: &str,
    extra: &[&str],
) -> Vec<String> {
    let mut args = vec![
        "--nats-url".to_owned(),
        nats_url.to_owned(),
        "--data-dir".to_owned(),
        data_dir.display().to_string(),
        "--instance".to_owned(),
        instance.to_owned(),
    ];
    if !extra.contains(&"--metrics-addr") {
        args.extend(["--metrics-addr".to_owned(), "127.0.0.1:0".to_owned()]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

/// A process stopped by [`Proc::freeze`]; dropping this resumes it.
pub struct Frozen(u32);

impl Drop for Frozen {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-CONT", &self.0.to_string()])
            .status();
    }
}
