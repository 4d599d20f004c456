//! The change log beside the feature file: one record per applied batch of stream events, so
//! making a change durable costs a write and an fdatasync in proportion to the change, not a
//! rewrite of the whole table.
//!
//! ```text
//! header: magic "COMAFLOG" | format u16 | wire version u8 | base sequence u64
//!         | crc32 of the header before it
//! record: body length u32 | last stream sequence u64 | body | crc32 of length, sequence, body
//! body:   the batch's events as bincode Vec<UserEvent> in the wire codec's encoding (varint)
//! ```
//! The base sequence is the last sequence of the snapshot the log continues. A log is used only
//! over a snapshot at or after its base: one started by a newer snapshot than the one read (a
//! reader racing a compaction, a crash between a rebuild's empty snapshot and its new log) is
//! left out, and the snapshot alone is an older but whole state. Records at or before the
//! snapshot's sequence are already in it (a crash between a compaction's snapshot and its new
//! log) and are skipped. Records are appended in place; a crash mid-append leaves a torn last
//! record that fails its length or checksum and ends the log: everything before it is whole.
//! A new log is written beside the old one and renamed over it, so readers see one or the other.
//! The wire version in the header names the body's encoding: a build with another one ignores
//! the log rather than misread it.

use super::file::{write_atomically, FileError};
use super::table::FeatureTable;
use crate::codec::WIRE_VERSION;
use crate::events::UserEvent;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// The first eight bytes of every change log.
pub const LOG_MAGIC: &[u8; 8] = b"COMAFLOG";
/// The log layout version this build writes and reads.
pub const LOG_FORMAT_VERSION: u16 = 1;
/// The bytes of a log holding no record.
pub(super) const HEADER_BYTES: u64 = (8 + 2 + 1 + 8 + CHECKSUM_BYTES) as u64;
const RECORD_HEAD_BYTES: usize = 4 + 8;
const CHECKSUM_BYTES: usize = 4;
/// The largest record body we write or read (a batch of thousands of events takes well under a
/// megabyte); it also bounds what a damaged length makes us allocate.
const MAX_RECORD_BYTES: usize = 1 << 30;
/// Read buffer for replaying: records are read one by one, never the whole log at once.
const READ_BUFFER_BYTES: usize = 1 << 16;

type BodyConfig = bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<MAX_RECORD_BYTES>,
>;

fn body_config() -> BodyConfig {
    bincode::config::standard().with_limit::<MAX_RECORD_BYTES>()
}

/// The log beside the feature file at `snapshot`: `features.bin` → `features.bin.log`.
pub fn log_path(snapshot: &Path) -> PathBuf {
    let mut name = snapshot.as_os_str().to_owned();
    name.push(".log");
    PathBuf::from(name)
}

/// What reading a log gave.
pub(super) enum Replay {
    /// Nothing applied: the header is damaged, of another version, or continues a newer snapshot.
    Unusable(String),
    /// Every whole record applied; `whole` bytes from the start are sound, and `problem` says
    /// why reading stopped before the end, if it did.
    Applied { whole: u64, problem: Option<String> },
}

/// Applies to `table` (just loaded from its snapshot) every whole record of the log in `file`
/// that the snapshot does not hold, in order; stops at the first torn or damaged one.
pub(super) fn replay(
    file: &File,
    path: &Path,
    table: &mut FeatureTable,
) -> Result<Replay, FileError> {
    let len = file
        .metadata()
        .map_err(|e| FileError::new(path, format!("stat: {e}")))?
        .len();
    let mut reader = BufReader::with_capacity(READ_BUFFER_BYTES, file);
    let base = match read_header(&mut reader) {
        Ok(base) => base,
        Err(problem) => return Ok(Replay::Unusable(problem)),
    };
    let snapshot_sequence = table.last_sequence();
    if base > snapshot_sequence {
        return Ok(Replay::Unusable(format!(
            "continues a snapshot at sequence {base}, newer than the one read ({snapshot_sequence})"
        )));
    }
    let mut whole = HEADER_BYTES;
    while whole < len {
        let (sequence, events, bytes) = match read_record(&mut reader, len - whole) {
            Ok(record) => record,
            Err(problem) => {
                let problem = Some(format!("record at byte {whole}: {problem}"));
                return Ok(Replay::Applied { whole, problem });
            }
        };
        if sequence > snapshot_sequence {
            for event in &events {
                table.apply(event);
            }
            table.advance_sequence(sequence);
        }
        whole += bytes;
    }
    Ok(Replay::Applied {
        whole,
        problem: None,
    })
}

fn header(base: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_BYTES as usize);
    out.extend_from_slice(LOG_MAGIC);
    out.extend_from_slice(&LOG_FORMAT_VERSION.to_le_bytes());
    out.push(WIRE_VERSION);
    out.extend_from_slice(&base.to_le_bytes());
    let checksum = crc32fast::hash(&out);
    out.extend_from_slice(&checksum.to_le_bytes());
    out
}

