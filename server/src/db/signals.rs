//! "A user changed": one signal, owned by the database and sent by the flusher once a commit is
//! on disk, so no caller has to remember to tell anyone. It feeds the search index (subscribers) and
//! wakes the outbox relay.
//!
//! Every batch that changes a user also moves a number stored in the same transaction on (the
//! user generation). Derived data records the generation it has caught up with; one that is
//! behind at start (a change made by the command line while the server was stopped, or lost
//! in a crash) knows it must catch up.

use super::{error::key_text, DbError, DbResult};
use sled::transaction::{TransactionalTree, UnabortableTransactionError};
use std::sync::RwLock;
use storage::UserId;
use tokio::sync::Notify;

/// The key of the user generation in the `meta` tree.
const GENERATION_KEY: &[u8] = b"user_generation";

/// The users one committed batch changed, and the generation that batch made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChange {
    pub generation: u64,
    pub users: Vec<UserId>,
}

type Listener = Box<dyn Fn(&UserChange) + Send + Sync>;

/// The subscribers and the relay's wake-up.
#[derive(Default)]
pub struct Signals {
    listeners: RwLock<Vec<Listener>>,
    pub outbox_added: Notify,
    /// Woken when a mail was queued.
    pub mail_added: Notify,
}

impl Signals {
    pub fn subscribe(&self, listener: impl Fn(&UserChange) + Send + Sync + 'static) {
        self.listeners
            .write()
            .expect("listeners lock")
            .push(Box::new(listener));
    }

    /// Tells every subscriber, then the relay. Called by the flusher once the change is on disk.
    pub fn emit(&self, change: &UserChange) {
        for listener in self.listeners.read().expect("listeners lock").iter() {
            listener(change);
        }
        self.outbox_added.notify_one();
    }
}

/// The user generation as committed.
pub fn generation(meta: &sled::Tree) -> DbResult<u64> {
    match meta.get(GENERATION_KEY)? {
        Some(bytes) => parse(&bytes),
        None => Ok(0),
    }
}

/// Moves the user generation on inside the batch's transaction; returns the new value. sled's
/// id generator is monotonic across restarts, so the generation only grows (gaps are fine:
/// readers compare it for equality).
pub fn bump_in(meta: &TransactionalTree) -> Result<u64, UnabortableTransactionError> {
    let next = meta.generate_id()?;
    meta.insert(GENERATION_KEY, &next.to_be_bytes())?;
    Ok(next)
}

fn parse(bytes: &[u8]) -> DbResult<u64> {
    <[u8; 8]>::try_from(bytes)
        .map(u64::from_be_bytes)
        .map_err(|_| {
            DbError::Corrupt(format!(
                "meta/user_generation holds {} bytes: {}",
                bytes.len(),
                key_text(bytes)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::super::Db;
    use crate::model::account::{Email, Nickname};
    use std::time::Duration;

    /// A committed change to a user reaches subscribers once, with a generation that is also
    /// what the database then reports; a refused change sends nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_committed_user_change_reaches_subscribers_with_its_generation() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let (sender, changes) = std::sync::mpsc::channel();
        db.on_user_change(move |change| {
            let _ = sender.send(change.clone());
        });
        let before = db.user_generation().unwrap();
        let email = Email::parse("signal@x.kr").unwrap();
        let nickname = Nickname::parse("signal").unwrap();
        let user = db
            .create_user(&email, &nickname, "hash".into())
            .await
            .unwrap();
        let change = changes.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(change.users, vec![user.id]);
        assert!(change.generation > before);
        assert_eq!(db.user_generation().unwrap(), change.generation);

        let taken = db.create_user(&email, &nickname, "hash".into()).await;
        assert!(taken.is_err());
        assert!(
            changes.try_recv().is_err(),
            "a refused change is not signalled"
        );
        assert_eq!(db.user_generation().unwrap(), change.generation);
    }
}
