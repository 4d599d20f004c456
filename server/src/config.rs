//! The server's configuration: flags, each with an environment variable (see `--help`). Each
//! default is one named constant, used by the flag and by [`Config::new`].

use crate::db::sessions::SessionLimits;
use crate::http::https::TlsArgs;
use crate::http::limits::RateArgs;
use crate::http::metrics::DEFAULT_METRICS_ADDR;
use crate::http::serving::ServingArgs;
use crate::mail::MailArgs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use storage::broker::{NatsArgs, DEFAULT_STREAM_REPLICAS, MAX_STREAM_REPLICAS};

/// How long a match request waits for the matcher before answering 503.
pub const DEFAULT_MATCH_TIMEOUT_MS: u64 = 3_000;
/// A session ends after this long without use (a festival day).
pub const DEFAULT_SESSION_IDLE_SECS: u64 = 12 * 3_600;
/// The consent documents' version in force.
pub const DEFAULT_CONSENT_VERSION: u32 = 1;
/// A remembered session ("로그인 유지") lasts this many days however idle.
pub const DEFAULT_SESSION_REMEMBER_DAYS: u64 = 30;
/// A session ends this long after sign-in, however much it is used.
pub const DEFAULT_SESSION_LIFETIME_SECS: u64 = 30 * 24 * 3_600;
/// The largest points correction an operator may make; beyond it, either way, an admin.
pub const DEFAULT_OPERATOR_ADJUST_CAP: u64 = 50_000;
/// The price of a match, in points.
pub const DEFAULT_PRICE_BASE: u64 = 1_000;
/// The surcharge for excluding one's own major.
pub const DEFAULT_PRICE_EXCLUDE_SAME_MAJOR: u64 = 200;
/// The surcharge for an important option.
pub const DEFAULT_PRICE_IMPORTANT_OPTION: u64 = 300;
/// Matches one user may request in all.
pub const DEFAULT_MATCH_LIMIT: u64 = 30;

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address for plain HTTP.
    #[arg(long, env = "COMATCHING_HTTP_ADDR", default_value = "127.0.0.1:8080")]
    pub http_addr: SocketAddr,
    /// Where the sled database lives (one server process per directory).
    #[arg(long, env = "COMATCHING_DATA_DIR", default_value = "./data/server")]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub nats: NatsArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
    #[command(flatten)]
    pub rates: RateArgs,
    #[command(flatten)]
    pub serving: ServingArgs,
    #[command(flatten)]
    pub mail: MailArgs,
    #[command(flatten)]
    pub accounts: AccountsArgs,
    #[command(flatten)]
    pub oidc: OidcArgs,
    #[command(flatten)]
    pub backup: crate::ops::cluster_backup::BackupArgs,
    /// Where `GET /metrics` (Prometheus) is served; keep it on loopback.
    #[arg(long, env = "COMATCHING_METRICS_ADDR", default_value = DEFAULT_METRICS_ADDR)]
    pub metrics_addr: SocketAddr,
    /// How long a match request waits for the matcher before answering 503.
    #[arg(long, env = "COMATCHING_MATCH_TIMEOUT_MS", default_value_t = DEFAULT_MATCH_TIMEOUT_MS)]
    pub match_timeout_ms: u64,
    /// A session ends after this long without use.
    #[arg(long, env = "COMATCHING_SESSION_IDLE_SECS", default_value_t = DEFAULT_SESSION_IDLE_SECS)]
    pub session_idle_secs: u64,
    /// A session ends this long after sign-in, however much it is used.
    #[arg(long, env = "COMATCHING_SESSION_LIFETIME_SECS", default_value_t = DEFAULT_SESSION_LIFETIME_SECS)]
    pub session_lifetime_secs: u64,
    /// The largest points correction an operator may make either way; beyond it, an admin.
    #[arg(long, env = "COMATCHING_OPERATOR_ADJUST_CAP", default_value_t = DEFAULT_OPERATOR_ADJUST_CAP)]
    pub operator_adjust_cap: u64,
    /// Price of a match, in points (shown by /api/catalog).
    #[arg(long, env = "COMATCHING_PRICE_BASE", default_value_t = DEFAULT_PRICE_BASE)]
    pub price_base: u64,
    /// Surcharge for excluding one's own major.
    #[arg(
        long,
        env = "COMATCHING_PRICE_EXCLUDE_SAME_MAJOR",
        default_value_t = DEFAULT_PRICE_EXCLUDE_SAME_MAJOR
    )]
    pub price_exclude_same_major: u64,
    /// Surcharge for an important option (refunded when nobody passes it).
    #[arg(
        long,
        env = "COMATCHING_PRICE_IMPORTANT_OPTION",
        default_value_t = DEFAULT_PRICE_IMPORTANT_OPTION
    )]
    pub price_important_option: u64,
    /// Matches one user may request in all.
    #[arg(long, env = "COMATCHING_MATCH_LIMIT", default_value_t = DEFAULT_MATCH_LIMIT)]
    pub match_limit: u64,
    /// Points every new account starts with (a PROMO ledger entry); 0 for none.
    #[arg(long, env = "COMATCHING_SIGNUP_BONUS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=MAX_SIGNUP_BONUS))]
    pub signup_bonus: u64,
    /// The school's majors for the profile's major search, one a line (see
    /// `server/data/majors.txt`, the list used without this flag).
    #[arg(long, env = "COMATCHING_MAJORS_FILE")]
    pub majors_file: Option<PathBuf>,
    /// Copies of the `USERS` stream JetStream keeps: 1 on one machine, 3 in a three-node
    /// cluster (`deploy/nats-cluster/`); an existing stream is changed to this count.
    #[arg(long, env = "COMATCHING_STREAM_REPLICAS", default_value_t = DEFAULT_STREAM_REPLICAS,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_STREAM_REPLICAS as u64))]
    pub stream_replicas: usize,
}

