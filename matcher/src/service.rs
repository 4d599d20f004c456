//! Answers match requests on NATS, shared with other matcher instances as one queue group.

use crate::pick::pick;
use crate::store::TableStore;
use anyhow::Context;
use futures::StreamExt;
use std::sync::Arc;
use storage::broker::{MATCH_QUEUE_GROUP, MATCH_SUBJECT};
use storage::codec;
use storage::matching::{MatchReply, MatchRequest};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Waits until the table has caught up with the stream, then serves until cancelled.
pub async fn run(
    client: async_nats::Client,
    store: Arc<TableStore>,
    mut caught_up: watch::Receiver<bool>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    tokio::select! {
        ready = caught_up.wait_for(|&ready| ready) => { ready.context("consumer stopped")?; }
        () = cancel.cancelled() => return Ok(()),
    }
    let mut requests = client
        .queue_subscribe(MATCH_SUBJECT, MATCH_QUEUE_GROUP.to_owned())
        .await
        .context("subscribe to match requests")?;
    tracing::info!(rows = store.read().len(), "serving match requests");
    loop {
        let message = tokio::select! {
            next = requests.next() => next,
            () = cancel.cancelled() => break,
        };
        let Some(message) = message else { break };
        let Some(reply_to) = message.reply else {
            continue;
        };
        let reply = answer(&store, &message.payload);
        let bytes = codec::encode(&reply).context("encode reply")?;
        if let Err(e) = client.publish(reply_to, bytes.into()).await {
            tracing::warn!(error = %e, "could not send a match reply");
        }
    }
    requests.unsubscribe().await.ok();
    Ok(())
}

fn answer(store: &TableStore, payload: &[u8]) -> MatchReply {
    match codec::decode::<MatchRequest>(payload) {
        Ok(request) => pick(&store.read(), &request),
        Err(e) => {
            tracing::warn!(error = %e, "refusing an undecodable match request");
            MatchReply::Refused {
                reason: e.to_string(),
            }
        }
    }
}
