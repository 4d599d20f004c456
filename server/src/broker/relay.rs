//! The outbox relay: publishes queued profile events to JetStream and deletes each entry only
//! after its own PubAck. NATS down: entries wait, retried with capped backoff. `Nats-Msg-Id`
//! makes a re-publish after a lost ack a no-op.
//!
//! Pipelined, with one event in flight per user: the stream keeps one message per user, the
//! last one written, so a user's events must reach it in version order even when a publish
//! fails and is retried; different users' events are independent. Waiting for each PubAck
//! before the next publish capped the relay near one event per round trip (918/s against a
//! synced JetStream); a bounded window of [`WINDOW`] events of different users in flight
//! keeps the link busy instead.

use crate::db::outbox::OutboxEntry;
use crate::db::Db;
use anyhow::Context;
use async_nats::jetstream::{self, message::PublishMessage};
use futures::stream::{FuturesUnordered, StreamExt};
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use storage::broker::{user_subject, users_stream_config, USERS_STREAM};
use storage::UserId;
use tokio_util::sync::CancellationToken;

/// Entries read from the outbox per pass.
const BATCH: usize = 1024;
/// Events published and not yet acknowledged, at most.
pub const WINDOW: usize = 256;
/// How long one PubAck may take.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Look at the outbox at least this often even without a wake-up.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Gets the `USERS` stream, creating it with `replicas` copies or changing an existing
/// stream's count to it (a matcher that started first creates it with one).
async fn ensure_stream(js: &jetstream::Context, replicas: usize) -> anyhow::Result<()> {
    let mut stream = js
        .get_or_create_stream(users_stream_config(replicas))
        .await
        .context("get or create the USERS stream")?;
    let now = stream
        .info()
        .await
        .context("USERS stream info")?
        .config
        .num_replicas;
    if now != replicas {
        js.update_stream(users_stream_config(replicas))
            .await
            .with_context(|| {
                format!("change the USERS stream from {now} to {replicas} replicas")
            })?;
        tracing::info!(from = now, to = replicas, "USERS stream replicas changed");
    }
    Ok(())
}

/// Relays until cancelled; the stream keeps `replicas` copies.
pub async fn run(
    db: Arc<Db>,
    client: async_nats::Client,
    replicas: usize,
    cancel: CancellationToken,
) {
    let js = jetstream::new(client);
    let mut backoff = MIN_BACKOFF;
    let mut stream_ready = false;
    while !cancel.is_cancelled() {
        let pass = async {
            if !stream_ready {
                ensure_stream(&js, replicas).await?;
                stream_ready = true;
            }
            publish_batch(&db, &js).await
        };
        let wait = match pass.await {
            Ok(published) if published > 0 => {
                backoff = MIN_BACKOFF;
                continue;
            }
            Ok(_) => IDLE_POLL,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), pending = db.outbox_len(), retry_ms = backoff.as_millis() as u64, "outbox relay cannot publish; retrying");
                stream_ready = false;
                let wait = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                wait
            }
        };
        tokio::select! {
            () = db.outbox_added().notified(), if wait == IDLE_POLL => {}
            () = tokio::time::sleep(wait) => {}
            () = cancel.cancelled() => {}
        }
    }
}

/// The entries of one pass, oldest first, and the users with an event in flight.
struct Pass {
    waiting: VecDeque<OutboxEntry>,
    busy: HashSet<UserId>,
}

impl Pass {
    /// The oldest waiting entry whose user has nothing in flight. An earlier entry of the same
    /// user is always found (and so published) before a later one, since the scan runs in
    /// outbox order.
    fn next(&mut self) -> Option<OutboxEntry> {
        let position = self
            .waiting
            .iter()
            .position(|entry| !self.busy.contains(&entry.user_id))?;
        let entry = self.waiting.remove(position).expect("a found position");
        self.busy.insert(entry.user_id);
        Some(entry)
    }
}

