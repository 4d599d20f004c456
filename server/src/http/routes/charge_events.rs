//! `GET /api/ops/charges/events`: the operators' live feed of charge requests (server-sent
//! events). A `ready` event opens the stream (the screen loads its list then, so nothing
//! between its last load and the stream is missed), then a `charge` event per change, and a
//! `resync` when this listener fell [`FEED_CAPACITY`] changes behind. The session and role
//! are checked again every [`SESSION_CHECK`]: signing out, a lost role or a ban end the
//! stream, and so does the server stopping.

use crate::db::users::Role;
use crate::domain::charge_feed::Listener;
#[cfg(doc)]
use crate::domain::charge_feed::FEED_CAPACITY;
use crate::http::auth::CurrentUser;
use crate::http::error::{ApiError, ApiResult};
use crate::http::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use std::convert::Infallible;
use std::time::Duration;
use storage::UserId;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{interval, Interval, MissedTickBehavior};

/// How often an open stream checks its session again.
pub const SESSION_CHECK: Duration = Duration::from_secs(20);
/// A comment line this often keeps proxies and phones from closing a quiet stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// What one stream holds between events.
struct Feed {
    state: AppState,
    user: UserId,
    token: String,
    listener: Listener,
    check: Interval,
    opened: bool,
}

impl Feed {
    /// Whether the session stands and its user is still an operator in good standing.
    fn still_operator(&self) -> bool {
        let limits = self.state.config.session_limits();
        let session = self.state.db.session_user(&self.token, limits);
        let operator = |id| {
            let user = self.state.db.user(id).ok().flatten();
            user.is_some_and(|u| is_operator(u.role) && !u.withdrawn && !u.banned)
        };
        matches!(session, Ok(Some(id)) if id == self.user && operator(id))
    }

    /// The next event, or `None` when the stream ends.
    async fn next(&mut self) -> Option<Event> {
        if !self.opened {
            self.opened = true;
            return Some(Event::default().event("ready").data("{}"));
        }
        loop {
            tokio::select! {
                change = self.listener.changes.recv() => return match change {
                    Ok(change) => Event::default().event("charge").json_data(change).ok(),
                    Err(RecvError::Lagged(_)) => Some(Event::default().event("resync").data("{}")),
                    Err(RecvError::Closed) => None,
                },
                _ = self.check.tick() => if !self.still_operator() {
                    return None;
                },
                () = self.state.shutdown.cancelled() => return None,
            }
        }
    }
}

fn is_operator(role: Role) -> bool {
    matches!(role, Role::Operator | Role::Admin)
}

/// Opens the live feed of charge changes.
#[utoipa::path(get, path = "/api/ops/charges/events", tag = "ops", security(("session" = [])),
    responses((status = 200, content_type = "text/event-stream",
        description = "events `ready` ({}), `charge` ({id, status}) and `resync` ({}: reload the list)")))]
pub async fn charge_events(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    if !is_operator(current.user.role) {
        return Err(ApiError::Forbidden);
    }
    let listener = state.charge_feed.listen().ok_or(ApiError::Overloaded)?;
    let mut check = interval(SESSION_CHECK);
    check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    check.reset();
    let feed = Feed {
        state,
        user: current.user.id,
        token: current.token,
        listener,
        check,
        opened: false,
    };
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok(event), feed))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
