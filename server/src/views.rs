//! JSON shapes of API.md's replies. Ids are strings: opaque, and safe for JavaScript.

use crate::db::charges::{ChargeRecord, ChargeStatus};
use crate::db::matches::MatchRecord;
use crate::db::points::{EntryKind, LedgerEntry};
use crate::db::users::{Role, UserRecord};
use chrono::{DateTime, Utc};
use serde::Serialize;
use storage::profile::{Contact, ContactFrequency, Gender, Profile};

/// `GET /api/me`, and the `user` of signup and login.
#[derive(Serialize)]
pub struct MeView {
    pub id: String,
    pub email: String,
    pub nickname: String,
    pub role: Role,
    pub points: u64,
    pub profile: Option<Profile>,
    pub dont_pick_me: bool,
    pub match_count: usize,
}

impl MeView {
    pub fn new(user: &UserRecord, match_count: usize, points: u64) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email.clone(),
            nickname: user.nickname.clone(),
            role: user.role,
            points,
            profile: user.profile.clone(),
            dont_pick_me: user.dont_pick_me,
            match_count,
        }
    }
}

/// The partner of a match: their profile and contact, as they were when matched.
#[derive(Serialize)]
pub struct PartnerView {
    pub nickname: String,
    pub gender: Gender,
    pub age: i32,
    pub mbti: String,
    pub major: String,
    pub hobbies: Vec<String>,
    pub contact_frequency: ContactFrequency,
    pub contact: Contact,
    pub song: Option<String>,
    pub comment: Option<String>,
}

#[derive(Serialize)]
pub struct MatchView {
    pub id: String,
    pub at: String,
    pub price: u64,
    pub refunded: u64,
    pub important_applied: bool,
    pub partner: PartnerView,
}

impl MatchView {
    pub fn new(record: &MatchRecord, current_year: i32) -> Self {
        let profile = &record.partner_snapshot.profile;
        Self {
            id: record.id.to_string(),
            at: timestamp(record.at_ms),
            price: record.price,
            refunded: record.refunded,
            important_applied: record.important_applied,
            partner: PartnerView {
                nickname: record.partner_snapshot.nickname.clone(),
                gender: profile.gender,
                age: profile.birth_year.age(current_year),
                mbti: profile.mbti.to_string(),
                major: profile.major.as_str().to_owned(),
                hobbies: profile.hobbies.names().to_vec(),
                contact_frequency: profile.contact_frequency,
                contact: profile.contact.clone(),
                song: profile.song.as_ref().map(|s| s.as_str().to_owned()),
                comment: profile.comment.as_ref().map(|c| c.as_str().to_owned()),
            },
        }
    }
}

/// RFC 3339 in UTC.
pub fn timestamp(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A charge request.
#[derive(Serialize)]
pub struct ChargeView {
    pub id: String,
    pub amount: u64,
    pub depositor_name: String,
    pub status: ChargeStatus,
    pub at: String,
}

impl ChargeView {
    pub fn new(charge: &ChargeRecord) -> Self {
        Self {
            id: charge.id.to_string(),
            amount: charge.amount,
            depositor_name: charge.depositor_name.clone(),
            status: charge.status,
            at: timestamp(charge.at_ms),
        }
    }
}

/// A ledger entry.
#[derive(Serialize)]
pub struct EntryView {
    pub id: String,
    pub kind: EntryKind,
    pub amount: i64,
    pub balance_after: u64,
    pub at: String,
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl EntryView {
    pub fn new(entry: &LedgerEntry) -> Self {
        Self {
            id: entry.id.to_string(),
            kind: entry.kind,
            amount: entry.amount,
            balance_after: entry.balance_after,
            at: timestamp(entry.at_ms),
            reference: entry.reference.clone(),
            reason: entry.reason.clone(),
        }
    }
}
