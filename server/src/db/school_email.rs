//! School e-mail verification: a 6-digit code by mail, kept as a hash, valid
//! [`CODE_TTL_MS`] for [`MAX_TRIES`] tries, one send per [`RESEND_AFTER_MS`]; a verified
//! address belongs to one account.

use super::mail_queue::{enqueue_in, NewMail};
use super::users::{read_in, store_in};
use super::{abort, decode, encode, now_ms, Db, DbError, DbResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use storage::UserId;

/// How long a code works.
pub const CODE_TTL_MS: i64 = 5 * 60 * 1000;
/// Wrong codes before the code stops working.
pub const MAX_TRIES: u32 = 5;
/// The least time between two codes for one account.
pub const RESEND_AFTER_MS: i64 = 60 * 1000;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingCode {
    email: String,
    code_sha256: [u8; 32],
    sent_at_ms: i64,
    tries: u32,
}

/// How a verification attempt ended.
pub enum Verified {
    /// Verified: the address now on the account.
    Yes(String),
    WrongCode,
    Expired,
}

/// The hash kept of `user`'s `code` (salted with the user, so equal codes differ).
fn code_hash(user: UserId, code: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(user.to_be_bytes());
    hasher.update(code.as_bytes());
    hasher.finalize().into()
}

impl Db {
    /// Keeps `code` for `user` and `email` and queues `mail` with it. Refused when another
    /// account verified `email` (409) or the last code went out under a minute ago (429).
    pub async fn send_school_code(
        &self,
        user: UserId,
        email: String,
        code: &str,
        mail: NewMail,
    ) -> DbResult<()> {
        let hash = code_hash(user, code);
        let queued = self.queued_mails();
        self.write(move |tx| {
            let key = user.to_be_bytes();
            if let Some(owner) = tx.school_emails.get(email.as_bytes())? {
                if owner.as_ref() != key {
                    return Err(abort(DbError::SchoolEmailTaken));
                }
            }
            if let Some(bytes) = tx.school_codes.get(key)? {
                let pending: PendingCode = decode("school_codes", &key, &bytes).map_err(abort)?;
                if now_ms() - pending.sent_at_ms < RESEND_AFTER_MS {
                    return Err(abort(DbError::TooSoon));
                }
            }
            let pending = PendingCode {
                email: email.clone(),
                code_sha256: hash,
                sent_at_ms: now_ms(),
                tries: 0,
            };
            tx.school_codes.insert(&key, encode(&pending))?;
            enqueue_in(tx, queued, &mail)
        })
        .await?;
        self.mail_added().notify_one();
        Ok(())
    }

    /// Checks `code`; a wrong one counts (and is kept counted), the right one verifies.
    pub async fn verify_school_code(&self, user: UserId, code: String) -> DbResult<Verified> {
        self.write(move |tx| {
            let key = user.to_be_bytes();
            let Some(bytes) = tx.school_codes.get(key)? else {
                return Ok(Verified::Expired);
            };
            let mut pending: PendingCode = decode("school_codes", &key, &bytes).map_err(abort)?;
            let stale = now_ms() - pending.sent_at_ms >= CODE_TTL_MS;
            if stale || pending.tries >= MAX_TRIES {
                return Ok(Verified::Expired);
            }
            if code_hash(user, &code) != pending.code_sha256 {
                pending.tries += 1;
                tx.school_codes.insert(&key, encode(&pending))?;
                return Ok(Verified::WrongCode);
            }
            if tx
                .school_emails
                .get(pending.email.as_bytes())?
                .is_some_and(|o| o.as_ref() != key)
            {
                return Err(abort(DbError::SchoolEmailTaken));
            }
            let mut record =
                read_in(tx.users, user)?.ok_or_else(|| abort(DbError::UserGone(user)))?;
            if let Some(previous) = record.school_email.replace(pending.email.clone()) {
                tx.school_emails.remove(previous.as_bytes())?;
            }
            tx.school_emails.insert(pending.email.as_bytes(), &key)?;
            tx.school_codes.remove(&key)?;
            store_in(tx, &record)?;
            Ok(Verified::Yes(pending.email.clone()))
        })
        .await
    }
}
