//! A real nats-server with JetStream on a free port with its own store directory.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long nats-server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// The nats-server binary: `$NATS_SERVER_BIN`, the project's `tools/` install, or `PATH`.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("NATS_SERVER_BIN") {
        return path.into();
    }
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/nats/bin/nats-server");
    if tools.exists() {
        return tools;
    }
    PathBuf::from("nats-server")
}

/// The configuration [`NatsServer::start`] runs, shared with `scripts/run.sh`: loopback, and
/// JetStream fsyncing every write as production's `deploy/nats-server.conf` does. Plain `-js`
/// flags cannot ask for that; they leave the two-minute default, under which an acknowledged
/// publish may not be on disk yet, and tests and benchmarks would not see what production does.
fn local_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/lib/nats-local.conf")
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a free port")
        .port()
}

/// The Go runtime's soft memory limit for every nats-server the tests and benches start, as
/// `deploy/` and `scripts/run.sh` set it: the garbage collector runs sooner as the heap nears
/// it (never a hard cap). On one core with 100,000 users it took nats-server's peak from 88.6
/// to 58.8 MiB at the same CPU per match (the HTTP bench, one run each).
pub const GO_MEMORY_LIMIT: (&str, &str) = ("GOMEMLIMIT", "48MiB");

/// A running nats-server that is killed when dropped. Stop and start keep port and store.
pub struct NatsServer {
    port: u16,
    store: tempfile::TempDir,
    child: Option<Child>,
    /// The configuration file and the environment it reads.
    config: PathBuf,
    env: Vec<(String, String)>,
}

impl NatsServer {
    /// nats-server on `scripts/lib/nats-local.conf`: JetStream that fsyncs every write.
    pub fn start() -> Self {
        Self::start_with_config(&local_config(), &[])
    }

    /// nats-server on `config`, which reads `NATS_LISTEN` and `NATS_STORE_DIR` (set here) and
    /// the other `env` values from the environment.
    pub fn start_with_config(config: &Path, env: &[(&str, String)]) -> Self {
        let store = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut vars: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        vars.push(("NATS_LISTEN".into(), format!("127.0.0.1:{port}")));
        vars.push((
            "NATS_STORE_DIR".into(),
            store.path().join("jetstream").display().to_string(),
        ));
        let mut server = Self {
            port,
            store,
            child: None,
            config: config.to_owned(),
            env: vars,
        };
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The running server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Starts the server again (same port, same store) after [`NatsServer::stop`].
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "nats-server is already running");
        let log = std::fs::File::create(self.store.path().join("nats.log")).expect("log file");
        let child = Command::new(binary())
            .arg("-c")
            .arg(&self.config)
            .env(GO_MEMORY_LIMIT.0, GO_MEMORY_LIMIT.1)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "start {} (scripts/test.sh installs it): {e}",
                    binary().display()
                )
            });
        self.child = Some(child);
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(start.elapsed() < START_TIMEOUT, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server gracefully (SIGTERM) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id().to_string();
            let _ = Command::new("kill").args(["-TERM", &pid]).status();
            let start = Instant::now();
            while child.try_wait().ok().flatten().is_none() {
                if start.elapsed() > START_TIMEOUT {
                    let _ = child.kill();
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
