//! Answers match requests on NATS, shared with other matcher instances as one queue group.
//! Requests are scored concurrently (bounded) on the blocking pool, while the consumer keeps
//! applying updates (it takes the table's write lock only for a batch apply).

use crate::engine::Engine;
use anyhow::Context;
use futures::StreamExt;
use std::sync::Arc;
use storage::broker::{MATCH_ALL_SUBJECT, MATCH_QUEUE_GROUP, MATCH_SUBJECT};
use storage::codec;
use tokio::sync::{watch, Semaphore};
use tokio_util::sync::CancellationToken;

/// Requests scored at once; more wait in the subscription's bounded buffer.
fn max_in_flight() -> usize {
    2 * std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Waits until the table has caught up with the stream, then serves until cancelled.
pub async fn run(
    client: async_nats::Client,
    engine: Arc<Engine>,
    mut caught_up: watch::Receiver<bool>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    tokio::select! {
        // A closed channel means the consumer ended: it stops the matcher and reports why.
        ready = caught_up.wait_for(|&ready| ready) => if ready.is_err() { return Ok(()) },
        () = cancel.cancelled() => return Ok(()),
    }
    let mut shared = client
        .queue_subscribe(MATCH_SUBJECT, MATCH_QUEUE_GROUP.to_owned())
        .await
        .context("subscribe to match requests")?;
    // Retries the server sends to every matcher (the first answer wins).
    let mut retries = client
        .subscribe(MATCH_ALL_SUBJECT)
        .await
        .context("subscribe to retried match requests")?;
    serve(&client, &engine, &mut shared, &mut retries, &cancel).await?;
    shared.unsubscribe().await.ok();
    retries.unsubscribe().await.ok();
    Ok(())
}

/// Answers requests from both subscriptions until cancelled or they end.
async fn serve(
    client: &async_nats::Client,
    engine: &Arc<Engine>,
    shared: &mut async_nats::Subscriber,
    retries: &mut async_nats::Subscriber,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let mut requests = futures::stream::select(shared, retries);
    tracing::info!("serving match requests");
    let permits = Arc::new(Semaphore::new(max_in_flight()));
    loop {
        let message = tokio::select! {
            next = requests.next() => next,
            () = cancel.cancelled() => break,
        };
        let Some(message) = message else { break };
        let Some(reply_to) = message.reply else {
            continue;
        };
        let permit = permits.clone().acquire_owned().await.context("permits")?;
        let (engine, client) = (engine.clone(), client.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let payload = message.payload;
            let reply = tokio::task::spawn_blocking(move || engine.answer(&payload)).await;
            let bytes = match reply
                .map_err(anyhow::Error::from)
                .and_then(|r| Ok(codec::encode(&r)?))
            {
                Ok(bytes) => bytes,
                Err(e) => {
                    tracing::error!(error = %e, "could not answer a match request");
                    return;
                }
            };
            if let Err(e) = client.publish(reply_to, bytes.into()).await {
                tracing::warn!(error = %e, "could not send a match reply");
            }
        });
    }
    Ok(())
}
