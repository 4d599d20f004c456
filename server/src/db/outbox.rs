//! The transactional outbox: events written with the change that caused them, published to
//! JetStream by the relay, deleted only after JetStream acknowledged them.

use super::{Db, DbError, DbResult, TxResult};
use sled::transaction::TransactionalTree;
use std::ops::Bound;
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

/// Queues `event` inside a transaction. The id is generated inside the transaction, after the
/// user was read, so a later version of a user always gets a larger id.
pub fn push_in(outbox: &TransactionalTree, user: UserId, event: &UserEvent) -> TxResult<()> {
    let payload =
        codec::encode(event).map_err(|source| super::abort(DbError::Encode { user, source }))?;
    let id = outbox.generate_id()?;
    let mut value = Vec::with_capacity(16 + payload.len());
    value.extend_from_slice(&super::now_ms().to_be_bytes());
    value.extend_from_slice(&user.to_be_bytes());
    value.extend_from_slice(&payload);
    outbox.insert(&id.to_be_bytes(), value)?;
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
                self.outbox.remove(key)?;
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
        self.outbox.remove(event_id.to_be_bytes())?;
        Ok(())
    }

    pub fn outbox_len(&self) -> usize {
        self.outbox.len()
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
}
