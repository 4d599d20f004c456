//! JSON shapes of API.md's replies. Ids are strings: opaque, and safe for JavaScript.

use crate::db::charges::{ChargeRecord, ChargeStatus};
use crate::db::matches::MatchRecord;
use crate::db::ops_audit::{OpsAction, OpsAuditEntry};
use crate::db::points::{EntryKind, LedgerEntry};
use crate::db::users::{Consent, OperatorRequest, Role, UserRecord};
use serde::Serialize;
use storage::profile::{Contact, ContactFrequency, Gender, Profile};
use utoipa::ToSchema;

/// `GET /api/me`, and the `user` of signup and login.
#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub id: String,
    pub email: String,
    pub nickname: String,
    pub role: Role,
    pub points: u64,
    pub profile: Option<Profile>,
    pub dont_pick_me: bool,
    pub match_count: usize,
    /// The promotion is on and this user may claim it now.
    pub promo_available: bool,
    /// The verified school address, or null.
    pub school_email: Option<String>,
    pub school_email_verified: bool,
    /// An operator sign-up waiting for an admin (`PENDING`) or turned down (`REJECTED`).
    pub operator_request: Option<OperatorRequest>,
    /// Sign-in providers linked to the account (their ids).
    pub providers: Vec<String>,
    /// The consent given, or null.
    pub consent: Option<ConsentView>,
}

/// A consent as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct ConsentView {
    pub version: u32,
    pub at: String,
}

impl ConsentView {
    pub fn new(consent: Consent) -> Self {
        Self {
            version: consent.version,
            at: timestamp(consent.at_ms),
        }
    }
}

impl MeView {
    pub fn new(user: &UserRecord, match_count: usize, points: u64, promo_available: bool) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email.clone(),
            nickname: user.nickname.clone(),
            role: user.role,
            points,
            profile: user.profile.clone(),
            dont_pick_me: user.dont_pick_me,
            match_count,
            promo_available,
            school_email: user.school_email.clone(),
            school_email_verified: user.school_email.is_some(),
            operator_request: user.operator_request,
            providers: user.providers.clone(),
            consent: user.consent.map(ConsentView::new),
        }
    }
}

/// The partner of a match: their profile and contact, as they were when matched.
#[derive(Serialize, ToSchema)]
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

#[derive(Serialize, ToSchema)]
pub struct MatchView {
    pub id: String,
    pub at: String,
    pub price: u64,
    pub refunded: u64,
    pub important_applied: bool,
    pub partner: PartnerView,
    /// The requester's verdict (`true` good, `false` not), or null until given.
    pub feedback: Option<bool>,
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
            feedback: record.feedback,
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

pub use crate::model::time::rfc3339 as timestamp;

/// A charge request.
#[derive(Serialize, ToSchema)]
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
#[derive(Serialize, ToSchema)]
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

/// Signup and login: the signed-in user.
#[derive(Serialize, ToSchema)]
pub struct UserReply {
    pub user: MeView,
}

/// `PUT /api/me/profile`.
#[derive(Serialize, ToSchema)]
pub struct ProfileReply {
    pub profile: Option<Profile>,
}

/// `PUT /api/me/pickable`.
#[derive(Serialize, ToSchema)]
pub struct PickableReply {
    pub dont_pick_me: bool,
}

/// `GET /api/me/points`: the balance and a page of entries, newest first.
#[derive(Serialize, ToSchema)]
pub struct PointsReply {
    pub balance: u64,
    pub entries: Vec<EntryView>,
}

/// A charge after it was opened, cancelled, approved or rejected.
#[derive(Serialize, ToSchema)]
pub struct ChargeReply {
    pub charge: ChargeView,
}

/// A pending charge with its student, for operators.
#[derive(Serialize, ToSchema)]
pub struct PendingChargeView {
    #[serde(flatten)]
    pub charge: ChargeView,
    pub user_id: String,
    pub nickname: String,
    /// The student's contact, to reach them about the transfer (null before a profile).
    pub contact: Option<Contact>,
}

/// The balance after an operator's correction.
#[derive(Serialize, ToSchema)]
pub struct BalanceReply {
    pub balance: u64,
}

/// `POST /api/matches/quote`.
#[derive(Serialize, ToSchema)]
pub struct QuoteReply {
    /// What the match will cost now.
    pub price: u64,
    /// The price before the running discount.
    pub list_price: u64,
    /// The running discount, 0 when none.
    pub discount_percent: u8,
}

/// `POST /api/matches`: the match and the balance after it.
/// The reply to `PUT /api/matches/{id}/feedback`.
#[derive(Serialize, ToSchema)]
pub struct MatchReply {
    #[serde(rename = "match")]
    pub matched: MatchView,
}

#[derive(Serialize, ToSchema)]
pub struct MatchCreated {
    #[serde(rename = "match")]
    pub matched: MatchView,
    pub balance: u64,
}

/// `GET /api/matches/picked-me`.
#[derive(Serialize, ToSchema)]
pub struct CountReply {
    pub count: usize,
}

/// A user as operators find them.
#[derive(Serialize, ToSchema)]
pub struct UserSummary {
    pub id: String,
    pub nickname: String,
    pub email: String,
    pub role: Role,
    pub banned: bool,
    pub withdrawn: bool,
    pub major: Option<String>,
    pub contact: Option<Contact>,
}

impl UserSummary {
    pub fn new(user: &UserRecord) -> Self {
        Self {
            id: user.id.to_string(),
            nickname: user.nickname.clone(),
            email: user.email.clone(),
            role: user.role,
            banned: user.banned,
            withdrawn: user.withdrawn,
            major: user.profile.as_ref().map(|p| p.major.as_str().to_owned()),
            contact: user.profile.as_ref().map(|p| p.contact.clone()),
        }
    }
}

/// The user part of `GET /api/ops/users/{id}`.
#[derive(Serialize, ToSchema)]
pub struct UserDetailView {
    #[serde(flatten)]
    pub summary: UserSummary,
    pub dont_pick_me: bool,
    pub created_at: String,
}

/// `GET /api/ops/users/{id}`: the user, profile, points, charges and matches.
#[derive(Serialize, ToSchema)]
pub struct UserDetailReply {
    pub user: UserDetailView,
    pub profile: Option<Profile>,
    pub points: PointsReply,
    pub charges: Vec<ChargeView>,
    pub matches: Vec<MatchView>,
    pub picked_me: usize,
}

/// A ban or unban.
#[derive(Serialize, ToSchema)]
pub struct BanReply {
    pub id: String,
    pub banned: bool,
}

/// A role grant.
#[derive(Serialize, ToSchema)]
pub struct RoleReply {
    pub id: String,
    pub role: Role,
}

/// One operator action of the audit trail.
#[derive(Serialize, ToSchema)]
pub struct OpsAuditView {
    pub id: String,
    pub at: String,
    pub actor: String,
    pub action: OpsAction,
    pub target: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

impl OpsAuditView {
    pub fn new(entry: &OpsAuditEntry) -> Self {
        Self {
            id: entry.id.to_string(),
            at: timestamp(entry.at_ms),
            actor: entry.actor.to_string(),
            action: entry.action,
            target: entry.target.clone(),
            reason: entry.reason.clone(),
            detail: entry.detail.clone(),
        }
    }
}
