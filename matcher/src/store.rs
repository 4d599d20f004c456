//! The table in memory and its file on disk.

use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use storage::columnar::{self, FeatureTable};

/// The feature table shared by the consumer (the one writer) and the match service (readers).
pub struct TableStore {
    table: RwLock<FeatureTable>,
    path: PathBuf,
}

impl TableStore {
    /// Loads the file at `path`; starts empty (to be rebuilt from the stream) when it is
    /// missing, damaged, or `rebuild` is asked for.
    pub fn open(path: &Path, rebuild: bool) -> anyhow::Result<Self> {
        let table = if rebuild {
            tracing::info!(path = %path.display(), "rebuild asked for: starting from an empty table");
            FeatureTable::new()
        } else {
            match columnar::load(path) {
                Ok(table) => {
                    tracing::info!(
                        rows = table.len(),
                        last_sequence = table.last_sequence(),
                        "loaded feature file"
                    );
                    table
                }
                Err(e) if e.is_missing() => {
                    tracing::info!(path = %path.display(), "no feature file yet: building it from the stream");
                    FeatureTable::new()
                }
                Err(e) => {
                    tracing::warn!(error = %e, "feature file unusable: rebuilding it from the stream");
                    FeatureTable::new()
                }
            }
        };
        Ok(Self {
            table: RwLock::new(table),
            path: path.to_owned(),
        })
    }

    pub fn read(&self) -> RwLockReadGuard<'_, FeatureTable> {
        self.table.read().expect("table lock poisoned")
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, FeatureTable> {
        self.table.write().expect("table lock poisoned")
    }

    /// Writes the table durably. Holds a read lock while encoding, so requests keep being served.
    pub fn persist(&self) -> Result<(), columnar::FileError> {
        columnar::save(&self.path, &self.read())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storage::events::{Features, UserEvent, UserUpserted};
    use storage::profile::{ContactFrequency, Gender, Mbti};
    use storage::UserId;

    #[test]
    fn opens_the_file_or_starts_empty_when_asked_to_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.bin");
        let store = TableStore::open(&path, false).unwrap();
        store.write().apply(&UserEvent::Upserted(UserUpserted {
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
        }));
        store.write().advance_sequence(7);
        store.persist().unwrap();

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