/// Publishes the oldest entries, up to [`WINDOW`] at once and one per user, deleting each on
/// its PubAck; returns how many were published. The window is refilled from the outbox as it
/// drains (reading on after the last entry read), so a long backlog keeps [`WINDOW`] events in
/// flight instead of draining to none every [`BATCH`]. The first failure ends the pass: entries
/// not yet acknowledged stay in the outbox and are published again (deduplicated by id).
async fn publish_batch(db: &Db, js: &jetstream::Context) -> anyhow::Result<usize> {
    let mut pass = Pass {
        waiting: VecDeque::with_capacity(BATCH + WINDOW),
        busy: HashSet::new(),
    };
    let mut cursor = Refill {
        last_read: None,
        more: true,
    };
    let mut in_flight = FuturesUnordered::new();
    let mut published = 0;
    loop {
        if pass.waiting.len() < WINDOW && cursor.more {
            pass.waiting.extend(cursor.read(db)?);
        }
        while in_flight.len() < WINDOW {
            let Some(entry) = pass.next() else { break };
            let acked = publish(db, js, entry).await?;
            in_flight.push(acked);
        }
        let Some(acked) = in_flight.next().await else {
            return Ok(published);
        };
        let entry: OutboxEntry = acked?;
        db.outbox_remove(entry.event_id)?;
        pass.busy.remove(&entry.user_id);
        published += 1;
    }
}

/// Where a pass has read the outbox to, and whether there may be more: a read shorter than
/// [`BATCH`] reached the end, and the pass ends once what it read is published (the next pass
/// starts over from the oldest entry, so nothing added meanwhile waits long).
struct Refill {
    last_read: Option<u64>,
    more: bool,
}

impl Refill {
    fn read(&mut self, db: &Db) -> anyhow::Result<Vec<OutboxEntry>> {
        let entries = db.outbox_batch(self.last_read, BATCH)?;
        self.more = entries.len() == BATCH;
        if let Some(last) = entries.last() {
            assert!(
                self.last_read < Some(last.event_id),
                "the outbox is read forward"
            );
            self.last_read = Some(last.event_id);
        }
        Ok(entries)
    }
}

/// Sends one entry; the returned future resolves with the entry once JetStream stored it.
async fn publish(
    db: &Db,
    js: &jetstream::Context,
    entry: OutboxEntry,
) -> anyhow::Result<impl Future<Output = anyhow::Result<OutboxEntry>>> {
    let message = PublishMessage::build()
        .payload(entry.payload.clone().into())
        .message_id(db.message_id(entry.event_id));
    let ack = js
        .send_publish(user_subject(entry.user_id), message)
        .await
        .with_context(|| format!("publish event {}", entry.event_id))?;
    Ok(async move {
        let ack = tokio::time::timeout(ACK_TIMEOUT, ack)
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "no PubAck for event {} within {ACK_TIMEOUT:?}",
                    entry.event_id
                )
            })?
            .with_context(|| format!("PubAck for event {}", entry.event_id))?;
        anyhow::ensure!(
            ack.stream == USERS_STREAM,
            "event stored in stream {}",
            ack.stream
        );
        Ok(entry)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(event_id: u64, user: u64) -> OutboxEntry {
        OutboxEntry {
            event_id,
            user_id: UserId(user),
            payload: Vec::new(),
        }
    }

    /// One event per user in flight, each user's events in outbox order.
    #[test]
    fn a_pass_takes_one_event_per_user_in_order() {
        let mut pass = Pass {
            waiting: [entry(1, 7), entry(2, 7), entry(3, 8), entry(4, 7)].into(),
            busy: HashSet::new(),
        };
        assert_eq!(pass.next().map(|e| e.event_id), Some(1));
        assert_eq!(pass.next().map(|e| e.event_id), Some(3));
        assert!(
            pass.next().is_none(),
            "user 7 has one in flight, user 8 is done"
        );
        pass.busy.remove(&UserId(7));
        assert_eq!(pass.next().map(|e| e.event_id), Some(2));
        pass.busy.remove(&UserId(7));
        assert_eq!(pass.next().map(|e| e.event_id), Some(4));
    }
}
