//! A real SMTP server for the mail tests: aiosmtpd (installed by `scripts/test.sh`) writing
//! what it receives into a Maildir the test reads. It speaks SMTPUTF8 (as the big mail
//! services do) and plain SMTP, STARTTLS (required) or implicit TLS with a certificate the
//! test's own CA signed.

use crate::nats::free_port;
use crate::poll::wait_until;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const START_TIMEOUT: Duration = Duration::from_secs(20);

/// One received mail, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// How clients reach it.
#[derive(Debug, Clone)]
pub enum Security {
    Plain,
    /// STARTTLS, required before any mail (`--tlscert`).
    StartTls {
        cert: PathBuf,
        key: PathBuf,
    },
    /// TLS from the first byte (`--smtpscert`).
    Implicit {
        cert: PathBuf,
        key: PathBuf,
    },
}

pub struct SmtpServer {
    child: Option<Child>,
    security: Security,
    pub port: u16,
    maildir: tempfile::TempDir,
}

/// `$AIOSMTPD_PYTHON`, or the project's `tools/` install.
fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("AIOSMTPD_PYTHON") {
        return path.into();
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools/aiosmtpd/bin/python")
}

impl SmtpServer {
    /// Plain SMTP on loopback.
    pub fn start() -> Self {
        Self::start_with(Security::Plain)
    }

    pub fn start_with(security: Security) -> Self {
        let mut server = Self {
            child: None,
            security,
            port: free_port(),
            maildir: tempfile::tempdir().expect("maildir"),
        };
        server.restart();
        server
    }

    /// The server's `--smtp-url` for it: `smtp://127.0.0.1:<port>`, with `?tls=required`
    /// for STARTTLS, or `smtps://` for implicit TLS.
    pub fn url(&self) -> String {
        match self.security {
            Security::Plain => format!("smtp://127.0.0.1:{}", self.port),
            Security::StartTls { .. } => format!("smtp://127.0.0.1:{}?tls=required", self.port),
            Security::Implicit { .. } => format!("smtps://127.0.0.1:{}", self.port),
        }
    }

    /// Starts it again on the same port and Maildir after [`SmtpServer::stop`].
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let python = python();
        assert!(
            python.exists(),
            "{} is missing: run scripts/test.sh, which installs aiosmtpd",
            python.display()
        );
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "--smtputf8", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(self.tls_args())
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(started.elapsed() < START_TIMEOUT, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn tls_args(&self) -> Vec<std::ffi::OsString> {
        let (cert_flag, key_flag, cert, key) = match &self.security {
            Security::Plain => return Vec::new(),
            Security::StartTls { cert, key } => ("--tlscert", "--tlskey", cert, key),
            Security::Implicit { cert, key } => ("--smtpscert", "--smtpskey", cert, key),
        };
        vec![cert_flag.into(), cert.into(), key_flag.into(), key.into()]
    }

    /// Kills it (an outage).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every mail received so far.
    pub fn mails(&self) -> Vec<Mail> {
        let mut mails = Vec::new();
        for folder in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.path().join("mail").join(folder))
            else {
                continue;
            };
            for entry in entries.flatten() {
                let bytes = std::fs::read(entry.path()).expect("read a mail");
                mails.push(decode(&bytes));
            }
        }
        mails
    }

    /// Waits until `count` mails have arrived; returns them all.
    pub async fn wait_for(&self, count: usize, deadline: Duration) -> Vec<Mail> {
        wait_until(&format!("{count} mails"), deadline, || async {
            let mails = self.mails();
            (mails.len() >= count).then_some(mails)
        })
        .await
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Parses a message as delivered, decoding headers and the body's transfer encoding.
pub fn decode(bytes: &[u8]) -> Mail {
    let parsed = mailparse::parse_mail(bytes).expect("a mail");
    let header = |name| {
        parsed
            .headers
            .iter()
            .find(|h| h.get_key_ref().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
            .unwrap_or_default()
    };
    Mail {
        to: header("To"),
        subject: header("Subject"),
        body: parsed.get_body().expect("a text body"),
    }
}
