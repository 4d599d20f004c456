//! Asks the matcher queue group for a candidate over NATS request/reply.

use std::time::Duration;
use storage::broker::MATCH_SUBJECT;
use storage::codec::{self, CodecError};
use storage::matching::{MatchReply, MatchRequest};

/// Why no answer came back. Asking changes nothing, so each is safe to retry.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("the match request does not encode")]
    Encode(#[source] CodecError),
    #[error("the match request failed")]
    Request(#[source] async_nats::RequestError),
    #[error("no matcher answered within {0:?}")]
    Timeout(Duration),
    #[error("the matcher's reply does not decode")]
    Unreadable(#[source] CodecError),
}

/// Sends `request` and waits up to `timeout` for a matcher's reply.
pub async fn ask(
    client: &async_nats::Client,
    request: &MatchRequest,
    timeout: Duration,
) -> Result<MatchReply, AskError> {
    let payload = codec::encode(request).map_err(AskError::Encode)?;
    let asked = client.send_request(
        MATCH_SUBJECT,
        async_nats::Request::new()
            .payload(payload.into())
            .timeout(Some(timeout)),
    );
    let reply = tokio::time::timeout(timeout + Duration::from_millis(100), asked)
        .await
        .map_err(|_| AskError::Timeout(timeout))?
        .map_err(AskError::Request)?;
    codec::decode::<MatchReply>(&reply.payload).map_err(AskError::Unreadable)
}
