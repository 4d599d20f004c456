//! What every handler shares.

use crate::config::Config;
use crate::db::Db;
use crate::domain::chat::Chats;
use crate::domain::matchmaker::Matchmaker;
use crate::search::Search;
use std::sync::Arc;

/// What every handler shares, behind one `Arc`: axum clones the state for every request and
/// every middleware on its way, so a clone is one reference count, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Shared {
    pub db: Arc<Db>,
    pub nats: async_nats::Client,
    pub config: Arc<Config>,
    /// Runs match requests to their end.
    pub matchmaker: Matchmaker,
    /// Operator search; it hears of every change to a user from the database.
    pub search: Arc<Search>,
    /// Held shared by every state-changing request, exclusively by a backup.
    pub write_barrier: Arc<tokio::sync::RwLock<()>>,
    pub limits: Arc<super::limits::Limits>,
    /// Sign-in with OpenID providers.
    pub oidc: Arc<crate::domain::oidc::Oidc>,
    /// Chat between matched students and its open sockets.
    pub chats: Arc<Chats>,
    /// Charge changes for the operators' live screens.
    pub charge_feed: Arc<crate::domain::charge_feed::ChargeFeed>,
    /// The school's majors, for the profile's major search.
    pub majors: Arc<[String]>,
    /// Cancelled when the server stops: long-lived sockets close on it.
    pub shutdown: tokio_util::sync::CancellationToken,
}
