//! `spawn_app()`: a whole system on loopback with its own nats-server and data directories.

use crate::api::ApiClient;
use crate::nats::NatsServer;
use crate::poll::wait_until;
use crate::process::{matcher_args, Proc};
use comatching_server::db::Db;
use comatching_server::ops::admin::create_admin;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use storage::broker::{MATCH_SUBJECT, USERS_STREAM};
use storage::columnar::{self, FeatureTable};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long asynchronous effects in these tests may take.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A server or matcher running inside the test process.
struct InProcess {
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl InProcess {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task
            .await
            .expect("task panicked")
            .expect("stopped cleanly");
    }
}

/// The admin every test app has.
pub const ADMIN_EMAIL: &str = "admin@test.ac.kr";
pub const ADMIN_PASSWORD: &str = "admin-password";

pub struct TestApp {
    /// The server's database, shared with the running server (for audits in tests).
    db: Option<Arc<Db>>,
    server_config: comatching_server::Config,
    pub nats: NatsServer,
    pub dir: tempfile::TempDir,
    pub base: String,
    server: Option<InProcess>,
    matcher: Option<InProcess>,
    /// The admin's signed-in client, made once (log-ins are rate-limited per account).
    admin: tokio::sync::OnceCell<ApiClient>,
}

/// Starts nats-server, the server and an in-process matcher.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}, true).await
}

/// Starts nats-server and the server only (the test brings its own matcher, or none).
pub async fn spawn_app_without_matcher() -> TestApp {
    spawn_app_with(|_| {}, false).await
}

/// Starts nats-server, the server with `configure`d settings, and a matcher when asked.
pub async fn spawn_app_with(
    configure: impl FnOnce(&mut comatching_server::Config),
    matcher: bool,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    spawn_app_on(listener, configure, matcher).await
}

/// As [`spawn_app_with`], with the server on `listener`: a test that must know the server's
/// address before it starts (an OpenID provider's redirect URI) binds it first.
pub async fn spawn_app_on(
    listener: tokio::net::TcpListener,
    configure: impl FnOnce(&mut comatching_server::Config),
    matcher: bool,
) -> TestApp {
    let nats = NatsServer::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = comatching_server::Config::new(&dir.path().join("server"), &nats.url());
    config.metrics_addr = std::net::SocketAddr::from(([127, 0, 0, 1], crate::nats::free_port()));
    configure(&mut config);
    let db = Db::open(&config.data_dir).expect("open the database");
    create_admin(&db, ADMIN_EMAIL, ADMIN_PASSWORD, "관리자")
        .await
        .expect("make the admin");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let mut app = TestApp {
        db: None,
        server_config: config,
        nats,
        dir,
        base,
        server: None,
        matcher: None,
        admin: tokio::sync::OnceCell::new(),
    };
    app.serve(db, listener);
    if matcher {
        app.start_matcher().await;
    }
    app
}

impl TestApp {
    fn serve(&mut self, db: Arc<Db>, listener: tokio::net::TcpListener) {
        let (stop, stopped) = oneshot::channel::<()>();
        let config = self.server_config.clone();
        let task = tokio::spawn(comatching_server::serve(
            db.clone(),
            config,
            listener,
            async {
                let _ = stopped.await;
            },
        ));
        self.db = Some(db);
        self.server = Some(InProcess { stop, task });
    }

    /// The running server's database.
    pub fn db(&self) -> &Db {
        self.db.as_ref().expect("the server is running")
    }

    /// Stops the server cleanly and closes its database (the data directory stays).
    pub async fn stop_server(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
        self.db = None;
    }

    /// Stops the server and starts it again on the same data directory and address.
    pub async fn restart_server(&mut self) {
        self.stop_server().await;
        let path = self.server_config.data_dir.clone();
        // The last handle to the old database closes it in the background: retry until free.
        let db = wait_until("the database to be free", DEADLINE, || async {
            Db::open(&path).ok()
        })
        .await;
        let address = self.base.trim_start_matches("http://").to_owned();
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .expect("bind the same address");
        self.serve(db, listener);
    }

    /// The server's data directory (its sled database and search index).
    pub fn server_data_dir(&self) -> &Path {
        &self.server_config.data_dir
    }

    /// Runs `comatching-server ARGS --data-dir <the server's data directory>` with `stdin` as
    /// its input, once the stopped server has let go of its database (the last handle closes
    /// in the background, so a run that finds the lock still held is repeated); returns
    /// (success, stdout and stderr).
    pub async fn server_cli(&self, args: &[&str], stdin: &str) -> (bool, String) {
        assert!(
            self.server.is_none(),
            "stop the server first: the command opens its database"
        );
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.push("--data-dir".to_owned());
        args.push(self.server_data_dir().display().to_string());
        wait_until("the server's database to be free", DEADLINE, || {
            let (args, stdin) = (args.clone(), stdin.to_owned());
            async move {
                let (ok, output) = tokio::task::spawn_blocking(move || {
                    Proc::run("comatching-server", &args, &stdin)
                })
                .await
                .expect("the command ran");
                // sled's own words for a held lock (the error chain keeps them).
                let locked = output.contains("could not acquire lock");
                (!locked).then_some((ok, output))
            }
        })
        .await
    }

