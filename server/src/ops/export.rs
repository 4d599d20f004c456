//! The exports for model training, streamed in chunks: the match history (pseudonymous ids,
//! the options asked, both sides' features, the time and the outcome) and the candidates
//! (every student with a profile, in the matcher's CSV layout). No names, contacts or emails.
//! Both serve `GET /api/admin/export/{matches,candidates}.csv` and `comatching-server export`;
//! `comatching-matcher train` joins the two on the pseudonyms.
//!
//! Ids are [`Db::pseudonym`]s: keyed with a secret only the server holds, so the public
//! instance id in every `Nats-Msg-Id` does not turn them back into users, and stable within
//! one database so rows of the same user can be joined.

use crate::db::matches::MatchRecord;
use crate::db::Db;
use std::io::Write;
use storage::csv_export::{escape_formula, Candidate, CandidateWriter, ChunkSink};
use storage::events::Features;
use storage::profile::HobbyCategory;
use storage::seoul;

/// A partner who wrote within this long after the match "replied" (API.md: within 24 h).
const REPLY_WINDOW_MS: i64 = 24 * 3600 * 1000;

pub const HEADER: [&str; 23] = [
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
    "feedback",
    "replied",
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

/// Whether the partner wrote in the match's chat within a day of it; empty when that cannot
/// be read (the row still goes out).
fn replied(db: &Db, record: &MatchRecord) -> String {
    match db.wrote_within(record.id, record.partner, record.at_ms, REPLY_WINDOW_MS) {
        Ok(wrote) => wrote.to_string(),
        Err(e) => {
            tracing::warn!(match_id = record.id, error = %format!("{e:#}"), "replied unknown");
            String::new()
        }
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
    row.push(
        record
            .feedback
            .map_or_else(String::new, |good| good.to_string()),
    );
    row.push(replied(db, record));
    row.into_iter()
        .map(|cell| escape_formula(&cell).into_owned())
        .collect()
}

/// Whether an export stopped because its reader went away (not a failure).
fn reader_gone(error: &csv::Error) -> bool {
    matches!(error.kind(), csv::ErrorKind::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Finishes an export: its reader going away is a stop, anything else an error.
fn finished(outcome: csv::Result<u64>, rows: u64) -> anyhow::Result<u64> {
    match outcome {
        Ok(rows) => Ok(rows),
        Err(e) if reader_gone(&e) => Ok(rows),
        Err(e) => Err(e.into()),
    }
}

/// Calls `emit` with the match history as CSV in chunks (header first), oldest match first;
/// stops early when `emit` returns false (the client went away). Returns the rows written.
pub fn matches_csv(db: &Db, emit: impl FnMut(Vec<u8>) -> bool) -> anyhow::Result<u64> {
    let year = seoul::current_year();
    let mut writer = csv::Writer::from_writer(ChunkSink::new(emit));
    let mut rows = 0u64;
    let outcome = (|| {
        writer.write_record(HEADER)?;
        for record in db.all_matches() {
            writer.write_record(row(db, &record.map_err(std::io::Error::other)?, year))?;
            rows += 1;
        }
        writer.flush()?;
        Ok(rows)
    })();
    finished(outcome, rows)
}

/// Calls `emit` with every student who has a profile and has not withdrawn, as the matcher's
/// candidate CSV with pseudonyms for ids (so it joins with [`matches_csv`]).
pub fn candidates_csv(db: &Db, emit: impl FnMut(Vec<u8>) -> bool) -> anyhow::Result<u64> {
    let mut writer = CandidateWriter::new(ChunkSink::new(emit), seoul::current_year())?;
    let mut rows = 0u64;
    let outcome = (|| {
        for user in db.all_users() {
            let user = user.map_err(std::io::Error::other)?;
            let (Some(profile), false) = (&user.profile, user.withdrawn) else {
                continue;
            };
            let features = profile.features(user.pickable());
            writer.write(&Candidate {
                uuid: &db.pseudonym(user.id),
                gender: features.gender,
                birth_year: features.birth_year,
                mbti: features.mbti,
                hobby_mask: features.hobby_mask,
                contact_frequency: features.contact_frequency,
                major: &features.major,
                pickable: features.pickable,
                version: user.version,
            })?;
            rows += 1;
        }
        writer.finish()?;
        Ok(rows)
    })();
    finished(outcome, rows)
}

/// Writes an export to `out`, fsynced (the command line's `export`).
pub fn to_file(
    out: &std::path::Path,
    export: impl FnOnce(&mut dyn FnMut(Vec<u8>) -> bool) -> anyhow::Result<u64>,
) -> anyhow::Result<u64> {
    use anyhow::Context;
    let file = std::fs::File::create(out).with_context(|| format!("create {}", out.display()))?;
    let mut file = std::io::BufWriter::new(file);
    let mut failed = None;
    let rows = export(&mut |chunk| match file.write_all(&chunk) {
        Ok(()) => true,
        Err(e) => {
            failed = Some(e);
            false
        }
    })?;
    if let Some(e) = failed {
        return Err(e).with_context(|| format!("write {}", out.display()));
    }
    file.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|file| file.sync_all())
        .with_context(|| format!("flush {}", out.display()))?;
    Ok(rows)
}
