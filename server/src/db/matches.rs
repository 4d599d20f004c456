//! Match history: each match once, indexed by requester, by pair (both directions, for
//! exclusion) and by the one who was picked.

use super::counters::{self, Count};
use super::error::key_text;
use super::idempotency::{self, KeyedRequest, SavedOutcome};
use super::points::{EntryKind, LedgerTx};
use super::users::{read_in, UserRecord};
use super::{
    abort, decode, encode, now_ms, pair_key, pair_second, Db, DbError, DbResult, TxResult,
};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use storage::events::Features;
use storage::options::MatchOptions;
use storage::profile::Profile;
use storage::UserId;

/// The most matches listed at once (the match limit keeps real histories far smaller).
pub const MAX_LISTED_MATCHES: usize = 200;

/// The partner as they were when matched: what the requester was shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartnerSnapshot {
    pub nickname: String,
    pub profile: Profile,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatchRecord {
    pub id: u64,
    pub requester: UserId,
    pub partner: UserId,
    pub at_ms: i64,
    pub price: u64,
    pub refunded: u64,
    pub important_applied: bool,
    pub options: MatchOptions,
    pub partner_snapshot: PartnerSnapshot,
    /// The requester's features when matched (for the training export).
    #[serde(default)]
    pub requester_features: Option<Features>,
    /// The requester's verdict: was it a good match? The last answer within
    /// [`FEEDBACK_WINDOW_MS`] counts.
    #[serde(default)]
    pub feedback: Option<bool>,
}

/// How long after a match its requester may say whether it was good.
pub const FEEDBACK_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// Why a candidate the matcher proposed cannot be recorded; the caller asks again without them.
#[derive(Debug)]
pub enum Rejected {
    /// No longer pickable (withdrew, hid, or changed) since the matcher's table saw them.
    CandidateGone,
    /// A concurrent request already matched this pair.
    AlreadyPaired,
}

/// The outcome of [`Db::record_match`]: the match and the balance after it, or why not.
pub type RecordOutcome = Result<(MatchRecord, u64), Rejected>;

/// A candidate the matcher proposed for a request.
pub struct Proposal {
    pub requester: UserId,
    pub candidate: UserId,
    pub options: MatchOptions,
    pub important_applied: bool,
}

/// How a match is paid for.
pub struct Spend {
    /// The price, taken from the balance with the match.
    pub price: u64,
    /// Given back at once (the important-option surcharge when nobody passed it).
    pub refund: u64,
    /// The `Idempotency-Key` to save the outcome under.
    pub idempotency: Option<KeyedRequest>,
}

/// Takes the price as a `MATCH` entry (and gives the refund back as a `REFUND`); returns the
/// balance after. Aborts with `InsufficientPoints` when the balance no longer covers it (an
/// operator's correction may have taken points while the matcher was asked).
fn charge_in(ledger: &LedgerTx<'_>, user: UserId, spend: &Spend, match_id: u64) -> TxResult<u64> {
    let out_of_range = || {
        abort(DbError::Corrupt(format!(
            "match {match_id}: amount out of range"
        )))
    };
    let price = i64::try_from(spend.price).map_err(|_| out_of_range())?;
    let (_, mut account) = ledger.post(
        user,
        EntryKind::Match,
        -price,
        match_id.to_string(),
        None,
        || DbError::InsufficientPoints,
    )?;
    if spend.refund > 0 {
        let refund = i64::try_from(spend.refund).map_err(|_| out_of_range())?;
        let overflow = || DbError::Corrupt(format!("match {match_id}: the refund overflows"));
        (_, account) = ledger.post(
            user,
            EntryKind::Refund,
            refund,
            match_id.to_string(),
            None,
            overflow,
        )?;
    }
    Ok(account.balance)
}

fn still_pickable(candidate: &UserRecord, requester: &UserRecord) -> bool {
    let (Some(theirs), Some(mine)) = (&candidate.profile, &requester.profile) else {
        return false;
    };
    candidate.pickable() && theirs.gender == mine.gender.opposite() && candidate.id != requester.id
}

impl Db {
    /// Ids of everyone matched with `user`, in either direction.
    pub fn partners_of(&self, user: UserId) -> DbResult<Vec<UserId>> {
        let mut partners = Vec::new();
        for item in self.partners.scan_prefix(user.to_be_bytes()) {
            let (key, _) = item?;
            partners.extend(pair_second(&key).map(UserId));
        }
        Ok(partners)
    }

