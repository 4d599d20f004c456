//! Serializes each user's match requests, so concurrent requests of one user never race for
//! the same balance, partner or idempotency key. Striped: a fixed number of locks, whatever the
//! number of users (two users sharing a stripe merely wait for each other's few milliseconds).

use std::sync::Arc;
use storage::UserId;
use tokio::sync::{Mutex, OwnedMutexGuard};

const STRIPES: usize = 1024;

pub struct UserLocks {
    stripes: Vec<Arc<Mutex<()>>>,
}

impl Default for UserLocks {
    fn default() -> Self {
        Self {
            stripes: (0..STRIPES).map(|_| Arc::default()).collect(),
        }
    }
}

impl UserLocks {
    /// Owned, so a match task can hold it until it is done, whoever awaits the task.
    pub async fn lock(&self, user: UserId) -> OwnedMutexGuard<()> {
        self.stripes[(user.0 % STRIPES as u64) as usize]
            .clone()
            .lock_owned()
            .await
    }
}
