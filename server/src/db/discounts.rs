//! Discount events: a percentage off every match price from `starts_at` until `ends_at`
//! (start included, end excluded), never two at once. The schedule is one record, so the
//! overlap check and the insert are one transaction.

use super::settings::{read_in, DISCOUNTS};
use super::{abort, encode, Db, DbError, DbResult};
use serde::{Deserialize, Serialize};

/// Discounts kept at most (ended ones are dropped first to make room).
pub const MAX_DISCOUNTS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discount {
    pub id: u64,
    pub percent: u8,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
}

impl Discount {
    pub fn active_at(&self, now_ms: i64) -> bool {
        self.starts_at_ms <= now_ms && now_ms < self.ends_at_ms
    }

    fn overlaps(&self, other: &Self) -> bool {
        self.starts_at_ms < other.ends_at_ms && other.starts_at_ms < self.ends_at_ms
    }
}

impl Db {
    /// Every discount, by start.
    pub fn discounts(&self) -> DbResult<Vec<Discount>> {
        match self.settings.get(DISCOUNTS)? {
            Some(bytes) => super::decode("settings", DISCOUNTS, &bytes),
            None => Ok(Vec::new()),
        }
    }

    /// The discount running at `now_ms`, if any.
    pub fn active_discount(&self, now_ms: i64) -> DbResult<Option<Discount>> {
        Ok(self.discounts()?.into_iter().find(|d| d.active_at(now_ms)))
    }

    /// Schedules a discount: 409 when it overlaps another; ended ones make room past
    /// [`MAX_DISCOUNTS`].
    pub async fn create_discount(
        &self,
        percent: u8,
        starts_at_ms: i64,
        ends_at_ms: i64,
        now_ms: i64,
    ) -> DbResult<Discount> {
        assert!(starts_at_ms < ends_at_ms, "checked by the caller");
        let discount = Discount {
            id: self.generate_id()?,
            percent,
            starts_at_ms,
            ends_at_ms,
        };
        self.write(move |tx| {
            let mut all: Vec<Discount> = read_in(tx.settings, DISCOUNTS)?.unwrap_or_default();
            if all.iter().any(|d| d.overlaps(&discount)) {
                return Err(abort(DbError::Overlap));
            }
            if all.len() >= MAX_DISCOUNTS {
                all.retain(|d| d.ends_at_ms > now_ms);
            }
            if all.len() >= MAX_DISCOUNTS {
                return Err(abort(DbError::Full("discounts")));
            }
            all.push(discount);
            all.sort_by_key(|d| d.starts_at_ms);
            tx.settings.insert(DISCOUNTS, encode(&all))?;
            Ok(discount)
        })
        .await
    }

    pub async fn delete_discount(&self, id: u64) -> DbResult<()> {
        self.write(move |tx| {
            let mut all: Vec<Discount> = read_in(tx.settings, DISCOUNTS)?.unwrap_or_default();
            let before = all.len();
            all.retain(|d| d.id != id);
            if all.len() == before {
                return Err(abort(DbError::NotFound("event")));
            }
            tx.settings.insert(DISCOUNTS, encode(&all))?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_exact_start_in_end_out() {
        let d = Discount {
            id: 1,
            percent: 20,
            starts_at_ms: 1_000,
            ends_at_ms: 2_000,
        };
        assert!(
            !d.active_at(999) && d.active_at(1_000) && d.active_at(1_999) && !d.active_at(2_000)
        );
        let next = Discount {
            starts_at_ms: 2_000,
            ends_at_ms: 3_000,
            ..d
        };
        assert!(!d.overlaps(&next), "back to back is not an overlap");
        assert!(d.overlaps(&Discount {
            starts_at_ms: 1_999,
            ..next
        }));
    }
}
