//! Operator sign-ups waiting for an admin: `operator_requests` holds (user → when) while
//! pending; a decision changes the user and writes the audit trail in one transaction.

use super::ops_audit::{self, Actor, OpsAction};
use super::users::{read_in, store_in, OperatorRequest, Role, UserRecord};
use super::{abort, key_id, Db, DbError, DbResult};
use storage::UserId;

/// Requests listed at most.
pub const MAX_LISTED_REQUESTS: usize = 200;

impl Db {
    /// Pending operator sign-ups with when they asked, oldest first.
    pub fn operator_requests(&self) -> DbResult<Vec<(UserRecord, i64)>> {
        let mut pending = Vec::new();
        for item in self.operator_requests.iter() {
            let (key, at) = item?;
            let id = UserId(key_id("operator_requests", &key)?);
            let at =
                i64::from_be_bytes(at.as_ref().try_into().map_err(|_| {
                    DbError::Corrupt(format!("operator request of {id}: not a time"))
                })?);
            if let Some(user) = self.user(id)? {
                pending.push((user, at));
            }
        }
        pending.sort_by_key(|(_, at)| *at);
        pending.truncate(MAX_LISTED_REQUESTS);
        Ok(pending)
    }

    /// Approves (the user becomes an operator at once) or rejects a pending request.
    pub async fn decide_operator_request(
        &self,
        user: UserId,
        approve: bool,
        admin: Actor,
    ) -> DbResult<UserRecord> {
        self.write(move |tx| {
            let key = user.to_be_bytes();
            if tx.operator_requests.remove(&key)?.is_none() {
                return Err(abort(DbError::NotFound("operator request")));
            }
            let mut record =
                read_in(tx.users, user)?.ok_or_else(|| abort(DbError::UserGone(user)))?;
            let action = if approve {
                record.role = Role::Operator;
                record.operator_request = None;
                OpsAction::ApproveOperator
            } else {
                record.operator_request = Some(OperatorRequest::Rejected);
                OpsAction::RejectOperator
            };
            store_in(tx, &record)?;
            ops_audit::record_in(tx.ops_audit, admin, action, user.to_string(), None, None)?;
            Ok(record)
        })
        .await
    }
}
