//! The one index writer: a thread that applies queued changes and commits at most every
//! [`COMMIT_INTERVAL`], so a change is searchable within a second.

use super::document::{self, Fields};
use super::index::CLEAN_MARKER;
use crate::db::{Db, UserChange};
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

enum Message {
    Changed(UserChange),
    Shutdown,
}

/// The queue from the database's change signal to the writer thread. Made before the index
/// is opened, so no change committed meanwhile is missed.
pub struct Queue {
    sender: SyncSender<Message>,
    receiver: Receiver<Message>,
    /// Set when a change could not be queued.
    overflowed: Arc<AtomicBool>,
}

impl Queue {
    pub fn new() -> Self {
        let (sender, receiver) = sync_channel(QUEUE);
        Self {
            sender,
            receiver,
            overflowed: Arc::default(),
        }
    }

    /// What the database calls after each change to users. Never blocks: when the queue is
    /// full, the writer re-indexes everyone instead.
    pub fn listener(&self) -> impl Fn(&UserChange) + Send + Sync + 'static {
        let (sender, overflowed) = (self.sender.clone(), self.overflowed.clone());
        move |change| {
            if let Err(TrySendError::Full(_)) = sender.try_send(Message::Changed(change.clone())) {
                tracing::warn!("search queue full: re-indexing everyone at the next commit");
                overflowed.store(true, Ordering::Relaxed);
            }
        }
    }
}

/// What the writer thread owns.
struct Worker {
    writer: IndexWriter,
    reader: IndexReader,
    db: Arc<Db>,
    fields: Fields,
    dir: PathBuf,
    queue: Receiver<Message>,
    overflowed: Arc<AtomicBool>,
    /// The user generation the index holds every change of (written at a clean shutdown).
    generation: u64,
}

/// The handle to the writer thread.
pub struct Writer {
    stop: SyncSender<Message>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// What the writer thread starts from.
pub struct Start {
    pub writer: IndexWriter,
    pub reader: IndexReader,
    pub db: Arc<Db>,
    pub fields: Fields,
    pub dir: PathBuf,
    /// The user generation the index holds now.
    pub generation: u64,
}

impl Writer {
    pub fn start(queue: Queue, start: Start) -> std::io::Result<Self> {
        let worker = Worker {
            writer: start.writer,
            reader: start.reader,
            db: start.db,
            fields: start.fields,
            dir: start.dir,
            queue: queue.receiver,
            overflowed: queue.overflowed,
            generation: start.generation,
        };
        let thread = std::thread::Builder::new()
            .name("search-writer".into())
            .spawn(move || worker.run())?;
        Ok(Self {
            stop: queue.sender,
            thread: Mutex::new(Some(thread)),
        })
    }

    pub fn shutdown(&self) {
        let _ = self.stop.send(Message::Shutdown);
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
                Ok(Message::Changed(change)) => {
                    pending.extend(change.users);
                    self.generation = self.generation.max(change.generation);
                    false
                }
                Ok(Message::Shutdown) | Err(RecvTimeoutError::Disconnected) => true,
                Err(RecvTimeoutError::Timeout) => false,
            };
            if self.overflowed.swap(false, Ordering::Relaxed) {
                self.catch_up_everyone(&mut pending);
            }
            if (stop || last_commit.elapsed() >= COMMIT_INTERVAL) && !pending.is_empty() {
                self.commit(&pending);
                pending.clear();
                last_commit = Instant::now();
            }
            if stop {
                let marker = self.generation.to_string();
                if let Err(e) = std::fs::write(self.dir.join(CLEAN_MARKER), marker) {
                    tracing::warn!(error = %e, "could not mark the search index clean");
                }
                return;
            }
        }
    }

    /// After lost changes: every user again, up to the generation read first (changes after
    /// it are queued and applied again, which is harmless).
    fn catch_up_everyone(&mut self, pending: &mut BTreeSet<UserId>) {
        let generation = self.db.user_generation();
        let users: Result<Vec<UserId>, _> = self.db.all_users().map(|u| u.map(|u| u.id)).collect();
        match (generation, users) {
            (Ok(generation), Ok(users)) => {
                self.generation = self.generation.max(generation);
                pending.extend(users);
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %format!("{e:#}"), "search cannot re-read users; it is rebuilt at the next start");
                self.generation = 0;
            }
        }
    }

    fn commit(&mut self, users: &BTreeSet<UserId>) {
        let applied = apply(&mut self.writer, &self.db, self.fields, users)
            .and_then(|()| Ok(self.writer.commit().map(drop)?));
        if let Err(e) = applied {
            tracing::error!(error = %format!("{e:#}"), "search index update failed; it is rebuilt at the next start");
            self.generation = 0;
        } else if let Err(e) = self.reader.reload() {
            tracing::warn!(error = %e, "search reader reload failed");
        }
    }
}

fn apply(
    writer: &mut IndexWriter,
    db: &Db,
    fields: Fields,
    users: &BTreeSet<UserId>,
) -> anyhow::Result<()> {
    for &user in users {
        writer.delete_term(Term::from_field_u64(fields.id, user.0));
        if let Some(record) = db.user(user)? {
            writer.add_document(document::document(db, &record, fields)?)?;
        }
    }
    Ok(())
}
