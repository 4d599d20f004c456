//! The snapshot and its change log kept together: what the matcher's one writer holds.
//!
//! A batch becomes durable by one append and fdatasync to the log, in proportion to the batch.
//! When the log has grown past the snapshot's own size (and a floor), the writer compacts: it
//! writes a new snapshot and starts an empty log continuing it, so the rewrite's cost spread
//! over the changes since the last one stays a constant per change, and start-up replays at
//! most about a snapshot's worth of log.

use super::file::{load_snapshot, save, FileError};
use super::log::{log_path, replay, ChangeLog, Replay};
use super::table::FeatureTable;
use crate::events::UserEvent;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The log may grow to at least this before a compaction, however small the snapshot: a small
/// table is cheap to rewrite, but rewriting it for every few changes is still waste.
pub const COMPACT_FLOOR_BYTES: u64 = 4 << 20;

/// Reads the table at `path`: its snapshot plus the whole records of the log that continue it.
/// A log that cannot be used, or ends torn, is reported and read up to where it is sound: the
/// result is always a state the writer once had.
pub fn load(path: &Path) -> Result<FeatureTable, FileError> {
    let mut table = load_snapshot(path)?;
    let log = log_path(path);
    let file = match File::open(&log) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(table),
        Err(e) => return Err(FileError::new(&log, format!("open: {e}"))),
    };
    match replay(&file, &log, &mut table)? {
        Replay::Unusable(problem) => {
            tracing::warn!(path = %log.display(), %problem, "change log not used")
        }
        Replay::Applied {
            problem: Some(problem),
            ..
        } => tracing::warn!(path = %log.display(), %problem, "change log read up to a torn record"),
        Replay::Applied { problem: None, .. } => {}
    }
    Ok(table)
}

/// The feature file open for writing: the snapshot's path, its size, and the log being appended.
pub struct TableFile {
    path: PathBuf,
    snapshot_bytes: u64,
    log: ChangeLog,
}

impl TableFile {
    /// Opens the file at `path` for the one writer: the table as the snapshot and log hold it,
    /// with a torn last record cut off the log. Missing or damaged snapshots are errors (see
    /// [`FileError::is_missing`]); the caller then starts afresh with [`TableFile::create`].
    pub fn open(path: &Path) -> Result<(Self, FeatureTable), FileError> {
        let mut table = load_snapshot(path)?;
        let snapshot_bytes = std::fs::metadata(path)
            .map_err(|e| FileError::new(path, format!("stat: {e}")))?
            .len();
        let log = ChangeLog::resume(&log_path(path), &mut table)?;
        let file = Self {
            path: path.to_owned(),
            snapshot_bytes,
            log,
        };
        Ok((file, table))
    }

    /// Writes `table` as a new snapshot at `path` with an empty log after it, replacing both.
    pub fn create(path: &Path, table: &FeatureTable) -> Result<Self, FileError> {
        let snapshot_bytes = save(path, table)?;
        let log = ChangeLog::start(&log_path(path), table.last_sequence())?;
        Ok(Self {
            path: path.to_owned(),
            snapshot_bytes,
            log,
        })
    }

    /// Makes a batch durable: `events` (already applied to the table) up to stream sequence
    /// `last_sequence`. After an error the writer must not go on appending; it reopens instead.
    pub fn append(&mut self, events: &[&UserEvent], last_sequence: u64) -> Result<(), FileError> {
        self.log.append(events, last_sequence)
    }

    /// True once the log is larger than a rewrite of the snapshot would be (and the floor).
    pub fn wants_compaction(&self) -> bool {
        self.log.bytes() > self.snapshot_bytes.max(COMPACT_FLOOR_BYTES)
    }

    /// Writes `table` (holding everything logged so far) as the new snapshot, then starts an
    /// empty log after it. A crash between the two leaves the new snapshot with the old log,
    /// whose records the snapshot already holds: they are skipped on the next read.
    pub fn compact(&mut self, table: &FeatureTable) -> Result<(), FileError> {
        self.snapshot_bytes = save(&self.path, table)?;
        self.log = ChangeLog::start(&log_path(&self.path), table.last_sequence())?;
        Ok(())
    }

    /// The log's size in bytes, for metrics.
    pub fn log_bytes(&self) -> u64 {
        self.log.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Features, UserUpserted};
    use crate::profile::{ContactFrequency, Gender, Mbti};
    use crate::UserId;
    use std::fs;

    fn event(user: u64, version: u64, birth_year: u16) -> UserEvent {
        UserEvent::Upserted(UserUpserted {
            user_id: UserId(user),
            version,
            features: Features {
                gender: Gender::Female,
                birth_year,
                mbti: Mbti::parse("ENFP").unwrap(),
                hobby_mask: 3,
                contact_frequency: ContactFrequency::Rare,
                major: "국어국문학과".into(),
                pickable: true,
            },
        })
    }

