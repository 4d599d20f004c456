//! Password reset tokens and password changes. A token is handed out once, in a mail, and kept
//! only as its SHA-256; it works once, for [`RESET_TOKEN_TTL_MS`]. A reset and a change end
//! sessions in the same transaction that sets the new hash.

use super::mail_queue::{enqueue_in, NewMail};
use super::users::{read_in, store_in};
use super::{abort, decode, encode, now_ms, sessions, Db, DbError, DbResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use storage::UserId;

/// How long a reset link works.
pub const RESET_TOKEN_TTL_MS: i64 = 30 * 60 * 1000;
/// Reset mails one account gets per hour at most.
pub const MAX_RESET_MAILS_PER_HOUR: usize = 3;
const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ResetToken {
    user: UserId,
    expires_at_ms: i64,
    used: bool,
}

fn token_key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Db {
    /// Keeps `token` for `user` and queues `mail` with it, unless the account had
    /// [`MAX_RESET_MAILS_PER_HOUR`] already; returns whether a mail was queued.
    pub async fn request_password_reset(
        &self,
        user: UserId,
        token: &str,
        mail: NewMail,
    ) -> DbResult<bool> {
        let key = token_key(token);
        let queued = self.queued_mails();
        self.write(move |tx| {
            let now = now_ms();
            let log_key = user.to_be_bytes();
            let mut sent: Vec<i64> = match tx.reset_mail_log.get(log_key)? {
                Some(bytes) => decode("reset_mail_log", &log_key, &bytes).map_err(abort)?,
                None => Vec::new(),
            };
            sent.retain(|at| now - at < HOUR_MS);
            if sent.len() >= MAX_RESET_MAILS_PER_HOUR {
                return Ok(false);
            }
            sent.push(now);
            tx.reset_mail_log.insert(&log_key, encode(&sent))?;
            let token = ResetToken {
                user,
                expires_at_ms: now + RESET_TOKEN_TTL_MS,
                used: false,
            };
            tx.reset_tokens.insert(&key, encode(&token))?;
            enqueue_in(tx, queued, &mail)?;
            Ok(true)
        })
        .await
        .inspect(|&queued| {
            if queued {
                self.mail_added().notify_one();
            }
        })
    }

    /// Sets a new password with a reset token (once, in time) and ends every session.
    pub async fn confirm_password_reset(
        &self,
        token: &str,
        password_hash: String,
    ) -> DbResult<UserId> {
        let key = token_key(token);
        let user = match self.reset_tokens.get(key)? {
            Some(bytes) => decode::<ResetToken>("reset_tokens", &key, &bytes)?.user,
            None => return Err(DbError::InvalidToken),
        };
        let sessions = self.session_keys_of(user)?;
        self.write(move |tx| {
            let mut token: ResetToken = match tx.reset_tokens.get(key)? {
                Some(bytes) => decode("reset_tokens", &key, &bytes).map_err(abort)?,
                None => return Err(abort(DbError::InvalidToken)),
            };
            if token.used || now_ms() >= token.expires_at_ms {
                return Err(abort(DbError::InvalidToken));
            }
            token.used = true;
            tx.reset_tokens.insert(&key, encode(&token))?;
            let mut record =
                read_in(tx.users, token.user)?.ok_or_else(|| abort(DbError::InvalidToken))?;
            record.password_hash = password_hash.clone();
            store_in(tx, &record)?;
            sessions::end_in(tx, &sessions)?;
            Ok(token.user)
        })
        .await
    }

    /// Sets a new password for a signed-in user and ends their other sessions.
    pub async fn change_password(
        &self,
        user: UserId,
        current_token: &str,
        password_hash: String,
    ) -> DbResult<()> {
        let others = self.other_session_keys(user, current_token)?;
        self.write(move |tx| {
            let mut record =
                read_in(tx.users, user)?.ok_or_else(|| abort(DbError::UserGone(user)))?;
            record.password_hash = password_hash.clone();
            store_in(tx, &record)?;
            sessions::end_in(tx, &others)
        })
        .await
    }
}
