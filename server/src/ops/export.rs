//! The match history as CSV for model training: pseudonymous ids, the options asked, both
//! sides' features and the time. No names, contacts or emails. Streamed in chunks, both for
//! `GET /api/admin/export/matches.csv` and `comatching-server export matches`.
//!
//! Ids are [`Db::pseudonym`]s: keyed with a secret only the server holds, so the public
//! instance id in every `Nats-Msg-Id` does not turn them back into users, and stable within
//! one database so rows of the same user can be joined.

use crate::db::matches::MatchRecord;
use crate::db::Db;
use storage::csv_export::escape_formula;
use storage::events::Features;
use storage::profile::HobbyCategory;
use storage::seoul;

/// Rows per chunk handed to the writer or the HTTP body.
pub const ROWS_PER_CHUNK: usize = 512;

pub const HEADER: [&str; 21] = [
    "matchId",
    "at",
    "requester",
    "partner",
    "price",
    "refunded",
    "importantApplied",
    "optAge",
    "optMbti",
    "optHobby",
    "optContactFrequency",
    "optExcludeSameMajor",
    "optImportant",
    "requesterGender",
    "requesterAge",
    "requesterMbti",
    "requesterHobby",
    "partnerGender",
    "partnerAge",
    "partnerMbti",
    "partnerHobby",
];

fn categories(mask: u8) -> String {
    HobbyCategory::ALL
        .iter()
        .filter(|c| mask & c.bit() != 0)
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join("|")
}

fn side(features: Option<&Features>, year: i32) -> [String; 4] {
    match features {
        Some(f) => [
            f.gender.as_str().to_owned(),
            (year - i32::from(f.birth_year)).to_string(),
            f.mbti.to_string(),
            categories(f.hobby_mask),
        ],
        None => Default::default(),
    }
}

fn row(db: &Db, record: &MatchRecord, year: i32) -> Vec<String> {
    let o = &record.options;
    let text = |v: Option<String>| v.unwrap_or_default();
    let mut row = vec![
        record.id.to_string(),
        crate::model::time::rfc3339(record.at_ms),
        db.pseudonym(record.requester),
        db.pseudonym(record.partner),
        record.price.to_string(),
        record.refunded.to_string(),
        record.important_applied.to_string(),
        text(o.age.map(|a| format!("{a:?}").to_uppercase())),
        text(o.mbti.map(|m| m.to_string())),
        text(o.hobby.map(|h| h.as_str().to_owned())),
        text(o.contact_frequency.map(|c| c.as_str().to_owned())),
        o.exclude_same_major.to_string(),
        text(o.important.map(|i| format!("{i:?}").to_lowercase())),
    ];
    row.extend(side(record.requester_features.as_ref(), year));
    let partner = record.partner_snapshot.profile.features(true);
    row.extend(side(Some(&partner), year));
    row.into_iter()
        .map(|cell| escape_formula(&cell).into_owned())
        .collect()
}

fn chunk_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::with_capacity(64 * 1024))
}

fn finish(writer: csv::Writer<Vec<u8>>) -> anyhow::Result<Vec<u8>> {
    writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("CSV buffer: {}", e.error()))
}

/// Calls `emit` with the CSV in chunks (header first), oldest match first; stops early when
/// `emit` returns false (the client went away).
pub fn matches_csv(db: &Db, mut emit: impl FnMut(Vec<u8>) -> bool) -> anyhow::Result<u64> {
    let year = seoul::current_year();
    let mut writer = chunk_writer();
    writer.write_record(HEADER)?;
    let mut rows = 0u64;
    for record in db.all_matches() {
        writer.write_record(row(db, &record?, year))?;
        rows += 1;
        if rows.is_multiple_of(ROWS_PER_CHUNK as u64)
            && !emit(finish(std::mem::replace(&mut writer, chunk_writer()))?)
        {
            return Ok(rows);
        }
    }
    emit(finish(writer)?);
    Ok(rows)
}
