//! The feature table as CSV for model training, streamed row by row.
//!
//! The first seven columns are the earlier system's (`uuid,age,contactFrequency,gender,hobby,
//! major,mbti`); ours follow. No names, emails or contacts are in the table, so none can leak.

use crate::columnar::{status, FeatureTable};
use crate::profile::{ContactFrequency, Gender, HobbyCategory, Mbti};
use std::io::Write;

/// The header row.
pub const HEADER: [&str; 11] = [
    "uuid",
    "age",
    "contactFrequency",
    "gender",
    "hobby",
    "major",
    "mbti",
    "birthYear",
    "hobbyMask",
    "pickable",
    "version",
];

/// Prefixes a cell that a spreadsheet would run as a formula.
pub fn escape_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

fn hobby_categories(mask: u8, out: &mut String) {
    out.clear();
    for category in HobbyCategory::ALL {
        if mask & category.bit() != 0 {
            if !out.is_empty() {
                out.push('|');
            }
            out.push_str(category.as_str());
        }
    }
}

/// One candidate as a row: the matcher writes its table's ids, the server pseudonyms.
pub struct Candidate<'a> {
    pub uuid: &'a str,
    pub gender: Gender,
    pub birth_year: u16,
    pub mbti: Mbti,
    pub hobby_mask: u8,
    pub contact_frequency: ContactFrequency,
    pub major: &'a str,
    pub pickable: bool,
    pub version: u64,
}

/// Writes candidates as CSV, header first, reusing its scratch strings between rows.
pub struct CandidateWriter<W: Write> {
    writer: csv::Writer<W>,
    current_year: i32,
    hobbies: String,
    mbti: String,
}

impl<W: Write> CandidateWriter<W> {
    pub fn new(out: W, current_year: i32) -> csv::Result<Self> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(HEADER)?;
        Ok(Self {
            writer,
            current_year,
            hobbies: String::new(),
            mbti: String::new(),
        })
    }

    pub fn write(&mut self, row: &Candidate<'_>) -> csv::Result<()> {
        hobby_categories(row.hobby_mask, &mut self.hobbies);
        self.mbti.clear();
        std::fmt::Write::write_fmt(&mut self.mbti, format_args!("{}", row.mbti))
            .expect("writing to a String");
        let age = self.current_year - i32::from(row.birth_year);
        self.writer.write_record([
            row.uuid,
            age.to_string().as_str(),
            row.contact_frequency.as_str(),
            row.gender.as_str(),
            &self.hobbies,
            &escape_formula(row.major),
            &self.mbti,
            row.birth_year.to_string().as_str(),
            row.hobby_mask.to_string().as_str(),
            if row.pickable { "true" } else { "false" },
            row.version.to_string().as_str(),
        ])
    }

    /// Flushes what is buffered into the output.
    pub fn finish(mut self) -> csv::Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}

/// Writes every present (not withdrawn) row of `table` to `out`; returns the rows written.
pub fn export<W: Write>(table: &FeatureTable, out: W, current_year: i32) -> csv::Result<u64> {
    let mut writer = CandidateWriter::new(out, current_year)?;
    let mut rows = 0u64;
    for index in 0..table.len() {
        let row = table.row(index);
        if row.status == status::REMOVED {
            continue;
        }
        writer.write(&Candidate {
            uuid: &row.id.0.to_string(),
            gender: row.gender,
            birth_year: row.birth_year,
            mbti: row.mbti,
            hobby_mask: row.hobby_mask,
            contact_frequency: row.contact_frequency,
            major: row.major,
            pickable: row.status == status::PICKABLE,
            version: row.version,
        })?;
        rows += 1;
    }
    writer.finish()?;
    Ok(rows)
}

/// An output that hands what is written to `emit` in chunks of about [`CHUNK_BYTES`]: an
/// export streams to an HTTP body or a file without holding it all. `emit` returning false
/// (the client went away) fails the next write, which stops the export.
pub struct ChunkSink<F: FnMut(Vec<u8>) -> bool> {
    buffer: Vec<u8>,
    emit: F,
}

/// The size of one chunk handed on.
pub const CHUNK_BYTES: usize = 64 * 1024;

impl<F: FnMut(Vec<u8>) -> bool> ChunkSink<F> {
    pub fn new(emit: F) -> Self {
        Self {
            buffer: Vec::with_capacity(CHUNK_BYTES),
            emit,
        }
    }

    fn hand_on(&mut self) -> std::io::Result<()> {
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES));
        if chunk.is_empty() || (self.emit)(chunk) {
            Ok(())
        } else {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }
}

impl<F: FnMut(Vec<u8>) -> bool> Write for ChunkSink<F> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.hand_on()?;
        }
        Ok(bytes.len())
    }

    /// Hands on what is buffered (the end of an export).
    fn flush(&mut self) -> std::io::Result<()> {
        self.hand_on()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Features, UserEvent, UserRemoved, UserUpserted};
    use crate::UserId;

    fn upsert(id: u64, major: &str) -> UserEvent {
        UserEvent::Upserted(UserUpserted {
            user_id: UserId(id),
            version: 1,
            features: Features {
                gender: Gender::Female,
                birth_year: 2004,
                mbti: Mbti::parse("ISTP").unwrap(),
                hobby_mask: HobbyCategory::Music.bit() | HobbyCategory::Game.bit(),
                contact_frequency: ContactFrequency::Frequent,
                major: major.into(),
                pickable: true,
            },
        })
    }

    #[test]
    fn writes_header_rows_and_skips_withdrawn_users() {
        let mut table = FeatureTable::new();
        table.apply(&upsert(1, "경영학과"));
        table.apply(&upsert(2, "=HYPERLINK(\"x\")"));
        table.apply(&upsert(3, "수학과"));
        table.apply(&UserEvent::Removed(UserRemoved {
            user_id: UserId(3),
            version: 2,
        }));
        let mut out = Vec::new();
        assert_eq!(export(&table, &mut out, 2026).unwrap(), 2);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "uuid,age,contactFrequency,gender,hobby,major,mbti,birthYear,hobbyMask,pickable,version"
        );
        assert_eq!(
            lines[1],
            "1,22,FREQUENT,FEMALE,MUSIC|GAME,경영학과,ISTP,2004,36,true,1"
        );
        assert!(lines[2].contains("'=HYPERLINK"), "{}", lines[2]);
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn a_chunk_sink_hands_on_everything_in_order_and_stops_when_told() {
        let mut chunks = Vec::new();
        let mut sink = ChunkSink::new(|chunk| {
            chunks.push(chunk);
            true
        });
        let data = vec![7u8; CHUNK_BYTES * 2 + 10];
        sink.write_all(&data).unwrap();
        sink.flush().unwrap();
        drop(sink);
        assert_eq!(chunks.concat(), data);
        let mut refused = ChunkSink::new(|_| false);
        assert!(
            refused.write_all(&data).is_err(),
            "a gone client stops the export"
        );
    }

    #[test]
    fn escapes_every_formula_prefix() {
        for cell in ["=1", "+1", "-1", "@SUM(A1)"] {
            assert!(escape_formula(cell).starts_with('\''));
        }
        assert_eq!(escape_formula("컴퓨터"), "컴퓨터");
    }
}
