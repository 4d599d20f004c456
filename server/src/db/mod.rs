//! The server's sled database: the source of truth for users, sessions, matches and the outbox.
//!
//! Only this module opens sled trees. Every change that touches more than one key is a step
//! run by `Db::write`: the writer thread runs the steps that arrive together in one sled
//! transaction, and a flusher thread flushes it ([`batch`]), so a step's result is on disk
//! when it returns. A step that changes a user says so on its transaction, and after the
//! commit the database sends one [`UserChange`] to its subscribers (search) and wakes the
//! outbox relay ([`signals`]). Errors are [`DbError`]: refusals as variants, failures with
//! their cause.

pub mod audit;
mod backup;
pub mod bans;
mod batch;
pub mod booth;
pub mod charges;
pub mod chats;
mod consents;
mod counters;
pub mod discounts;
mod error;
pub mod idempotency;
#[cfg(test)]
mod ledger_properties;
pub mod mail_queue;
pub mod matches;
mod nicknames;
pub mod notices;
pub mod oidc;
pub mod operator_requests;
pub mod ops_audit;
pub mod outbox;
pub mod password_resets;
pub mod points;
pub mod promo;
mod pseudonyms;
pub mod reports;
pub mod school_email;
pub mod sessions;
pub mod settings;
mod signals;
pub mod signup;
pub mod stats;
pub mod users;

pub use backup::restore;
use batch::{Tx, Writer};
pub use counters::{Counters, Counts};
use error::key_text;
pub use error::{DbError, DbResult};
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::Serialize;
use signals::Signals;
pub use signals::UserChange;
use sled::transaction::ConflictableTransactionError;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// A transaction step's result: abort with a [`DbError`] or let sled retry on conflict.
type TxResult<T> = Result<T, ConflictableTransactionError<DbError>>;

/// Aborts a transaction with `error`.
fn abort(error: impl Into<DbError>) -> ConflictableTransactionError<DbError> {
    ConflictableTransactionError::Abort(error.into())
}

