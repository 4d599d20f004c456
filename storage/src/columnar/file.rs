//! The columnar file's snapshot: a fixed header, the columns as bincode, and a CRC-32 of both.
//!
//! ```text
//! magic "COMAFEAT" | format u16 | rows u64 | last stream sequence u64 | body length u64
//! | body (bincode, fixed-width integers) | crc32 of everything before it
//! ```
//! Written to a temporary file, fsynced, renamed over the old one, then the directory fsynced,
//! so a crash leaves either the old file or the new one, never a mix. Rewriting the whole table
//! costs in proportion to the table, so the matcher writes a snapshot only now and then and
//! records each change in the change log beside it ([`super::log`]); [`super::durable`]
//! keeps the two together.

use super::table::{Columns, FeatureTable};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The first eight bytes of every feature file.
pub const MAGIC: &[u8; 8] = b"COMAFEAT";
/// The layout version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
const HEADER_BYTES: usize = 8 + 2 + 8 + 8 + 8;
const CHECKSUM_BYTES: usize = 4;
/// The largest body we accept (a million candidates take about 40 MB).
const MAX_BODY_BYTES: usize = 1 << 30;

type BodyConfig = bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Fixint,
    bincode::config::Limit<MAX_BODY_BYTES>,
>;

fn body_config() -> BodyConfig {
    bincode::config::standard()
        .with_fixed_int_encoding()
        .with_limit::<MAX_BODY_BYTES>()
}

/// Why a feature file could not be read or written; always names the file.
#[derive(Debug, thiserror::Error)]
#[error("feature file {}: {problem}", path.display())]
pub struct FileError {
    pub path: PathBuf,
    pub problem: String,
}

impl FileError {
    pub(super) fn new(path: &Path, problem: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            problem: problem.into(),
        }
    }

    /// True when the file simply is not there (a first start), as opposed to damaged.
    pub fn is_missing(&self) -> bool {
        self.problem.starts_with("missing")
    }
}

/// Encodes `table` into the file's bytes.
fn encode(table: &FeatureTable) -> Result<Vec<u8>, String> {
    let body =
        bincode::serde::encode_to_vec(table.columns(), body_config()).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(HEADER_BYTES + body.len() + CHECKSUM_BYTES);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(table.len() as u64).to_le_bytes());
    out.extend_from_slice(&table.last_sequence().to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&body);
    let checksum = crc32fast::hash(&out);
    out.extend_from_slice(&checksum.to_le_bytes());
    Ok(out)
}

/// Writes `table` to `path` as a snapshot, atomically and durably; returns its size in bytes.
/// The change log beside it, if any, is left alone: [`super::durable::TableFile`] pairs the two.
pub fn save(path: &Path, table: &FeatureTable) -> Result<u64, FileError> {
    let bytes = encode(table).map_err(|e| FileError::new(path, e))?;
    write_atomically(path, &bytes)?;
    Ok(bytes.len() as u64)
}

/// Writes `bytes` to a temporary file beside `path`, fsyncs it, renames it over `path` and
/// fsyncs the directory: a crash leaves the old file or the new one, never a mix.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let io = |what: &str, e: std::io::Error| FileError::new(path, format!("{what}: {e}"));
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    crate::process::create_private_dir(dir).map_err(|e| io("create directory", e))?;
    let temp = path.with_extension("tmp");
    let mut file = File::create(&temp).map_err(|e| io("create temporary file", e))?;
    file.write_all(bytes).map_err(|e| io("write", e))?;
    file.sync_all().map_err(|e| io("fsync", e))?;
    drop(file);
    fs::rename(&temp, path).map_err(|e| io("rename", e))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("fsync directory", e))?;
    Ok(())
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// Reads and checks the snapshot at `path` alone (readers want [`super::load`], which adds the
/// change log).
pub(super) fn load_snapshot(path: &Path) -> Result<FeatureTable, FileError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(FileError::new(path, "missing"))
        }
        Err(e) => return Err(FileError::new(path, format!("read: {e}"))),
    };
    decode(&bytes).map_err(|problem| FileError::new(path, problem))
}

