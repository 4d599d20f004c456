//! Serializes each user's match requests, so concurrent requests of one user never race for
//! the same balance, partner or idempotency key. Striped: a fixed number of locks, whatever the
//! number of users (two users sharing a stripe merely wait for each other's few milliseconds).

use storage::UserId;
use tokio::sync::{Mutex, MutexGuard};

const STRIPES: usize = 1024;

pub struct UserLocks {
    stripes: Vec<Mutex<()>>,
}

impl Default for UserLocks {
    fn default() -> Self {
        Self {
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
        }
    }
}

impl UserLocks {
    pub async fn lock(&self, user: UserId) -> MutexGuard<'_, ()> {
        self.stripes[(user.0 % STRIPES as u64) as usize]
            .lock()
            .await
    }
}
