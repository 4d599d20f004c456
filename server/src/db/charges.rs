//! Charge requests: a student asks for points after a bank transfer; an operator approves
//! (credits exactly once, whatever races) or rejects. One pending charge per user.

use super::ops_audit::{self, Actor, OpsAction};
use super::points::{EntryKind, LedgerTx};
use super::{abort, decode, encode, now_ms, pair_key, pair_second, Db, TxResult};
use crate::error::{ApiError, ApiResult};
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
    let bytes = charges
        .get(id.to_be_bytes())?
        .ok_or_else(|| abort(ApiError::NotFound))?;
    decode(&bytes).map_err(abort)
}

fn conflict(charge: &ChargeRecord, action: &str) -> ApiError {
    let status = match charge.status {
        ChargeStatus::Pending => "pending",
        ChargeStatus::Approved => "approved",
        ChargeStatus::Rejected => "rejected",
        ChargeStatus::Cancelled => "cancelled",
    };
    ApiError::Conflict(format!("cannot {action} a charge that is {status}"))
}

impl Db {
    /// Opens a pending charge; 409 when the user already has one.
    pub async fn create_charge(
        &self,
        user: UserId,
        amount: u64,
        depositor_name: &str,
    ) -> ApiResult<ChargeRecord> {
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
                return Err(abort(ApiError::Conflict(
                    "a charge is already pending".into(),
                )));
            }
            tx.charges.insert(&id.to_be_bytes(), record.clone())?;
            tx.user_charges.insert(&pair_key(user.0, id), &[])?;
            tx.pending_charges
                .insert(&id.to_be_bytes(), &user.to_be_bytes())?;
            tx.pending_by_user
                .insert(&user.to_be_bytes(), &id.to_be_bytes())?;
            Ok(())
        })
        .await?;
        Ok(charge)
    }

    /// Moves a charge out of PENDING: `Some(operator)` approves (crediting the points) or
    /// rejects; `None` is the owner cancelling. Repeating the same decision answers the charge
    /// again and changes nothing; a different decision on a decided charge is 409.
    pub async fn decide_charge(
        &self,
        id: u64,
        to: ChargeStatus,
        by: UserId,
        owner_only: bool,
    ) -> ApiResult<ChargeRecord> {
        self.write(move |tx| {
            let (charges, pending, pending_by_user) =
                (tx.charges, tx.pending_charges, tx.pending_by_user);
            let (accounts, ledger, audit) = (tx.accounts, tx.ledger, tx.ops_audit);
            let mut charge = charge_in(charges, id)?;
            if owner_only && charge.user_id != by {
                return Err(abort(ApiError::NotFound));
            }
            if charge.status == to {
                return Ok(charge);
            }
            if charge.status != ChargeStatus::Pending {
                let action = match to {
                    ChargeStatus::Approved => "approve",
                    ChargeStatus::Rejected => "reject",
                    _ => "cancel",
                };
                return Err(abort(conflict(&charge, action)));
            }
            charge.status = to;
            charge.decided_at_ms = Some(now_ms());
            charge.decided_by = Some(by);
            if to == ChargeStatus::Approved {
                let amount = i64::try_from(charge.amount)
                    .map_err(|_| abort(ApiError::Internal(anyhow::anyhow!("amount"))))?;
                LedgerTx { accounts, ledger }.post(
                    charge.user_id,
                    EntryKind::Charge,
                    amount,
                    charge.id.to_string(),
                    None,
                    || ApiError::Internal(anyhow::anyhow!("a credit cannot go negative")),
                )?;
            }
            let action = match to {
                ChargeStatus::Approved => Some(OpsAction::ApproveCharge),
                ChargeStatus::Rejected => Some(OpsAction::RejectCharge),
                _ => None,
            };
            if let Some(action) = action {
                let detail = Some(format!(
                    "user {} · {} points",
                    charge.user_id, charge.amount
                ));
                ops_audit::record_in(
                    audit,
                    Actor(by),
                    action,
                    charge.id.to_string(),
                    None,
                    detail,
                )?;
            }
            charges.insert(&id.to_be_bytes(), encode(&charge))?;
            pending.remove(&id.to_be_bytes())?;
            pending_by_user.remove(&charge.user_id.to_be_bytes())?;
            Ok(charge)
        })
        .await
    }

    pub fn charge(&self, id: u64) -> ApiResult<Option<ChargeRecord>> {
        self.charges
            .get(id.to_be_bytes())?
            .map(|b| decode(&b))
            .transpose()
    }

    /// `user`'s charges, newest first.
    pub fn charges_of(&self, user: UserId) -> ApiResult<Vec<ChargeRecord>> {
        let mut list = Vec::new();
        for item in self
            .user_charges
            .scan_prefix(user.to_be_bytes())
            .rev()
            .take(MAX_LISTED_CHARGES)
        {
            let (key, _) = item?;
            let id = pair_second(&key).ok_or_else(|| anyhow::anyhow!("bad charge index key"))?;
            list.extend(self.charge(id)?);
        }
        Ok(list)
    }

    /// Pending charges, oldest first.
    pub fn pending_charges(&self) -> ApiResult<Vec<ChargeRecord>> {
        let mut list = Vec::new();
        for item in self.pending_charges.iter().take(MAX_LISTED_CHARGES) {
            let (key, _) = item?;
            let id = u64::from_be_bytes(
                key.as_ref()
                    .try_into()
                    .map_err(|_| anyhow::anyhow!("bad pending key"))?,
            );
            list.extend(self.charge(id)?);
        }
        Ok(list)
    }
}
