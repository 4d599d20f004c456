//! Batched transactions: one writer thread runs every queued change in a single sled
//! transaction, and a flusher thread makes it durable before its callers hear of it (group
//! commit).
//!
//! Each sled transaction writes its own log buffers (two writes and a `sync_file_range`), and
//! sled runs transactions one at a time, so a transaction per request caps the whole server
//! at a few thousand changes a second however cheap the flush is. Here the writer takes what
//! has queued up (at most [`MAX_BATCH`]) and runs the steps in order inside one transaction:
//! a step sees the writes of the steps before it, exactly as if they had run one after the
//! other. A step that aborts (402, 409, …) is dropped from the batch, which runs again without
//! it, so its partial writes never land and the others are unaffected.
//!
//! The two stages overlap: while the flusher waits on the disk for one batch, the writer
//! already runs the next transaction. With one thread doing both, every batch cost a
//! transaction plus a flush, and at 1,000 matches a second (a batch or two per millisecond)
//! that thread was busy nine tenths of the time, so requests queued behind it; overlapped, a
//! batch costs the longer of the two. The flusher takes the batches committed since its last
//! flush (at most [`MAX_UNFLUSHED_BATCHES`]) and flushes once for all of them (a flush makes
//! durable everything committed before it started), then answers their steps in commit order.
//! So a step's caller learns of its change only once it is on disk. An aborted step is
//! answered after that flush too: its refusal may rest on an earlier step's write (a charge
//! already decided, a nickname already taken), which must not be reported before it is on
//! disk.
//!
//! A step that changes a user says so ([`Tx::user_changed`]); the batch then bumps the user
//! generation in the same transaction and, once flushed, sends one [`UserChange`]. The events a
//! batch queued for the matcher are added to the outbox's depth once it commits.

use super::outbox::Depth;
use super::signals::{self, Signals, UserChange};
use super::{Db, DbError, DbResult, TxResult};
use sled::transaction::TransactionalTree;
use sled::transaction::{
    ConflictableTransactionError, TransactionError, Transactional, UnabortableTransactionError,
};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use storage::UserId;
use tokio::sync::{mpsc, oneshot};

/// Steps in one transaction at most: bounds the transaction's memory and a step's wait.
pub const MAX_BATCH: usize = 512;
/// Steps queued at most; beyond that callers wait for room (back-pressure, not growth).
const MAX_QUEUED: usize = 4096;
/// Committed batches waiting for the flusher at most; beyond that the writer waits for it, so
/// a slow disk holds the writer back instead of piling up answers.
const MAX_UNFLUSHED_BATCHES: usize = 8;

type Value = Box<dyn Any + Send>;
type Step = Box<dyn Fn(&Tx<'_>) -> TxResult<Value> + Send>;
type Reply = oneshot::Sender<DbResult<Value>>;
/// What the flusher does with a committed step's value once it is on disk, before answering:
/// bookkeeping that must happen exactly when the change does, whether or not its caller still
/// waits (an HTTP future dropped mid-write must not skip it).
type After = Box<dyn FnOnce(&Value) + Send>;

struct Job {
    step: Step,
    reply: Reply,
    after: Option<After>,
}

/// Bookkeeping a caller hands in, typed by its step's value.
pub type AfterCommit<T> = Box<dyn FnOnce(&T) + Send>;

/// A committed step: its answer, its bookkeeping, its value.
type Committed = (Reply, Option<After>, Value);

/// An aborted step: its answer and its refusal.
type Aborted = (Reply, DbError);

/// A batch on its way to the flusher: its committed steps, the users they changed, and the
/// steps that aborted (answered after the flush as well).
struct Unflushed {
    committed: Vec<Committed>,
    change: Option<UserChange>,
    aborted: Vec<Aborted>,
}

macro_rules! batch_trees {
    ($($name:ident),+ $(,)?) => {
        /// Every tree of the database, as seen inside one batched transaction, the users its
        /// steps changed and the events they queued.
        pub struct Tx<'a> {
            $(pub $name: &'a TransactionalTree,)+
            changed: RefCell<Vec<UserId>>,
            queued_events: Cell<u64>,
        }

        impl<'a> Tx<'a> {
            fn new(views: &'a [TransactionalTree]) -> Self {
                let mut views = views.iter();
                Self {
                    $($name: views.next().expect("a view per tree"),)+
                    changed: RefCell::default(),
                    queued_events: Cell::default(),
                }
            }
        }

        /// The trees in the order [`Tx::new`] reads their views.
        fn ordered_trees(db: &Db) -> Vec<sled::Tree> {
            vec![$(db.$name.clone(),)+]
        }
    };
}

batch_trees!(
    users,
    emails,
    nicknames,
    sessions,
    user_sessions,
    outbox,
    matches,
    user_matches,
    partners,
    picked_me,
    accounts,
    ledger,
    charges,
    user_charges,
    pending_charges,
    pending_by_user,
    match_replies,
    ops_audit,
    chat_messages,
    chat_sent,
    chat_reads,
    chat_blocks,
    bans,
    reports,
    open_reports,
    notices,
    settings,
    promo_claims,
    booth_codes,
    booth_by_user,
    booth_replies,
    mail_queue,
    reset_tokens,
    reset_mail_log,
    school_codes,
    school_emails,
    operator_requests,
    oidc_flows,
    identities,
    meta,
);

impl Tx<'_> {
    /// Marks `user` as changed by this step: subscribers hear of it after the commit.
    pub fn user_changed(&self, user: UserId) {
        self.changed.borrow_mut().push(user);
    }

    /// Counts an event queued in the outbox by this transaction.
    pub(super) fn event_queued(&self) {
        self.queued_events.set(self.queued_events.get() + 1);
    }

    /// Moves the user generation on if a step changed a user; returns the change to send.
    fn finish(&self) -> Result<Option<UserChange>, UnabortableTransactionError> {
        let mut users = self.changed.take();
        if users.is_empty() {
            return Ok(None);
        }
        users.sort_unstable();
        users.dedup();
        let generation = signals::bump_in(self.meta)?;
        Ok(Some(UserChange { generation, users }))
    }
}

