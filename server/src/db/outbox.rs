//! The transactional outbox: events written with the change that caused them, published to
//! JetStream by the relay, deleted only after JetStream acknowledged them.

use super::batch::Tx;
use super::{Db, DbError, DbResult, TxResult};
use std::ops::Bound;
use std::sync::atomic::{AtomicI64, Ordering};
use storage::codec;
use storage::events::UserEvent;
use storage::UserId;

/// An event waiting to be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Monotonic: the relay publishes in this order, so a user's events reach the stream in
    /// version order.
    pub event_id: u64,
    pub user_id: UserId,
    /// The event, already encoded for the wire.
    pub payload: Vec<u8>,
}

/// How many events wait in the outbox, kept in memory: every metrics scrape, `/readyz` (public)
/// and the relay's retry warnings ask, and sled counts a tree by reading all of it, so while a
/// long outbox drains (after a broker outage) each of them would read every waiting event.
///
/// Counted once at open, moved by the writer when a batch that queued events commits (every
/// insert goes through [`push_in`]) and by deletes. The writer adds a batch just after its
/// commit, so for that moment a relay that already published and deleted some of its events
/// sees the depth low (signed, so it comes right when the add lands). A storage error in the
/// middle of a commit could leave events uncounted until the next open.
#[derive(Debug)]
pub(super) struct Depth(AtomicI64);

impl Depth {
    /// The depth of a tree of `waiting` events.
    pub(super) fn new(waiting: usize) -> Self {
        Self(AtomicI64::new(
            i64::try_from(waiting).expect("sled holds fewer than 2^63 entries"),
        ))
    }

    /// Events queued by a committed batch.
    pub(super) fn add(&self, events: u64) {
        let events =
            i64::try_from(events).expect("MAX_BATCH steps of REPUBLISH_BATCH events fit an i64");
        self.0.fetch_add(events, Ordering::Relaxed);
    }

    fn removed_one(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    fn get(&self) -> usize {
        usize::try_from(self.0.load(Ordering::Relaxed)).unwrap_or(0)
    }
}

/// Queues `event` inside a transaction, and counts it (see [`Depth`]): the only way into the
/// outbox. The id is generated inside the transaction, after the user was read, so a later
/// version of a user always gets a larger id.
pub fn push_in(tx: &Tx<'_>, user: UserId, event: &UserEvent) -> TxResult<()> {
    let payload =
        codec::encode(event).map_err(|source| super::abort(DbError::Encode { user, source }))?;
    let id = tx.outbox.generate_id()?;
    let mut value = Vec::with_capacity(16 + payload.len());
    value.extend_from_slice(&super::now_ms().to_be_bytes());
    value.extend_from_slice(&user.to_be_bytes());
    value.extend_from_slice(&payload);
    tx.outbox.insert(&id.to_be_bytes(), value)?;
    tx.event_queued();
    Ok(())
}

impl Db {
    /// The oldest `limit` entries after event `after` (from the start for `None`), in order.
    /// The single writer generates ids inside its transactions, so entries appear in id order
    /// and a reader that goes on from the last id it read misses none.
    pub fn outbox_batch(&self, after: Option<u64>, limit: usize) -> DbResult<Vec<OutboxEntry>> {
        let from = after.map_or(Bound::Unbounded, |id| Bound::Excluded(id.to_be_bytes()));
        let mut entries = Vec::with_capacity(limit);
        for item in self.outbox.range((from, Bound::Unbounded)).take(limit) {
            let (key, value) = item?;
            let rest = value.get(8..).unwrap_or_default();
            let (Ok(id), Some((user, payload))) = (
                <[u8; 8]>::try_from(key.as_ref()),
                rest.split_first_chunk::<8>(),
            ) else {
                tracing::error!("dropping a malformed outbox entry");
                self.outbox_delete(&key)?;
                continue;
            };
            entries.push(OutboxEntry {
                event_id: u64::from_be_bytes(id),
                user_id: UserId(u64::from_be_bytes(*user)),
                payload: payload.to_vec(),
            });
        }
        Ok(entries)
    }

