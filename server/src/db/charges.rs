//! Charge requests: a student asks for points after a bank transfer; an operator approves
//! (credits exactly once, whatever races) or rejects. One pending charge per user.

use super::ops_audit::{self, Actor, OpsAction};
use super::points::{EntryKind, LedgerTx};
use super::{
    abort, decode, encode, key_id, now_ms, pair_key, pair_second, Db, DbError, DbResult, TxResult,
};
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;
use storage::UserId;

/// The most charges listed at once.
pub const MAX_LISTED_CHARGES: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChargeStatus {
    Pending,
    Approved,
    Rejected,
    Cancelled,
}

/// What is done to a pending charge, and so who may do it: an operator approves (crediting
/// the points) or rejects; only the charge's owner cancels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    Cancel,
}

impl Decision {
    /// The status the charge ends in.
    pub fn status(self) -> ChargeStatus {
        match self {
            Self::Approve => ChargeStatus::Approved,
            Self::Reject => ChargeStatus::Rejected,
            Self::Cancel => ChargeStatus::Cancelled,
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Cancel => "cancel",
        }
    }

    /// The operator action it is recorded as; a student's cancellation is not one.
    fn audited_as(self) -> Option<OpsAction> {
        match self {
            Self::Approve => Some(OpsAction::ApproveCharge),
            Self::Reject => Some(OpsAction::RejectCharge),
            Self::Cancel => None,
        }
    }
}

impl ChargeStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeRecord {
    pub id: u64,
    pub user_id: UserId,
    pub amount: u64,
    pub depositor_name: String,
    pub status: ChargeStatus,
    pub at_ms: i64,
    pub decided_at_ms: Option<i64>,
    pub decided_by: Option<UserId>,
}

fn charge_in(charges: &TransactionalTree, id: u64) -> TxResult<ChargeRecord> {
    let key = id.to_be_bytes();
    let bytes = charges
        .get(key)?
        .ok_or_else(|| abort(DbError::NotFound("charge")))?;
    decode("charges", &key, &bytes).map_err(abort)
}

impl Db {
    /// Opens a pending charge; 409 when the user already has one.
    pub async fn create_charge(
        &self,
        user: UserId,
        amount: u64,
        depositor_name: &str,
    ) -> DbResult<ChargeRecord> {
        let charge = ChargeRecord {
            id: self.generate_id()?,
            user_id: user,
            amount,
            depositor_name: depositor_name.to_owned(),
            status: ChargeStatus::Pending,
            at_ms: now_ms(),
            decided_at_ms: None,
            decided_by: None,
        };
        let (id, record) = (charge.id, encode(&charge));
        self.write(move |tx| {
            if tx.pending_by_user.get(user.to_be_bytes())?.is_some() {
                return Err(abort(DbError::ChargePending));
            }
            tx.charges.insert(&id.to_be_bytes(), record.clone())?;
            tx.user_charges.insert(&pair_key(user.0, id), &[])?;
            tx.pending_charges
                .insert(&id.to_be_bytes(), &user.to_be_bytes())?;
            tx.pending_by_user
                .insert(&user.to_be_bytes(), &id.to_be_bytes())?;
            // The depositor name is searchable.
            tx.user_changed(user);
            Ok(())
        })
        .await?;
        Ok(charge)
    }

    /// Moves a charge out of PENDING as `decision` says, by `by` (an operator, or for
    /// [`Decision::Cancel`] the owner: anyone else is told it does not exist). Repeating the
    /// same decision answers the charge again and changes nothing; a different decision on a
    /// decided charge is refused.
    pub async fn decide_charge(
        &self,
        id: u64,
        decision: Decision,
        by: UserId,
    ) -> DbResult<ChargeRecord> {
        self.write(move |tx| {
            let mut charge = charge_in(tx.charges, id)?;
            if decision == Decision::Cancel && charge.user_id != by {
                return Err(abort(DbError::NotFound("charge")));
            }
            let to = decision.status();
            if charge.status == to {
                return Ok(charge);
            }
            if charge.status != ChargeStatus::Pending {
                return Err(abort(DbError::ChargeDecided {
                    action: decision.verb(),
                    status: charge.status.as_str(),
                }));
            }
            charge.status = to;
            charge.decided_at_ms = Some(now_ms());
            charge.decided_by = Some(by);
            if decision == Decision::Approve {
                credit_in(tx, &charge)?;
            }
            if let Some(action) = decision.audited_as() {
                let detail = Some(format!(
                    "user {} · {} points",
                    charge.user_id, charge.amount
                ));
                let target = charge.id.to_string();
                ops_audit::record_in(tx.ops_audit, Actor(by), action, target, None, detail)?;
            }
            tx.charges.insert(&id.to_be_bytes(), encode(&charge))?;
            tx.pending_charges.remove(&id.to_be_bytes())?;
            tx.pending_by_user.remove(&charge.user_id.to_be_bytes())?;
            Ok(charge)
        })
        .await
    }

    pub fn charge(&self, id: u64) -> DbResult<Option<ChargeRecord>> {
        let key = id.to_be_bytes();
        self.charges
            .get(key)?
            .map(|b| decode("charges", &key, &b))
            .transpose()
    }

    /// `user`'s charges, newest first.
    pub fn charges_of(&self, user: UserId) -> DbResult<Vec<ChargeRecord>> {
        let mut list = Vec::new();
        for item in self
            .user_charges
            .scan_prefix(user.to_be_bytes())
            .rev()
            .take(MAX_LISTED_CHARGES)
        {
            let (key, _) = item?;
            let id = pair_second(&key).ok_or_else(|| {
                DbError::Corrupt(format!("user_charges key {}", super::error::key_text(&key)))
            })?;
            list.extend(self.charge(id)?);
        }
        Ok(list)
    }

    /// Pending charges, oldest first.
    pub fn pending_charges(&self) -> DbResult<Vec<ChargeRecord>> {
        let mut list = Vec::new();
        for item in self.pending_charges.iter().take(MAX_LISTED_CHARGES) {
            let (key, _) = item?;
            list.extend(self.charge(key_id("pending_charges", &key)?)?);
        }
        Ok(list)
    }

    /// How many charges wait for an operator.
    pub fn pending_charge_count(&self) -> usize {
        self.pending_charges.len()
    }
}

/// Credits an approved charge: one `CHARGE` entry.
pub(super) fn credit_in(tx: &super::batch::Tx<'_>, charge: &ChargeRecord) -> TxResult<()> {
    let amount = i64::try_from(charge.amount)
        .map_err(|_| abort(DbError::Corrupt(format!("charge {} amount", charge.id))))?;
    let ledger = LedgerTx {
        accounts: tx.accounts,
        ledger: tx.ledger,
    };
    ledger.post(
        charge.user_id,
        EntryKind::Charge,
        amount,
        charge.id.to_string(),
        None,
        || DbError::Corrupt(format!("crediting charge {} went negative", charge.id)),
    )?;
    Ok(())
}
