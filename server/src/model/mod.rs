//! Values parsed once at the edge and trusted everywhere below it: every layer may use them.

pub mod account;
pub mod chat_text;
pub mod idempotency_key;
pub mod multiline;
pub mod report;
pub mod time;
