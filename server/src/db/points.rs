//! The points ledger: per user a balance and append-only entries, changed together in one
//! transaction; match prices are first reserved (held apart, not an entry), then spent or
//! released.

use super::ops_audit::{self, Actor, OpsAction};
use super::{abort, decode, encode, key_id, now_ms, pair_key, Db, DbError, DbResult, TxResult};
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;
use storage::UserId;

/// The most entries one page of `GET /api/me/points` returns.
pub const MAX_PAGE: usize = 100;
/// The largest single operator correction, either way.
pub const MAX_ADJUST: i64 = 1_000_000;

/// A user's points. `reserved` is held for matches in flight: spendable is balance − reserved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsAccount {
    pub balance: u64,
    pub reserved: u64,
}

impl PointsAccount {
    /// What `user` may still spend: balance − reserved. Reserved never exceeds the balance (a
    /// reservation takes only available points, and [`LedgerTx::post`] never takes the
    /// balance below what is reserved); a record that breaks this is reported, not wrapped.
    pub fn available(&self, user: UserId) -> DbResult<u64> {
        self.balance.checked_sub(self.reserved).ok_or_else(|| {
            DbError::Corrupt(format!(
                "user {user} has {} reserved, more than the balance {}",
                self.reserved, self.balance
            ))
        })
    }
}

/// `CHARGE` (+, approved charge), `ADJUST` (±, operator), `MATCH` (−, a price), `REFUND` (+),
/// `PROMO` (+, a promotion or sign-up bonus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EntryKind {
    Charge,
    Adjust,
    Match,
    Refund,
    /// A promotion or sign-up bonus (+).
    Promo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub id: u64,
    pub kind: EntryKind,
    pub amount: i64,
    pub balance_after: u64,
    pub at_ms: i64,
    /// The charge or match this entry belongs to, or the operator for `ADJUST`.
    pub reference: String,
    pub reason: Option<String>,
}

/// Points held for one match request in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub id: u64,
    pub user: UserId,
    pub amount: u64,
    pub at_ms: i64,
}

pub fn account_in(accounts: &TransactionalTree, user: UserId) -> TxResult<PointsAccount> {
    let key = user.to_be_bytes();
    match accounts.get(key)? {
        Some(bytes) => decode("accounts", &key, &bytes).map_err(abort),
        None => Ok(PointsAccount::default()),
    }
}

/// The entries' tree and the accounts' tree of one transaction.
pub struct LedgerTx<'a> {
    pub accounts: &'a TransactionalTree,
    pub ledger: &'a TransactionalTree,
}

impl LedgerTx<'_> {
    /// Moves `user`'s balance by `amount` and appends the entry; aborts with `negative` if the
    /// balance would drop below what is reserved (so below zero, too).
    pub fn post(
        &self,
        user: UserId,
        kind: EntryKind,
        amount: i64,
        reference: String,
        reason: Option<String>,
        negative: impl FnOnce() -> DbError,
    ) -> TxResult<(LedgerEntry, PointsAccount)> {
        let mut account = account_in(self.accounts, user)?;
        let balance = i128::from(account.balance) + i128::from(amount);
        if balance < i128::from(account.reserved) {
            return Err(abort(negative()));
        }
        account.balance = u64::try_from(balance).expect("non-negative, checked above");
        let entry = LedgerEntry {
            id: self.ledger.generate_id()?,
            kind,
            amount,
            balance_after: account.balance,
            at_ms: now_ms(),
            reference,
            reason,
        };
        self.ledger
            .insert(&pair_key(user.0, entry.id), encode(&entry))?;
        self.accounts
            .insert(&user.to_be_bytes(), encode(&account))?;
        Ok((entry, account))
    }
}

impl Db {
    pub fn account(&self, user: UserId) -> DbResult<PointsAccount> {
        let key = user.to_be_bytes();
        match self.accounts.get(key)? {
            Some(bytes) => decode("accounts", &key, &bytes),
            None => Ok(PointsAccount::default()),
        }
    }

