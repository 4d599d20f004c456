//! Operator search over users with tantivy: nickname, email, depositor names, contact id and
//! major, indexed as character 2–3-grams (Korean has no spaces inside words: "민수" finds
//! "김민수") plus exact lower-cased values (emails, ids, contact ids rank first).
//!
//! One writer thread applies changes and commits at most every 500 ms, so a change is
//! searchable within a second. The index is derived data: when it is missing, corrupt, of an
//! older schema, or was not shut down cleanly (a crash may have lost its last changes), it is
//! rebuilt from sled at start.

mod document;
mod index;
mod writer;

pub use index::{Search, MAX_RESULTS};

use std::path::{Path, PathBuf};

/// Where the index lives in the server's data directory.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("search")
}
