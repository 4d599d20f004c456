//! Admission to password hashing, which is a CPU weapon otherwise: 200 junk logins at once
//! from one address took a real login from 0.05 s to 7.9 s. Hashes run at most one per core;
//! a bounded number wait behind them, and beyond that a request is refused at once (503
//! `OVERLOADED`, retried by the client a second later) instead of queueing minutes of work.
//! One address may hold only a few of those places, so a flood from one address leaves room
//! for everyone else, while a booth NAT's real logins (a few a second at most, 50 ms each)
//! rarely overlap at all.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use tokio::sync::{Semaphore, SemaphorePermit, TryAcquireError};

/// Hashes waiting at most, beyond those running.
const MAX_WAITING: usize = 32;
/// Places (running or waiting) one address may hold at once.
pub const MAX_PER_ADDRESS: usize = 4;
/// Hashes computed at once at most, whatever the cores.
const MAX_RUNNING: usize = 4;

/// No place for this hash now.
#[derive(Debug, thiserror::Error)]
#[error("too many passwords are being checked; try again in a second")]
pub struct Busy;

pub struct Gate {
    /// Places: running plus waiting.
    places: Semaphore,
    /// Hashes computing now.
    running: Semaphore,
    /// Places held per address; an entry exists only while it holds one, so the map is
    /// bounded by the number of places.
    per_address: Mutex<HashMap<IpAddr, usize>>,
}

/// A place in the gate; the hash runs once [`Admission::run`] gets a core.
pub struct Admission<'a> {
    gate: &'a Gate,
    _place: SemaphorePermit<'a>,
    address: Option<IpAddr>,
}

impl Gate {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let running = cores.clamp(1, MAX_RUNNING);
        Self {
            places: Semaphore::new(running + MAX_WAITING),
            running: Semaphore::new(running),
            per_address: Mutex::default(),
        }
    }

    /// A place for one hash from `address` (`None`: the command line), or [`Busy`].
    pub fn admit(&self, address: Option<IpAddr>) -> Result<Admission<'_>, Busy> {
        let place = match self.places.try_acquire() {
            Ok(place) => place,
            Err(TryAcquireError::NoPermits | TryAcquireError::Closed) => return Err(Busy),
        };
        if let Some(ip) = address {
            let mut held = self.per_address.lock().expect("per-address lock");
            let count = held.entry(ip).or_default();
            if *count >= MAX_PER_ADDRESS {
                return Err(Busy);
            }
            *count += 1;
        }
        Ok(Admission {
            gate: self,
            _place: place,
            address,
        })
    }
}

impl Admission<'_> {
    /// Waits for a core, then runs `work` (the hash) on a blocking thread.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let _core = self.gate.running.acquire().await?;
        Ok(tokio::task::spawn_blocking(work).await?)
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        let Some(ip) = self.address else { return };
        let mut held = self.gate.per_address.lock().expect("per-address lock");
        if let Some(count) = held.get_mut(&ip) {
            *count -= 1;
            if *count == 0 {
                held.remove(&ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_holds_a_few_places_and_the_gate_a_bounded_number() {
        let gate = Gate::new();
        let flood: IpAddr = [10, 0, 0, 1].into();
        let held: Vec<_> = (0..MAX_PER_ADDRESS)
            .map(|_| gate.admit(Some(flood)).unwrap())
            .collect();
        assert!(gate.admit(Some(flood)).is_err(), "one address is capped");
        let other: IpAddr = [10, 0, 0, 2].into();
        assert!(gate.admit(Some(other)).is_ok(), "others still get in");
        drop(held);
        assert!(gate.admit(Some(flood)).is_ok(), "places come back");
        assert!(
            gate.per_address.lock().unwrap().is_empty(),
            "no entry is left"
        );
        let all: Vec<_> = std::iter::from_fn(|| gate.admit(None).ok())
            .take(1_000)
            .collect();
        assert!(
            all.len() <= MAX_RUNNING + MAX_WAITING,
            "the gate is bounded"
        );
    }
}
