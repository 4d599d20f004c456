//! Saved replies for `Idempotency-Key`: the first reply to a key is returned again for 24
//! hours, so a retried or double-clicked match is never charged twice.

use super::{decode, encode, now_ms, Db, TxResult};
use crate::error::ApiResult;
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;
use storage::UserId;

/// How long a reply is kept.
pub const REPLY_TTL_MS: i64 = 24 * 3600 * 1000;

/// A reply as first sent, with what identifies the request it answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedReply {
    /// The canonical request (its options), to detect a key reused for another request.
    pub fingerprint: String,
    pub status: u16,
    pub body: serde_json::Value,
    pub at_ms: i64,
}

fn reply_key(user: UserId, key: &str) -> Vec<u8> {
    let mut bytes = user.to_be_bytes().to_vec();
    bytes.extend_from_slice(key.as_bytes());
    bytes
}

/// Saves `reply` inside a transaction (with the change it reports).
pub fn save_in(
    tree: &TransactionalTree,
    user: UserId,
    key: &str,
    reply: &SavedReply,
) -> TxResult<()> {
    tree.insert(reply_key(user, key), encode(reply))?;
    Ok(())
}

impl Db {
    /// The saved reply for `user`'s `key`, unless it has expired.
    pub fn saved_reply(&self, user: UserId, key: &str) -> ApiResult<Option<SavedReply>> {
        let Some(bytes) = self.idempotency.get(reply_key(user, key))? else {
            return Ok(None);
        };
        let reply: SavedReply = decode(&bytes)?;
        Ok((now_ms() - reply.at_ms < REPLY_TTL_MS).then_some(reply))
    }

    pub fn save_reply(&self, user: UserId, key: &str, reply: &SavedReply) -> ApiResult<()> {
        self.idempotency
            .insert(reply_key(user, key), encode(reply))?;
        Ok(())
    }

    /// Deletes expired replies; returns how many.
    pub fn sweep_replies(&self) -> ApiResult<usize> {
        let now = now_ms();
        let mut swept = 0;
        for item in self.idempotency.iter() {
            let (key, bytes) = item?;
            let reply: SavedReply = decode(&bytes)?;
            if now - reply.at_ms >= REPLY_TTL_MS {
                self.idempotency.remove(key)?;
                swept += 1;
            }
        }
        Ok(swept)
    }
}