/// The queue into the writer thread. Dropping it closes the queue and waits for the thread,
/// so the database can be opened again as soon as its [`Db`] is gone.
pub struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The writer thread's end of the queue, until [`Writer::start`] hands it to the thread.
pub struct Jobs(mpsc::Receiver<Job>);

pub fn channel() -> (Writer, Jobs) {
    let (jobs, rx) = mpsc::channel(MAX_QUEUED);
    let writer = Writer {
        jobs: Some(jobs),
        thread: None,
    };
    (writer, Jobs(rx))
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Writer {
    /// Starts the writer thread and its flusher over `db`'s trees. The writer stops the
    /// flusher and waits for it when the queue closes, so waiting for the writer waits for both.
    pub fn start(db: &mut Db, jobs: Jobs) -> std::io::Result<()> {
        let (unflushed, to_flush) = std::sync::mpsc::sync_channel(MAX_UNFLUSHED_BATCHES);
        let (sled, signals, depth) = (db.db.clone(), db.signals.clone(), db.outbox_depth.clone());
        let flusher = std::thread::Builder::new()
            .name("sled-flusher".into())
            .spawn(move || flush_each(&sled, &signals, &to_flush))?;
        let trees = ordered_trees(db);
        let writer = Stages {
            unflushed: Some(unflushed),
            flusher: Some(flusher),
        };
        let thread = std::thread::Builder::new()
            .name("sled-writer".into())
            .spawn(move || run(&trees, &depth, writer, jobs.0))?;
        db.writer.thread = Some(thread);
        Ok(())
    }

    /// Runs `step` in the next batch and returns its value once that batch has committed and
    /// is on disk; `after` runs on the flusher thread with the value once it is on disk.
    pub async fn write<T, F>(&self, step: F, after: Option<AfterCommit<T>>) -> DbResult<T>
    where
        T: Send + 'static,
        F: Fn(&Tx<'_>) -> TxResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let step: Step = Box::new(move |tx| step(tx).map(|value| Box::new(value) as Value));
        let after = after.map(|after| {
            Box::new(move |value: &Value| {
                after(
                    value
                        .downcast_ref::<T>()
                        .expect("a step's value has the step's type"),
                )
            }) as After
        });
        let jobs = self.jobs.as_ref().expect("open until dropped");
        jobs.send(Job { step, reply, after })
            .await
            .map_err(|_| DbError::WriterStopped)?;
        let value = answer.await.map_err(|_| DbError::WriterStopped)??;
        Ok(*value
            .downcast::<T>()
            .expect("a step's value has the step's type"))
    }
}

/// The flusher as the writer sees it: where batches go, and the thread to wait for. Dropping
/// it (when the writer ends, or unwinds from a panic) stops the flusher and waits for it, so
/// waiting for the writer thread always waits for both.
struct Stages {
    unflushed: Option<std::sync::mpsc::SyncSender<Unflushed>>,
    flusher: Option<std::thread::JoinHandle<()>>,
}

impl Stages {
    fn send(&self, batch: Unflushed) {
        let unflushed = self.unflushed.as_ref().expect("open until dropped");
        let sent = unflushed.send(batch);
        assert!(sent.is_ok(), "the flusher runs until the writer stops it");
    }
}

impl Drop for Stages {
    fn drop(&mut self) {
        self.unflushed.take();
        if let Some(flusher) = self.flusher.take() {
            if flusher.join().is_err() {
                tracing::error!("the flusher thread panicked");
            }
        }
    }
}

/// The writer thread: commits batches, counts the events they queued into the outbox's
/// `depth`, and hands them to the flusher, which it stops and waits for once the queue closes
/// (see [`Stages`]).
fn run(trees: &[sled::Tree], depth: &Depth, stages: Stages, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(job) = jobs.blocking_recv() {
        batch.push(job);
        top_up(&mut batch, MAX_BATCH, || jobs.try_recv().ok());
        metrics::histogram!("db_batch_steps").record(batch.len() as f64);
        let started = std::time::Instant::now();
        let (unflushed, events) = commit(trees, &mut batch);
        metrics::histogram!("db_batch_seconds").record(started.elapsed().as_secs_f64());
        depth.add(events);
        assert!(
            batch.is_empty(),
            "every step of a batch is committed, aborted or answered"
        );
        stages.send(unflushed);
    }
}

/// Adds what is already waiting (`next` until it has nothing) to `items`, up to `limit`: a
/// stage takes everything queued at once, never more than its bound.
fn top_up<T>(items: &mut Vec<T>, limit: usize, mut next: impl FnMut() -> Option<T>) {
    while items.len() < limit {
        let Some(item) = next() else { break };
        items.push(item);
    }
}

/// The flusher thread: until the writer hangs up, takes every batch committed so far (at most
/// [`MAX_UNFLUSHED_BATCHES`]), flushes once for all of them, then signals and answers each in
/// commit order.
fn flush_each(db: &sled::Db, signals: &Signals, to_flush: &std::sync::mpsc::Receiver<Unflushed>) {
    let mut ready = Vec::with_capacity(MAX_UNFLUSHED_BATCHES);
    while let Ok(first) = to_flush.recv() {
        ready.push(first);
        top_up(&mut ready, MAX_UNFLUSHED_BATCHES, || {
            to_flush.try_recv().ok()
        });
        metrics::histogram!("db_flush_batches").record(ready.len() as f64);
        let started = std::time::Instant::now();
        let flushed = db.flush().map_err(Arc::new);
        metrics::histogram!("db_flush_seconds").record(started.elapsed().as_secs_f64());
        for batch in ready.drain(..) {
            answer_flushed(&flushed, batch, signals);
        }
    }
}

/// Signals a flushed batch's user change, then answers its steps, the committed ones first (an
/// aborted step's refusal may rest on them). If the flush failed they
/// get an error: their changes may be lost in a crash, so they are not reported as done (and
/// nothing is signalled: derived data catches up at the next start); an aborted step too, as
/// its refusal may rest on what was lost.
fn answer_flushed(
    flushed: &Result<usize, Arc<sled::Error>>,
    Unflushed {
        committed,
        change,
        aborted,
    }: Unflushed,
    signals: &Signals,
) {
    if let (Ok(_), Some(change)) = (flushed, &change) {
        signals.emit(change);
    }
    for (reply, after, value) in committed {
        let answer = match flushed {
            Ok(_) => {
                if let Some(after) = after {
                    after(&value);
                }
                Ok(value)
            }
            Err(e) => Err(DbError::Flush(e.clone())),
        };
        let _ = reply.send(answer);
    }
    for (reply, refusal) in aborted {
        let answer = match flushed {
            Ok(_) => refusal,
            Err(e) => DbError::Flush(e.clone()),
        };
        let _ = reply.send(Err(answer));
    }
}

/// Runs one step; a step that panics is aborted with an internal error instead of taking
/// the writer thread (and every later change) down with it.
fn run_step(step: &Step, tx: &Tx<'_>) -> TxResult<Value> {
    std::panic::catch_unwind(AssertUnwindSafe(|| step(tx))).unwrap_or(Err(
        ConflictableTransactionError::Abort(DbError::StepPanicked),
    ))
}

/// Commits `batch`: returns the committed steps with their values and the users they changed,
/// and the aborted steps with their refusals, all to be answered after the flush, with the
/// number of events the committed steps queued. A storage error is answered at once (nothing
/// of the batch committed). Each rerun removes one aborted step, so this runs the transaction
/// at most `batch.len() + 1` times.
fn commit(trees: &[sled::Tree], batch: &mut Vec<Job>) -> (Unflushed, u64) {
    let mut committed = Vec::with_capacity(batch.len());
    let mut aborted = Vec::new();
    let change = RefCell::new(None);
    let (events, mut committed_events) = (Cell::new(0), 0);
    while !batch.is_empty() {
        let values = RefCell::new(Vec::with_capacity(batch.len()));
        let result = trees.transaction(|views| {
            let tx = Tx::new(views);
            let mut values = values.borrow_mut();
            values.clear();
            for (index, job) in batch.iter().enumerate() {
                match run_step(&job.step, &tx) {
                    Ok(value) => values.push(value),
                    Err(ConflictableTransactionError::Abort(error)) => {
                        return Err(ConflictableTransactionError::Abort((index, error)))
                    }
                    Err(ConflictableTransactionError::Conflict) => {
                        return Err(ConflictableTransactionError::Conflict)
                    }
                    Err(ConflictableTransactionError::Storage(e)) => {
                        return Err(ConflictableTransactionError::Storage(e))
                    }
                }
            }
            *change.borrow_mut() = tx.finish()?;
            events.set(tx.queued_events.get());
            Ok(())
        });
        match result {
            Ok(()) => {
                committed_events = events.get();
                let values = values.into_inner();
                let jobs = batch.drain(..).map(|job| (job.reply, job.after));
                committed.extend(
                    jobs.zip(values)
                        .map(|((reply, after), value)| (reply, after, value)),
                );
            }
            Err(TransactionError::Abort((index, error))) => {
                aborted.push((batch.remove(index).reply, error));
            }
            Err(TransactionError::Storage(e)) => {
                let shared = Arc::new(e);
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(DbError::Batch(shared.clone())));
                }
                change.take();
            }
        }
    }
    let unflushed = Unflushed {
        committed,
        change: change.into_inner(),
        aborted,
    };
    (unflushed, committed_events)
}

