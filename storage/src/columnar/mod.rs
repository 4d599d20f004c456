//! The matcher's feature table: one column per feature, in memory and on disk as a snapshot
//! with a change log beside it.

mod durable;
mod file;
mod log;
mod table;

pub use durable::{load, TableFile, COMPACT_FLOOR_BYTES};
pub use file::{save, FileError, FORMAT_VERSION, MAGIC};
pub use log::{log_path, LOG_FORMAT_VERSION, LOG_MAGIC};
pub use table::{status, Columns, FeatureTable, Row};
