//! Names and settings of what lives on the broker, shared by the server and the matcher.

use crate::UserId;
use async_nats::jetstream::stream::{Config, DiscardPolicy, StorageType};
use std::time::Duration;

/// The stream holding each user's latest pickable-profile state.
pub const USERS_STREAM: &str = "USERS";
/// Subjects of the `USERS` stream: `users.<id>`.
pub const USERS_SUBJECTS: &str = "users.*";
/// Match requests go here; matchers answer as one queue group.
pub const MATCH_SUBJECT: &str = "comatching.match";
/// The queue group that shares match requests among matcher instances.
pub const MATCH_QUEUE_GROUP: &str = "matchers";
/// How long JetStream remembers a `Nats-Msg-Id` to drop a re-published event.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// The subject carrying `user`'s events.
pub fn user_subject(user: UserId) -> String {
    format!("users.{}", user.0)
}

/// The `USERS` stream: file storage, one message kept per subject (a compacted snapshot a new
/// matcher can rebuild from), two-minute duplicate window.
pub fn users_stream_config() -> Config {
    Config {
        name: USERS_STREAM.to_owned(),
        subjects: vec![USERS_SUBJECTS.to_owned()],
        storage: StorageType::File,
        max_messages_per_subject: 1,
        discard: DiscardPolicy::Old,
        duplicate_window: DUPLICATE_WINDOW,
        ..Default::default()
    }
}
