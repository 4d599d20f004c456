//! Deletes idle sessions and expired idempotency replies now and then, so neither tree grows
//! without bound.

use crate::db::sessions::SessionLimits;
use crate::db::Db;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const SWEEP_INTERVAL: Duration = Duration::from_secs(300);

pub async fn run(
    db: Arc<Db>,
    forget_idle_limits: impl Fn() + Send,
    session_limits: SessionLimits,
    cancel: CancellationToken,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(SWEEP_INTERVAL) => {}
            () = cancel.cancelled() => return,
        }
        match db.sweep_sessions(session_limits) {
            Ok(swept) if swept > 0 => tracing::info!(swept, "ended sessions deleted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "session sweep failed"),
        }
        forget_idle_limits();
        match db.sweep_replies() {
            Ok(swept) if swept > 0 => tracing::info!(swept, "expired idempotency replies deleted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "idempotency sweep failed"),
        }
    }
}
