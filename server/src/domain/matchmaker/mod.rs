//! The match workflow: an `Idempotency-Key` answered again, or check the balance → ask the
//! matcher → record the match and spend its price in one commit. Nothing is written before
//! the matcher answers, so a failure or a crash on the way charges nothing and leaves nothing
//! to undo. It runs as a task of its own that holds the user's lock until the end, so a
//! client that gives up (a phone that times out while the matcher is slow) cannot leave a
//! lock let go early or a key without its answer: the request finishes the same whether
//! anyone still waits for it or not.

mod user_locks;

use crate::broker::matcher::{self, AskError, Asked};
use crate::config::Config;
use crate::db::idempotency::{KeyedRequest, Refusal, SavedOutcome};
use crate::db::matches::{MatchRecord, Proposal, Spend};
use crate::db::users::UserRecord;
use crate::db::{Db, DbError};
use crate::domain::pricing;
use crate::model::idempotency_key::IdempotencyKey;
use rand::RngCore;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use storage::matching::{MatchReply, MatchRequest};
use storage::options::MatchOptions;
use storage::UserId;
use user_locks::UserLocks;

/// Candidates the matcher may propose that turn out stale before we give up with 404.
const MAX_PROPOSALS: usize = 3;

/// A match made (or made before, for a repeated key) and the balance after it.
#[derive(Debug, Clone)]
pub struct Matched {
    pub record: MatchRecord,
    pub balance: u64,
}

/// Why no match was made. Refusals are kept for the request's key; the rest are not.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error("this Idempotency-Key was used for a different request")]
    KeyReused,
    #[error("the matcher is not reachable")]
    MatcherUnavailable,
    #[error("the database failed during a match")]
    Db(#[source] DbError),
    #[error("the match task panicked")]
    Panicked,
}

impl From<DbError> for MatchError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::InsufficientPoints => Self::Refused(Refusal::InsufficientPoints),
            other => Self::Db(other),
        }
    }
}

impl MatchError {
    /// The outcome's label in `match_outcomes_total` (API.md's code).
    fn label(&self) -> &'static str {
        match self {
            Self::Refused(Refusal::ProfileRequired) => "PROFILE_REQUIRED",
            Self::Refused(Refusal::MatchLimit(_)) => "MATCH_LIMIT",
            Self::Refused(Refusal::InsufficientPoints) => "INSUFFICIENT_POINTS",
            Self::Refused(Refusal::NoCandidate) => "NO_CANDIDATE",
            Self::KeyReused => "IDEMPOTENCY_KEY_REUSED",
            Self::MatcherUnavailable => "MATCHER_UNAVAILABLE",
            Self::Db(_) | Self::Panicked => "INTERNAL",
        }
    }
}

type MatchResult = Result<Matched, MatchError>;

/// One user's request: who asks, with which options, under which key.
struct Ask {
    me: UserRecord,
    options: MatchOptions,
    keyed: Option<KeyedRequest>,
}

/// Runs match requests. Shared by every handler (cheap to clone).
#[derive(Clone)]
pub struct Matchmaker {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<Db>,
    nats: async_nats::Client,
    config: Arc<Config>,
    /// One match request per user at a time.
    locks: UserLocks,
}

/// Runs one stage of a match and records its time in `match_stage_seconds{stage}`, so a slow
/// match shows where it waited (its lock, the matcher, the record).
async fn timed<T>(stage: &'static str, work: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let output = work.await;
    metrics::histogram!("match_stage_seconds", "stage" => stage)
        .record(started.elapsed().as_secs_f64());
    output
}

