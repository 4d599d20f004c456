//! The promotion: a one-time top-up a student claims while their balance is low, and the
//! sign-up bonus. Both are `PROMO` ledger entries written in the same transaction as what
//! they record (the claim, the account), so neither is ever given twice or lost.

use super::batch::Tx;
use super::points::{account_in, EntryKind, LedgerTx};
use super::settings::{read_in, PromoConfig, PROMO};
use super::{abort, Db, DbError, DbResult, TxResult};
use storage::UserId;

/// The ledger reference of a claimed promotion.
pub const PROMO_REFERENCE: &str = "promo";
/// The ledger reference of a sign-up bonus.
pub const SIGNUP_REFERENCE: &str = "signup";

fn ledger<'a>(tx: &'a Tx<'_>) -> LedgerTx<'a> {
    LedgerTx {
        accounts: tx.accounts,
        ledger: tx.ledger,
    }
}

/// Credits a new account with the sign-up bonus (nothing when `bonus` is 0).
pub(super) fn signup_bonus_in(tx: &Tx<'_>, user: UserId, bonus: u64) -> TxResult<()> {
    if bonus == 0 {
        return Ok(());
    }
    let amount = i64::try_from(bonus).map_err(|_| abort(DbError::Corrupt("bonus".into())))?;
    let never = || DbError::Corrupt("a bonus cannot make a balance negative".into());
    ledger(tx).post(
        user,
        EntryKind::Promo,
        amount,
        SIGNUP_REFERENCE.into(),
        None,
        never,
    )?;
    Ok(())
}

impl Db {
    /// Whether `user` has claimed the promotion.
    pub fn promo_claimed(&self, user: UserId) -> DbResult<bool> {
        Ok(self.promo_claims.contains_key(user.to_be_bytes())?)
    }

    /// Whether `user` may claim the promotion now (for `GET /api/me`).
    pub fn promo_available(&self, user: UserId) -> DbResult<bool> {
        let promo = self.promo()?;
        // Most of the time there is no promotion: answer without reading the account.
        if !promo.active {
            return Ok(false);
        }
        let balance = self.account(user)?.balance;
        Ok(balance < promo.below && !self.promo_claimed(user)?)
    }

    /// Claims the promotion once; returns the balance after it.
    pub async fn claim_promo(&self, user: UserId) -> DbResult<u64> {
        self.write(move |tx| {
            let key = user.to_be_bytes();
            if tx.promo_claims.get(key)?.is_some() {
                return Err(abort(DbError::AlreadyUsed));
            }
            let promo: PromoConfig = read_in(tx.settings, PROMO)?.unwrap_or_default();
            if !promo.active {
                return Err(abort(DbError::PromoInactive));
            }
            if account_in(tx.accounts, user)?.balance >= promo.below {
                return Err(abort(DbError::BalanceTooHigh));
            }
            let amount = i64::try_from(promo.amount)
                .map_err(|_| abort(DbError::Corrupt("promo amount".into())))?;
            let never = || DbError::Corrupt("a promotion cannot make a balance negative".into());
            let reference = PROMO_REFERENCE.to_owned();
            let (entry, account) =
                ledger(tx).post(user, EntryKind::Promo, amount, reference, None, never)?;
            tx.promo_claims.insert(&key, &entry.id.to_be_bytes())?;
            Ok(account.balance)
        })
        .await
    }
}