    /// Applies `events` to `table` and logs them as one batch ending at `sequence`.
    fn commit(file: &mut TableFile, table: &mut FeatureTable, events: &[UserEvent], sequence: u64) {
        for e in events {
            table.apply(e);
        }
        table.advance_sequence(sequence);
        file.append(&events.iter().collect::<Vec<_>>(), sequence)
            .unwrap();
    }

    fn years(table: &FeatureTable) -> Vec<u16> {
        table.columns().birth_year.clone()
    }

    #[test]
    fn batches_survive_a_reopen_without_a_new_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.bin");
        let mut table = FeatureTable::new();
        let mut file = TableFile::create(&path, &table).unwrap();
        let snapshot = fs::read(&path).unwrap();
        commit(
            &mut file,
            &mut table,
            &[event(1, 1, 2001), event(2, 1, 2002)],
            2,
        );
        commit(&mut file, &mut table, &[event(1, 2, 1999)], 3);
        assert_eq!(
            fs::read(&path).unwrap(),
            snapshot,
            "appends leave the snapshot alone"
        );
        drop(file);

        let read = load(&path).unwrap();
        assert_eq!((years(&read), read.last_sequence()), (vec![1999, 2002], 3));
        let (_, reopened) = TableFile::open(&path).unwrap();
        assert_eq!(reopened.columns(), table.columns());
    }

    #[test]
    fn a_torn_last_record_is_cut_off_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.bin");
        let mut table = FeatureTable::new();
        let mut file = TableFile::create(&path, &table).unwrap();
        commit(&mut file, &mut table, &[event(1, 1, 2001)], 1);
        let whole = file.log_bytes();
        commit(&mut file, &mut table, &[event(2, 1, 2002)], 2);
        drop(file);
        let log = log_path(&path);
        let bytes = fs::read(&log).unwrap();
        for len in whole..bytes.len() as u64 {
            fs::write(&log, &bytes[..len as usize]).unwrap();
            let read = load(&path).unwrap();
            assert_eq!((years(&read), read.last_sequence()), (vec![2001], 1));
        }
        fs::write(&log, &bytes[..bytes.len() - 1]).unwrap();
        let (mut file, mut table) = TableFile::open(&path).unwrap();
        assert_eq!(
            fs::metadata(&log).unwrap().len(),
            whole,
            "torn tail cut off"
        );
        commit(&mut file, &mut table, &[event(3, 1, 2003)], 5);
        assert_eq!(years(&load(&path).unwrap()), vec![2001, 2003]);
    }

    #[test]
    fn compaction_folds_the_log_into_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.bin");
        let mut table = FeatureTable::new();
        let mut file = TableFile::create(&path, &table).unwrap();
        let mut sequence = 0;
        while !file.wants_compaction() {
            let batch: Vec<_> = (0..1000)
                .map(|i| event(i, sequence + 1, 1990 + (sequence % 20) as u16))
                .collect();
            sequence += 1;
            commit(&mut file, &mut table, &batch, sequence);
            assert!(sequence < 1000, "the log never asked for compaction");
        }
        file.compact(&table).unwrap();
        assert!(!file.wants_compaction());
        assert_eq!(
            fs::metadata(log_path(&path)).unwrap().len(),
            file.log_bytes()
        );
        let read = load(&path).unwrap();
        assert_eq!(read.columns(), table.columns());
        assert_eq!(read.last_sequence(), sequence);
    }

    #[test]
    fn logs_that_do_not_continue_the_snapshot_are_not_replayed_wrongly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.bin");
        let mut table = FeatureTable::new();
        let mut file = TableFile::create(&path, &table).unwrap();
        commit(&mut file, &mut table, &[event(1, 1, 2001)], 1);
        commit(&mut file, &mut table, &[event(2, 1, 2002)], 2);
        let old_log = fs::read(log_path(&path)).unwrap();

        // A crash after a compaction's snapshot, before its new log: the old log's records
        // are in the snapshot already and must not be applied twice or go backwards.
        save(&path, &table).unwrap();
        fs::write(log_path(&path), &old_log).unwrap();
        let read = load(&path).unwrap();
        assert_eq!((read.columns(), read.last_sequence()), (table.columns(), 2));

        // A rebuild's empty snapshot beside a log continuing a later snapshot: not used.
        file.compact(&table).unwrap();
        commit(&mut file, &mut table, &[event(3, 1, 2003)], 3);
        save(&path, &FeatureTable::new()).unwrap();
        let read = load(&path).unwrap();
        assert_eq!((read.len(), read.last_sequence()), (0, 0));
        let (file, reopened) = TableFile::open(&path).unwrap();
        assert_eq!(
            (reopened.len(), file.log_bytes()),
            (0, super::super::log::HEADER_BYTES)
        );
    }
}
