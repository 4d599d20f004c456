//! What every handler shares.

use crate::config::Config;
use crate::db::Db;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Db>,
    pub nats: async_nats::Client,
    pub config: Arc<Config>,
}
