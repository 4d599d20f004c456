//! Charge requests as they happen, for the operators' screen: a student asks for points, an
//! operator decides, a student cancels — every open operator screen hears of it at once
//! (server-sent events) instead of polling. Only the charge's id and status travel: the
//! screen reloads its list, so a missed event costs a reload, never a wrong list.

use crate::db::charges::ChargeStatus;
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::broadcast;

/// Changes kept for a slow listener before it is told to reload everything.
pub const FEED_CAPACITY: usize = 256;
/// Operator screens listening at once (a booth has a handful of operators).
pub const MAX_LISTENERS: usize = 64;

/// One change to a charge.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChargeChange {
    /// The charge's id (decimal).
    pub id: String,
    pub status: ChargeStatus,
}

/// The feed every charge change goes through.
pub struct ChargeFeed {
    sender: broadcast::Sender<ChargeChange>,
    listeners: AtomicUsize,
}

impl Default for ChargeFeed {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(FEED_CAPACITY).0,
            listeners: AtomicUsize::new(0),
        }
    }
}

impl ChargeFeed {
    /// Tells every listener; nobody listening is fine.
    pub fn publish(&self, id: u64, status: ChargeStatus) {
        let _ = self.sender.send(ChargeChange {
            id: id.to_string(),
            status,
        });
    }

    /// A new listener, or `None` when [`MAX_LISTENERS`] are already listening.
    pub fn listen(self: &Arc<Self>) -> Option<Listener> {
        let admitted = self
            .listeners
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_LISTENERS).then_some(n + 1)
            })
            .is_ok();
        admitted.then(|| Listener {
            changes: self.sender.subscribe(),
            feed: self.clone(),
        })
    }
}

/// One listener; it stops counting against [`MAX_LISTENERS`] when dropped.
pub struct Listener {
    pub changes: broadcast::Receiver<ChargeChange>,
    feed: Arc<ChargeFeed>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let before = self.feed.listeners.fetch_sub(1, Ordering::AcqRel);
        debug_assert!(before > 0, "a listener was counted");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_hear_changes_and_are_bounded() {
        let feed = Arc::new(ChargeFeed::default());
        let mut listeners: Vec<Listener> = (0..MAX_LISTENERS)
            .map(|_| feed.listen().expect("room"))
            .collect();
        assert!(feed.listen().is_none(), "bounded");
        feed.publish(7, ChargeStatus::Pending);
        let heard = listeners[0].changes.try_recv().unwrap();
        assert_eq!(
            (heard.id.as_str(), heard.status),
            ("7", ChargeStatus::Pending)
        );
        listeners.pop();
        assert!(
            feed.listen().is_some(),
            "a dropped listener frees its place"
        );
    }
}
