//! Saved match replies for `Idempotency-Key`: how the first request with a key ended, kept 24
//! hours, so a retried or double-clicked match is answered the same and never charged twice.
//! Typed: a match is saved as its id and the balance after it (the reply is rebuilt from the
//! match record), a refusal as which one it was.

use super::{decode, encode, now_ms, Db, DbResult, TxResult};
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;
use storage::UserId;

/// How long a reply is kept.
pub const REPLY_TTL_MS: i64 = 24 * 3600 * 1000;

/// A refusal worth answering again: the request was wrong for the data, so asking again with
/// the same key gets the same answer. (A matcher outage is not kept: a retry tries again.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    ProfileRequired,
    MatchLimit(u64),
    InsufficientPoints,
    NoCandidate,
}

/// How the first request with a key ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SavedOutcome {
    Matched { match_id: u64, balance: u64 },
    Refused(Refusal),
}

/// The outcome with what identifies the request it answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedReply {
    /// The canonical request (its options), to detect a key reused for another request.
    pub fingerprint: String,
    pub outcome: SavedOutcome,
    pub at_ms: i64,
}

/// An `Idempotency-Key` of one user and the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRequest {
    pub key: String,
    pub fingerprint: String,
}

fn reply_key(user: UserId, key: &str) -> Vec<u8> {
    let mut bytes = user.to_be_bytes().to_vec();
    bytes.extend_from_slice(key.as_bytes());
    bytes
}

/// Saves `outcome` for `request` inside a transaction (with the change it reports).
pub fn save_in(
    tree: &TransactionalTree,
    user: UserId,
    request: &KeyedRequest,
    outcome: SavedOutcome,
) -> TxResult<()> {
    let reply = SavedReply {
        fingerprint: request.fingerprint.clone(),
        outcome,
        at_ms: now_ms(),
    };
    tree.insert(reply_key(user, &request.key), encode(&reply))?;
    Ok(())
}

impl Db {
    /// The saved reply for `user`'s `key`, unless it has expired.
    pub fn saved_reply(&self, user: UserId, key: &str) -> DbResult<Option<SavedReply>> {
        let db_key = reply_key(user, key);
        let Some(bytes) = self.match_replies.get(&db_key)? else {
            return Ok(None);
        };
        let reply: SavedReply = decode("match_replies", &db_key, &bytes)?;
        Ok((now_ms() - reply.at_ms < REPLY_TTL_MS).then_some(reply))
    }

    /// Keeps a refusal for `request`, durably.
    pub async fn save_refusal(
        &self,
        user: UserId,
        request: KeyedRequest,
        refusal: Refusal,
    ) -> DbResult<()> {
        self.write(move |tx| {
            save_in(
                tx.match_replies,
                user,
                &request,
                SavedOutcome::Refused(refusal),
            )
        })
        .await
    }

    /// Deletes expired replies; returns how many.
    pub fn sweep_replies(&self) -> DbResult<usize> {
        let now = now_ms();
        let mut swept = 0;
        for item in self.match_replies.iter() {
            let (key, bytes) = item?;
            let reply: SavedReply = decode("match_replies", &key, &bytes)?;
            if now - reply.at_ms >= REPLY_TTL_MS {
                self.match_replies.remove(key)?;
                swept += 1;
            }
        }
        Ok(swept)
    }
}
