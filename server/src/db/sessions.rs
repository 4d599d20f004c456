//! Sessions: 256 random bits handed to the client once and stored only as a SHA-256 hash,
//! with their user and last use; they end after an idle period.

use super::batch::Tx;
use super::{decode, encode, now_ms, Db, DbResult, TxResult};
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use storage::UserId;

/// A session's last use is written at most this often (reads need not write every time).
const TOUCH_INTERVAL_MS: i64 = 60_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRecord {
    pub user_id: UserId,
    pub created_at_ms: i64,
    pub last_seen_ms: i64,
    /// "로그인 유지": the session lasts `remember_ms` however idle.
    #[serde(default)]
    pub remember: bool,
}

/// When a session ends: after `idle_ms` without use (or `remember_ms` after it began when
/// remembered), and in any case `lifetime_ms` after it began.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub idle_ms: i64,
    pub remember_ms: i64,
    pub lifetime_ms: i64,
}

impl SessionLimits {
    fn ended(&self, record: &SessionRecord, now: i64) -> bool {
        let age = now - record.created_at_ms;
        let idle_out = if record.remember {
            age > self.remember_ms
        } else {
            now - record.last_seen_ms > self.idle_ms
        };
        idle_out || age > self.lifetime_ms
    }
}

/// One of a user's sessions, for the settings screen.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// A short, stable handle: the first bytes of the token's hash, in hex.
    pub id: String,
    pub current: bool,
    pub record: SessionRecord,
}

/// A fresh token (URL-safe base64 of 32 random bytes).
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token.
fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Db {
    /// Starts a session for `user`; returns the token for the cookie.
    pub async fn create_session(&self, user: UserId) -> DbResult<String> {
        self.start_session(user, false).await
    }

    /// Starts a session, remembered ("로그인 유지") or not; returns the token for the cookie.
    pub async fn start_session(&self, user: UserId, remember: bool) -> DbResult<String> {
        let token = new_token();
        let hash = token_hash(&token);
        let now = now_ms();
        let record = SessionRecord {
            user_id: user,
            created_at_ms: now,
            last_seen_ms: now,
            remember,
        };
        let (index_key, record) = (session_index_key(user, &hash), encode(&record));
        self.write(move |tx| {
            tx.sessions.insert(&hash, record.clone())?;
            tx.user_sessions.insert(&index_key[..], &[])?;
            Ok(())
        })
        .await?;
        Ok(token)
    }

    /// The user of a live session; an ended one (idle, or past its lifetime) is deleted and
    /// answers `None`.
    pub fn session_user(&self, token: &str, limits: SessionLimits) -> DbResult<Option<UserId>> {
        let hash = token_hash(token);
        let Some(bytes) = self.sessions.get(hash)? else {
            return Ok(None);
        };
        let mut record: SessionRecord = decode("sessions", &hash, &bytes)?;
        let now = now_ms();
        if limits.ended(&record, now) {
            // Not flushed: a lost delete is swept again, and the session is idle either way.
            self.remove_session(&hash)?;
            return Ok(None);
        }
        if now - record.last_seen_ms > TOUCH_INTERVAL_MS {
            record.last_seen_ms = now;
            // A lost touch only shortens the session; it needs no flush and no transaction.
            self.sessions
                .compare_and_swap(hash, Some(bytes), Some(encode(&record)))?
                .ok();
        }
        Ok(Some(record.user_id))
    }

    /// `user`'s sessions, newest first; `current_token`'s is marked.
    pub fn sessions_of(&self, user: UserId, current_token: &str) -> DbResult<Vec<SessionInfo>> {
        let current = token_hash(current_token);
        let mut list = Vec::new();
        for key in self.session_keys_of(user)? {
            let hash = &key[8..];
            let Some(bytes) = self.sessions.get(hash)? else {
                continue;
            };
            let record: SessionRecord = decode("sessions", hash, &bytes)?;
            let id = hash[..6].iter().map(|b| format!("{b:02x}")).collect();
            list.push(SessionInfo {
                id,
                current: hash == current,
                record,
            });
        }
        list.sort_by_key(|s| std::cmp::Reverse(s.record.created_at_ms));
        Ok(list)
    }

    /// Ends every session of `user` but `current_token`'s.
    pub async fn end_other_sessions(&self, user: UserId, current_token: &str) -> DbResult<()> {
        let others = self.other_session_keys(user, current_token)?;
        self.write(move |tx| end_in(tx, &others)).await
    }

    /// Logs out: the session is gone from disk when this returns.
    pub async fn end_session(&self, token: &str) -> DbResult<()> {
        self.remove_session(&token_hash(token))?;
        self.durable().await
    }

    fn remove_session(&self, hash: &[u8; 32]) -> DbResult<()> {
        if let Some(bytes) = self.sessions.remove(hash)? {
            let record: SessionRecord = decode("sessions", hash, &bytes)?;
            self.user_sessions
                .remove(session_index_key(record.user_id, hash))?;
        }
        Ok(())
    }

    /// The keys of `user`'s sessions, for [`end_in`] in the transaction that ends them.
    /// `user`'s sessions but the one of `current_token`.
    pub(super) fn other_session_keys(
        &self,
        user: UserId,
        current_token: &str,
    ) -> DbResult<Vec<sled::IVec>> {
        let current = session_index_key(user, &token_hash(current_token));
        let all = self.session_keys_of(user)?;
        Ok(all
            .into_iter()
            .filter(|key| key[..] != current[..])
            .collect())
    }

    pub(super) fn session_keys_of(&self, user: UserId) -> DbResult<Vec<sled::IVec>> {
        self.user_sessions
            .scan_prefix(user.to_be_bytes())
            .keys()
            .map(|key| Ok(key?))
            .collect()
    }

    /// Deletes ended sessions; returns how many.
    pub fn sweep_sessions(&self, limits: SessionLimits) -> DbResult<usize> {
        let now = now_ms();
        let mut swept = 0;
        for item in self.sessions.iter() {
            let (hash, bytes) = item?;
            let record: SessionRecord = decode("sessions", &hash, &bytes)?;
            if limits.ended(&record, now) {
                self.sessions.remove(&hash)?;
                self.user_sessions
                    .remove(session_index_key(record.user_id, &hash))?;
                swept += 1;
            }
        }
        Ok(swept)
    }
}

