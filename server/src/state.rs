//! What every handler shares.

use crate::config::Config;
use crate::db::Db;
use crate::search::Search;
use crate::user_locks::UserLocks;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Db>,
    pub nats: async_nats::Client,
    pub config: Arc<Config>,
    /// One match request per user at a time.
    pub user_locks: Arc<UserLocks>,
    /// Operator search; told of every change to the values it indexes.
    pub search: Arc<Search>,
    /// Held shared by every state-changing request, exclusively by a backup.
    pub write_barrier: Arc<tokio::sync::RwLock<()>>,
    pub limits: Arc<crate::limits::Limits>,
}
