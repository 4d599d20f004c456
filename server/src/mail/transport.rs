//! Where mail goes: an SMTP server (`smtp://host:port` plain, `smtp://…?tls=required` with
//! STARTTLS, `smtps://host:port` implicit TLS, credentials in the URL), or `.eml` files under
//! the data directory. TLS trusts the system's roots, and also `--smtp-ca-file` when a campus
//! mail server's certificate comes from its own CA.

use crate::db::mail_queue::QueuedMail;
use anyhow::Context;
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The sender's address when none is configured.
pub const DEFAULT_MAIL_FROM: &str = "COMAtching <no-reply@comatching.local>";

/// Mail settings, from the configuration.
#[derive(Debug, Clone, clap::Args)]
pub struct MailArgs {
    /// `smtp://host:port`, `smtp://…?tls=required` (STARTTLS) or `smtps://host:port`; without
    /// it, mail is written as `.eml` files under `<data-dir>/mail/`.
    #[arg(long, env = "COMATCHING_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// A PEM file of a CA to trust besides the system's, for a mail server whose certificate
    /// a private CA signed (only with `smtps://` or `?tls=required`).
    #[arg(long, env = "COMATCHING_SMTP_CA_FILE")]
    pub smtp_ca_file: Option<PathBuf>,
    /// The From of every mail.
    #[arg(long, env = "COMATCHING_MAIL_FROM", default_value = DEFAULT_MAIL_FROM)]
    pub mail_from: String,
    /// The service's address as students reach it, for links in mail (e.g.
    /// `https://comatching.example.ac.kr`); the HTTP address when absent.
    #[arg(long, env = "COMATCHING_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl Default for MailArgs {
    fn default() -> Self {
        Self {
            smtp_url: None,
            smtp_ca_file: None,
            mail_from: DEFAULT_MAIL_FROM.to_owned(),
            public_url: None,
        }
    }
}

/// Why a mail did not go out.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The recipient cannot be written as an address: retrying will not help.
    #[error("not a deliverable address: {0}")]
    BadAddress(String),
    #[error("the mail server refused or could not be reached")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("cannot write the mail file")]
    File(#[from] std::io::Error),
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::BadAddress(_))
    }
}

/// The configured way out.
pub enum Transport {
    Smtp {
        smtp: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
        url: String,
    },
    Files {
        dir: PathBuf,
        from: Mailbox,
    },
}

impl Transport {
    /// From the flags; files under `data_dir/mail` without `--smtp-url`.
    pub fn from_args(args: &MailArgs, data_dir: &Path) -> anyhow::Result<Self> {
        let from: Mailbox = args
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("--mail-from {:?}: {e}", args.mail_from))?;
        Ok(match &args.smtp_url {
            Some(url) => {
                let mut smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?;
                if let Some(ca_file) = &args.smtp_ca_file {
                    smtp = smtp.tls(tls_trusting(url, ca_file)?);
                }
                Self::Smtp {
                    smtp: smtp.build(),
                    from,
                    url: redact(url),
                }
            }
            None => Self::Files {
                dir: data_dir.join("mail"),
                from,
            },
        })
    }

    /// Where mail goes, for the log (no credentials).
    pub fn describe(&self) -> String {
        match self {
            Self::Smtp { url, .. } => url.clone(),
            Self::Files { dir, .. } => format!("files in {}", dir.display()),
        }
    }

    fn from(&self) -> &Mailbox {
        match self {
            Self::Smtp { from, .. } | Self::Files { from, .. } => from,
        }
    }

    fn message(&self, mail: &QueuedMail) -> Result<Message, SendError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| SendError::BadAddress(mail.to.clone()))?;
        Message::builder()
            .from(self.from().clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|_| SendError::BadAddress(mail.to.clone()))
    }

    /// Hands one mail over.
    pub async fn send(&self, mail: &QueuedMail) -> Result<(), SendError> {
        let message = self.message(mail)?;
        match self {
            Self::Smtp { smtp, .. } => {
                smtp.send(message).await?;
            }
            Self::Files { dir, .. } => {
                let path = write_eml(dir, mail.id, &message.formatted())?;
                tracing::info!(to = %mail.to, subject = %mail.subject, file = %path.display(), "mail written");
            }
        }
        metrics::counter!("mail_sent_total").increment(1);
        Ok(())
    }
}

/// The TLS mode `url` asks for, trusting the CA in `ca_file` as well as the system's roots.
fn tls_trusting(url: &str, ca_file: &Path) -> anyhow::Result<Tls> {
    let parsed = url::Url::parse(url).context("--smtp-url")?;
    let host = parsed.host_str().context("--smtp-url has no host")?;
    let pem = std::fs::read(ca_file)
        .with_context(|| format!("read --smtp-ca-file {}", ca_file.display()))?;
    let ca = Certificate::from_pem(&pem).context("--smtp-ca-file is not a PEM certificate")?;
    let parameters = TlsParameters::builder(host.to_owned())
        .add_root_certificate(ca)
        .build()
        .context("TLS for --smtp-url")?;
    let tls = parsed
        .query_pairs()
        .find(|(key, _)| key == "tls")
        .map(|(_, value)| value.into_owned());
    match (parsed.scheme(), tls.as_deref()) {
        ("smtps", _) => Ok(Tls::Wrapper(parameters)),
        ("smtp", Some("required")) => Ok(Tls::Required(parameters)),
        ("smtp", Some("opportunistic")) => Ok(Tls::Opportunistic(parameters)),
        _ => anyhow::bail!(
            "--smtp-ca-file is for TLS: give smtps://… or smtp://…?tls=required as --smtp-url"
        ),
    }
}

/// Writes `<dir>/<id>.eml` atomically.
fn write_eml(dir: &Path, id: u64, bytes: &[u8]) -> std::io::Result<PathBuf> {
    storage::process::create_private_dir(dir)?;
    let path = dir.join(format!("{id:020}.eml"));
    let temp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temp, &path)?;
    Ok(path)
}

/// The URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_log() {
        assert_eq!(
            redact("smtps://u:secret@mail.example:465"),
            "smtps://***@mail.example:465"
        );
        assert_eq!(redact("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
    }

    #[test]
    fn a_korean_local_part_is_an_address() {
        let transport = Transport::Files {
            dir: PathBuf::from("unused"),
            from: DEFAULT_MAIL_FROM.parse().unwrap(),
        };
        let mail = QueuedMail {
            id: 1,
            to: "민수@test.ac.kr".into(),
            subject: "제목".into(),
            body: "본문".into(),
            attempts: 0,
            next_attempt_ms: 0,
            queued_at_ms: 0,
        };
        assert!(transport.message(&mail).is_ok());
    }
}
