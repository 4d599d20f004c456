//! Asks the matcher queue group for a candidate over NATS request/reply.

use crate::error::ApiError;
use anyhow::Context;
use std::time::Duration;
use storage::broker::MATCH_SUBJECT;
use storage::codec;
use storage::matching::{MatchReply, MatchRequest};

/// Sends `request` and waits up to `timeout`. No matcher, no answer in time, or an answer we
/// cannot read: 503 `MATCHER_UNAVAILABLE`.
pub async fn ask(
    client: &async_nats::Client,
    request: &MatchRequest,
    timeout: Duration,
) -> Result<MatchReply, ApiError> {
    let payload = codec::encode(request).context("encode match request")?;
    let asked = client.send_request(
        MATCH_SUBJECT,
        async_nats::Request::new()
            .payload(payload.into())
            .timeout(Some(timeout)),
    );
    let reply = match tokio::time::timeout(timeout + Duration::from_millis(100), asked).await {
        Ok(Ok(reply)) => reply,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "match request failed");
            return Err(ApiError::MatcherUnavailable);
        }
        Err(_) => {
            tracing::warn!("match request timed out");
            return Err(ApiError::MatcherUnavailable);
        }
    };
    codec::decode::<MatchReply>(&reply.payload).map_err(|e| {
        tracing::error!(error = %e, "unreadable match reply");
        ApiError::MatcherUnavailable
    })
}
