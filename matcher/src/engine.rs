//! The match engine: the table, the current weights, and a pool of scorers (each with its own
//! buffer, so concurrent requests share nothing but the read-locked table).

use crate::scoring::Scorer;
use crate::store::TableStore;
use crate::weights::Weights;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use storage::codec;
use storage::matching::{MatchReply, MatchRequest};

pub struct Engine {
    store: Arc<TableStore>,
    weights: RwLock<Weights>,
    weights_file: Option<PathBuf>,
    scorers: Mutex<Vec<Scorer>>,
}

impl Engine {
    /// Loads the weights file if one is given: a bad file is an error here, at start.
    pub fn new(store: Arc<TableStore>, weights_file: Option<PathBuf>) -> anyhow::Result<Self> {
        let weights = match &weights_file {
            Some(path) => Weights::load(path)?,
            None => Weights::default(),
        };
        tracing::info!(?weights, "scoring weights");
        Ok(Self {
            store,
            weights: RwLock::new(weights),
            weights_file,
            scorers: Mutex::new(Vec::new()),
        })
    }

    /// Reads the weights file again (SIGHUP). A bad file keeps the weights in use.
    pub fn reload_weights(&self) {
        let Some(path) = &self.weights_file else {
            tracing::info!("no --weights file to reload; keeping the defaults");
            return;
        };
        match Weights::load(path) {
            Ok(weights) => {
                *self.weights.write().expect("weights lock") = weights;
                tracing::info!(?weights, "weights reloaded");
            }
            Err(e) => tracing::error!(error = %e, "weights not reloaded; keeping the current ones"),
        }
    }

    /// Answers one encoded match request. CPU-bound: call it off the async threads.
    pub fn answer(&self, payload: &[u8]) -> MatchReply {
        let request = match codec::decode::<MatchRequest>(payload) {
            Ok(request) => request,
            Err(e) => {
                tracing::warn!(error = %e, "refusing an undecodable match request");
                return MatchReply::Refused {
                    reason: e.to_string(),
                };
            }
        };
        let weights = self.weights.read().expect("weights lock").fixed();
        let mut scorer = self
            .scorers
            .lock()
            .expect("scorer pool")
            .pop()
            .unwrap_or_default();
        let started = std::time::Instant::now();
        let reply = scorer.pick(&self.store.read(), &request, weights);
        metrics::histogram!("matcher_scoring_seconds").record(started.elapsed().as_secs_f64());
        let outcome = match &reply {
            MatchReply::Matched { .. } => "matched",
            MatchReply::NoCandidate => "no_candidate",
            MatchReply::Refused { .. } => "refused",
        };
        metrics::counter!("matcher_requests_total", "outcome" => outcome).increment(1);
        self.scorers.lock().expect("scorer pool").push(scorer);
        reply
    }
}
