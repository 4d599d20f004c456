//! Names and settings of what lives on the broker, shared by the server and the matcher.

use crate::UserId;
use async_nats::jetstream::stream::{Config, DiscardPolicy, StorageType};
use std::time::Duration;

/// The stream holding each user's latest pickable-profile state.
pub const USERS_STREAM: &str = "USERS";
/// Subjects of the `USERS` stream: `users.<id>`.
pub const USERS_SUBJECTS: &str = "users.*";
/// Match requests go here; matchers answer as one queue group.
pub const MATCH_SUBJECT: &str = "comatching.match";
/// The queue group that shares match requests among matcher instances.
pub const MATCH_QUEUE_GROUP: &str = "matchers";
/// A match request asked again after a timeout goes here: every matcher hears it (no queue
/// group) and the first answer wins, so a matcher that stopped answering but still holds its
/// place in the queue group cannot be picked for the second try too.
pub const MATCH_ALL_SUBJECT: &str = "comatching.match.all";
/// How long JetStream remembers a `Nats-Msg-Id` to drop a re-published event.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// The subject carrying `user`'s events.
pub fn user_subject(user: UserId) -> String {
    format!("users.{}", user.0)
}

/// Copies of the `USERS` stream on one machine.
pub const DEFAULT_STREAM_REPLICAS: usize = 1;
/// The most copies JetStream keeps of a stream.
pub const MAX_STREAM_REPLICAS: usize = 5;

/// The `USERS` stream: file storage, one message kept per subject (a compacted snapshot a new
/// matcher can rebuild from), two-minute duplicate window, `replicas` copies (1 on one
/// machine; 3 in a three-node cluster, so losing a node loses nothing acknowledged).
pub fn users_stream_config(replicas: usize) -> Config {
    assert!(
        (1..=MAX_STREAM_REPLICAS).contains(&replicas),
        "1 to 5 replicas"
    );
    Config {
        num_replicas: replicas,
        name: USERS_STREAM.to_owned(),
        subjects: vec![USERS_SUBJECTS.to_owned()],
        storage: StorageType::File,
        max_messages_per_subject: 1,
        discard: DiscardPolicy::Old,
        duplicate_window: DUPLICATE_WINDOW,
        ..Default::default()
    }
}

/// How a process reaches NATS: the same flags for the server and the matcher.
#[derive(Debug, Clone, clap::Args)]
pub struct NatsArgs {
    /// NATS server URL (`nats://` or `tls://`); several may be given comma-separated.
    #[arg(
        long,
        env = "COMATCHING_NATS_URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub nats_url: String,
    /// User name for NATS (with --nats-password).
    #[arg(long, env = "COMATCHING_NATS_USER", requires = "nats_password")]
    pub nats_user: Option<String>,
    /// Password for NATS (with --nats-user).
    #[arg(
        long,
        env = "COMATCHING_NATS_PASSWORD",
        hide_env_values = true,
        requires = "nats_user"
    )]
    pub nats_password: Option<String>,
    /// A NATS credentials (.creds) file, instead of user and password.
    #[arg(long, env = "COMATCHING_NATS_CREDS", conflicts_with = "nats_user")]
    pub nats_creds: Option<std::path::PathBuf>,
    /// A file holding an NKey seed (`SU…`), instead of user and password.
    #[arg(long, env = "COMATCHING_NATS_NKEY", conflicts_with_all = ["nats_user", "nats_creds"])]
    pub nats_nkey: Option<std::path::PathBuf>,
    /// A CA certificate (PEM) to trust for NATS; when given, TLS is required.
    #[arg(long, env = "COMATCHING_NATS_CA")]
    pub nats_ca: Option<std::path::PathBuf>,
}

/// Reconnect attempts back off up to this long, then retry at this pace forever.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(2);

/// How often a client pings its node: a node that vanished without closing the connection
/// (power, network) is left for another after [`PING_INTERVAL`] × 3 at most.
pub const PING_INTERVAL: Duration = Duration::from_secs(5);

