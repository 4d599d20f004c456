//! A real OpenID Connect provider for the sign-in tests: panva's `oidc-provider` under Node.js
//! (`tests/oidc/provider.mjs`, installed by `scripts/test.sh`), with one client and the library's
//! own development pages: a login page (`input[name=login]`, `input[name=password]`,
//! `button[type=submit]`) where any login and password sign in as the account whose `sub` is
//! that login, then a consent page (`button[type=submit]`, "Continue"). The ID token carries
//! `nickname` (the login) and `email` (`<login>@kakao.test`, verified).
//!
//! The client's one redirect URI is fixed when the provider starts, and the server's is
//! `<public url>/api/auth/oidc/<id>/callback`: so a test binds the server's listener first,
//! starts the provider with that address, then the server (see
//! [`crate::app::spawn_app_on`]):
//!
//! ```ignore
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let base = format!("http://{}", listener.local_addr().unwrap());
//! let provider = OidcProvider::start(&format!("{base}/api/auth/oidc/kakao/callback"));
//! let app = spawn_app_on(listener, |config| {
//!     config.oidc.providers = vec![provider.spec("kakao", "카카오")];
//!     config.mail.public_url = Some(base.clone());
//! }, false).await;
//! ```

use crate::nats::free_port;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long Node.js may take to start the provider (it makes an RSA key first).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// `$OIDC_PROVIDER_SCRIPT` (set by `scripts/test.sh`), else `tests/oidc/provider.mjs`.
fn script() -> PathBuf {
    if let Some(path) = std::env::var_os("OIDC_PROVIDER_SCRIPT") {
        return path.into();
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc/provider.mjs")
}

/// `$NODE_BIN`, else `node` on the `PATH`.
fn node() -> PathBuf {
    std::env::var_os("NODE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("node"))
}

/// How the provider misbehaves on purpose (`TAMPER` in `provider.mjs`), to prove the server
/// refuses what a real provider (or someone between) could send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// An honest provider.
    None,
    /// ID tokens carry another nonce than the server asked for.
    Nonce,
    /// ID tokens are for another client.
    Audience,
    /// ID tokens expired an hour ago.
    Expired,
    /// Every sign-in after the first comes back with the first one's (redeemed) code.
    ReplayCode,
}

impl Tamper {
    fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Nonce => "nonce",
            Self::Audience => "audience",
            Self::Expired => "expired",
            Self::ReplayCode => "replay-code",
        }
    }
}

/// A running provider on a free loopback port; killed when dropped.
pub struct OidcProvider {
    child: Option<Child>,
    pub port: u16,
    /// `http://127.0.0.1:<port>` (no trailing slash), as its discovery document says.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The client's one redirect URI.
    pub redirect_uri: String,
    /// The client secret, for the server's `client-secret-file=`.
    secret_file: tempfile::NamedTempFile,
    /// The provider's stdout and stderr (its errors, one line each).
    log: tempfile::NamedTempFile,
    tamper: Tamper,
}

impl OidcProvider {
    /// Starts the provider with one client whose redirect URI is `redirect_uri`, and waits until
    /// it accepts connections.
    pub fn start(redirect_uri: &str) -> Self {
        let port = free_port();
        let client_secret = format!("secret-{:016x}", rand::random::<u64>());
        let secret_file = tempfile::NamedTempFile::new().expect("a secret file");
        std::fs::write(secret_file.path(), &client_secret).expect("write the client secret");
        let mut provider = Self {
            child: None,
            port,
            issuer: format!("http://127.0.0.1:{port}"),
            client_id: "comatching-test".to_owned(),
            client_secret,
            redirect_uri: redirect_uri.to_owned(),
            secret_file,
            log: tempfile::NamedTempFile::new().expect("a log file"),
            tamper: Tamper::None,
        };
        provider.restart();
        provider
    }

    /// The server's `--oidc-provider` value for this provider:
    /// `id=<id>,name=<name>,issuer=<issuer>,client-id=<id>,client-secret-file=<path>`.
    pub fn spec(&self, id: &str, name: &str) -> String {
        format!(
            "id={id},name={name},issuer={},client-id={},client-secret-file={}",
            self.issuer,
            self.client_id,
            self.secret_file.path().display()
        )
    }

    /// What it has logged so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Starts it again on the same port, client and redirect URI after [`OidcProvider::stop`]
    /// (sessions, grants and codes are forgotten, and it signs with a new key).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the provider is already running");
        let script = script();
        assert!(
            script.exists(),
            "{} is missing (OIDC_PROVIDER_SCRIPT)",
            script.display()
        );
        let modules = script
            .parent()
            .map(|dir| dir.join("node_modules/oidc-provider"))
            .expect("the script's folder");
        assert!(
            modules.exists(),
            "{} is missing: run scripts/test.sh, which installs oidc-provider",
            modules.display()
        );
        let log = std::fs::OpenOptions::new()
            .append(true)
            .open(self.log.path())
            .expect("the log file");
        let child = Command::new(node())
            .arg(&script)
            .env("PORT", self.port.to_string())
            .env("CLIENT_ID", &self.client_id)
            .env("CLIENT_SECRET", &self.client_secret)
            .env("REDIRECT_URI", &self.redirect_uri)
            .env("TAMPER", self.tamper.as_str())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("a log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {} (Node.js): {e}", node().display()));
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            let exited = self
                .child
                .as_mut()
                .and_then(|child| child.try_wait().ok().flatten());
            if let Some(status) = exited {
                self.child = None;
                panic!("the OpenID provider exited ({status}):\n{}", self.log());
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "the OpenID provider did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts it again, misbehaving as `tamper` says (after [`OidcProvider::stop`]).
    pub fn restart_tampering(&mut self, tamper: Tamper) {
        self.tamper = tamper;
        self.restart();
    }

    /// Kills it (an outage): nothing answers on its port until [`OidcProvider::restart`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.stop();
    }
}
