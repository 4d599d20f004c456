//! The ledger check: for every user the entries add up to the balance, no balance is ever
//! negative, every approved charge was credited exactly once (and no other), a promotion and a
//! sign-up bonus were each given at most once, and no reservation is orphaned.

use super::charges::{ChargeRecord, ChargeStatus};
use super::points::{EntryKind, LedgerEntry, PointsAccount, Reservation};
use super::promo::{PROMO_REFERENCE, SIGNUP_REFERENCE};
use super::{decode, key_id, now_ms, Db, DbResult};
use serde::Serialize;
use std::collections::HashMap;
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
    /// Runs the check. `in_flight_ms`: reservations younger than this belong to requests in
    /// flight (a running server); `None` means none can be (a stopped server's data).
    pub fn audit(&self, in_flight_ms: Option<i64>) -> DbResult<AuditReport> {
        let mut violations = Vec::new();
        let mut credits: HashMap<String, usize> = HashMap::new();
        let mut users_checked = 0;
        for user in self.all_users() {
            let user = user?.id;
            users_checked += 1;
            let (account, entries) = self.consistent_ledger(user)?;
            check_entries(user, &account, &entries, &mut violations);
            for entry in entries.iter().filter(|e| e.kind == EntryKind::Charge) {
                *credits.entry(entry.reference.clone()).or_default() += 1;
            }
        }
        self.check_charges(&mut credits, &mut violations)?;
        self.check_reservations(in_flight_ms, &mut violations)?;
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

    fn check_reservations(
        &self,
        in_flight_ms: Option<i64>,
        violations: &mut Vec<String>,
    ) -> DbResult<()> {
        let mut held: HashMap<UserId, u64> = HashMap::new();
        let now = now_ms();
        for item in self.reservations.iter() {
            let (key, bytes) = item?;
            let reservation: Reservation = decode("reservations", &key, &bytes)?;
            *held.entry(reservation.user).or_default() += reservation.amount;
            let in_flight = in_flight_ms.is_some_and(|limit| now - reservation.at_ms < limit);
            if !in_flight {
                violations.push(format!(
                    "reservation {} of user {} ({} points) is orphaned",
                    reservation.id, reservation.user, reservation.amount
                ));
            }
        }
        for item in self.accounts.iter() {
            let (key, bytes) = item?;
            let account: PointsAccount = decode("accounts", &key, &bytes)?;
            let user = UserId(key_id("accounts", &key)?);
            let reservations = held.get(&user).copied().unwrap_or(0);
            // A running server may move between the two reads: only a stopped one is exact.
            if in_flight_ms.is_none() && account.reserved != reservations {
                violations.push(format!(
                    "user {user} has {} reserved but reservations hold {reservations}",
                    account.reserved
                ));
            }
        }
        Ok(())
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
    if account.reserved > account.balance {
        violations.push(format!(
            "user {user}: {} reserved exceeds the balance {}",
            account.reserved, account.balance
        ));
    }
}