    /// Where the server serves `GET /metrics` (its own loopback address, not the API's).
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.server_config.metrics_addr)
    }

    /// A new client with its own cookie jar.
    pub fn client(&self) -> ApiClient {
        ApiClient::new(&self.base)
    }

    pub fn matcher_dir(&self) -> PathBuf {
        self.dir.path().join("matcher")
    }

    pub fn matcher_config(&self) -> comatching_matcher::Config {
        comatching_matcher::Config::new(&self.nats.url(), &self.matcher_dir(), "test")
    }

    pub async fn start_matcher(&mut self) {
        assert!(self.matcher.is_none(), "matcher already running");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(comatching_matcher::run(self.matcher_config(), async {
            let _ = stopped.await;
        }));
        self.matcher = Some(InProcess { stop, task });
    }

    pub async fn stop_matcher(&mut self) {
        if let Some(matcher) = self.matcher.take() {
            matcher.stop().await;
        }
    }

    /// The matcher as a real process (to SIGKILL it), logging into the test's directory.
    pub fn spawn_matcher_process(&self, log_name: &str) -> Proc {
        self.spawn_matcher_process_with(log_name, &[])
    }

    /// The matcher process with extra flags.
    pub fn spawn_matcher_process_with(&self, log_name: &str, extra: &[String]) -> Proc {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let args = matcher_args(&self.nats.url(), &self.matcher_dir(), "test", &extra);
        Proc::spawn("comatching-matcher", &args, &self.dir.path().join(log_name))
    }

    /// The matcher's feature file as it is on disk now, if it is readable.
    pub fn matcher_table(&self) -> Option<FeatureTable> {
        columnar::load(&comatching_matcher::config::table_path(&self.matcher_dir())).ok()
    }

    pub async fn jetstream(&self) -> async_nats::jetstream::Context {
        let client = async_nats::connect(self.nats.url())
            .await
            .expect("connect to NATS");
        async_nats::jetstream::new(client)
    }

    /// The `USERS` stream's last sequence and message count.
    pub async fn stream_state(&self) -> Option<(u64, u64)> {
        let mut stream = self.jetstream().await.get_stream(USERS_STREAM).await.ok()?;
        let info = stream.info().await.ok()?;
        Some((info.state.last_sequence, info.state.messages))
    }

    /// Waits until the matcher's file holds everything in the stream, and returns it.
    pub async fn wait_matcher_synced(&self) -> FeatureTable {
        wait_until(
            "the matcher's file to catch up with the stream",
            DEADLINE,
            || async {
                let (last, _) = self.stream_state().await?;
                let table = self.matcher_table()?;
                (last > 0 && table.last_sequence() == last).then_some(table)
            },
        )
        .await
    }

    /// Waits until the server's outbox is empty (every event acknowledged by JetStream).
    pub async fn wait_outbox_empty(&self) {
        let client = self.client();
        wait_until("the outbox to drain", DEADLINE, || async {
            let ready = client.get("/readyz").await;
            (ready.status == 200 && ready.body["outbox"] == 0).then_some(())
        })
        .await
    }

    /// Waits until some matcher answers on the match subject.
    pub async fn wait_matcher_answers(&self) {
        let client = async_nats::connect(self.nats.url())
            .await
            .expect("connect to NATS");
        wait_until("the matcher to answer requests", DEADLINE, || async {
            let request = client.request(MATCH_SUBJECT, "ping".into());
            tokio::time::timeout(Duration::from_millis(500), request)
                .await
                .ok()?
                .ok()
                .map(drop)
        })
        .await
    }

    /// The client signed in as the admin (one session, reused).
    pub async fn admin(&self) -> ApiClient {
        self.admin
            .get_or_init(|| self.admin_session())
            .await
            .clone()
    }

    /// A new session of the admin.
    pub async fn admin_session(&self) -> ApiClient {
        let admin = self.client();
        let login = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
        admin.post("/api/auth/login", &login).await.expect(200);
        admin
    }

    /// Gives `client`'s user `amount` points the real way: a charge request an admin approves.
    pub async fn fund(&self, client: &ApiClient, amount: u64) {
        let charge = client
            .post(
                "/api/charges",
                &json!({"amount": amount, "depositor_name": "입금자"}),
            )
            .await
            .expect(201);
        let id = charge["charge"]["id"]
            .as_str()
            .expect("charge id")
            .to_owned();
        let admin = self.admin().await;
        admin
            .post(&format!("/api/ops/charges/{id}/approve"), &json!({}))
            .await
            .expect(200);
    }

    /// The ledger check on the live database; panics with the violations if any.
    pub fn assert_audit_passes(&self) {
        let report = self.db().audit().expect("audit");
        assert!(report.ok, "audit violations: {:#?}", report.violations);
    }

    /// Joins, syncs and waits for the matcher: the usual start of a match test.
    pub async fn ready_for_matches(&self) {
        self.wait_outbox_empty().await;
        self.wait_matcher_synced().await;
        self.wait_matcher_answers().await;
    }

    /// Waits until the matcher answers when nobody has a profile yet (nothing to sync).
    pub async fn ready_for_matches_without_candidates(&self) {
        self.wait_outbox_empty().await;
        self.wait_matcher_answers().await;
    }

    /// Stops everything cleanly.
    pub async fn stop(mut self) {
        self.stop_matcher().await;
        self.stop_server().await;
    }
}