impl Matchmaker {
    pub fn new(db: Arc<Db>, nats: async_nats::Client, config: Arc<Config>) -> Self {
        let locks = UserLocks::default();
        let inner = Inner {
            db,
            nats,
            config,
            locks,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Asks for a match for `me` and waits for the outcome. The work runs on a task of its
    /// own: if this future is dropped, the task still finishes (and saves its outcome under
    /// `key`), so a retry with the key gets the answer instead of a second charge. The task
    /// keeps `hold` until it ends (the request's share of the write barrier, so a backup waits
    /// for a match whose client left).
    pub async fn request(
        &self,
        me: UserRecord,
        options: MatchOptions,
        key: Option<IdempotencyKey>,
        hold: impl Send + 'static,
    ) -> MatchResult {
        let fingerprint = serde_json::to_string(&options).expect("options serialize");
        let keyed = key.map(|key| KeyedRequest {
            key: key.as_str().to_owned(),
            fingerprint,
        });
        let ask = Ask { me, options, keyed };
        let inner = self.inner.clone();
        let task = tokio::spawn(async move {
            let _hold = hold;
            inner.run(ask).await
        });
        task.await.unwrap_or(Err(MatchError::Panicked))
    }
}

impl Inner {
    /// The whole request under the user's lock: a saved answer, or a new attempt whose
    /// refusal is saved for the key.
    async fn run(&self, ask: Ask) -> MatchResult {
        let user = ask.me.id;
        let _turn = timed("lock", self.locks.lock(user)).await;
        if let Some(keyed) = &ask.keyed {
            if let Some(answer) = self.saved(user, keyed)? {
                return answer;
            }
        }
        let outcome = self.attempt(&ask).await;
        let label = outcome
            .as_ref()
            .map_or_else(MatchError::label, |_| "MATCHED");
        metrics::counter!("match_outcomes_total", "outcome" => label).increment(1);
        if let (Err(MatchError::Refused(refusal)), Some(keyed)) = (&outcome, ask.keyed) {
            self.db.save_refusal(user, keyed, *refusal).await?;
        }
        outcome
    }

    /// The answer saved for this key, if any: the same match again, or the same refusal.
    fn saved(&self, user: UserId, keyed: &KeyedRequest) -> Result<Option<MatchResult>, MatchError> {
        let Some(saved) = self.db.saved_reply(user, &keyed.key)? else {
            return Ok(None);
        };
        if saved.fingerprint != keyed.fingerprint {
            return Err(MatchError::KeyReused);
        }
        Ok(Some(match saved.outcome {
            SavedOutcome::Matched { match_id, balance } => {
                let record = self.db.match_record(match_id)?.ok_or_else(|| {
                    DbError::Corrupt(format!("a saved reply names missing match {match_id}"))
                })?;
                Ok(Matched { record, balance })
            }
            SavedOutcome::Refused(refusal) => Err(MatchError::Refused(refusal)),
        }))
    }

    /// Checks the limit and the balance, asks the matcher, and proposes.
    async fn attempt(&self, ask: &Ask) -> MatchResult {
        let me = &ask.me;
        let profile = me
            .profile
            .as_ref()
            .ok_or(MatchError::Refused(Refusal::ProfileRequired))?;
        let limit = self.config.match_limit;
        if self.db.match_count(me.id)? as u64 >= limit {
            return Err(MatchError::Refused(Refusal::MatchLimit(limit)));
        }
        let discount = self.db.active_discount(crate::db::now_ms())?;
        let discount = discount.map(|d| d.percent);
        let price = pricing::price(&self.config, &ask.options, discount).charged;
        // Checked here so that a student without points costs no matcher query; recording
        // checks again, in the transaction that spends (the user's lock keeps their own
        // matches apart, but an operator's correction may come between).
        if self.db.account(me.id)?.balance < price {
            return Err(MatchError::Refused(Refusal::InsufficientPoints));
        }
        let request = MatchRequest {
            request_id: rand::rng().next_u64(),
            requester_id: me.id,
            requester: profile.features(me.pickable()),
            options: ask.options.clone(),
            exclude: self.db.partners_of(me.id)?,
            seed: rand::rng().next_u64(),
        };
        // One commit per match: the price is spent in the transaction that records it, not
        // held in one of its own first. Holding it cost every match a second commit (writer
        // time, and latency whenever it outlasted the matcher's answer) to guard against
        // what the record's own balance check catches.
        let first = self.ask(&request).await;
        self.propose(ask, price, request, first, discount).await
    }

    /// One question to the matcher: a candidate and whether the important option applied.
    async fn ask(&self, request: &MatchRequest) -> Result<(UserId, bool), MatchError> {
        let timeout = self.config.match_timeout();
        let first = matcher::ask(&self.nats, Asked::OneMatcher, request, timeout);
        let mut reply = timed("ask", first).await;
        // A matcher that stopped answering (paused, or its machine gone before NATS noticed)
        // still holds its place in the queue group, which could pick it again: ask every
        // matcher once more and take the first answer. Asking changes nothing, so twice (and
        // by several) is safe.
        if let Err(AskError::Timeout(_)) = reply {
            metrics::counter!("match_ask_retries_total").increment(1);
            tracing::warn!(
                timeout_ms = timeout.as_millis() as u64,
                "no matcher answered in time: asking once more"
            );
            let every = matcher::ask(&self.nats, Asked::EveryMatcher, request, timeout);
            reply = timed("ask", every).await;
        }
        match reply.map_err(unavailable)? {
            MatchReply::Matched {
                candidate,
                important_applied,
            } => Ok((candidate, important_applied)),
            MatchReply::NoCandidate => Err(MatchError::Refused(Refusal::NoCandidate)),
            MatchReply::Refused { reason } => {
                tracing::error!(%reason, "the matcher refused a request");
                Err(MatchError::MatcherUnavailable)
            }
        }
    }

    /// Records the matcher's proposal; one that turns out stale (matched meanwhile, or no
    /// longer pickable) is excluded and the matcher asked again, at most [`MAX_PROPOSALS`].
    async fn propose(
        &self,
        ask: &Ask,
        price: u64,
        mut request: MatchRequest,
        first: Result<(UserId, bool), MatchError>,
        discount: Option<u8>,
    ) -> MatchResult {
        let mut proposed = first;
        for proposal in 1..=MAX_PROPOSALS {
            let (candidate, important_applied) = proposed?;
            let pair = Proposal {
                requester: ask.me.id,
                candidate,
                options: ask.options.clone(),
                important_applied,
            };
            let spend = Spend {
                price,
                refund: pricing::refund(&self.config, &ask.options, important_applied, discount),
                idempotency: ask.keyed.clone(),
            };
            match timed("record", self.db.record_match(pair, spend)).await? {
                Ok((record, balance)) => return Ok(Matched { record, balance }),
                Err(_) if proposal < MAX_PROPOSALS => {
                    request.exclude.push(candidate);
                    proposed = self.ask(&request).await;
                }
                Err(_) => break,
            }
        }
        Err(MatchError::Refused(Refusal::NoCandidate))
    }
}

/// Logs why the matcher did not answer; the client hears only that it is unavailable.
fn unavailable(error: AskError) -> MatchError {
    tracing::warn!(error = %format!("{:#}", anyhow::Error::from(error)), "no answer from the matcher");
    MatchError::MatcherUnavailable
}
