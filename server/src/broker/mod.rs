//! NATS: the outbox relay that publishes profile changes to JetStream, and the question to the
//! matcher queue group.

pub mod matcher;
pub mod relay;
