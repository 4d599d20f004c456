//! COMAtching's shared vocabulary.
//!
//! Everything that two processes must agree on lives here, defined once: the profile
//! vocabulary and its validation, the messages that cross NATS and their codec, the
//! binary columnar feature file the matcher keeps, and the CSV export of that table.

pub mod broker;
pub mod codec;
pub mod columnar;
pub mod csv_export;
pub mod events;
pub mod field_error;
pub mod ids;
pub mod matching;
pub mod options;
pub mod process;
pub mod profile;
pub mod seoul;
pub mod telemetry;

pub use field_error::FieldError;
pub use ids::UserId;