    /// Deletes a published entry. Not flushed: if a crash loses the delete, the entry is
    /// published again and JetStream drops it as a duplicate (or the matcher, by version).
    pub fn outbox_remove(&self, event_id: u64) -> DbResult<()> {
        self.outbox_delete(&event_id.to_be_bytes())
    }

    /// Deletes an entry; the depth moves only if it was there (an ack may come twice).
    fn outbox_delete(&self, key: &[u8]) -> DbResult<()> {
        if self.outbox.remove(key)?.is_some() {
            self.outbox_depth.removed_one();
        }
        Ok(())
    }

    /// Events waiting to be published (see [`Depth`]).
    pub fn outbox_len(&self) -> usize {
        self.outbox_depth.get()
    }

    /// How long the oldest waiting event has waited, in milliseconds (0 when none waits).
    pub fn outbox_oldest_age_ms(&self) -> DbResult<i64> {
        Ok(match self.outbox.first()? {
            Some((_, value)) => value
                .first_chunk::<8>()
                .map_or(0, |at| super::now_ms() - i64::from_be_bytes(*at)),
            None => 0,
        })
    }

    /// The `Nats-Msg-Id` of an entry: unique across databases and restarts.
    pub fn message_id(&self, event_id: u64) -> String {
        format!("{}-{event_id}", self.instance())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storage::events::UserRemoved;

    /// The relay reads on from the last entry it read: page after page gives every entry once,
    /// in order, as one read of them all does.
    #[tokio::test]
    async fn reading_on_after_the_last_entry_gives_each_entry_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        assert_eq!(crate::ops::demo::seed(&db, 10).await.unwrap(), 10);
        let all = db.outbox_batch(None, 100).unwrap();
        assert_eq!(all.len(), 10);
        let mut paged = Vec::new();
        let mut after = None;
        loop {
            let page = db.outbox_batch(after, 3).unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.event_id);
            paged.extend(page);
        }
        assert_eq!(paged, all);
        assert!(all.windows(2).all(|w| w[0].event_id < w[1].event_id));
        db.outbox_remove(all[0].event_id).unwrap();
        assert_eq!(
            db.outbox_batch(Some(all[4].event_id), 100).unwrap(),
            all[5..]
        );
    }

    /// The depth kept in memory is the tree's count: after queued events, a step that queued
    /// one and aborted, deletes (one of them twice, as an ack that came again), batches mixing
    /// both kinds of steps, and a reopen.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_depth_follows_queued_aborted_and_deleted_events_and_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        assert_eq!(crate::ops::demo::seed(&db, 10).await.unwrap(), 10);
        assert_eq!(db.outbox_len(), 10);
        let refused = db
            .write(|tx| {
                let event = UserEvent::Removed(UserRemoved {
                    user_id: UserId(1),
                    version: 99,
                });
                push_in(tx, UserId(1), &event)?;
                Err::<(), _>(crate::db::abort(DbError::NotFound("step")))
            })
            .await;
        assert!(matches!(refused, Err(DbError::NotFound(_))));
        assert_eq!(db.outbox_len(), 10, "the aborted step's event never landed");

        let all = db.outbox_batch(None, 100).unwrap();
        for entry in [&all[0], &all[0], &all[1]] {
            db.outbox_remove(entry.event_id).unwrap();
        }
        assert_eq!(db.outbox_len(), 8);
        assert_eq!(db.outbox.len(), 8);

        // Steps that share batches, a third of them aborting after queueing (each abort runs
        // its batch again without it).
        let steps = (0u64..150).map(|i| {
            db.write(move |tx| {
                let event = UserEvent::Removed(UserRemoved {
                    user_id: UserId(i),
                    version: 1,
                });
                push_in(tx, UserId(i), &event)?;
                if i % 3 == 0 {
                    return Err(crate::db::abort(DbError::NotFound("step")));
                }
                Ok(())
            })
        });
        let committed = futures::future::join_all(steps)
            .await
            .iter()
            .filter(|result| result.is_ok())
            .count();
        assert_eq!(committed, 100);
        assert_eq!(db.outbox_len(), 108);
        assert_eq!(db.outbox.len(), 108);
        drop(db);

        let db = crate::db::reopen(dir.path());
        assert_eq!(db.outbox_len(), 108, "counted again at open");
    }
}
