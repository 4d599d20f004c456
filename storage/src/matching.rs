//! Match request and reply: what the server asks the matcher over NATS request/reply.

use crate::events::Features;
use crate::options::MatchOptions;
use crate::UserId;
use serde::{Deserialize, Serialize};

/// The most ids one request may exclude (a user has at most a few dozen matches).
pub const MAX_EXCLUDED: usize = 10_000;

/// Find a candidate for `requester`. `seed` makes the random choice repeatable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchRequest {
    pub request_id: u64,
    pub requester_id: UserId,
    pub requester: Features,
    pub options: MatchOptions,
    /// Everyone already matched with the requester, in either direction.
    pub exclude: Vec<UserId>,
    pub seed: u64,
}

/// The matcher's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchReply {
    /// `important_applied` is false when no important option was set or nobody passed it
    /// (then the server refunds the important-option surcharge).
    Matched {
        candidate: UserId,
        important_applied: bool,
    },
    /// Nobody in the pool.
    NoCandidate,
    /// The request could not be served (e.g. it was malformed); the reason is for logs.
    Refused { reason: String },
}
