//! The table in memory and its file on disk.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use storage::columnar::{FeatureTable, FileError, TableFile};
use storage::events::UserEvent;

/// The feature table shared by the consumer (the one writer) and the match service (readers),
/// and the file that makes it durable.
pub struct TableStore {
    table: RwLock<FeatureTable>,
    /// `None` after a failed write: the log's end is then unknown, so the next persist writes
    /// a whole new snapshot instead of appending.
    file: Mutex<Option<TableFile>>,
    path: PathBuf,
}

impl TableStore {
    /// Loads the file at `path`; starts empty (to be rebuilt from the stream) when it is
    /// missing, damaged, or `rebuild` is asked for.
    pub fn open(path: &Path, rebuild: bool) -> anyhow::Result<Self> {
        let (file, table) = match Self::existing(path, rebuild) {
            Some(opened) => opened,
            None => {
                let table = FeatureTable::new();
                (TableFile::create(path, &table)?, table)
            }
        };
        tracing::info!(
            rows = table.len(),
            last_sequence = table.last_sequence(),
            log_bytes = file.log_bytes(),
            "feature file open"
        );
        Ok(Self {
            table: RwLock::new(table),
            file: Mutex::new(Some(file)),
            path: path.to_owned(),
        })
    }

    fn existing(path: &Path, rebuild: bool) -> Option<(TableFile, FeatureTable)> {
        if rebuild {
            tracing::info!(path = %path.display(), "rebuild asked for: starting from an empty table");
            return None;
        }
        match TableFile::open(path) {
            Ok(opened) => Some(opened),
            Err(e) if e.is_missing() => {
                tracing::info!(path = %path.display(), "no feature file yet: building it from the stream");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "feature file unusable: rebuilding it from the stream");
                None
            }
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, FeatureTable> {
        self.table.read().expect("table lock poisoned")
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, FeatureTable> {
        self.table.write().expect("table lock poisoned")
    }

    /// Makes durable a batch already applied to the table: `events` up to stream sequence
    /// `last_sequence`. Appends to the change log, and compacts it into a new snapshot when it
    /// has grown past the snapshot's size (holding a read lock, so requests keep being served).
    pub fn persist(&self, events: &[UserEvent], last_sequence: u64) -> Result<(), FileError> {
        let mut slot = self.file.lock().expect("file lock poisoned");
        let result = match slot.as_mut() {
            Some(file) => Self::append(file, events, last_sequence, &self.read()),
            None => TableFile::create(&self.path, &self.read()).map(|file| {
                *slot = Some(file);
            }),
        };
        match (&result, slot.as_ref()) {
            (Ok(()), Some(file)) => {
                metrics::gauge!("matcher_log_bytes").set(file.log_bytes() as f64);
            }
            _ => *slot = None,
        }
        result
    }

    fn append(
        file: &mut TableFile,
        events: &[UserEvent],
        last_sequence: u64,
        table: &FeatureTable,
    ) -> Result<(), FileError> {
        debug_assert_eq!(table.last_sequence(), last_sequence, "persist after apply");
        file.append(&events.iter().collect::<Vec<_>>(), last_sequence)?;
        if file.wants_compaction() {
            file.compact(table)?;
            metrics::counter!("matcher_compactions_total").increment(1);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storage::events::{Features, UserUpserted};
    use storage::profile::{ContactFrequency, Gender, Mbti};
    use storage::UserId;

    #[test]
    fn opens_the_file_or_starts_empty_when_asked_to_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.bin");
        let store = TableStore::open(&path, false).unwrap();
        let event = UserEvent::Upserted(UserUpserted {
            user_id: UserId(1),
            version: 1,
            features: Features {
                gender: Gender::Male,
                birth_year: 2000,
                mbti: Mbti::parse("INFJ").unwrap(),
                hobby_mask: 1,
                contact_frequency: ContactFrequency::Rare,
                major: "수학과".into(),
                pickable: true,
            },
        });
        store.write().apply(&event);
        store.write().advance_sequence(7);
        store.persist(&[event], 7).unwrap();

        let reopened = TableStore::open(&path, false).unwrap();
        assert_eq!(
            (reopened.read().len(), reopened.read().last_sequence()),
            (1, 7)
        );
        let rebuilt = TableStore::open(&path, true).unwrap();
        assert_eq!(
            (rebuilt.read().len(), rebuilt.read().last_sequence()),
            (0, 0)
        );
    }
}
