//! Who is banned, why, by whom and since when: one record per banned user, written in the
//! transaction that bans them and removed in the one that lifts it.

use super::batch::Tx;
use super::ops_audit::{self, Actor, OpsAction};
use super::sessions;
use super::users::{read_in, store_and_queue_event_in, UserRecord};
use super::{abort, decode, encode, now_ms, Db, DbError, DbResult, TxResult};
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;
use storage::UserId;

/// Bans listed at most.
pub const MAX_LISTED_BANS: usize = 500;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BanRecord {
    pub user_id: UserId,
    pub reason: String,
    /// The operator who banned.
    pub by: UserId,
    pub at_ms: i64,
}

pub(super) fn put_in(bans: &TransactionalTree, record: &BanRecord) -> TxResult<()> {
    bans.insert(&record.user_id.to_be_bytes(), encode(record))?;
    Ok(())
}

pub(super) fn remove_in(bans: &TransactionalTree, user: UserId) -> TxResult<()> {
    bans.remove(&user.to_be_bytes())?;
    Ok(())
}

/// A ban or its lifting, by `actor`.
pub struct BanChange {
    pub id: UserId,
    pub banned: bool,
    pub actor: Actor,
    pub reason: Option<String>,
}

/// [`Db::set_banned`] inside a transaction (a report resolved with a ban runs it too).
pub(super) fn set_banned_in(
    tx: &Tx<'_>,
    change: &BanChange,
    sessions: &[sled::IVec],
) -> TxResult<UserRecord> {
    let (id, banned) = (change.id, change.banned);
    let mut user = read_in(tx.users, id)?.ok_or_else(|| abort(DbError::NotFound("user")))?;
    if user.banned != banned {
        user.banned = banned;
        store_and_queue_event_in(tx, &mut user)?;
        let action = if banned {
            OpsAction::Ban
        } else {
            OpsAction::Unban
        };
        let reason = change.reason.clone();
        ops_audit::record_in(
            tx.ops_audit,
            change.actor,
            action,
            id.to_string(),
            reason,
            None,
        )?;
    }
    if banned {
        let record = BanRecord {
            user_id: id,
            reason: change.reason.clone().unwrap_or_default(),
            by: change.actor.0,
            at_ms: now_ms(),
        };
        put_in(tx.bans, &record)?;
    } else {
        remove_in(tx.bans, id)?;
    }
    sessions::end_in(tx, sessions)?;
    Ok(user)
}

impl Db {
    /// Bans (with `reason`, required) or unbans a user: the user leaves or rejoins the pool,
    /// a ban ends every session in the same commit and is listed in `bans` until lifted.
    pub async fn set_banned(
        &self,
        id: UserId,
        banned: bool,
        actor: Actor,
        reason: Option<String>,
    ) -> DbResult<UserRecord> {
        let sessions = if banned {
            self.session_keys_of(id)?
        } else {
            Vec::new()
        };
        self.write(move |tx| {
            let change = BanChange {
                id,
                banned,
                actor,
                reason: reason.clone(),
            };
            set_banned_in(tx, &change, &sessions)
        })
        .await
    }

    /// Why `user` is banned, if they are.
    pub fn ban_of(&self, user: UserId) -> DbResult<Option<BanRecord>> {
        let key = user.to_be_bytes();
        self.bans
            .get(key)?
            .map(|bytes| decode("bans", &key, &bytes))
            .transpose()
    }

    /// Current bans, newest first (at most [`MAX_LISTED_BANS`]).
    pub fn bans(&self) -> DbResult<Vec<BanRecord>> {
        let mut bans = Vec::new();
        for item in self.bans.iter() {
            let (key, bytes) = item?;
            bans.push(decode::<BanRecord>("bans", &key, &bytes)?);
        }
        // Keyed by user, not time: the newest are known only once all are read.
        bans.sort_by_key(|b| std::cmp::Reverse(b.at_ms));
        bans.truncate(MAX_LISTED_BANS);
        Ok(bans)
    }
}
