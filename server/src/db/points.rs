//! The points ledger: per user a balance and append-only entries, changed together in one
//! transaction. A match's price is spent in the transaction that records the match.

use super::ops_audit::{self, Actor, OpsAction};
use super::{abort, decode, encode, now_ms, pair_key, Db, DbError, DbResult, TxResult};
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;
use storage::UserId;

/// The most entries one page of `GET /api/me/points` returns.
pub const MAX_PAGE: usize = 100;
/// The largest single operator correction, either way.
pub const MAX_ADJUST: i64 = 1_000_000;

/// A user's points. (Records written before a match and its charge shared one commit also
/// hold `reserved`: ignored, since it was never taken from the balance.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsAccount {
    pub balance: u64,
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
    /// balance would drop below zero.
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
        account.balance = u64::try_from(balance).map_err(|_| abort(negative()))?;
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

    /// An operator's correction; refused (422) if the balance would fall below zero.
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
