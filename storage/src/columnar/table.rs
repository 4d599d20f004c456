use crate::events::{Features, UserEvent};
use crate::profile::{ContactFrequency, Gender, Mbti};
use crate::UserId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Values of the `status` column.
pub mod status {
    /// Withdrawn: kept as a tombstone so that a stale event cannot bring the user back.
    pub const REMOVED: u8 = 0;
    /// In the table but never picked ("don't pick me", banned).
    pub const HIDDEN: u8 = 1;
    /// May be picked.
    pub const PICKABLE: u8 = 2;
}

/// The columns, each one value per row, plus the dictionary of majors that `major` indexes.
/// Kept narrow (a few bytes per candidate) because scoring reads them whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Columns {
    pub ids: Vec<u64>,
    pub versions: Vec<u64>,
    pub gender: Vec<u8>,
    pub birth_year: Vec<u16>,
    pub mbti: Vec<u8>,
    pub hobby_mask: Vec<u8>,
    pub contact_frequency: Vec<u8>,
    pub major: Vec<u32>,
    pub status: Vec<u8>,
    pub majors: Vec<String>,
}

impl Columns {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Every column the same length, every code in range, every id once.
    fn check(&self) -> Result<(), String> {
        let rows = self.ids.len();
        let lengths = [
            self.versions.len(),
            self.gender.len(),
            self.birth_year.len(),
            self.mbti.len(),
            self.hobby_mask.len(),
            self.contact_frequency.len(),
            self.major.len(),
            self.status.len(),
        ];
        if lengths.iter().any(|&len| len != rows) {
            return Err(format!("columns disagree on the row count ({rows} ids)"));
        }
        let majors = self.majors.len();
        if self.major.iter().any(|&m| m as usize >= majors) {
            return Err("a major index points outside the dictionary".into());
        }
        if self.gender.iter().any(|&g| Gender::from_code(g).is_none())
            || self.mbti.iter().any(|&m| Mbti::from_bits(m).is_none())
            || self
                .contact_frequency
                .iter()
                .any(|&c| ContactFrequency::from_code(c).is_none())
            || self.status.iter().any(|&s| s > status::PICKABLE)
        {
            return Err("a column holds a code out of range".into());
        }
        Ok(())
    }
}

/// One row, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a> {
    pub id: UserId,
    pub version: u64,
    pub gender: Gender,
    pub birth_year: u16,
    pub mbti: Mbti,
    pub hobby_mask: u8,
    pub contact_frequency: ContactFrequency,
    pub major: &'a str,
    pub status: u8,
}

/// The in-memory table: the columns, an index from user id to row, and the last `USERS`
/// stream sequence whose effect the table contains.
#[derive(Debug, Clone, Default)]
pub struct FeatureTable {
    columns: Columns,
    row_of: HashMap<UserId, usize>,
    major_index: HashMap<String, u32>,
    last_sequence: u64,
}

