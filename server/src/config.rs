//! The server's configuration: flags, each with an environment variable (see `--help`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use storage::broker::NatsArgs;

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
    pub tls: crate::https::TlsArgs,
    #[command(flatten)]
    pub rates: crate::limits::RateArgs,
    /// How long a match request waits for the matcher before answering 503.
    #[arg(long, env = "COMATCHING_MATCH_TIMEOUT_MS", default_value_t = 3_000)]
    pub match_timeout_ms: u64,
    /// A session ends after this long without use.
    #[arg(long, env = "COMATCHING_SESSION_IDLE_SECS", default_value_t = 3_600)]
    pub session_idle_secs: u64,
    /// Price of a match, in points (shown by /api/catalog).
    #[arg(long, env = "COMATCHING_PRICE_BASE", default_value_t = 1_000)]
    pub price_base: u64,
    /// Surcharge for excluding one's own major.
    #[arg(
        long,
        env = "COMATCHING_PRICE_EXCLUDE_SAME_MAJOR",
        default_value_t = 200
    )]
    pub price_exclude_same_major: u64,
    /// Surcharge for an important option (refunded when nobody passes it).
    #[arg(long, env = "COMATCHING_PRICE_IMPORTANT_OPTION", default_value_t = 300)]
    pub price_important_option: u64,
    /// Matches one user may request in all.
    #[arg(long, env = "COMATCHING_MATCH_LIMIT", default_value_t = 30)]
    pub match_limit: u64,
}

impl Config {
    /// Defaults with the given data directory and NATS URL (tests, scripts).
    pub fn new(data_dir: &Path, nats_url: &str) -> Self {
        Self {
            http_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.to_owned(),
            nats: NatsArgs::plain(nats_url),
            tls: crate::https::TlsArgs::off(),
            rates: crate::limits::RateArgs::default(),
            match_timeout_ms: 3_000,
            session_idle_secs: 3_600,
            price_base: 1_000,
            price_exclude_same_major: 200,
            price_important_option: 300,
            match_limit: 30,
        }
    }

    pub fn match_timeout(&self) -> Duration {
        Duration::from_millis(self.match_timeout_ms)
    }

    pub fn session_idle_ms(&self) -> i64 {
        i64::try_from(self.session_idle_secs.saturating_mul(1_000)).unwrap_or(i64::MAX)
    }
}
