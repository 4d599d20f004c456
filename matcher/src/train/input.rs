//! Reading the two exports and joining them. Columns are found by name, so their order and any
//! extra columns do not matter; every value read is checked, and an error names the file, the
//! line and the column.

use super::Examples;
use crate::agreement::Asked;
use anyhow::Context;
use serde::de::value::StrDeserializer;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::fmt::Display;
use std::fs::File;
use std::path::Path;
use storage::options::{MatchOptions, MatchOptionsDraft};
use storage::profile::{ContactFrequency, HobbyCategory, Mbti};

/// The candidates' columns read (of `storage::csv_export::HEADER`).
pub const CANDIDATE_COLUMNS: [&str; 5] =
    ["uuid", "birthYear", "mbti", "hobbyMask", "contactFrequency"];
/// The matches' columns read (of the server's match export).
pub const MATCH_COLUMNS: [&str; 7] = [
    "requester",
    "partner",
    "optAge",
    "optMbti",
    "optHobby",
    "optContactFrequency",
    "feedback",
];

/// A candidate's features as the matcher's columns hold them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    pub birth_year: u16,
    pub mbti: u8,
    pub hobby_mask: u8,
    pub contact_frequency: u8,
}

/// The match history joined with the candidates.
#[derive(Debug, Default)]
pub struct Joined {
    /// Rows read.
    pub rows: u64,
    /// Rows skipped because the requester or the partner is not among the candidates.
    pub unknown: u64,
    /// Rows of known users skipped because their feedback is empty (unknown).
    pub unlabelled: u64,
    pub examples: Examples,
}

/// A column found in a header.
#[derive(Debug, Clone, Copy)]
struct Column {
    name: &'static str,
    index: usize,
}

/// One record and where it is, so that every error can name the file, the line and the column.
struct Row<'a> {
    path: &'a Path,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn at(&self) -> String {
        let line = self.record.position().map_or(0, |p| p.line());
        format!("{} line {line}", self.path.display())
    }

    fn error(&self, column: Column, message: impl Display) -> anyhow::Error {
        anyhow::anyhow!("{}, column {}: {message}", self.at(), column.name)
    }

    fn cell(&self, column: Column) -> &str {
        self.record.get(column.index).unwrap_or("").trim()
    }

    fn parse<T>(
        &self,
        column: Column,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> anyhow::Result<T> {
        parse(self.cell(column)).map_err(|e| self.error(column, e))
    }

    /// An empty cell is `None` (not asked, not known).
    fn optional<T>(
        &self,
        column: Column,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> anyhow::Result<Option<T>> {
        match self.cell(column) {
            "" => Ok(None),
            text => parse(text).map(Some).map_err(|e| self.error(column, e)),
        }
    }
}

/// Opens a CSV file and finds `names` in its header.
fn open<const N: usize>(
    path: &Path,
    names: [&'static str; N],
) -> anyhow::Result<(csv::Reader<File>, [Column; N])> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("open {}", path.display()))?;
    let header = reader
        .headers()
        .with_context(|| format!("read the header of {}", path.display()))?;
    let mut columns = [Column { name: "", index: 0 }; N];
    for (column, name) in columns.iter_mut().zip(names) {
        let index = header
            .iter()
            .position(|h| h.trim() == name)
            .with_context(|| format!("{}: the column {name} is missing", path.display()))?;
        *column = Column { name, index };
    }
    Ok((reader, columns))
}

/// Reads the next record into `record`; false at the end.
fn next(
    reader: &mut csv::Reader<File>,
    record: &mut csv::StringRecord,
    path: &Path,
) -> anyhow::Result<bool> {
    reader
        .read_record(record)
        .with_context(|| format!("read {}", path.display()))
}

/// One of an enum's values as JSON spells it (`OLDER`, `CULTURE_ART`, `FREQUENT`).
fn named<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    T::deserialize(StrDeserializer::<serde::de::value::Error>::new(text)).map_err(|e| e.to_string())
}

fn number<T>(text: &str) -> Result<T, String>
where
    T: std::str::FromStr,
    T::Err: Display,
{
    text.parse().map_err(|e| format!("'{text}': {e}"))
}

fn hobby_mask(text: &str) -> Result<u8, String> {
    let mask: u8 = number(text)?;
    if mask >> HobbyCategory::ALL.len() != 0 {
        return Err(format!("{mask} has bits of no hobby category"));
    }
    Ok(mask)
}

fn feedback(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("expected true, false or nothing, not '{text}'")),
    }
}

/// Reads the candidates CSV: features by pseudonym.
pub fn read_candidates(path: &Path) -> anyhow::Result<HashMap<String, Features>> {
    let (mut reader, [uuid, birth_year, mbti, hobbies, frequency]) = open(path, CANDIDATE_COLUMNS)?;
    let mut candidates = HashMap::new();
    let mut record = csv::StringRecord::new();
    while next(&mut reader, &mut record, path)? {
        let row = Row {
            path,
            record: &record,
        };
        let features = Features {
            birth_year: row.parse(birth_year, number)?,
            mbti: row.parse(mbti, |t| {
                Mbti::parse(t).map(Mbti::bits).map_err(|e| e.to_string())
            })?,
            hobby_mask: row.parse(hobbies, hobby_mask)?,
            contact_frequency: row.parse(frequency, |t| named(t).map(ContactFrequency::code))?,
        };
        let id = row.cell(uuid);
        if id.is_empty() {
            return Err(row.error(uuid, "no id"));
        }
        if candidates.insert(id.to_owned(), features).is_some() {
            return Err(row.error(uuid, format!("{id} appears twice")));
        }
    }
    Ok(candidates)
}

/// Reads the match history and joins it with `candidates`: each match with feedback whose both
/// sides are known becomes the agreements of the partner with what the requester asked,
/// computed exactly as the scorer does, and whether the feedback was good.
pub fn read_matches(path: &Path, candidates: &HashMap<String, Features>) -> anyhow::Result<Joined> {
    let (mut reader, [requester, partner, age, mbti, hobby, frequency, said]) =
        open(path, MATCH_COLUMNS)?;
    let mut joined = Joined::default();
    let mut record = csv::StringRecord::new();
    while next(&mut reader, &mut record, path)? {
        joined.rows += 1;
        let row = Row {
            path,
            record: &record,
        };
        let draft = MatchOptionsDraft {
            age: row.optional(age, named)?,
            mbti: row.optional(mbti, |t| Ok(t.to_owned()))?,
            hobby: row.optional(hobby, named)?,
            contact_frequency: row.optional(frequency, named)?,
            ..MatchOptionsDraft::default()
        };
        // `important` is not read (it changes no agreement), so only the letters can be wrong.
        let options = MatchOptions::parse(draft).map_err(|e| row.error(mbti, e))?;
        let good = row.optional(said, feedback)?;
        let sides = (
            candidates.get(row.cell(requester)),
            candidates.get(row.cell(partner)),
        );
        let (Some(asker), Some(picked)) = sides else {
            joined.unknown += 1;
            continue;
        };
        let Some(good) = good else {
            joined.unlabelled += 1;
            continue;
        };
        let agreements = Asked::new(asker.birth_year, &options)
            .agreements(
                picked.birth_year,
                picked.mbti,
                picked.hobby_mask,
                picked.contact_frequency,
            )
            .map(f64::from);
        anyhow::ensure!(
            agreements.iter().all(|a| a.is_finite()),
            "{}: the agreements {agreements:?} are not all finite numbers",
            row.at()
        );
        joined.examples.push(agreements, good);
    }
    Ok(joined)
}
