//! The database layer's one error type: refusals the domain asked for (a step aborted on
//! purpose) and failures of the storage underneath, each with its cause and, for a record
//! that does not decode, the tree and key it was read from. The HTTP layer maps it to API.md's
//! codes in one place; the command line prints its whole chain.

use std::sync::Arc;
use storage::UserId;

/// What a database call can answer instead of its value.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("this email is already registered")]
    EmailTaken,
    #[error("this nickname is taken")]
    NicknameTaken,
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The user withdrew (or never existed) while a change to them was under way.
    #[error("user {0} is gone")]
    UserGone(UserId),
    #[error("gender cannot change once set")]
    GenderLocked,
    #[error("not enough points")]
    InsufficientPoints,
    #[error("the balance would fall below zero")]
    BalanceWouldBeNegative,
    #[error("a charge is already pending")]
    ChargePending,
    #[error("feedback on a match closes a day after it")]
    FeedbackClosed,
    #[error("this chat is blocked")]
    ChatBlocked,
    #[error("you already have an open report on this match")]
    ReportOpen,
    #[error("this report is already resolved")]
    ReportResolved,
    #[error("this sign-in is linked to another account")]
    IdentityTaken,
    #[error("another account verified this school address")]
    SchoolEmailTaken,
    #[error("wait a minute before asking again")]
    TooSoon,
    #[error("this link is unknown, used or expired")]
    InvalidToken,
    #[error("the promotion was already claimed")]
    AlreadyUsed,
    #[error("there is no promotion now")]
    PromoInactive,
    #[error("the balance is too high for the promotion")]
    BalanceTooHigh,
    #[error("it overlaps another discount")]
    Overlap,
    /// A bounded collection is at its limit.
    #[error("too many {0}: remove some first")]
    Full(&'static str),
    #[error("cannot {action} a charge that is {status}")]
    ChargeDecided {
        action: &'static str,
        status: &'static str,
    },
    #[error("the storage engine failed")]
    Storage(#[from] sled::Error),
    #[error("cannot create the data directory {}", path.display())]
    DataDir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Several callers share one failed flush, so its cause is shared too.
    #[error("the flush to disk failed")]
    Flush(#[source] Arc<sled::Error>),
    /// A batched transaction failed in the storage engine, for every step it held.
    #[error("a batched transaction failed")]
    Batch(#[source] Arc<sled::Error>),
    #[error("the record {tree}/{key} does not decode")]
    Decode {
        tree: &'static str,
        key: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("an event for user {user} does not encode")]
    Encode {
        user: UserId,
        #[source]
        source: storage::codec::CodecError,
    },
    /// Stored data that breaks an invariant the code keeps (a malformed key, a match indexed
    /// but missing): a bug or a damaged file, never the client's doing.
    #[error("inconsistent data: {0}")]
    Corrupt(String),
    #[error("the writer thread has stopped")]
    WriterStopped,
    #[error("a write step panicked")]
    StepPanicked,
}

impl DbError {
    /// Whether this is a refusal (the request was wrong for the data) rather than a failure.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::EmailTaken
                | Self::NicknameTaken
                | Self::NotFound(_)
                | Self::UserGone(_)
                | Self::GenderLocked
                | Self::InsufficientPoints
                | Self::BalanceWouldBeNegative
                | Self::ChargePending
                | Self::FeedbackClosed
                | Self::ChargeDecided { .. }
        )
    }
}

/// A database call's result.
pub type DbResult<T> = Result<T, DbError>;

/// A key as people read it: a big-endian id as its decimal number, anything else in hex.
pub fn key_text(key: &[u8]) -> String {
    match <[u8; 8]>::try_from(key) {
        Ok(id) => u64::from_be_bytes(id).to_string(),
        Err(_) => key.iter().map(|b| format!("{b:02x}")).collect(),
    }
}