impl FeatureTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a table from columns read from a file, checking them first.
    pub fn from_columns(columns: Columns, last_sequence: u64) -> Result<Self, String> {
        columns.check()?;
        let mut row_of = HashMap::with_capacity(columns.len());
        for (row, &id) in columns.ids.iter().enumerate() {
            if row_of.insert(UserId(id), row).is_some() {
                return Err(format!("user {id} appears twice"));
            }
        }
        let mut major_index = HashMap::with_capacity(columns.majors.len());
        for (index, major) in columns.majors.iter().enumerate() {
            let index = u32::try_from(index).map_err(|_| "too many majors".to_string())?;
            if major_index.insert(major.clone(), index).is_some() {
                return Err(format!("major '{major}' appears twice in the dictionary"));
            }
        }
        Ok(Self {
            columns,
            row_of,
            major_index,
            last_sequence,
        })
    }

    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    pub fn len(&self) -> usize {
        self.columns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    pub fn last_sequence(&self) -> u64 {
        self.last_sequence
    }

    /// Records that the table contains every stream message up to `sequence`.
    pub fn advance_sequence(&mut self, sequence: u64) {
        self.last_sequence = self.last_sequence.max(sequence);
    }

    pub fn row_index(&self, user: UserId) -> Option<usize> {
        self.row_of.get(&user).copied()
    }

    /// The dictionary index of `major`, if any row has it.
    pub fn major_code(&self, major: &str) -> Option<u32> {
        self.major_index.get(major).copied()
    }

    /// Applies `event` if it is newer than what the table holds for that user.
    /// Returns whether anything changed: stale and repeated events change nothing.
    pub fn apply(&mut self, event: &UserEvent) -> bool {
        let user = event.user_id();
        let version = event.version();
        let row = match self.row_of.get(&user) {
            Some(&row) if self.columns.versions[row] >= version => return false,
            Some(&row) => row,
            // A removal of an unknown user still gets a row: its version keeps older upserts out.
            None => self.push_row(user),
        };
        self.columns.versions[row] = version;
        match event {
            UserEvent::Upserted(up) => self.write_features(row, &up.features),
            UserEvent::Removed(_) => self.clear_features(row),
        }
        true
    }

    fn push_row(&mut self, user: UserId) -> usize {
        let c = &mut self.columns;
        let row = c.ids.len();
        c.ids.push(user.0);
        c.versions.push(0);
        c.gender.push(0);
        c.birth_year.push(0);
        c.mbti.push(0);
        c.hobby_mask.push(0);
        c.contact_frequency.push(0);
        c.major.push(0);
        c.status.push(status::REMOVED);
        if c.majors.is_empty() {
            c.majors.push(String::new());
            self.major_index.insert(String::new(), 0);
        }
        self.row_of.insert(user, row);
        row
    }

    /// Makes `row` a tombstone: removed, with no features left, exactly as a row that was
    /// only ever removed (so a rebuilt table equals the one it replaces).
    fn clear_features(&mut self, row: usize) {
        let c = &mut self.columns;
        c.gender[row] = 0;
        c.birth_year[row] = 0;
        c.mbti[row] = 0;
        c.hobby_mask[row] = 0;
        c.contact_frequency[row] = 0;
        c.major[row] = 0;
        c.status[row] = status::REMOVED;
    }

    fn write_features(&mut self, row: usize, features: &Features) {
        let major = self.intern_major(&features.major);
        let c = &mut self.columns;
        c.gender[row] = features.gender.code();
        c.birth_year[row] = features.birth_year;
        c.mbti[row] = features.mbti.bits();
        c.hobby_mask[row] = features.hobby_mask;
        c.contact_frequency[row] = features.contact_frequency.code();
        c.major[row] = major;
        c.status[row] = if features.pickable {
            status::PICKABLE
        } else {
            status::HIDDEN
        };
    }

    fn intern_major(&mut self, major: &str) -> u32 {
        if let Some(&code) = self.major_index.get(major) {
            return code;
        }
        let code = u32::try_from(self.columns.majors.len()).expect("fewer than 2^32 majors");
        self.columns.majors.push(major.to_owned());
        self.major_index.insert(major.to_owned(), code);
        code
    }

    /// Row `row`, decoded. Panics if `row` is out of range (an invariant of the caller).
    pub fn row(&self, row: usize) -> Row<'_> {
        let c = &self.columns;
        Row {
            id: UserId(c.ids[row]),
            version: c.versions[row],
            gender: Gender::from_code(c.gender[row]).expect("checked on load and write"),
            birth_year: c.birth_year[row],
            mbti: Mbti::from_bits(c.mbti[row]).expect("checked on load and write"),
            hobby_mask: c.hobby_mask[row],
            contact_frequency: ContactFrequency::from_code(c.contact_frequency[row])
                .expect("checked on load and write"),
            major: &c.majors[c.major[row] as usize],
            status: c.status[row],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{UserRemoved, UserUpserted};

    pub(crate) fn features(major: &str, pickable: bool) -> Features {
        Features {
            gender: Gender::Male,
            birth_year: 2001,
            mbti: Mbti::parse("ENFP").unwrap(),
            hobby_mask: 3,
            contact_frequency: ContactFrequency::Normal,
            major: major.into(),
            pickable,
        }
    }

    fn upsert(id: u64, version: u64, major: &str) -> UserEvent {
        UserEvent::Upserted(UserUpserted {
            user_id: UserId(id),
            version,
            features: features(major, true),
        })
    }

    #[test]
    fn only_newer_versions_apply() {
        let mut table = FeatureTable::new();
        assert!(table.apply(&upsert(1, 2, "수학과")));
        assert!(!table.apply(&upsert(1, 2, "물리학과")));
        assert!(!table.apply(&upsert(1, 1, "물리학과")));
        assert_eq!(table.row(0).major, "수학과");
        assert!(table.apply(&upsert(1, 3, "물리학과")));
        assert_eq!(table.row(0).major, "물리학과");
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn removal_is_a_tombstone_that_outranks_older_upserts() {
        let mut table = FeatureTable::new();
        let removed = UserEvent::Removed(UserRemoved {
            user_id: UserId(4),
            version: 5,
        });
        assert!(table.apply(&removed));
        assert!(!table.apply(&upsert(4, 4, "수학과")));
        assert_eq!(table.row(0).status, status::REMOVED);
    }

    #[test]
    fn removal_leaves_the_same_row_however_the_user_got_there() {
        let removed = |id| {
            UserEvent::Removed(UserRemoved {
                user_id: UserId(id),
                version: 9,
            })
        };
        let mut lived = FeatureTable::new();
        lived.apply(&upsert(1, 1, "수학과"));
        lived.apply(&removed(1));
        let mut rebuilt = FeatureTable::new();
        rebuilt.apply(&removed(1));
        assert_eq!(lived.row(0), rebuilt.row(0));
    }

    #[test]
    fn from_columns_refuses_inconsistent_columns() {
        let mut table = FeatureTable::new();
        table.apply(&upsert(1, 1, "a"));
        let mut columns = table.columns().clone();
        columns.gender.push(0);
        assert!(FeatureTable::from_columns(columns, 0).is_err());
        let mut columns = table.columns().clone();
        columns.major[0] = 99;
        assert!(FeatureTable::from_columns(columns, 0).is_err());
    }
}