/// The largest sign-up bonus the flag accepts.
pub const MAX_SIGNUP_BONUS: u64 = 100_000;

impl Config {
    /// Defaults with the given data directory and NATS URL, HTTP and metrics on free loopback
    /// ports and HTTPS off (tests, scripts).
    pub fn new(data_dir: &Path, nats_url: &str) -> Self {
        Self {
            http_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.to_owned(),
            nats: NatsArgs::plain(nats_url),
            tls: TlsArgs::off(),
            rates: RateArgs::default(),
            serving: ServingArgs::default(),
            mail: MailArgs::default(),
            accounts: AccountsArgs::default(),
            oidc: OidcArgs::default(),
            backup: Default::default(),
            metrics_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            match_timeout_ms: DEFAULT_MATCH_TIMEOUT_MS,
            session_idle_secs: DEFAULT_SESSION_IDLE_SECS,
            session_lifetime_secs: DEFAULT_SESSION_LIFETIME_SECS,
            operator_adjust_cap: DEFAULT_OPERATOR_ADJUST_CAP,
            price_base: DEFAULT_PRICE_BASE,
            price_exclude_same_major: DEFAULT_PRICE_EXCLUDE_SAME_MAJOR,
            price_important_option: DEFAULT_PRICE_IMPORTANT_OPTION,
            match_limit: DEFAULT_MATCH_LIMIT,
            signup_bonus: 0,
            majors_file: None,
            stream_replicas: DEFAULT_STREAM_REPLICAS,
        }
    }

    pub fn match_timeout(&self) -> Duration {
        Duration::from_millis(self.match_timeout_ms)
    }

    /// The service's address for links in mail: `--public-url`, else the first TLS domain,
    /// else the plain HTTP address.
    pub fn public_url(&self) -> String {
        if let Some(url) = &self.mail.public_url {
            return url.trim_end_matches('/').to_owned();
        }
        match self.tls.tls_domains.first() {
            Some(domain) => format!("https://{domain}"),
            None => format!("http://{}", self.http_addr),
        }
    }

    /// When sessions end: idle, and at the latest.
    pub fn session_limits(&self) -> SessionLimits {
        SessionLimits {
            idle_ms: millis(self.session_idle_secs),
            remember_ms: millis(
                self.accounts
                    .session_remember_days
                    .saturating_mul(24 * 3_600),
            ),
            lifetime_ms: millis(self.session_lifetime_secs),
        }
    }
}

/// Who may get in and how: school e-mail domains, the school e-mail gate, remembered sessions.
#[derive(Debug, Clone, clap::Args)]
pub struct AccountsArgs {
    /// School e-mail domains students may verify (comma-separated, e.g. `a.ac.kr,b.ac.kr`).
    #[arg(long, env = "COMATCHING_SCHOOL_EMAIL_DOMAINS", value_delimiter = ',')]
    pub school_email_domains: Vec<String>,
    /// Matching needs a verified school e-mail (403 SCHOOL_EMAIL_REQUIRED otherwise).
    #[arg(long, env = "COMATCHING_REQUIRE_SCHOOL_EMAIL")]
    pub require_school_email: bool,
    /// The version of the consent documents students must accept (see `server/data/consent/`).
    #[arg(long, env = "COMATCHING_CONSENT_VERSION", default_value_t = DEFAULT_CONSENT_VERSION)]
    pub consent_version: u32,
    /// How long a "로그인 유지" session lasts, in days.
    #[arg(long, env = "COMATCHING_SESSION_REMEMBER_DAYS", default_value_t = DEFAULT_SESSION_REMEMBER_DAYS)]
    pub session_remember_days: u64,
}

impl Default for AccountsArgs {
    fn default() -> Self {
        Self {
            school_email_domains: Vec::new(),
            require_school_email: false,
            consent_version: DEFAULT_CONSENT_VERSION,
            session_remember_days: DEFAULT_SESSION_REMEMBER_DAYS,
        }
    }
}

impl AccountsArgs {
    /// Whether `email`'s domain is one of the school's (case-insensitive).
    pub fn is_school_email(&self, email: &str) -> bool {
        let Some((_, domain)) = email.rsplit_once('@') else {
            return false;
        };
        self.school_email_domains
            .iter()
            .any(|allowed| allowed.trim().eq_ignore_ascii_case(domain))
    }
}

/// Sign-in providers.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OidcArgs {
    /// An OpenID provider: `id=kakao,name=카카오,issuer=https://kauth.kakao.com,client-id=…,
    /// client-secret-file=PATH` (repeatable; the secret is read from the file).
    #[arg(
        long = "oidc-provider",
        env = "COMATCHING_OIDC_PROVIDER",
        value_delimiter = ';'
    )]
    pub providers: Vec<String>,
}

fn millis(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1_000)).unwrap_or(i64::MAX)
}