#[cfg(test)]
mod tests {
    use super::super::abort;
    use super::*;
    use crate::db::DbError;

    /// Steps that arrive together share a transaction: each sees the writes before it, and an
    /// aborted step's writes never land while the others' do.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_is_the_steps_one_after_the_other_without_the_aborted_ones() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let steps = (0u64..200).map(|i| {
            db.write(move |tx| {
                let counter = tx.ops_audit.get(b"counter")?;
                let before =
                    counter.map_or(0, |v| u64::from_be_bytes(v.as_ref().try_into().unwrap()));
                tx.ops_audit
                    .insert(&b"counter"[..], &(before + 1).to_be_bytes())?;
                tx.ops_audit.insert(&i.to_be_bytes(), &[])?;
                if i % 7 == 0 {
                    return Err(abort(DbError::NotFound("step")));
                }
                assert!(i != 13, "a bug in one step");
                Ok(before)
            })
        });
        let results = futures::future::join_all(steps).await;

        let committed: Vec<u64> = (0..200).filter(|i| i % 7 != 0 && *i != 13).collect();
        for (i, result) in results.iter().enumerate() {
            match result {
                Ok(_) => assert!(committed.contains(&(i as u64))),
                Err(DbError::NotFound(_)) => assert_eq!(i % 7, 0),
                Err(DbError::StepPanicked) => assert_eq!(i, 13),
                Err(other) => panic!("step {i}: {other}"),
            }
        }
        let mut seen: Vec<u64> = results.into_iter().filter_map(Result::ok).collect();
        seen.sort_unstable();
        let expected: Vec<u64> = (0..committed.len() as u64).collect();
        assert_eq!(
            seen, expected,
            "each step saw exactly the committed steps before it"
        );
        for i in 0u64..200 {
            let landed = db.ops_audit.get(i.to_be_bytes()).unwrap().is_some();
            assert_eq!(landed, committed.contains(&i), "step {i}");
        }
        db.write(|_| Ok(()))
            .await
            .expect("the writer survived the panic");
    }

    /// A refusal that rests on an earlier step's write is not answered before that write is:
    /// both wait for the flush, so nobody hears "already taken" of a change a crash could undo.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_refusal_is_answered_no_sooner_than_the_write_it_rests_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        for round in 0u64..50 {
            let key = round.to_be_bytes();
            let mut first = Box::pin(db.write(move |tx| {
                tx.ops_audit.insert(&key, &[])?;
                Ok(())
            }));
            // Queues the write; a preempted test thread may find it already answered.
            let queued = futures::poll!(&mut first);
            let second = db
                .write(move |tx| match tx.ops_audit.get(key)? {
                    Some(_) => Err(abort(DbError::NotFound("taken"))),
                    None => Ok(()),
                })
                .await;
            assert!(matches!(second, Err(DbError::NotFound(_))), "round {round}");
            let answered = match queued {
                std::task::Poll::Ready(answer) => Some(answer),
                std::task::Poll::Pending => futures::FutureExt::now_or_never(first),
            };
            assert!(
                matches!(answered, Some(Ok(()))),
                "round {round}: the refusal came before the write it rests on"
            );
        }
    }
}