fn decode(bytes: &[u8]) -> Result<FeatureTable, String> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not a COMAtching feature file (bad magic)".into());
    }
    if bytes.len() < HEADER_BYTES + CHECKSUM_BYTES {
        return Err(format!("truncated: {} bytes", bytes.len()));
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version != FORMAT_VERSION {
        return Err(format!(
            "format version {version}, this build reads {FORMAT_VERSION}"
        ));
    }
    let rows = u64_at(bytes, 10);
    let last_sequence = u64_at(bytes, 18);
    let body_len = u64_at(bytes, 26);
    let expected = (HEADER_BYTES + CHECKSUM_BYTES) as u64 + body_len;
    if body_len > MAX_BODY_BYTES as u64 || bytes.len() as u64 != expected {
        return Err(format!(
            "truncated or padded: {} bytes, header says {expected}",
            bytes.len()
        ));
    }
    let (content, checksum) = bytes.split_at(bytes.len() - CHECKSUM_BYTES);
    let checksum = u32::from_le_bytes(checksum.try_into().expect("4 bytes"));
    if crc32fast::hash(content) != checksum {
        return Err("checksum mismatch (corrupted)".into());
    }
    let body = &content[HEADER_BYTES..];
    let (columns, read): (Columns, usize) = bincode::serde::decode_from_slice(body, body_config())
        .map_err(|e| format!("columns do not decode: {e}"))?;
    if read != body.len() || columns.len() as u64 != rows {
        return Err("header and columns disagree".into());
    }
    FeatureTable::from_columns(columns, last_sequence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Features, UserEvent, UserUpserted};
    use crate::profile::{ContactFrequency, Gender, Mbti};
    use crate::UserId;

    fn table(rows: u64) -> FeatureTable {
        let mut table = FeatureTable::new();
        for id in 0..rows {
            table.apply(&UserEvent::Upserted(UserUpserted {
                user_id: UserId(id),
                version: id + 1,
                features: Features {
                    gender: if id % 2 == 0 {
                        Gender::Male
                    } else {
                        Gender::Female
                    },
                    birth_year: 1990 + (id % 15) as u16,
                    mbti: Mbti::from_bits((id % 16) as u8).unwrap(),
                    hobby_mask: (id % 128) as u8,
                    contact_frequency: ContactFrequency::from_code((id % 3) as u8).unwrap(),
                    major: format!("학과{}", id % 7),
                    pickable: id % 5 != 0,
                },
            }));
        }
        table.advance_sequence(rows * 3);
        table
    }

    #[test]
    fn round_trips_columns_and_sequence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.bin");
        let original = table(500);
        save(&path, &original).unwrap();
        let loaded = load_snapshot(&path).unwrap();
        assert_eq!(loaded.columns(), original.columns());
        assert_eq!(loaded.last_sequence(), 1500);
        assert!(!path.with_extension("tmp").exists());
    }

    #[test]
    fn every_truncation_and_bit_flip_is_a_named_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.bin");
        save(&path, &table(20)).unwrap();
        let bytes = fs::read(&path).unwrap();
        for len in (0..bytes.len()).step_by(7) {
            fs::write(&path, &bytes[..len]).unwrap();
            let err = load_snapshot(&path).unwrap_err();
            assert!(err.to_string().contains("features.bin"), "{err}");
        }
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x10;
            fs::write(&path, &flipped).unwrap();
            assert!(
                load_snapshot(&path).is_err(),
                "flip at byte {i} went unnoticed"
            );
        }
    }

    #[test]
    fn foreign_wrong_version_and_missing_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.bin");
        assert!(load_snapshot(&path).unwrap_err().is_missing());
        fs::write(&path, b"uuid,age\n1,20\n").unwrap();
        assert!(load_snapshot(&path).unwrap_err().problem.contains("magic"));
        save(&path, &table(3)).unwrap();
        let mut bytes = fs::read(&path).unwrap();
        bytes[8] = 9;
        fs::write(&path, &bytes).unwrap();
        assert!(load_snapshot(&path)
            .unwrap_err()
            .problem
            .contains("version"));
    }
}
