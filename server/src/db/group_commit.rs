//! Group commit: many requests wait for one flush instead of flushing once each.

use anyhow::Context;
use tokio::sync::{mpsc, oneshot};

/// Waiters queued at most; beyond that callers wait for room (back-pressure, not growth).
const MAX_WAITERS: usize = 4096;

type Waiter = oneshot::Sender<Result<(), String>>;

/// A handle to the flusher task. The task ends when the last handle is dropped.
pub struct GroupCommit {
    waiters: mpsc::Sender<Waiter>,
}

impl GroupCommit {
    pub fn start(db: sled::Db) -> Self {
        let (waiters, rx) = mpsc::channel(MAX_WAITERS);
        tokio::spawn(flusher(db, rx));
        Self { waiters }
    }

    /// Returns once a flush that began after this call has finished.
    pub async fn durable(&self) -> anyhow::Result<()> {
        let (tx, rx) = oneshot::channel();
        self.waiters
            .send(tx)
            .await
            .map_err(|_| anyhow::anyhow!("the flusher has stopped"))?;
        rx.await
            .context("the flusher dropped a waiter")?
            .map_err(|e| anyhow::anyhow!("flush failed: {e}"))
    }
}

async fn flusher(db: sled::Db, mut rx: mpsc::Receiver<Waiter>) {
    let mut batch: Vec<Waiter> = Vec::with_capacity(MAX_WAITERS);
    while rx.recv_many(&mut batch, MAX_WAITERS).await > 0 {
        let db = db.clone();
        let result = match tokio::task::spawn_blocking(move || db.flush()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        for waiter in batch.drain(..) {
            let _ = waiter.send(result.clone());
        }
    }
}
