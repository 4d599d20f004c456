//! Mail: the sender that drains the queue in sled (see [`crate::db::mail_queue`]) through SMTP
//! with `lettre`, or into `.eml` files when no SMTP server is configured (so `scripts/run.sh`
//! needs none), and the Korean texts of each mail.
//!
//! A mail leaves the queue only once the mail server (or the file system) took it; a failure
//! is retried with a doubling delay, so an SMTP outage delays mail and loses none.

mod templates;
mod transport;

pub use templates::{reset_mail, school_code_mail};
pub use transport::{MailArgs, Transport};

use crate::db::mail_queue::QueuedMail;
use crate::db::{now_ms, Db};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Mails sent in one round at most.
const ROUND: usize = 32;
/// How often the queue is looked at when nothing wakes the sender (retries come due).
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The first retry's delay; each failure doubles it, up to [`MAX_RETRY_DELAY_MS`].
const FIRST_RETRY_DELAY_MS: i64 = 1_000;
const MAX_RETRY_DELAY_MS: i64 = 10 * 60 * 1_000;

fn retry_delay_ms(attempts: u32) -> i64 {
    FIRST_RETRY_DELAY_MS
        .saturating_mul(1i64 << attempts.min(20))
        .min(MAX_RETRY_DELAY_MS)
}

/// Sends queued mail until `cancel`.
pub async fn run(db: Arc<Db>, transport: Transport, cancel: CancellationToken) {
    tracing::info!(to = %transport.describe(), "mail goes out");
    loop {
        if let Err(e) = round(&db, &transport).await {
            tracing::warn!(error = %format!("{e:#}"), "mail queue");
        }
        tokio::select! {
            () = tokio::time::sleep(POLL_INTERVAL) => {}
            () = db.mail_added().notified() => {}
            () = cancel.cancelled() => return,
        }
    }
}

/// Sends what is due.
async fn round(db: &Db, transport: &Transport) -> anyhow::Result<()> {
    for mail in db.due_mails(now_ms(), ROUND)? {
        match transport.send(&mail).await {
            Ok(()) => db.mail_sent(mail.id).await?,
            Err(e) if e.is_permanent() => {
                tracing::error!(mail = mail.id, error = %format!("{:#}", anyhow::Error::from(e)), "mail cannot be sent to this address: dropped");
                db.mail_sent(mail.id).await?;
            }
            Err(e) => retry_later(db, mail, &e).await?,
        }
    }
    Ok(())
}

async fn retry_later(
    db: &Db,
    mail: QueuedMail,
    error: &transport::SendError,
) -> anyhow::Result<()> {
    let delay = retry_delay_ms(mail.attempts);
    tracing::warn!(mail = mail.id, attempts = mail.attempts + 1, delay_ms = delay, error = %error, "mail not sent; will retry");
    metrics::counter!("mail_retries_total").increment(1);
    db.mail_failed(mail, now_ms() + delay).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_a_ceiling() {
        assert_eq!(retry_delay_ms(0), 1_000);
        assert_eq!(retry_delay_ms(3), 8_000);
        assert_eq!(retry_delay_ms(30), MAX_RETRY_DELAY_MS);
    }
}