/// Reads and checks the header; returns the base sequence.
fn read_header(reader: &mut impl Read) -> Result<u64, String> {
    let mut bytes = [0u8; HEADER_BYTES as usize];
    reader
        .read_exact(&mut bytes)
        .map_err(|e| format!("header: {e}"))?;
    if &bytes[..LOG_MAGIC.len()] != LOG_MAGIC {
        return Err("not a COMAtching change log (bad magic)".into());
    }
    let (content, checksum) = bytes.split_at(bytes.len() - CHECKSUM_BYTES);
    if u32::from_le_bytes(checksum.try_into().expect("4 bytes")) != crc32fast::hash(content) {
        return Err("header checksum mismatch (corrupted)".into());
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version != LOG_FORMAT_VERSION || bytes[10] != WIRE_VERSION {
        return Err(format!(
            "format {version} with wire version {}, this build reads {LOG_FORMAT_VERSION} with {WIRE_VERSION}",
            bytes[10]
        ));
    }
    Ok(u64::from_le_bytes(
        bytes[11..19].try_into().expect("8 bytes"),
    ))
}

fn encode_record(events: &[&UserEvent], last_sequence: u64) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; RECORD_HEAD_BYTES];
    bincode::serde::encode_into_std_write(events, &mut out, body_config())
        .map_err(|e| e.to_string())?;
    let body_len = out.len() - RECORD_HEAD_BYTES;
    if body_len > MAX_RECORD_BYTES {
        return Err(format!(
            "a batch of {body_len} bytes is over the record limit"
        ));
    }
    out[..4].copy_from_slice(&(body_len as u32).to_le_bytes());
    out[4..RECORD_HEAD_BYTES].copy_from_slice(&last_sequence.to_le_bytes());
    let checksum = crc32fast::hash(&out);
    out.extend_from_slice(&checksum.to_le_bytes());
    Ok(out)
}

/// Reads one record from at most `available` bytes: its last sequence, its events, its size.
fn read_record(
    reader: &mut impl Read,
    available: u64,
) -> Result<(u64, Vec<UserEvent>, u64), String> {
    let mut head = [0u8; RECORD_HEAD_BYTES];
    reader
        .read_exact(&mut head)
        .map_err(|e| format!("torn: {e}"))?;
    let body_len = u32::from_le_bytes(head[..4].try_into().expect("4 bytes")) as usize;
    let size = (RECORD_HEAD_BYTES + body_len + CHECKSUM_BYTES) as u64;
    if body_len > MAX_RECORD_BYTES || size > available {
        return Err(format!("torn: {size} bytes where {available} remain"));
    }
    let mut rest = vec![0u8; body_len + CHECKSUM_BYTES];
    reader
        .read_exact(&mut rest)
        .map_err(|e| format!("torn: {e}"))?;
    let (body, checksum) = rest.split_at(body_len);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&head);
    hasher.update(body);
    if u32::from_le_bytes(checksum.try_into().expect("4 bytes")) != hasher.finalize() {
        return Err("checksum mismatch (torn or corrupted)".into());
    }
    let (events, read): (Vec<UserEvent>, usize) =
        bincode::serde::decode_from_slice(body, body_config())
            .map_err(|e| format!("events do not decode: {e}"))?;
    if read != body.len() {
        return Err("trailing bytes after the events".into());
    }
    let sequence = u64::from_le_bytes(head[4..].try_into().expect("8 bytes"));
    Ok((sequence, events, size))
}

/// The log open for appending, held by the one writer.
pub(super) struct ChangeLog {
    path: PathBuf,
    file: File,
    len: u64,
}

impl ChangeLog {
    /// Replaces the log at `path` with an empty one continuing a snapshot at `base`.
    pub(super) fn start(path: &Path, base: u64) -> Result<Self, FileError> {
        write_atomically(path, &header(base))?;
        let file = Self::open_for_append(path)?;
        Ok(Self {
            path: path.to_owned(),
            file,
            len: HEADER_BYTES,
        })
    }

    /// Opens the log at `path` for the writer after `table` was loaded from its snapshot:
    /// applies its whole records to `table` and cuts a torn tail off. A missing log is started;
    /// an unusable one is started again (with a warning): the snapshot alone is a whole state.
    pub(super) fn resume(path: &Path, table: &mut FeatureTable) -> Result<Self, FileError> {
        let file = match Self::open_for_append(path) {
            Ok(file) => file,
            Err(e) if e.is_missing() => return Self::start(path, table.last_sequence()),
            Err(e) => return Err(e),
        };
        let (whole, problem) = match replay(&file, path, table)? {
            Replay::Unusable(problem) => {
                tracing::warn!(path = %path.display(), %problem, "change log unusable: starting a new one");
                return Self::start(path, table.last_sequence());
            }
            Replay::Applied { whole, problem } => (whole, problem),
        };
        if let Some(problem) = problem {
            tracing::warn!(path = %path.display(), %problem, kept_bytes = whole, "change log ends in a torn record (a crash mid-write): cutting it off");
            let io = |e: std::io::Error| FileError::new(path, format!("truncate: {e}"));
            file.set_len(whole).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        Ok(Self {
            path: path.to_owned(),
            file,
            len: whole,
        })
    }

    fn open_for_append(path: &Path) -> Result<File, FileError> {
        OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => FileError::new(path, "missing"),
                _ => FileError::new(path, format!("open: {e}")),
            })
    }

    /// Appends one record and fdatasyncs it: once this returns, the batch is durable. After an
    /// error the log's end is unknown, so the caller must not append to it again.
    pub(super) fn append(
        &mut self,
        events: &[&UserEvent],
        last_sequence: u64,
    ) -> Result<(), FileError> {
        let record =
            encode_record(events, last_sequence).map_err(|e| FileError::new(&self.path, e))?;
        self.file
            .write_all(&record)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| FileError::new(&self.path, format!("append: {e}")))?;
        self.len += record.len() as u64;
        Ok(())
    }

    /// The log's size in bytes, header included.
    pub(super) fn bytes(&self) -> u64 {
        self.len
    }
}
