//! The ledger check: for every user the entries add up to the balance, no balance is ever
//! negative, every approved charge was credited exactly once (and no other), a promotion and a
//! sign-up bonus were each given at most once, and every match was charged exactly once (one
//! `MATCH` entry of its requester, for its price).

use super::charges::{ChargeRecord, ChargeStatus};
use super::matches::MatchRecord;
use super::points::{EntryKind, LedgerEntry, PointsAccount};
use super::promo::{PROMO_REFERENCE, SIGNUP_REFERENCE};
use super::{decode, Db, DbResult};
use serde::Serialize;
use std::collections::hash_map::{Entry, HashMap};
use storage::UserId;

/// What the check found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditReport {
    pub ok: bool,
    pub users_checked: usize,
    pub violations: Vec<String>,
}

/// A user whose account changes while being read is read again, at most this often.
const MAX_READS: usize = 5;

impl Db {
    /// Runs the check, on a stopped server's data or a running one's: a match and its charge
    /// are written in one transaction, and the matches are read before the ledger, so a match
    /// recorded meanwhile shows only as an entry, looked up on its own.
    pub fn audit(&self) -> DbResult<AuditReport> {
        let mut violations = Vec::new();
        let mut credits: HashMap<String, usize> = HashMap::new();
        let mut charged = self.matches_to_charge()?;
        let mut users_checked = 0;
        for user in self.all_users() {
            let user = user?.id;
            users_checked += 1;
            let (account, entries) = self.consistent_ledger(user)?;
            check_entries(user, &account, &entries, &mut violations);
            for entry in &entries {
                match entry.kind {
                    EntryKind::Charge => *credits.entry(entry.reference.clone()).or_default() += 1,
                    EntryKind::Match => {
                        self.check_match_entry(user, entry, &mut charged, &mut violations)?
                    }
                    _ => {}
                }
            }
        }
        self.check_charges(&mut credits, &mut violations)?;
        for (id, expected) in charged.into_iter().filter(|(_, e)| !e.seen) {
            violations.push(format!(
                "match {id} of user {} has no MATCH entry",
                expected.requester
            ));
        }
        Ok(AuditReport {
            ok: violations.is_empty(),
            users_checked,
            violations,
        })
    }

    /// The account and its entries as of one moment (re-read if it moved meanwhile).
    fn consistent_ledger(&self, user: UserId) -> DbResult<(PointsAccount, Vec<LedgerEntry>)> {
        let mut read = 0;
        loop {
            let before = self.account(user)?;
            let mut entries: Vec<LedgerEntry> = Vec::new();
            for item in self.ledger.scan_prefix(user.to_be_bytes()) {
                let (key, bytes) = item?;
                entries.push(decode("ledger", &key, &bytes)?);
            }
            read += 1;
            if self.account(user)? == before || read == MAX_READS {
                return Ok((before, entries));
            }
        }
    }

    fn check_charges(
        &self,
        credits: &mut HashMap<String, usize>,
        violations: &mut Vec<String>,
    ) -> DbResult<()> {
        for item in self.charges.iter() {
            let (key, bytes) = item?;
            let charge: ChargeRecord = decode("charges", &key, &bytes)?;
            let credited = credits.remove(&charge.id.to_string()).unwrap_or(0);
            let expected = usize::from(charge.status == ChargeStatus::Approved);
            if credited != expected {
                violations.push(format!(
                    "charge {} ({:?}) has {credited} CHARGE entries, expected {expected}",
                    charge.id, charge.status
                ));
            }
        }
        for (reference, count) in credits.iter() {
            violations.push(format!(
                "{count} CHARGE entries refer to unknown charge {reference}"
            ));
        }
        Ok(())
    }

    /// Every match as the charge it must have: its requester and price, not yet seen.
    fn matches_to_charge(&self) -> DbResult<HashMap<u64, ExpectedCharge>> {
        let mut charged = HashMap::new();
        for record in self.all_matches() {
            let record = record?;
            charged.insert(record.id, ExpectedCharge::of(&record));
        }
        Ok(charged)
    }

    /// A `MATCH` entry must name a match of `user` at its price, and be its only one. A match
    /// recorded after [`Self::matches_to_charge`] read them is looked up here.
    fn check_match_entry(
        &self,
        user: UserId,
        entry: &LedgerEntry,
        charged: &mut HashMap<u64, ExpectedCharge>,
        violations: &mut Vec<String>,
    ) -> DbResult<()> {
        let Ok(id) = entry.reference.parse::<u64>() else {
            violations.push(format!(
                "user {user}: MATCH entry {} names no match",
                entry.id
            ));
            return Ok(());
        };
        if let Entry::Vacant(missing) = charged.entry(id) {
            if let Some(record) = self.match_record(id)? {
                missing.insert(ExpectedCharge::of(&record));
            }
        }
        let Some(expected) = charged.get_mut(&id) else {
            violations.push(format!(
                "user {user}: MATCH entry {} names unknown match {id}",
                entry.id
            ));
            return Ok(());
        };
        let price = i128::from(expected.price);
        if expected.requester != user || -i128::from(entry.amount) != price || expected.seen {
            violations.push(format!(
                "user {user}: MATCH entry {} of {} does not fit match {id} (requester {}, price {price}, charged before: {})",
                entry.id, entry.amount, expected.requester, expected.seen
            ));
        }
        expected.seen = true;
        Ok(())
    }
}

/// What a match's `MATCH` entry must be, and whether the audit found it.
struct ExpectedCharge {
    requester: UserId,
    price: u64,
    seen: bool,
}

impl ExpectedCharge {
    fn of(record: &MatchRecord) -> Self {
        Self {
            requester: record.requester,
            price: record.price,
            seen: false,
        }
    }
}

fn check_entries(
    user: UserId,
    account: &PointsAccount,
    entries: &[LedgerEntry],
    violations: &mut Vec<String>,
) {
    let mut running: i128 = 0;
    for entry in entries {
        running += i128::from(entry.amount);
        if running < 0 {
            violations.push(format!(
                "user {user}: balance negative after entry {}",
                entry.id
            ));
        }
        if running != i128::from(entry.balance_after) {
            violations.push(format!(
                "user {user}: entry {} says balance {} but the entries sum to {running}",
                entry.id, entry.balance_after
            ));
        }
        let sign_ok = match entry.kind {
            EntryKind::Charge | EntryKind::Refund | EntryKind::Promo => entry.amount > 0,
            EntryKind::Match => entry.amount < 0,
            EntryKind::Adjust => entry.amount != 0,
        };
        if !sign_ok {
            violations.push(format!(
                "user {user}: entry {} has a {:?} of {}",
                entry.id, entry.kind, entry.amount
            ));
        }
    }
    for reference in [PROMO_REFERENCE, SIGNUP_REFERENCE] {
        let given = entries
            .iter()
            .filter(|e| e.kind == EntryKind::Promo && e.reference == reference)
            .count();
        if given > 1 {
            violations.push(format!(
                "user {user}: {given} PROMO entries for {reference}"
            ));
        }
    }
    if running != i128::from(account.balance) {
        violations.push(format!(
            "user {user}: entries sum to {running} but the balance is {}",
            account.balance
        ));
    }
}
