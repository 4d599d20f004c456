//! Asks the matchers for a candidate over NATS request/reply: one of the queue group, or
//! every matcher at once (a retry, where the first answer wins).

use std::time::Duration;
use storage::broker::{MATCH_ALL_SUBJECT, MATCH_SUBJECT};
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

/// Who is asked.
#[derive(Debug, Clone, Copy)]
pub enum Asked {
    /// One matcher of the queue group: the usual question.
    OneMatcher,
    /// Every matcher; the first answer counts (a retry after a timeout).
    EveryMatcher,
}

/// Sends `request` and waits up to `timeout` for a matcher's reply.
pub async fn ask(
    client: &async_nats::Client,
    asked: Asked,
    request: &MatchRequest,
    timeout: Duration,
) -> Result<MatchReply, AskError> {
    let payload = codec::encode(request).map_err(AskError::Encode)?;
    let subject = match asked {
        Asked::OneMatcher => MATCH_SUBJECT,
        Asked::EveryMatcher => MATCH_ALL_SUBJECT,
    };
    let asked = client.send_request(
        subject,
        async_nats::Request::new()
            .payload(payload.into())
            .timeout(Some(timeout)),
    );
    let reply = tokio::time::timeout(timeout + Duration::from_millis(100), asked)
        .await
        .map_err(|_| AskError::Timeout(timeout))?
        .map_err(|e| match e.kind() {
            // The request's own timeout usually fires first: the same thing, said by NATS.
            async_nats::RequestErrorKind::TimedOut => AskError::Timeout(timeout),
            _ => AskError::Request(e),
        })?;
    codec::decode::<MatchReply>(&reply.payload).map_err(AskError::Unreadable)
}