    /// Newest-first entries of `user`, older than entry `before` when given.
    pub fn entries(
        &self,
        user: UserId,
        before: Option<u64>,
        limit: usize,
    ) -> DbResult<Vec<LedgerEntry>> {
        let start = pair_key(user.0, 0);
        let end = pair_key(user.0, before.unwrap_or(u64::MAX));
        let mut entries = Vec::with_capacity(limit.min(MAX_PAGE));
        for item in self
            .ledger
            .range(start..end)
            .rev()
            .take(limit.min(MAX_PAGE))
        {
            let (key, bytes) = item?;
            entries.push(decode("ledger", &key, &bytes)?);
        }
        Ok(entries)
    }

    /// Holds `amount` of `user`'s points for a match in flight; 402 when they lack them.
    pub async fn reserve(&self, user: UserId, amount: u64) -> DbResult<Reservation> {
        let reservation = Reservation {
            id: self.generate_id()?,
            user,
            amount,
            at_ms: now_ms(),
        };
        let record = encode(&reservation);
        self.write(move |tx| {
            let mut account = account_in(tx.accounts, user)?;
            if account.available(user).map_err(abort)? < amount {
                return Err(abort(DbError::InsufficientPoints));
            }
            account.reserved += amount;
            tx.accounts.insert(&user.to_be_bytes(), encode(&account))?;
            tx.reservations
                .insert(&reservation.id.to_be_bytes(), record.clone())?;
            Ok(())
        })
        .await?;
        Ok(reservation)
    }

    /// Gives a reservation back untouched (no candidate, matcher error or timeout).
    pub async fn release(&self, reservation: &Reservation) -> DbResult<()> {
        let id = reservation.id;
        self.write(move |tx| release_in(tx.accounts, tx.reservations, id))
            .await
    }

    /// Releases every reservation: at start-up, any left over belonged to a crashed process.
    pub async fn release_all_reservations(&self) -> DbResult<usize> {
        let mut released = 0;
        for item in self.reservations.iter() {
            let (key, _) = item?;
            let id = key_id("reservations", &key)?;
            self.write(move |tx| release_in(tx.accounts, tx.reservations, id))
                .await?;
            released += 1;
        }
        Ok(released)
    }

    /// An operator's correction; refused (422) if the balance would fall below zero (or below
    /// what is reserved for matches in flight).
    pub async fn adjust_points(
        &self,
        user: UserId,
        delta: i64,
        reason: &str,
        operator: UserId,
    ) -> DbResult<PointsAccount> {
        let reason = reason.to_owned();
        let (_, account) = self
            .write(move |tx| {
                ops_audit::record_in(
                    tx.ops_audit,
                    Actor(operator),
                    OpsAction::AdjustPoints,
                    user.to_string(),
                    Some(reason.clone()),
                    Some(format!("{delta:+}")),
                )?;
                let ledger = LedgerTx {
                    accounts: tx.accounts,
                    ledger: tx.ledger,
                };
                ledger.post(
                    user,
                    EntryKind::Adjust,
                    delta,
                    operator.to_string(),
                    Some(reason.clone()),
                    || DbError::BalanceWouldBeNegative,
                )
            })
            .await?;
        Ok(account)
    }
}

/// Releases reservation `id` if it still exists.
pub fn release_in(
    accounts: &TransactionalTree,
    reservations: &TransactionalTree,
    id: u64,
) -> TxResult<()> {
    let key = id.to_be_bytes();
    let Some(bytes) = reservations.remove(&key)? else {
        return Ok(());
    };
    let reservation: Reservation = decode("reservations", &key, &bytes).map_err(abort)?;
    let mut account = account_in(accounts, reservation.user)?;
    account.reserved = account
        .reserved
        .checked_sub(reservation.amount)
        .ok_or_else(|| {
            abort(DbError::Corrupt(format!(
                "reservation {id} exceeds the reserved total of user {}",
                reservation.user
            )))
        })?;
    accounts.insert(&reservation.user.to_be_bytes(), encode(&account))?;
    Ok(())
}
