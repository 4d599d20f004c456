//! Counts for the operators' dashboard.

use super::points::PointsAccount;
use super::{decode, now_ms, Db, DbResult};
use serde::Serialize;
use std::sync::atomic::Ordering;
use storage::profile::Gender;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GenderCounts {
    #[serde(rename = "MALE")]
    pub male: u64,
    #[serde(rename = "FEMALE")]
    pub female: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpsStats {
    pub users: u64,
    pub users_by_gender: GenderCounts,
    pub pickable: u64,
    pub matches_total: u64,
    pub matches_today: u64,
    pub charges_pending: u64,
    pub points_outstanding: u64,
}

impl Db {
    /// Scans users, matches and accounts (a few thousand rows at a festival).
    pub fn ops_stats(&self) -> DbResult<OpsStats> {
        let (mut users, mut male, mut female, mut pickable) = (0, 0, 0, 0);
        for user in self.all_users() {
            let user = user?;
            if user.withdrawn {
                continue;
            }
            users += 1;
            match user.profile.as_ref().map(|p| p.gender) {
                Some(Gender::Male) => male += 1,
                Some(Gender::Female) => female += 1,
                None => {}
            }
            pickable += u64::from(user.pickable());
        }
        let today = storage::seoul::start_of_day_ms(now_ms());
        let mut matches_today = 0;
        for record in self.newest_matches() {
            if record?.at_ms < today {
                break;
            }
            matches_today += 1;
        }
        let mut points_outstanding = 0;
        for item in self.accounts.iter() {
            let (key, bytes) = item?;
            let account: PointsAccount = decode("accounts", &key, &bytes)?;
            points_outstanding += account.balance;
        }
        Ok(OpsStats {
            users,
            users_by_gender: GenderCounts { male, female },
            pickable,
            matches_total: self.counters.matches.load(Ordering::Relaxed),
            matches_today,
            charges_pending: self.pending_charges.len() as u64,
            points_outstanding,
        })
    }
}
