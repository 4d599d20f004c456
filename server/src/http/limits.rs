//! Rate limits: tight per account (log-in attempts, match requests), loose per address (a
//! whole festival booth sits behind one campus NAT). Over a limit: 429 `RATE_LIMITED` with
//! `Retry-After`. Memory is bounded: keys are bounded in size, and idle keys are dropped by
//! the sweeper.
//!
//! Log-in attempts are limited per (address, account): guessing from one place slows down to
//! the quota's refill rate, while the account's owner elsewhere (or another student behind
//! the same booth NAT) is not locked out by someone else's bad tries.

use super::error::ApiError;
use crate::model::account::EMAIL_MAX_CHARS;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;

/// Log-in attempts per account from one address per minute.
pub const DEFAULT_LOGIN_PER_MINUTE: u32 = 10;
/// Match requests per user per minute.
pub const DEFAULT_MATCH_PER_MINUTE: u32 = 30;
/// Requests per address per minute (loose: a booth shares one address).
pub const DEFAULT_ADDRESS_PER_MINUTE: u32 = 6_000;

/// The rates, per minute, from the configuration.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct RateArgs {
    /// Log-in attempts per account from one address per minute.
    #[arg(long, env = "COMATCHING_RATE_LOGIN_PER_MINUTE", default_value_t = DEFAULT_LOGIN_PER_MINUTE)]
    pub rate_login_per_minute: u32,
    /// Match requests per user per minute.
    #[arg(long, env = "COMATCHING_RATE_MATCH_PER_MINUTE", default_value_t = DEFAULT_MATCH_PER_MINUTE)]
    pub rate_match_per_minute: u32,
    /// Requests per address per minute (loose: a booth shares one address).
    #[arg(
        long,
        env = "COMATCHING_RATE_ADDRESS_PER_MINUTE",
        default_value_t = DEFAULT_ADDRESS_PER_MINUTE
    )]
    pub rate_address_per_minute: u32,
}

impl Default for RateArgs {
    fn default() -> Self {
        Self {
            rate_login_per_minute: DEFAULT_LOGIN_PER_MINUTE,
            rate_match_per_minute: DEFAULT_MATCH_PER_MINUTE,
            rate_address_per_minute: DEFAULT_ADDRESS_PER_MINUTE,
        }
    }
}

/// Chat messages per user per second (API.md).
pub const CHAT_PER_SECOND: u32 = 5;
/// Booth-code lookups per operator per minute: a booth scans one student at a time, and
/// guessing codes at this rate takes longer than a code lives.
pub const BOOTH_LOOKUPS_PER_MINUTE: u32 = 30;

pub struct Limits {
    login: DefaultKeyedRateLimiter<(IpAddr, String)>,
    matches: DefaultKeyedRateLimiter<u64>,
    chat: DefaultKeyedRateLimiter<u64>,
    booth: DefaultKeyedRateLimiter<u64>,
    address: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least 1"))
}

impl Limits {
    pub fn new(rates: RateArgs) -> Self {
        Self {
            login: DefaultKeyedRateLimiter::keyed(per_minute(rates.rate_login_per_minute)),
            matches: DefaultKeyedRateLimiter::keyed(per_minute(rates.rate_match_per_minute)),
            address: DefaultKeyedRateLimiter::keyed(per_minute(rates.rate_address_per_minute)),
            chat: DefaultKeyedRateLimiter::keyed(Quota::per_second(
                NonZeroU32::new(CHAT_PER_SECOND).expect("at least 1"),
            )),
            booth: DefaultKeyedRateLimiter::keyed(per_minute(BOOTH_LOOKUPS_PER_MINUTE)),
            clock: DefaultClock::default(),
        }
    }

    fn check<K: Hash + Eq + Clone>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
    ) -> Result<(), ApiError> {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ApiError::RateLimited(wait.as_secs().max(1))
        })
    }

    /// A log-in attempt from `ip` for the account `email` names (as typed: trimmed, lower
    /// case and cut to an email's longest, so a 60 KB "email" is a small key).
    pub fn login(&self, ip: IpAddr, email: &str) -> Result<(), ApiError> {
        let account: String = email
            .trim()
            .chars()
            .take(EMAIL_MAX_CHARS)
            .collect::<String>()
            .to_lowercase();
        self.check(&self.login, &(ip, account))
    }

    pub fn matches(&self, user: storage::UserId) -> Result<(), ApiError> {
        self.check(&self.matches, &user.0)
    }

    /// A booth-code lookup by `operator`.
    pub fn booth_lookup(&self, operator: storage::UserId) -> Result<(), ApiError> {
        self.check(&self.booth, &operator.0)
    }

    /// A chat message from `user`.
    pub fn chat(&self, user: u64) -> Result<(), ApiError> {
        self.check(&self.chat, &user)
    }

    pub fn address(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.check(&self.address, &ip)
    }

    /// Forgets keys whose limits have fully recovered (bounds memory).
    pub fn forget_idle(&self) {
        self.login.retain_recent();
        self.matches.retain_recent();
        self.chat.retain_recent();
        self.booth.retain_recent();
        self.address.retain_recent();
    }
}
