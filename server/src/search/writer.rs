//! The one index writer: a thread that applies queued changes and commits at most every
//! [`COMMIT_INTERVAL`], so a change is searchable within a second.

use super::document::{self, Fields};
use super::index::CLEAN_MARKER;
use crate::db::Db;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use storage::UserId;
use tantivy::{IndexReader, IndexWriter, Term};

/// The writer's memory budget: tantivy's minimum for its one indexing thread.
pub const HEAP_BYTES: usize = 15_000_000;
const COMMIT_INTERVAL: Duration = Duration::from_millis(500);
/// Queued changes at most; beyond that the writer re-indexes everyone at its next commit.
const QUEUE: usize = 8_192;

enum Change {
    User(UserId),
    Shutdown,
}

/// What the writer thread owns.
struct Worker {
    writer: IndexWriter,
    reader: IndexReader,
    db: Arc<Db>,
    fields: Fields,
    dir: PathBuf,
    queue: Receiver<Change>,
    /// Set when a change could not be queued.
    overflowed: Arc<AtomicBool>,
}

pub struct Writer {
    changes: SyncSender<Change>,
    overflowed: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    pub fn start(
        writer: IndexWriter,
        reader: IndexReader,
        db: Arc<Db>,
        fields: Fields,
        dir: PathBuf,
    ) -> Self {
        let (changes, queue) = sync_channel(QUEUE);
        let overflowed = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            writer,
            reader,
            db,
            fields,
            dir,
            queue,
            overflowed: overflowed.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("search-writer".into())
            .spawn(move || worker.run())
            .expect("spawn the search writer");
        Self {
            changes,
            overflowed,
            thread: Mutex::new(Some(thread)),
        }
    }

    /// Never blocks: when the queue is full, the writer re-indexes everyone instead.
    pub fn changed(&self, user: UserId) {
        if let Err(TrySendError::Full(_)) = self.changes.try_send(Change::User(user)) {
            tracing::warn!("search queue full: re-indexing everyone at the next commit");
            self.overflowed.store(true, Ordering::Relaxed);
        }
    }

    pub fn shutdown(&self) {
        let _ = self.changes.send(Change::Shutdown);
        if let Some(thread) = self.thread.lock().expect("writer handle").take() {
            let _ = thread.join();
        }
    }
}

impl Worker {
    fn run(mut self) {
        let mut pending: BTreeSet<UserId> = BTreeSet::new();
        let mut last_commit = Instant::now();
        loop {
            let idle = pending.is_empty() && !self.overflowed.load(Ordering::Relaxed);
            let wait = if idle {
                COMMIT_INTERVAL
            } else {
                COMMIT_INTERVAL.saturating_sub(last_commit.elapsed())
            };
            let stop = match self.queue.recv_timeout(wait) {
                Ok(Change::User(user)) => {
                    pending.insert(user);
                    false
                }
                Ok(Change::Shutdown) | Err(RecvTimeoutError::Disconnected) => true,
                Err(RecvTimeoutError::Timeout) => false,
            };
            if self.overflowed.swap(false, Ordering::Relaxed) {
                pending.extend(all_users(&self.db));
            }
            if (stop || last_commit.elapsed() >= COMMIT_INTERVAL) && !pending.is_empty() {
                self.commit(&pending);
                pending.clear();
                last_commit = Instant::now();
            }
            if stop {
                if let Err(e) = std::fs::write(self.dir.join(CLEAN_MARKER), b"") {
                    tracing::warn!(error = %e, "could not mark the search index clean");
                }
                return;
            }
        }
    }

    fn commit(&mut self, users: &BTreeSet<UserId>) {
        let applied = apply(&mut self.writer, &self.db, self.fields, users)
            .and_then(|()| Ok(self.writer.commit().map(drop)?));
        if let Err(e) = applied {
            tracing::error!(error = %e, "search index update failed; it is rebuilt at the next start");
        } else if let Err(e) = self.reader.reload() {
            tracing::warn!(error = %e, "search reader reload failed");
        }
    }
}

fn all_users(db: &Db) -> Vec<UserId> {
    db.users
        .iter()
        .keys()
        .filter_map(|key| key.ok())
        .filter_map(|key| <[u8; 8]>::try_from(key.as_ref()).ok())
        .map(|bytes| UserId(u64::from_be_bytes(bytes)))
        .collect()
}

fn apply(
    writer: &mut IndexWriter,
    db: &Db,
    fields: Fields,
    users: &BTreeSet<UserId>,
) -> anyhow::Result<()> {
    for &user in users {
        writer.delete_term(Term::from_field_u64(fields.id, user.0));
        if let Some(record) = db.user(user).map_err(|e| anyhow::anyhow!("{e}"))? {
            writer.add_document(
                document::document(db, &record, fields).map_err(|e| anyhow::anyhow!("{e}"))?,
            )?;
        }
    }
    Ok(())
}