/// Ends the sessions `keys` (from [`Db::session_keys_of`]) inside the caller's transaction:
/// a ban, a withdrawal or new credentials end them in the same commit.
pub(super) fn end_in(tx: &Tx<'_>, keys: &[sled::IVec]) -> TxResult<()> {
    for key in keys {
        tx.sessions.remove(&key[8..])?;
        tx.user_sessions.remove(key)?;
    }
    Ok(())
}

fn session_index_key(user: UserId, hash: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + hash.len());
    key.extend_from_slice(&user.to_be_bytes());
    key.extend_from_slice(hash);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Idle for `idle_ms`, lifetime an hour.
    fn idle_after(idle_ms: i64) -> SessionLimits {
        SessionLimits {
            idle_ms,
            remember_ms: 3_600_000,
            lifetime_ms: 3_600_000,
        }
    }

    #[tokio::test]
    async fn sessions_end_when_idle_logged_out_or_swept() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let (alice, bob) = (UserId(1), UserId(2));
        let token = db.create_session(alice).await.unwrap();
        assert_eq!(
            db.session_user(&token, idle_after(60_000)).unwrap(),
            Some(alice)
        );
        assert_eq!(db.session_user("forged", idle_after(60_000)).unwrap(), None);

        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(
            db.session_user(&token, idle_after(1)).unwrap(),
            None,
            "idle past the timeout"
        );
        assert_eq!(
            db.session_user(&token, idle_after(60_000)).unwrap(),
            None,
            "and deleted"
        );

        let kept = db.create_session(bob).await.unwrap();
        let logged_out = db.create_session(bob).await.unwrap();
        db.end_session(&logged_out).await.unwrap();
        assert_eq!(
            db.session_user(&logged_out, idle_after(60_000)).unwrap(),
            None
        );
        let idle = db.create_session(alice).await.unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(db.sweep_sessions(idle_after(60_000)).unwrap(), 0);
        assert_eq!(db.sweep_sessions(idle_after(1)).unwrap(), 2);
        assert_eq!(db.session_user(&idle, idle_after(60_000)).unwrap(), None);
        assert_eq!(db.session_user(&kept, idle_after(60_000)).unwrap(), None);
        assert!(db.user_sessions.is_empty(), "the index is cleaned too");

        let old = db.create_session(alice).await.unwrap();
        let short = SessionLimits {
            idle_ms: 60_000,
            remember_ms: 60_000,
            lifetime_ms: 1,
        };
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(
            db.session_user(&old, short).unwrap(),
            None,
            "past its lifetime"
        );
    }
}
