//! Who has a chat socket open, and the bounded queue into each.
//!
//! A push goes into every open socket of its recipient without waiting: a socket whose queue
//! is full (a reader that stopped reading) is dropped from the hub, which closes its queue, so
//! its task ends the connection. One slow phone never slows anyone else or grows memory.

use super::Push;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use storage::UserId;
use tokio::sync::mpsc;

/// Open chat sockets per user at most (tabs and devices).
pub const MAX_SOCKETS_PER_USER: usize = 5;
/// Pushes waiting for one socket at most; a socket further behind is dropped.
pub const SOCKET_QUEUE: usize = 64;

type Sockets = HashMap<UserId, Vec<(u64, mpsc::Sender<Arc<Push>>)>>;

/// The open sockets.
#[derive(Default)]
pub struct Hub {
    sockets: Mutex<Sockets>,
    next_id: AtomicU64,
}

/// A registered socket: its queue, and its place in the hub, given up when dropped.
pub struct Registration {
    pub pushes: mpsc::Receiver<Arc<Push>>,
    hub: Arc<Hub>,
    user: UserId,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.hub.remove(self.user, self.id);
    }
}

impl Hub {
    /// Registers a socket of `user`; `None` when they have [`MAX_SOCKETS_PER_USER`] open.
    pub fn join(self: &Arc<Self>, user: UserId) -> Option<Registration> {
        let (sender, pushes) = mpsc::channel(SOCKET_QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut sockets = self.lock();
        let open = sockets.entry(user).or_default();
        if open.len() >= MAX_SOCKETS_PER_USER {
            return None;
        }
        open.push((id, sender));
        metrics::gauge!("chat_sockets_open").increment(1.0);
        Some(Registration {
            pushes,
            hub: self.clone(),
            user,
            id,
        })
    }

    /// Queues `push` for every open socket of `user`, dropping those that are full.
    pub fn deliver(&self, user: UserId, push: &Arc<Push>) {
        let mut sockets = self.lock();
        let Some(open) = sockets.get_mut(&user) else {
            return;
        };
        let before = open.len();
        open.retain(|(_, sender)| sender.try_send(push.clone()).is_ok());
        let dropped = before - open.len();
        if dropped > 0 {
            metrics::counter!("chat_sockets_dropped_slow_total").increment(dropped as u64);
            metrics::gauge!("chat_sockets_open").decrement(dropped as f64);
        }
        if open.is_empty() {
            sockets.remove(&user);
        }
    }

    /// Sockets open now (all users).
    pub fn open_sockets(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }

    fn remove(&self, user: UserId, id: u64) {
        let mut sockets = self.lock();
        if let Some(open) = sockets.get_mut(&user) {
            let before = open.len();
            open.retain(|(socket, _)| *socket != id);
            if open.len() < before {
                metrics::gauge!("chat_sockets_open").decrement(1.0);
            }
            if open.is_empty() {
                sockets.remove(&user);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Sockets> {
        self.sockets.lock().expect("hub lock poisoned")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(n: u64) -> Arc<Push> {
        Arc::new(Push::Read {
            match_id: 1,
            up_to: n,
            by: UserId(9),
        })
    }

    #[test]
    fn sockets_per_user_are_bounded_and_freed_when_dropped() {
        let hub = Arc::new(Hub::default());
        let open: Vec<_> = (0..MAX_SOCKETS_PER_USER)
            .map(|_| hub.join(UserId(1)).expect("room"))
            .collect();
        assert!(hub.join(UserId(1)).is_none());
        assert!(hub.join(UserId(2)).is_some(), "others are not affected");
        drop(open);
        assert_eq!(hub.open_sockets(), 0);
        assert!(hub.join(UserId(1)).is_some());
    }

    #[test]
    fn a_full_socket_is_dropped_and_the_others_still_get_everything() {
        let hub = Arc::new(Hub::default());
        let slow = hub.join(UserId(1)).unwrap();
        let mut fast = hub.join(UserId(1)).unwrap();
        for n in 0..SOCKET_QUEUE as u64 + 10 {
            hub.deliver(UserId(1), &push(n));
            assert!(
                matches!(*fast.pushes.try_recv().unwrap(), Push::Read { up_to, .. } if up_to == n)
            );
        }
        assert_eq!(hub.open_sockets(), 1, "the slow socket was dropped");
        let mut slow = slow;
        let mut queued = 0;
        while slow.pushes.try_recv().is_ok() {
            queued += 1;
        }
        assert_eq!(queued, SOCKET_QUEUE, "its queue stayed bounded");
        assert!(slow.pushes.try_recv().is_err(), "and is closed");
    }
}
