//! Profile events: what the server publishes to the `USERS` stream, one subject per user.

use crate::profile::{ContactFrequency, Gender, HobbyMask, Mbti};
use crate::UserId;
use serde::{Deserialize, Serialize};

/// What the matcher knows of a user: enough to pick, nothing to identify or contact them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Features {
    pub gender: Gender,
    pub birth_year: u16,
    pub mbti: Mbti,
    pub hobby_mask: HobbyMask,
    pub contact_frequency: ContactFrequency,
    pub major: String,
    /// False for "don't pick me" and banned users: they stay in the table but are never picked.
    pub pickable: bool,
}

/// A user's profile or pickable state changed. `version` grows with every change of that user,
/// so the matcher can ignore stale and repeated deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpserted {
    pub user_id: UserId,
    pub version: u64,
    pub features: Features,
}

/// A user withdrew: they leave the pool for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRemoved {
    pub user_id: UserId,
    pub version: u64,
}

/// The one message type of the `USERS` stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserEvent {
    Upserted(UserUpserted),
    Removed(UserRemoved),
}

impl UserEvent {
    pub fn user_id(&self) -> UserId {
        match self {
            UserEvent::Upserted(e) => e.user_id,
            UserEvent::Removed(e) => e.user_id,
        }
    }

    pub fn version(&self) -> u64 {
        match self {
            UserEvent::Upserted(e) => e.version,
            UserEvent::Removed(e) => e.version,
        }
    }
}