    /// Records a match of `requester` with `candidate` and spends its price (a `MATCH` entry,
    /// plus a `REFUND` when `spend.refund` > 0), in one transaction and so one commit: the
    /// match and its charge are on disk together or not at all. The outcome is saved under
    /// the idempotency key in the same transaction. Refused (nothing written) when the
    /// candidate is no longer pickable or the pair already exists; `InsufficientPoints`
    /// (nothing written) when the balance no longer covers the price.
    pub async fn record_match(&self, proposal: Proposal, spend: Spend) -> DbResult<RecordOutcome> {
        let id = self.generate_id()?;
        let counters = self.counters.clone();
        let counted = move |outcome: &RecordOutcome| {
            if outcome.is_ok() {
                counters.matches.fetch_add(1, Ordering::Relaxed);
            }
        };
        self.write_then(
            move |tx| {
                let (users, matches, user_matches) = (tx.users, tx.matches, tx.user_matches);
                let (partners, picked_me) = (tx.partners, tx.picked_me);
                let (accounts, ledger, replies) = (tx.accounts, tx.ledger, tx.match_replies);
                let (requester, candidate) = (proposal.requester, proposal.candidate);
                let me = read_in(users, requester)?
                    .filter(|u| !u.withdrawn)
                    .ok_or_else(|| abort(DbError::UserGone(requester)))?;
                let Some(partner) = read_in(users, candidate)?.filter(|c| still_pickable(c, &me))
                else {
                    return Ok(Err(Rejected::CandidateGone));
                };
                if partners.get(pair_key(requester.0, candidate.0))?.is_some() {
                    return Ok(Err(Rejected::AlreadyPaired));
                }
                let balance = charge_in(&LedgerTx { accounts, ledger }, requester, &spend, id)?;
                let record = MatchRecord {
                    id,
                    requester,
                    partner: candidate,
                    at_ms: now_ms(),
                    price: spend.price,
                    refunded: spend.refund,
                    important_applied: proposal.important_applied,
                    options: proposal.options.clone(),
                    partner_snapshot: PartnerSnapshot {
                        nickname: partner.nickname.clone(),
                        profile: partner.profile.clone().expect("checked by still_pickable"),
                    },
                    requester_features: me.profile.as_ref().map(|p| p.features(me.pickable())),
                    feedback: None,
                };
                matches.insert(&id.to_be_bytes(), encode(&record))?;
                user_matches.insert(&pair_key(requester.0, id), &[])?;
                partners.insert(&pair_key(requester.0, candidate.0), &id.to_be_bytes())?;
                partners.insert(&pair_key(candidate.0, requester.0), &id.to_be_bytes())?;
                picked_me.insert(&pair_key(candidate.0, id), &[])?;
                counters::add_in(tx, Count::Matches, 1)?;
                if let Some(request) = &spend.idempotency {
                    let outcome = SavedOutcome::Matched {
                        match_id: id,
                        balance,
                    };
                    idempotency::save_in(replies, requester, request, outcome)?;
                }
                Ok(Ok((record, balance)))
            },
            counted,
        )
        .await
    }

    /// `user`'s matches as requester, newest first.
    pub fn matches_of(&self, user: UserId) -> DbResult<Vec<MatchRecord>> {
        let mut records = Vec::new();
        for item in self
            .user_matches
            .scan_prefix(user.to_be_bytes())
            .rev()
            .take(MAX_LISTED_MATCHES)
        {
            let (key, _) = item?;
            let id = pair_second(&key)
                .ok_or_else(|| DbError::Corrupt(format!("user_matches key {}", key_text(&key))))?;
            let record = self
                .match_record(id)?
                .ok_or_else(|| DbError::Corrupt(format!("match {id} is indexed but missing")))?;
            records.push(record);
        }
        Ok(records)
    }

    /// Records `requester`'s verdict on their match `id` (answering again replaces it). Only
    /// the requester may (anyone else: not found), and only within [`FEEDBACK_WINDOW_MS`].
    pub async fn set_feedback(
        &self,
        id: u64,
        requester: UserId,
        good: bool,
    ) -> DbResult<MatchRecord> {
        self.write(move |tx| {
            let key = id.to_be_bytes();
            let mut record: MatchRecord = match tx.matches.get(key)? {
                Some(bytes) => decode("matches", &key, &bytes).map_err(abort)?,
                None => return Err(abort(DbError::NotFound("match"))),
            };
            if record.requester != requester {
                return Err(abort(DbError::NotFound("match")));
            }
            if now_ms() - record.at_ms > FEEDBACK_WINDOW_MS {
                return Err(abort(DbError::FeedbackClosed));
            }
            record.feedback = Some(good);
            tx.matches.insert(&key, encode(&record))?;
            Ok(record)
        })
        .await
    }

