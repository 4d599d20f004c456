//! Mail waiting to go out, kept in sled: written in the same transaction as what it tells of
//! (a reset token, a verification code), so a crash or an SMTP outage delays a mail but never
//! loses it; the sender removes it once the server took it.

use super::batch::Tx;
use super::{abort, decode, encode, now_ms, Db, DbError, DbResult, TxResult};
use serde::{Deserialize, Serialize};

/// Mails queued at most; past that, actions that mail are refused until it drains.
pub const MAX_QUEUED_MAILS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedMail {
    pub id: u64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub attempts: u32,
    pub next_attempt_ms: i64,
    pub queued_at_ms: i64,
}

/// A mail to send.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Queues `mail` inside the transaction that makes it true.
pub(super) fn enqueue_in(tx: &Tx<'_>, queued: usize, mail: &NewMail) -> TxResult<()> {
    if queued >= MAX_QUEUED_MAILS {
        return Err(abort(DbError::Full("queued mails")));
    }
    let id = tx.mail_queue.generate_id()?;
    let record = QueuedMail {
        id,
        to: mail.to.clone(),
        subject: mail.subject.clone(),
        body: mail.body.clone(),
        attempts: 0,
        next_attempt_ms: now_ms(),
        queued_at_ms: now_ms(),
    };
    tx.mail_queue.insert(&id.to_be_bytes(), encode(&record))?;
    Ok(())
}

impl Db {
    /// Mails queued now (the bound is checked against it before a step runs).
    pub fn queued_mails(&self) -> usize {
        self.mail_queue.len()
    }

    /// Up to `limit` mails due at `now`, oldest first.
    pub fn due_mails(&self, now: i64, limit: usize) -> DbResult<Vec<QueuedMail>> {
        let mut due = Vec::new();
        for item in self.mail_queue.iter() {
            let (key, bytes) = item?;
            let mail: QueuedMail = decode("mail_queue", &key, &bytes)?;
            if mail.next_attempt_ms <= now {
                due.push(mail);
                if due.len() == limit {
                    break;
                }
            }
        }
        Ok(due)
    }

    /// The mail server took `id`: it leaves the queue.
    pub async fn mail_sent(&self, id: u64) -> DbResult<()> {
        self.write(move |tx| {
            tx.mail_queue.remove(&id.to_be_bytes())?;
            Ok(())
        })
        .await
    }

    /// Sending `mail` failed: try again at `next_attempt_ms`.
    pub async fn mail_failed(&self, mut mail: QueuedMail, next_attempt_ms: i64) -> DbResult<()> {
        mail.attempts = mail.attempts.saturating_add(1);
        mail.next_attempt_ms = next_attempt_ms;
        self.write(move |tx| {
            tx.mail_queue
                .insert(&mail.id.to_be_bytes(), encode(&mail))?;
            Ok(())
        })
        .await
    }
}
