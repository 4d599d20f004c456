//! The matcher's feature table: one column per feature, in memory and in a binary file.

mod file;
mod table;

pub use file::{load, save, FileError, FORMAT_VERSION, MAGIC};
pub use table::{status, Columns, FeatureTable, Row};