/// The file sled locks in a database's directory.
const SLED_LOCK_FILE: &str = "db";
/// The longest [`wait_closed`] waits.
const MAX_CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Returns once nothing holds the database in `dir` any more: sled's background threads keep
/// its lock for a moment after its last handle is gone, so opening it again at once can fail.
pub(crate) fn wait_closed(dir: &Path) -> std::io::Result<()> {
    let lock = std::fs::File::open(dir.join(SLED_LOCK_FILE))?;
    let deadline = Instant::now() + MAX_CLOSE_WAIT;
    while let Err(e) = lock.try_lock() {
        let waiting = matches!(e, std::fs::TryLockError::WouldBlock);
        if !waiting || Instant::now() >= deadline {
            return Err(std::io::Error::other(format!("still locked: {e}")));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// Opens the database in `dir` again, for tests, once the closed one has let go of it.
#[cfg(test)]
pub(crate) fn reopen(dir: &Path) -> Arc<Db> {
    wait_closed(dir).expect("the closed database lets go");
    Db::open(dir).expect("reopen the database")
}

/// Records are JSON in sled: small, and new fields can be added with `#[serde(default)]`.
fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("records serialize")
}

/// Decodes the record stored under `key` in `tree`; a failure names both.
fn decode<T: DeserializeOwned>(tree: &'static str, key: &[u8], bytes: &[u8]) -> DbResult<T> {
    serde_json::from_slice(bytes).map_err(|source| DbError::Decode {
        tree,
        key: key_text(key),
        source,
    })
}

/// Reads an 8-byte big-endian id from a key of `tree`.
fn key_id(tree: &str, key: &[u8]) -> DbResult<u64> {
    key.get(..8)
        .and_then(|bytes| <[u8; 8]>::try_from(bytes).ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| DbError::Corrupt(format!("a key of {tree} is not an id: {}", key_text(key))))
}

/// sled's page cache (its default is 1 GiB). sled counts pages at their size on disk; in memory
/// they take about four times that (heaptrack: 66 MiB of nodes for a 16 MiB cache). 8 MiB
/// served the HTTP bench as fast as 32 MiB; what misses it is in the OS page cache.
const CACHE_BYTES: u64 = 8 * 1024 * 1024;

/// The open database. Its trees are private: every change goes through a method here, so
/// each one is a batched transaction and every change to a user is signalled (see [`signals`]).
pub struct Db {
    db: sled::Db,
    users: sled::Tree,
    emails: sled::Tree,
    nicknames: sled::Tree,
    sessions: sled::Tree,
    user_sessions: sled::Tree,
    outbox: sled::Tree,
    matches: sled::Tree,
    user_matches: sled::Tree,
    partners: sled::Tree,
    picked_me: sled::Tree,
    accounts: sled::Tree,
    ledger: sled::Tree,
    charges: sled::Tree,
    user_charges: sled::Tree,
    pending_charges: sled::Tree,
    pending_by_user: sled::Tree,
    match_replies: sled::Tree,
    ops_audit: sled::Tree,
    chat_messages: sled::Tree,
    chat_sent: sled::Tree,
    chat_reads: sled::Tree,
    chat_blocks: sled::Tree,
    bans: sled::Tree,
    reports: sled::Tree,
    open_reports: sled::Tree,
    notices: sled::Tree,
    settings: sled::Tree,
    promo_claims: sled::Tree,
    booth_codes: sled::Tree,
    booth_by_user: sled::Tree,
    booth_replies: sled::Tree,
    mail_queue: sled::Tree,
    reset_tokens: sled::Tree,
    reset_mail_log: sled::Tree,
    school_codes: sled::Tree,
    school_emails: sled::Tree,
    operator_requests: sled::Tree,
    oidc_flows: sled::Tree,
    identities: sled::Tree,
    meta: sled::Tree,
    writer: Writer,
    /// Random per database; prefixes event ids so `Nats-Msg-Id`s never collide across databases.
    instance: String,
    /// Random per database and never sent anywhere: keys the export's pseudonyms.
    pseudonym_key: pseudonyms::Key,
    counters: Arc<Counters>,
    /// Events waiting in the outbox, counted in memory (see [`outbox::Depth`]).
    outbox_depth: Arc<outbox::Depth>,
    signals: Arc<Signals>,
}

impl Db {
    /// Opens (or creates, readable by this user only) the database in `dir`. Must be called
    /// inside a tokio runtime.
    pub fn open(dir: &Path) -> DbResult<Arc<Self>> {
        storage::process::create_private_dir(dir).map_err(|source| DbError::DataDir {
            path: dir.to_owned(),
            source,
        })?;
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(CACHE_BYTES)
            .open()?;
        let instance = instance_id(&db)?;
        let pseudonym_key = pseudonyms::key(&db)?;
        let (writer, jobs) = batch::channel();
        let outbox = db.open_tree("outbox")?;
        // Counted once here (see `outbox::Depth`): short but after a broker outage or `demo`.
        let outbox_depth = Arc::new(outbox::Depth::new(outbox.len()));
        let mut this = Self {
            users: db.open_tree("users")?,
            emails: db.open_tree("emails")?,
            nicknames: db.open_tree("nicknames")?,
            sessions: db.open_tree("sessions")?,
            user_sessions: db.open_tree("user_sessions")?,
            outbox,
            matches: db.open_tree("matches")?,
            user_matches: db.open_tree("user_matches")?,
            partners: db.open_tree("partners")?,
            picked_me: db.open_tree("picked_me")?,
            accounts: db.open_tree("accounts")?,
            ledger: db.open_tree("ledger")?,
            charges: db.open_tree("charges")?,
            user_charges: db.open_tree("user_charges")?,
            pending_charges: db.open_tree("pending_charges")?,
            pending_by_user: db.open_tree("pending_by_user")?,
            match_replies: db.open_tree("match_replies")?,
            ops_audit: db.open_tree("ops_audit")?,
            chat_messages: db.open_tree("chat_messages")?,
            chat_sent: db.open_tree("chat_sent")?,
            chat_reads: db.open_tree("chat_reads")?,
            chat_blocks: db.open_tree("chat_blocks")?,
            bans: db.open_tree("bans")?,
            reports: db.open_tree("reports")?,
            open_reports: db.open_tree("open_reports")?,
            notices: db.open_tree("notices")?,
            settings: db.open_tree("settings")?,
            promo_claims: db.open_tree("promo_claims")?,
            booth_codes: db.open_tree("booth_codes")?,
            booth_by_user: db.open_tree("booth_by_user")?,
            booth_replies: db.open_tree("booth_replies")?,
            mail_queue: db.open_tree("mail_queue")?,
            reset_tokens: db.open_tree("reset_tokens")?,
            reset_mail_log: db.open_tree("reset_mail_log")?,
            school_codes: db.open_tree("school_codes")?,
            school_emails: db.open_tree("school_emails")?,
            operator_requests: db.open_tree("operator_requests")?,
            oidc_flows: db.open_tree("oidc_flows")?,
            identities: db.open_tree("identities")?,
            meta: db.open_tree("meta")?,
            writer,
            db,
            instance,
            pseudonym_key,
            counters: Arc::default(),
            outbox_depth,
            signals: Arc::default(),
        };
        // Saved match replies of the format before typed replies: a day's worth at most.
        this.db.drop_tree("idempotency")?;
        // Points held for matches in flight, before a match and its charge shared one commit:
        // left only by a crash, and never taken from a balance, so dropping them releases them.
        this.db.drop_tree("reservations")?;
        this.load_counters()?;
        Writer::start(&mut this, jobs)
            .map_err(|e| DbError::Corrupt(format!("start the writer thread: {e}")))?;
        this.migrate_nickname_keys()?;
        Ok(Arc::new(this))
    }

    /// Waits until everything written so far is on disk: an empty step, so it shares the
    /// writer's next batch and flush with whatever else is waiting.
    async fn durable(&self) -> DbResult<()> {
        self.write(|_| Ok(())).await
    }

    /// Runs `step` inside the next batched transaction (see [`batch`]) and returns its value
    /// once committed and on disk.
    async fn write<T, F>(&self, step: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: Fn(&Tx<'_>) -> TxResult<T> + Send + 'static,
    {
        self.writer.write(step, None).await
    }

    /// [`Db::write`], and `after` with the step's value on the flusher thread once the change
    /// is on disk, whether or not the caller still waits: for bookkeeping beside the data (the
    /// landing-page counters) that must follow the change exactly.
    async fn write_then<T, F>(
        &self,
        step: F,
        after: impl FnOnce(&T) + Send + 'static,
    ) -> DbResult<T>
    where
        T: Send + 'static,
        F: Fn(&Tx<'_>) -> TxResult<T> + Send + 'static,
    {
        self.writer.write(step, Some(Box::new(after))).await
    }

    /// Flushes now (shutdown, the command line).
    pub fn flush(&self) -> DbResult<()> {
        self.db.flush()?;
        Ok(())
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Landing-page counts.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Calls `listener` after every committed change to one or more users (from the writer
    /// thread: it must not block). Search subscribes here.
    pub fn on_user_change(&self, listener: impl Fn(&UserChange) + Send + Sync + 'static) {
        self.signals.subscribe(listener);
    }

    /// How many batches have changed a user since the database was made; stored with the
    /// changes themselves, so derived data (the search index) can tell whether it is behind.
    pub fn user_generation(&self) -> DbResult<u64> {
        signals::generation(&self.meta)
    }

    /// Woken after every commit that changed a user (and so may have queued an event).
    pub fn outbox_added(&self) -> &Notify {
        &self.signals.outbox_added
    }

    /// Woken after a commit that queued a mail.
    pub fn mail_added(&self) -> &Notify {
        &self.signals.mail_added
    }

    fn generate_id(&self) -> DbResult<u64> {
        Ok(self.db.generate_id()?)
    }
}

fn instance_id(db: &sled::Db) -> DbResult<String> {
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
fn pair_key(first: u64, second: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&first.to_be_bytes());
    key[8..].copy_from_slice(&second.to_be_bytes());
    key
}

/// The second id of a [`pair_key`].
fn pair_second(key: &[u8]) -> Option<u64> {
    key.get(8..16)
        .map(|bytes| u64::from_be_bytes(bytes.try_into().expect("8 bytes")))
}