    /// One match by its id.
    pub fn match_record(&self, id: u64) -> DbResult<Option<MatchRecord>> {
        let key = id.to_be_bytes();
        self.matches
            .get(key)?
            .map(|bytes| decode("matches", &key, &bytes))
            .transpose()
    }

    /// Every match, oldest first (the training export).
    pub fn all_matches(&self) -> impl Iterator<Item = DbResult<MatchRecord>> + '_ {
        self.matches.iter().map(|item| {
            let (key, bytes) = item?;
            decode("matches", &key, &bytes)
        })
    }

    /// Matches from the newest back, while `keep` says so (today's matches, for stats).
    pub fn newest_matches(&self) -> impl Iterator<Item = DbResult<MatchRecord>> + '_ {
        self.matches.iter().rev().map(|item| {
            let (key, bytes) = item?;
            decode("matches", &key, &bytes)
        })
    }

    /// How many matches `user` asked for and got.
    pub fn match_count(&self, user: UserId) -> DbResult<usize> {
        count_prefix(&self.user_matches, user)
    }

    /// How many times others were matched with `user`.
    pub fn picked_me_count(&self, user: UserId) -> DbResult<usize> {
        count_prefix(&self.picked_me, user)
    }
}

/// How many keys of `tree` start with `user`'s id.
fn count_prefix(tree: &sled::Tree, user: UserId) -> DbResult<usize> {
    let mut count = 0;
    for item in tree.scan_prefix(user.to_be_bytes()) {
        item?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use storage::profile::{
        BirthYear, Contact, ContactFrequency, ContactType, Gender, Hobbies, Major, Mbti,
    };

    /// A match of user 1 with user 2 made `age_ms` ago, stored as `record_match` would.
    fn stored_match(db: &Db, id: u64, age_ms: i64) {
        let profile = Profile {
            gender: Gender::Female,
            birth_year: BirthYear::parse(2003, 2026).unwrap(),
            mbti: Mbti::parse("ENFP").unwrap(),
            major: Major::parse("수학과").unwrap(),
            hobbies: Hobbies::parse(&["축구".to_owned()]).unwrap(),
            contact_frequency: ContactFrequency::Normal,
            contact: Contact::parse(ContactType::Kakao, "id").unwrap(),
            song: None,
            comment: None,
        };
        let record = MatchRecord {
            id,
            requester: UserId(1),
            partner: UserId(2),
            at_ms: now_ms() - age_ms,
            price: 1_000,
            refunded: 0,
            important_applied: false,
            options: MatchOptions::default(),
            partner_snapshot: PartnerSnapshot {
                nickname: "상대".into(),
                profile,
            },
            requester_features: None,
            feedback: None,
        };
        db.matches
            .insert(id.to_be_bytes(), encode(&record))
            .unwrap();
    }

    /// Only the requester answers, the last answer counts, and not after a day.
    #[tokio::test]
    async fn feedback_is_the_requesters_for_a_day() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        stored_match(&db, 10, 60_000);
        stored_match(&db, 11, FEEDBACK_WINDOW_MS + 60_000);
        let first = db.set_feedback(10, UserId(1), true).await.unwrap();
        assert_eq!(first.feedback, Some(true));
        let changed = db.set_feedback(10, UserId(1), false).await.unwrap();
        assert_eq!(changed.feedback, Some(false));
        assert_eq!(db.match_record(10).unwrap().unwrap().feedback, Some(false));
        let partner = db.set_feedback(10, UserId(2), true).await;
        assert!(matches!(partner, Err(DbError::NotFound(_))));
        let missing = db.set_feedback(99, UserId(1), true).await;
        assert!(matches!(missing, Err(DbError::NotFound(_))));
        let late = db.set_feedback(11, UserId(1), true).await;
        assert!(matches!(late, Err(DbError::FeedbackClosed)));
        assert_eq!(db.match_record(11).unwrap().unwrap().feedback, None);
    }
}