/// Client names are `comatching-<service>` or `comatching-<service>-<instance>`.
const CLIENT_NAME_PREFIX: &str = "comatching-";

/// The inbox prefix of a client named `client_name`: `_INBOX_<service>` (`comatching-server`
/// → `_INBOX_server`, `comatching-matcher-campus-1` → `_INBOX_matcher`). Replies (to match
/// requests, to JetStream API calls, PubAcks, pulled messages) arrive under the inbox, and
/// `deploy/nats-server.conf` lets each service's user subscribe only to its own, so the
/// matcher's credentials cannot read the server's replies or the other way round.
pub fn inbox_prefix(client_name: &str) -> String {
    let name = client_name
        .strip_prefix(CLIENT_NAME_PREFIX)
        .unwrap_or(client_name);
    let service = name.split_once('-').map_or(name, |(service, _)| service);
    format!("_INBOX_{service}")
}

impl NatsArgs {
    /// Plain, unauthenticated NATS at `url` (development and tests).
    pub fn plain(url: impl Into<String>) -> Self {
        Self {
            nats_url: url.into(),
            nats_user: None,
            nats_password: None,
            nats_creds: None,
            nats_nkey: None,
            nats_ca: None,
        }
    }

    /// The servers of `--nats-url`, split at commas: the client connects to any of them and
    /// moves to another when one is lost (a cluster's nodes).
    pub fn servers(&self) -> Vec<String> {
        self.nats_url
            .split(',')
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Connects, or keeps trying in the background when NATS is not up yet: the caller can
    /// start serving at once and the client reconnects forever with capped backoff. Replies
    /// come under the service's own [`inbox_prefix`].
    pub async fn connect(&self, client_name: &str) -> std::io::Result<async_nats::Client> {
        let mut options = match &self.nats_creds {
            Some(path) => async_nats::ConnectOptions::with_credentials_file(path).await?,
            None => async_nats::ConnectOptions::new(),
        };
        if let Some(path) = &self.nats_nkey {
            let seed = std::fs::read_to_string(path)?;
            options = options.nkey(seed.trim().to_owned());
        }
        if let (Some(user), Some(password)) = (&self.nats_user, &self.nats_password) {
            options = options.user_and_password(user.clone(), password.clone());
        }
        if let Some(ca) = &self.nats_ca {
            options = options.add_root_certificates(ca.clone()).require_tls(true);
        }
        let name = client_name.to_owned();
        options
            .name(client_name)
            .custom_inbox_prefix(inbox_prefix(client_name))
            .retry_on_initial_connect()
            .max_reconnects(None)
            .connection_timeout(Duration::from_secs(2))
            .ping_interval(PING_INTERVAL)
            .reconnect_delay_callback(|attempt| {
                let millis = 50u64.saturating_mul(1 << attempt.min(6) as u64);
                Duration::from_millis(millis).min(MAX_RECONNECT_DELAY)
            })
            .event_callback(move |event| {
                let name = name.clone();
                async move { tracing::info!(client = %name, %event, "nats connection event") }
            })
            .connect(self.servers())
            .await
            .map_err(std::io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_is_several_urls() {
        let args = NatsArgs::plain("nats://a:4222, nats://b:4222,nats://c:4222");
        assert_eq!(
            args.servers(),
            ["nats://a:4222", "nats://b:4222", "nats://c:4222"]
        );
        assert_eq!(
            NatsArgs::plain("nats://a:4222").servers(),
            ["nats://a:4222"]
        );
    }

    /// The prefixes `deploy/nats-server.conf` gives each service's user.
    #[test]
    fn each_service_gets_its_own_inbox() {
        assert_eq!(inbox_prefix("comatching-server"), "_INBOX_server");
        assert_eq!(
            inbox_prefix("comatching-matcher-campus-1"),
            "_INBOX_matcher"
        );
        assert_eq!(inbox_prefix("comatching-matcher-test"), "_INBOX_matcher");
    }
}
