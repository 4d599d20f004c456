//! The outbox relay: publishes queued profile events to JetStream, one at a time and in
//! order, deleting each only after its PubAck. NATS down: entries wait, retried with capped
//! backoff. `Nats-Msg-Id` makes a re-publish after a lost ack a no-op.
//!
//! Strictly one in flight: the stream keeps one message per user, the last one written, so a
//! user's events must reach it in version order even when a publish fails and is retried.

use crate::db::Db;
use anyhow::Context;
use async_nats::jetstream::{self, message::PublishMessage};
use std::sync::Arc;
use std::time::Duration;
use storage::broker::{user_subject, users_stream_config, USERS_STREAM};
use tokio_util::sync::CancellationToken;

/// Entries read from the outbox per pass.
const BATCH: usize = 256;
/// How long one PubAck may take.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Look at the outbox at least this often even without a wake-up.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Relays until cancelled.
pub async fn run(db: Arc<Db>, client: async_nats::Client, cancel: CancellationToken) {
    let js = jetstream::new(client);
    let mut backoff = MIN_BACKOFF;
    let mut stream_ready = false;
    while !cancel.is_cancelled() {
        let pass = async {
            if !stream_ready {
                js.get_or_create_stream(users_stream_config())
                    .await
                    .context("get or create the USERS stream")?;
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

/// Publishes the oldest entries in order; returns how many were published and deleted.
async fn publish_batch(db: &Db, js: &jetstream::Context) -> anyhow::Result<usize> {
    let entries = db.outbox_batch(BATCH)?;
    for (published, entry) in entries.iter().enumerate() {
        let message = PublishMessage::build()
            .payload(entry.payload.clone().into())
            .message_id(db.message_id(entry.event_id));
        let ack = async {
            js.send_publish(user_subject(entry.user_id), message)
                .await?
                .await
        };
        let ack = match tokio::time::timeout(ACK_TIMEOUT, ack).await {
            Ok(Ok(ack)) => ack,
            Ok(Err(e)) => {
                return Err(e).context(format!(
                    "publish event {} ({published} published before)",
                    entry.event_id
                ))
            }
            Err(_) => anyhow::bail!(
                "no PubAck for event {} within {ACK_TIMEOUT:?}",
                entry.event_id
            ),
        };
        anyhow::ensure!(
            ack.stream == USERS_STREAM,
            "event stored in stream {}",
            ack.stream
        );
        db.outbox_remove(entry.event_id)?;
    }
    Ok(entries.len())
}
