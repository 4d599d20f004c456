//! Follows the `USERS` stream with a durable pull consumer and keeps the table current.
//!
//! The file, not the consumer, is the record of progress: at every (re)start the consumer is
//! created to begin right after the file's last sequence, so a restart reads only what is new
//! and a missing file rebuilds from the start. Messages are applied in batches; a batch is
//! acknowledged only after the change log record that holds it is durable, with one ack for
//! the whole batch (`AckPolicy::All`: acking a message acks every one before it). An ack per
//! message sent the broker as many messages back as it had delivered, each one a change of
//! the consumer's state for it to keep.

use crate::store::TableStore;
use anyhow::Context;
use async_nats::jetstream::{self, consumer::pull, consumer::AckPolicy, consumer::DeliverPolicy};
use futures::{FutureExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use storage::broker::{users_stream_config, DEFAULT_STREAM_REPLICAS};
use storage::codec;
use storage::events::UserEvent;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// The most messages applied and persisted as one batch.
pub const MAX_BATCH: usize = 4096;
/// Unacknowledged messages the server may have out to us at once.
const MAX_ACK_PENDING: i64 = 2 * MAX_BATCH as i64;
/// How long the server waits for an ack before redelivering (a batch persists in far less).
const ACK_WAIT: Duration = Duration::from_secs(30);
/// Backoff between attempts to reach the stream.
const RETRY_DELAY: Duration = Duration::from_millis(500);

/// Consumes until cancelled. `caught_up` turns true once the table holds the whole stream.
pub async fn run(
    client: async_nats::Client,
    store: Arc<TableStore>,
    consumer_name: String,
    caught_up: watch::Sender<bool>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let js = jetstream::new(client);
    while !cancel.is_cancelled() {
        match follow(&js, &store, &consumer_name, &caught_up, &cancel).await {
            Ok(()) => break,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "stream consumer interrupted; retrying");
                tokio::select! {
                    () = tokio::time::sleep(RETRY_DELAY) => {}
                    () = cancel.cancelled() => {}
                }
            }
        }
    }
    Ok(())
}

/// Creates the consumer where the table left off and applies batches until cancelled.
async fn follow(
    js: &jetstream::Context,
    store: &Arc<TableStore>,
    consumer_name: &str,
    caught_up: &watch::Sender<bool>,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let mut stream = js
        .get_or_create_stream(users_stream_config(DEFAULT_STREAM_REPLICAS))
        .await
        .context("get or create the USERS stream")?;
    let stream_last = stream
        .info()
        .await
        .context("stream info")?
        .state
        .last_sequence;
    let mut start = store.read().last_sequence() + 1;
    if stream_last + 1 < start {
        tracing::warn!(
            stream_last,
            table_last = start - 1,
            "stream is behind the table (recreated?): reading it from the start"
        );
        start = 1;
    }
    let consumer = recreate_consumer(&stream, consumer_name, start).await?;
    let pending = consumer.cached_info().num_pending;
    let mut messages = consumer.messages().await.context("start pulling")?;
    tracing::info!(
        consumer = consumer_name,
        start,
        pending,
        "following the USERS stream"
    );
    if pending == 0 {
        caught_up.send_replace(true);
    }
    loop {
        let first = tokio::select! {
            next = messages.next() => next,
            () = cancel.cancelled() => return Ok(()),
        };
        let Some(first) = first else {
            anyhow::bail!("message stream ended");
        };
        let mut batch = vec![first.context("pull")?];
        while batch.len() < MAX_BATCH {
            match messages.next().now_or_never() {
                Some(Some(next)) => batch.push(next.context("pull")?),
                _ => break,
            }
        }
        let pending = apply_batch(store, &batch).await?;
        if pending == 0 {
            caught_up.send_replace(true);
        }
    }
}

async fn recreate_consumer(
    stream: &jetstream::stream::Stream,
    name: &str,
    start: u64,
) -> anyhow::Result<jetstream::consumer::PullConsumer> {
    // Deleting first makes the start position ours, not what the old consumer had acked.
    if let Err(e) = stream.delete_consumer(name).await {
        tracing::debug!(error = %e, "no previous consumer to delete");
    }
    let deliver_policy = if start <= 1 {
        DeliverPolicy::All
    } else {
        DeliverPolicy::ByStartSequence {
            start_sequence: start,
        }
    };
    stream
        .create_consumer(pull::Config {
            durable_name: Some(name.to_owned()),
            deliver_policy,
            ack_policy: AckPolicy::All,
            ack_wait: ACK_WAIT,
            max_ack_pending: MAX_ACK_PENDING,
            ..Default::default()
        })
        .await
        .context("create the durable consumer")
}

/// Applies, persists, then acks one batch. Returns how many messages the server says remain.
async fn apply_batch(store: &Arc<TableStore>, batch: &[jetstream::Message]) -> anyhow::Result<u64> {
    let mut pending = 0;
    let mut events = Vec::with_capacity(batch.len());
    let last_sequence = {
        let mut table = store.write();
        for message in batch {
            let info = message.info().map_err(|e| anyhow::anyhow!("{e}"))?;
            pending = info.pending;
            match codec::decode::<UserEvent>(&message.payload) {
                Ok(event) => {
                    table.apply(&event);
                    events.push(event);
                }
                // A message we cannot read would block the stream forever; skip it loudly.
                Err(e) => {
                    tracing::error!(sequence = info.stream_sequence, error = %e, "skipping undecodable event")
                }
            }
            table.advance_sequence(info.stream_sequence);
        }
        metrics::gauge!("matcher_table_rows").set(table.len() as f64);
        metrics::gauge!("matcher_last_sequence").set(table.last_sequence() as f64);
        metrics::gauge!("matcher_stream_pending").set(pending as f64);
        table.last_sequence()
    };
    let writer = store.clone();
    tokio::task::spawn_blocking(move || writer.persist(&events, last_sequence))
        .await
        .context("persist task")??;
    let last = batch.last().expect("a batch has a message");
    if let Err(e) = last.ack().await {
        // Redelivery is harmless: the version check ignores what the table already has.
        tracing::warn!(error = %e, "ack failed; the batch will be redelivered");
    }
    Ok(pending)
}
