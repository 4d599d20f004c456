//! The server's sled database: the source of truth for users, sessions, matches and the outbox.
//!
//! Every change that touches more than one key is a step run by [`Db::write`]: the writer
//! thread runs the steps that arrive together in one sled transaction and one flush
//! ([`batch`]), so a step's result is on disk when it returns. The few single-key changes
//! made outside it (ending a session, saving a refused match's reply) call [`Db::durable`]
//! before they are reported.

pub mod audit;
mod batch;
pub mod charges;
pub mod idempotency;
#[cfg(test)]
mod ledger_properties;
pub mod matches;
pub mod ops_audit;
pub mod outbox;
pub mod points;
pub mod sessions;
pub mod stats;
pub mod users;

use crate::error::{ApiError, ApiResult};
use anyhow::Context;
pub use batch::Tx;
use batch::Writer;
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::ConflictableTransactionError;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// A transaction step's result: abort with an [`ApiError`] or let sled retry on conflict.
pub type TxResult<T> = Result<T, ConflictableTransactionError<ApiError>>;

/// Aborts a transaction with `error`.
pub fn abort(error: impl Into<ApiError>) -> ConflictableTransactionError<ApiError> {
    ConflictableTransactionError::Abort(error.into())
}

/// Records are JSON in sled: small, and new fields can be added with `#[serde(default)]`.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("records serialize")
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .context("a stored record does not decode")
        .map_err(ApiError::Internal)
}

/// sled's page cache (its default is 1 GiB). sled counts pages at their size on disk; in memory
/// they take about four times that (heaptrack: 66 MiB of nodes for a 16 MiB cache). 8 MiB
/// served the HTTP bench as fast as 32 MiB; what misses it is in the OS page cache.
const CACHE_BYTES: u64 = 8 * 1024 * 1024;

/// Counts shown on the landing page, kept in memory and seeded at open.
#[derive(Default)]
pub struct Counters {
    pub users: AtomicU64,
    pub matches: AtomicU64,
}

/// The open database and its trees.
pub struct Db {
    db: sled::Db,
    pub users: sled::Tree,
    pub emails: sled::Tree,
    pub nicknames: sled::Tree,
    pub sessions: sled::Tree,
    pub user_sessions: sled::Tree,
    pub outbox: sled::Tree,
    pub matches: sled::Tree,
    pub user_matches: sled::Tree,
    pub partners: sled::Tree,
    pub picked_me: sled::Tree,
    pub accounts: sled::Tree,
    pub ledger: sled::Tree,
    pub reservations: sled::Tree,
    pub charges: sled::Tree,
    pub user_charges: sled::Tree,
    pub pending_charges: sled::Tree,
    pub pending_by_user: sled::Tree,
    pub idempotency: sled::Tree,
    pub ops_audit: sled::Tree,
    writer: Writer,
    /// Random per database; prefixes event ids so `Nats-Msg-Id`s never collide across databases.
    instance: String,
    pub counters: Counters,
    /// Woken after every commit that adds to the outbox.
    pub outbox_added: Arc<Notify>,
}

impl Db {
    /// Opens (or creates) the database in `dir`. Must be called inside a tokio runtime.
    pub fn open(dir: &Path) -> anyhow::Result<Arc<Self>> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(CACHE_BYTES)
            .open()
            .with_context(|| {
                format!(
                    "open the database in {} (is another server using it?)",
                    dir.display()
                )
            })?;
        let tree = |name: &str| {
            db.open_tree(name)
                .with_context(|| format!("open tree {name}"))
        };
        let instance = instance_id(&db)?;
        let (writer, jobs) = batch::channel();
        let mut this = Self {
            users: tree("users")?,
            emails: tree("emails")?,
            nicknames: tree("nicknames")?,
            sessions: tree("sessions")?,
            user_sessions: tree("user_sessions")?,
            outbox: tree("outbox")?,
            matches: tree("matches")?,
            user_matches: tree("user_matches")?,
            partners: tree("partners")?,
            picked_me: tree("picked_me")?,
            accounts: tree("accounts")?,
            ledger: tree("ledger")?,
            reservations: tree("reservations")?,
            charges: tree("charges")?,
            user_charges: tree("user_charges")?,
            pending_charges: tree("pending_charges")?,
            pending_by_user: tree("pending_by_user")?,
            idempotency: tree("idempotency")?,
            ops_audit: tree("ops_audit")?,
            writer,
            db,
            instance,
            counters: Counters::default(),
            outbox_added: Arc::new(Notify::new()),
        };
        Writer::start(&mut this, jobs).context("start the writer thread")?;
        this.seed_counters()?;
        Ok(Arc::new(this))
    }

    fn seed_counters(&self) -> anyhow::Result<()> {
        let mut active = 0;
        for entry in self.users.iter() {
            let (_, bytes) = entry?;
            let user: users::UserRecord = decode(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
            active += u64::from(!user.withdrawn);
        }
        self.counters.users.store(active, Ordering::Relaxed);
        self.counters
            .matches
            .store(self.matches.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Waits until everything written so far is on disk: an empty step, so it shares the
    /// writer's next batch and flush with whatever else is waiting.
    pub async fn durable(&self) -> ApiResult<()> {
        self.write(|_| Ok(())).await
    }

    /// Runs `step` inside the next batched transaction (see [`batch`]) and returns its value
    /// once committed and on disk.
    pub async fn write<T, F>(&self, step: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: Fn(&Tx<'_>) -> TxResult<T> + Send + 'static,
    {
        self.writer.write(step).await
    }

    /// Flushes now (shutdown).
    pub fn flush(&self) -> sled::Result<usize> {
        self.db.flush()
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Every tree's name, the default tree included (for backups).
    pub fn tree_names(&self) -> Vec<sled::IVec> {
        self.db.tree_names()
    }

    pub fn open_tree(&self, name: &[u8]) -> sled::Result<sled::Tree> {
        self.db.open_tree(name)
    }

    pub fn generate_id(&self) -> sled::Result<u64> {
        self.db.generate_id()
    }
}

fn instance_id(db: &sled::Db) -> anyhow::Result<String> {
    const KEY: &[u8] = b"instance";
    if let Some(existing) = db.get(KEY)? {
        return Ok(String::from_utf8_lossy(&existing).into_owned());
    }
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    db.insert(KEY, id.as_bytes())?;
    db.flush()?;
    Ok(id)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Two big-endian ids as one key, so a prefix scan on the first finds all of its pairs.
pub fn pair_key(first: u64, second: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&first.to_be_bytes());
    key[8..].copy_from_slice(&second.to_be_bytes());
    key
}

/// The second id of a [`pair_key`].
pub fn pair_second(key: &[u8]) -> Option<u64> {
    key.get(8..16)
        .map(|bytes| u64::from_be_bytes(bytes.try_into().expect("8 bytes")))
}
