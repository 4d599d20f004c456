//! The operator audit trail: who did what to whom, why and when. Each entry is written in the
//! same transaction as the action it records.

use super::{decode, encode, now_ms, Db, DbResult, TxResult};
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;
use storage::UserId;

/// The most entries one page returns.
pub const MAX_PAGE: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OpsAction {
    ApproveCharge,
    RejectCharge,
    AdjustPoints,
    Ban,
    Unban,
    SetRole,
    /// Cash taken at the booth and credited (a charge approved on the spot).
    BoothCharge,
    ApproveOperator,
    RejectOperator,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsAuditEntry {
    pub id: u64,
    pub at_ms: i64,
    pub actor: UserId,
    pub action: OpsAction,
    /// The user (or charge) acted on.
    pub target: String,
    pub reason: Option<String>,
    /// What changed, e.g. the delta or the new role.
    pub detail: Option<String>,
}

/// Who acts, for the trail.
#[derive(Debug, Clone, Copy)]
pub struct Actor(pub UserId);

/// Records an action inside the transaction that performs it.
pub fn record_in(
    tree: &TransactionalTree,
    actor: Actor,
    action: OpsAction,
    target: String,
    reason: Option<String>,
    detail: Option<String>,
) -> TxResult<()> {
    let entry = OpsAuditEntry {
        id: tree.generate_id()?,
        at_ms: now_ms(),
        actor: actor.0,
        action,
        target,
        reason,
        detail,
    };
    tree.insert(&entry.id.to_be_bytes(), encode(&entry))?;
    Ok(())
}

impl Db {
    /// Newest first.
    pub fn ops_audit_entries(&self, limit: usize) -> DbResult<Vec<OpsAuditEntry>> {
        let mut entries = Vec::new();
        for item in self.ops_audit.iter().rev().take(limit.min(MAX_PAGE)) {
            let (key, bytes) = item?;
            entries.push(decode("ops_audit", &key, &bytes)?);
        }
        Ok(entries)
    }
}
