//! Who is banned, why, by whom and since when: one record per banned user, written in the
//! transaction that bans them and removed in the one that lifts it.

use super::{decode, encode, Db, DbResult, TxResult};
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

impl Db {
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
        for item in self.bans.iter().take(MAX_LISTED_BANS) {
            let (key, bytes) = item?;
            bans.push(decode::<BanRecord>("bans", &key, &bytes)?);
        }
        bans.sort_by_key(|b| std::cmp::Reverse(b.at_ms));
        Ok(bans)
    }
}
