//! The matcher's configuration (flags and environment variables, see `--help`).

use std::path::{Path, PathBuf};
use storage::broker::NatsArgs;

/// The feature file's name inside the data directory.
pub const TABLE_FILE: &str = "features.bin";

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub nats: NatsArgs,
    /// Where the columnar feature file lives.
    #[arg(
        long,
        env = "COMATCHING_MATCHER_DATA_DIR",
        default_value = "./data/matcher"
    )]
    pub data_dir: PathBuf,
    /// This instance's name: its durable consumer is `matcher-<instance>`, so every instance
    /// keeps the whole table. Must be unique among running matchers. Default: the host name.
    #[arg(long, env = "COMATCHING_MATCHER_INSTANCE", default_value_t = default_instance())]
    pub instance: String,
    /// Ignore the feature file and rebuild the table from the stream.
    #[arg(long)]
    pub rebuild: bool,
    /// Where `GET /metrics` (Prometheus) is served; keep it on loopback (the campus machine
    /// needs no listening port for anything else).
    #[arg(
        long,
        env = "COMATCHING_MATCHER_METRICS_ADDR",
        default_value = "127.0.0.1:9102"
    )]
    pub metrics_addr: std::net::SocketAddr,
    /// Scoring weights (JSON, see the README); reloaded on SIGHUP. Default: built in.
    #[arg(long, env = "COMATCHING_MATCHER_WEIGHTS")]
    pub weights: Option<PathBuf>,
}

fn default_instance() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

impl Config {
    /// Defaults for a matcher at `nats_url` keeping its file in `data_dir` (tests, scripts).
    pub fn new(nats_url: &str, data_dir: &Path, instance: &str) -> Self {
        Self {
            nats: NatsArgs::plain(nats_url),
            data_dir: data_dir.to_owned(),
            instance: instance.to_owned(),
            rebuild: false,
            metrics_addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            weights: None,
        }
    }

    pub fn table_path(&self) -> PathBuf {
        table_path(&self.data_dir)
    }

    /// The durable consumer's name; NATS allows only a restricted alphabet there.
    pub fn consumer_name(&self) -> String {
        let safe: String = self
            .instance
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        format!("matcher-{safe}")
    }
}

/// The feature file inside `data_dir`.
pub fn table_path(data_dir: &Path) -> PathBuf {
    data_dir.join(TABLE_FILE)
}
